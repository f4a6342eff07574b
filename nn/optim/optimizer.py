"""The optimizer base class: parameter groups, per-parameter state, saving and loading.

Optimizers work on the parameters' numpy arrays directly and record no graph: every update
writes into ``p.data`` in place and then bumps ``p._version`` once.
"""
import numbers

import numpy as np

from autograd.versions import count_updates

from .flat import FlatGroup, flat_members
from .plain import as_count, as_index, check_dict, check_list, plain


def _is_param(obj):
    return isinstance(getattr(obj, "data", None), np.ndarray) and hasattr(obj, "grad")


class Optimizer:
    """Base class of the optimizers.

    ``param_groups`` is a list of dicts, each with ``"params"`` (a list of parameters) and the
    hyper-parameters, which may be changed between steps. ``state`` maps each parameter (hashed
    by identity) to its buffers, created on its first step.

    A subclass sets ``_state_arrays`` (names of buffers shaped like the parameter),
    ``_state_counters`` (names of step counters), ``_required_state``, and implements
    ``_check_hyperparameters(group)``, ``_init_state(data, group)`` and
    ``_update_group(group)``, which gives its rule to ``_update_params``.
    """

    _state_arrays = ()
    _state_counters = ()
    _required_state = ()

    def __init__(self, params, defaults):
        if _is_param(params) or isinstance(params, (dict, set)):
            raise TypeError(
                "params must be an ordered iterable of parameters or of dicts, "
                f"not {type(params).__name__}")
        self.defaults = dict(defaults)
        self.state = {}
        self._step_count = 0
        self._scratch = {}  # param -> (its data array, work arrays reused every step); never saved
        self._flat = {}  # id(group) -> its FlatGroup, when its parameters are updated at once
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __getstate__(self):
        # A copy (deepcopy, pickle) would turn the flat layouts' views into arrays of their own:
        # the copy lays its groups out again, from its state, at its first step.
        attributes = dict(self.__dict__)
        attributes["_flat"], attributes["_scratch"] = {}, {}
        return attributes

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            hyper = ", ".join(f"{k}={v!r}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {hyper}")
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group):
        """Add a dict with ``"params"`` and optional per-group hyper-parameter overrides."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a param group must be a dict, not {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a param group needs a 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, set):
            raise TypeError("params must be an ordered collection, not a set")
        params = [params] if _is_param(params) else list(params)
        for p in params:
            if not _is_param(p) or type(p).__hash__ is None:
                raise TypeError("optimizer can only optimize hashable objects with .data and .grad "
                                f"(like autograd.Tensor), not {type(p).__name__}")
            if p.data.dtype.kind != "f":
                raise TypeError("optimizer can only optimize floating parameters, "
                                f"not {p.data.dtype}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter appears more than once in a parameter group")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's gradient.

        ``set_to_none=True`` sets ``.grad`` to None (never writing into the old gradient);
        ``False`` zeroes the existing ``.grad`` arrays in place (as PyTorch's option), so
        the next backward accumulates into the same memory.
        """
        for group in self.param_groups:
            if set_to_none:
                for p in group["params"]:
                    p.grad = None
            else:
                for p in group["params"]:
                    if p.grad is not None:
                        p.grad.fill(0)

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` re-evaluates the loss first."""
        loss = None
        if closure is not None:
            from autograd import enable_grad  # only closures need the engine
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        self._step_count += 1  # lets a scheduler tell that it is stepped out of order
        return loss

    def _update_params(self, group, names, update, maximize, weight_decay, decay=None,
                       required=()):
        """Update each parameter of ``group`` that has a gradient, by the rule ``update``.

        ``update(work, g, buffers, step)`` moves the state arrays ``buffers[name]`` (of
        ``names``) in place and writes the parameter's change into ``work``; ``g`` is the
        gradient with ``maximize`` and the L2 ``weight_decay`` applied, ``step`` the parameter's
        count after this step (None for an optimizer that counts none). ``decay`` first scales
        the parameter (decoupled weight decay). State arrays missing from a parameter's state are
        zeros, except those of ``required``, which ``update`` makes itself when absent.

        When the group's parameters are small and alike (see ``flat``), ``update`` runs once
        over flat buffers that hold them all; else once per parameter. The numbers are the same.
        """
        counted = "step" in self._state_counters
        flat = self._flat_layout(group, names, required) if names else None
        if flat is not None:
            grads, layout = flat
            step = None
            if counted:
                step = layout.entries[0]["step"] + 1
                for entry in layout.entries:
                    entry["step"] = step
            if decay is not None:
                for data in layout.datas:
                    data *= decay
            if maximize or weight_decay:
                for data, grad, gathered in zip(layout.datas, grads, layout.grads):
                    if signed_gradient(grad, data, maximize, weight_decay, gathered) is grad:
                        gathered[...] = grad  # np.copyto, without its Python wrapper
            else:
                for gathered, grad in zip(layout.grads, grads):
                    gathered[...] = grad
            update(layout.work, layout.grad, layout.flat_state, step)
            for data, change in zip(layout.datas, layout.works):
                data += change
            count_updates(layout.params, layout.memory_keys)
            return
        step = None
        n_scratch = 2 if weight_decay or maximize else 1
        for data, grad, entry, scratch in self._params_with_grad(group, n_scratch):
            if counted:
                step = entry["step"] = entry["step"] + 1
            if decay is not None:
                data *= decay
            grad = signed_gradient(grad, data, maximize, weight_decay, scratch[0])
            work = scratch[1] if grad is scratch[0] else scratch[0]
            for name in names:
                if name not in required and entry.get(name) is None:
                    entry[name] = np.zeros_like(data)
            update(work, grad, entry, step)
            data += work

    def _flat_layout(self, group, names, required):
        """``(grads, layout)`` when the parameters of ``group`` with a gradient can be updated
        at once (see ``flat``): ``layout`` is the FlatGroup whose views their state arrays
        ``names`` are, created with the state when missing, and ``grads`` their gradients in
        its order. None when they cannot; the caller then updates them one by one."""
        layout = self._flat.get(id(group))
        if layout is not None:
            grads = layout.gradients(group["params"], names, self.state)
            if grads is not None:
                return grads, layout
        members = flat_members(group["params"], self.state, required)
        if members is None:
            return None
        for p, data, _ in members:
            if p not in self.state:
                self.state[p] = self._init_state(data, group)
        layout = self._flat[id(group)] = FlatGroup(members, names, self.state)
        return [grad for _, _, grad in members], layout

    def _params_with_grad(self, group, n_scratch):
        """Yield ``(data, grad, state, scratch)`` for each parameter of ``group`` with a gradient.

        ``scratch`` holds at least ``n_scratch`` work arrays like ``data``. The version counter
        is bumped when the caller asks for the next parameter, i.e. after its update is done.
        """
        state, scratches = self.state, self._scratch
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            data = p.data
            if grad.shape != data.shape:
                raise ValueError(f"gradient of shape {grad.shape} for a parameter "
                                 f"of shape {data.shape}")
            st = state.get(p)
            if st is None:
                st = state[p] = self._init_state(data, group)
            # Work arrays are tied to the very array they were made for, so that rebinding
            # p.data (to another shape or dtype) just makes new ones.
            owner, scratch = scratches.get(p, (None, ()))
            if owner is not data or len(scratch) < n_scratch:
                scratch = [np.empty_like(data) for _ in range(n_scratch)]
                scratches[p] = (data, scratch)
            yield data, grad, st, scratch
            p._version += 1

    def state_dict(self):
        """``{"state": {"index": {name: array copy or int}}, "param_groups": [{...}]}``.

        A plain structure (str keys, lists, arrays, numbers, strings; see ``plain``) that
        ``nn.save`` stores. Parameters are numbered in order across the groups, and the state's
        keys are those numbers as strings; each saved group holds its hyper-parameters (tuples
        as lists) and ``"params"``, the list of its parameters' indices.
        """
        groups = []
        params = []
        for i, group in enumerate(self.param_groups):
            saved = plain({k: v for k, v in group.items() if k != "params"},
                          f"param_groups[{i}]")
            saved["params"] = list(range(len(params), len(params) + len(group["params"])))
            params.extend(group["params"])
            groups.append(saved)
        state = {}
        for index, p in enumerate(params):
            entry = self.state.get(p)
            if entry:  # parameters never stepped (or stateless) are left out
                state[str(index)] = plain(entry, f"state of parameter {index}")
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load what ``state_dict()`` returned (or its JSON-like copy).

        Every check is done before anything changes: a bad state dict raises (TypeError for a
        wrong type, ValueError for a wrong value, layout or shape) and leaves the optimizer as
        it was. Buffers are copied into the parameters' dtype.
        """
        check_dict(state_dict, "an optimizer state dict")
        if set(state_dict) != {"state", "param_groups"}:
            raise ValueError("an optimizer state dict has exactly the keys 'state' and "
                             f"'param_groups', got {sorted(map(str, state_dict))}")
        saved_groups = state_dict["param_groups"]
        check_list(saved_groups, "state_dict['param_groups']")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        param_of = {}
        new_hypers = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            check_dict(saved, f"parameter group {i} of the loaded state dict")
            indices = saved.get("params", [])
            check_list(indices, f"parameter group {i}'s 'params'")
            if len(indices) != len(group["params"]):
                raise ValueError(f"parameter group {i} of the loaded state dict has {len(indices)} "
                                 f"parameters, this optimizer's has {len(group['params'])}")
            for index, p in zip(indices, group["params"]):
                index = as_index(index, f"parameter group {i}'s 'params'")
                if index in param_of:
                    raise ValueError(f"parameter index {index} appears more than once in the "
                                     "loaded state dict's parameter groups")
                param_of[index] = p
            hyper = plain({k: v for k, v in saved.items() if k != "params"},
                          f"parameter group {i}")
            missing = [name for name in self.defaults if name not in hyper]
            if missing:
                raise ValueError(f"parameter group {i} of the loaded state dict lacks {missing}")
            for name, default in self.defaults.items():
                if isinstance(default, tuple) and isinstance(hyper[name], list):
                    hyper[name] = tuple(hyper[name])  # a tuple saved as a list comes back
            self._check_hyperparameters(hyper)
            new_hypers.append(hyper)
        saved_state = state_dict["state"]
        check_dict(saved_state, "state_dict['state']")
        new_state = {}
        for key, entry in saved_state.items():
            index = as_index(key, "state_dict['state']")
            if index not in param_of:
                raise ValueError(f"loaded state dict has state for parameter {index}, "
                                 "which no parameter group holds")
            p = param_of[index]
            if p in new_state:
                raise ValueError(f"loaded state dict has state for parameter {index} twice")
            check_dict(entry, f"state of parameter {index}")
            new_state[p] = self._load_state_entry(index, entry, p.data)
        self.state = new_state
        for group, hyper in zip(self.param_groups, new_hypers):
            params = group["params"]
            group.clear()
            group["params"] = params
            group.update(hyper)

    def _load_state_entry(self, index, entry, data):
        """Check one parameter's saved state and return a copy in the parameter's dtype."""
        unknown = set(entry) - set(self._state_arrays) - set(self._state_counters)
        if unknown:
            raise ValueError(f"state of parameter {index} has unknown entries "
                             f"{sorted(map(str, unknown))}")
        missing = [name for name in self._required_state if entry.get(name) is None]
        if missing:
            raise ValueError(f"state of parameter {index} lacks {missing}")
        loaded = {}
        for name, value in entry.items():
            if value is None:
                continue
            if name in self._state_counters:
                loaded[name] = as_count(value, f"state {name!r} of parameter {index}")
                continue
            if not isinstance(value, np.ndarray):
                raise TypeError(f"state {name!r} of parameter {index} must be a numpy array, "
                                f"not {type(value).__name__}")
            if value.dtype.kind not in "biuf":
                raise TypeError(f"state {name!r} of parameter {index} has dtype {value.dtype}; "
                                "it must hold numbers")
            if value.shape != data.shape:
                raise ValueError(f"state {name!r} of parameter {index} has shape {value.shape}, "
                                 f"the parameter has shape {data.shape}")
            loaded[name] = np.array(value, dtype=data.dtype, copy=True)
        return loaded

    # Subclass hooks.
    def _check_hyperparameters(self, group):
        raise NotImplementedError

    def _init_state(self, data, group):
        raise NotImplementedError

    def _update_group(self, group):
        raise NotImplementedError


def check_nonnegative(group, *names):
    """Raise naming the first hyper-parameter of ``group`` that is not a number >= 0."""
    for name in names:
        value = group[name]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"Invalid {name} value: {value!r} (a number is needed)")
        if not 0.0 <= value:  # also rejects NaN
            raise ValueError(f"Invalid {name} value: {value!r}")


def check_flags(group, *names):
    """Raise TypeError naming the first hyper-parameter of ``group`` that is not a bool."""
    for name in names:
        if not isinstance(group[name], (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, not {group[name]!r}")


def signed_gradient(grad, data, maximize, weight_decay, out):
    """The gradient the update descends: ``-grad`` when maximizing, plus ``weight_decay p``.

    Returns ``grad`` itself when neither applies, else the result written into ``out``.
    """
    if weight_decay:
        np.multiply(data, weight_decay, out=out)
        if maximize:
            out -= grad
        else:
            out += grad
        return out
    if maximize:
        return np.negative(grad, out=out)
    return grad
