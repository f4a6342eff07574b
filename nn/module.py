"""Parameter and Module: the base of every layer and network (containers: nn/containers.py)."""
import inspect
import warnings
from collections import OrderedDict

import numpy as np

from autograd import Tensor, no_grad
from autograd.versions import record_update


class Parameter(Tensor):
    """A Tensor that requires grad and registers itself on the Module it is assigned to.

    ``Parameter(data)`` always copies ``data``.
    """
    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        data = data.data if isinstance(data, Tensor) else data
        super().__init__(np.array(data, dtype=None if isinstance(data, np.ndarray) else float),
                         requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _holds_modules(value):
    """True for a plain list, tuple or dict with a Module or Parameter among its items."""
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, (list, tuple)):
        return False
    return any(isinstance(item, (Module, Parameter)) for item in value)


def _buffer_array(name, array):
    """``array`` as a buffer value: an ndarray (kept, not copied) or None."""
    if array is None or isinstance(array, np.ndarray):
        return array
    if isinstance(array, Tensor):
        raise TypeError(f"buffer {name!r}: a buffer holds a numpy array, not a Tensor; pass "
                        f"tensor.data, or assign an nn.Parameter if it should be trained")
    try:
        converted = np.asarray(array)
    except (TypeError, ValueError):
        converted = None
    if converted is None or converted.dtype.kind not in "fiub":
        raise TypeError(f"buffer {name!r} must be a numeric numpy array or None, "
                        f"not {type(array).__name__}")
    return converted


class Module:
    """Base class of every layer and network.

    Parameters, buffers (``register_buffer``) and submodules assigned as attributes register
    themselves, in order. A plain list or dict of Modules does not: use ``nn.ModuleList`` or
    ``nn.ModuleDict`` (assigning one warns).
    """
    training = True

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        if cls.__module__.partition(".")[0] == "nn":
            # nn's own layers keep their constructor arguments, which nn.save records as the
            # architecture for nn.load_model to rebuild the layer from (nn/architecture.py)
            self.__dict__["_init_args"] = (args, kwargs)
        return self

    # inspect.signature of a layer with no __init__ (ReLU) reads this: it takes no arguments
    __new__.__signature__ = inspect.Signature(
        [inspect.Parameter("cls", inspect.Parameter.POSITIONAL_ONLY)])

    def __setattr__(self, name, value):
        parameters = self.__dict__.setdefault("_parameters", OrderedDict())
        modules = self.__dict__.setdefault("_modules", OrderedDict())
        buffers = self.__dict__.setdefault("_buffers", OrderedDict())
        if name in buffers and not isinstance(value, (Parameter, Module)):
            value = buffers[name] = _buffer_array(name, value)  # a buffer stays a buffer
            object.__setattr__(self, name, value)
            return
        target = parameters if isinstance(value, Parameter) else \
            modules if isinstance(value, Module) else None
        for registry in (parameters, modules, buffers):
            if registry is not target:
                registry.pop(name, None)
        if target is not None:
            target[name] = value  # a replaced entry keeps its place in the order
        elif _holds_modules(value):
            kind = "ModuleDict" if isinstance(value, dict) else "ModuleList"
            warnings.warn(f"{type(self).__name__}.{name} is a plain {type(value).__name__} "
                          f"holding Modules or Parameters: they are not registered, so "
                          f"parameters(), state_dict(), train() and zero_grad() will not see "
                          f"them; wrap Modules in nn.{kind}(...), and assign each Parameter "
                          f"as an attribute of its own", UserWarning, stacklevel=2)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in ("_parameters", "_modules", "_buffers"):
            self.__dict__.get(registry, {}).pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name, array, persistent=True):
        """Register ``array`` (a numpy array, kept as is, or None) as a buffer: state that is
        not trained, such as running statistics. It is the attribute ``self.<name>``, it is in
        ``state_dict`` (unless ``persistent=False`` or None) and follows ``astype``."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"buffer name must be a non-empty string without '.', got {name!r}")
        if name in self.__dict__.get("_parameters", {}) or name in self.__dict__.get(
                "_modules", {}) or (name in self.__dict__ and
                                    name not in self.__dict__.get("_buffers", {})):
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}; "
                           f"a buffer needs a fresh name")
        array = _buffer_array(name, array)
        self.__dict__.setdefault("_buffers", OrderedDict())[name] = array
        nonpersistent = self.__dict__.setdefault("_nonpersistent", set())
        (nonpersistent.discard if persistent else nonpersistent.add)(name)
        object.__setattr__(self, name, array)

    def forward(self, *args, **kwargs):
        """The computation; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        """``forward(*args, **kwargs)``."""
        return self.forward(*args, **kwargs)

    # ---- traversal --------------------------------------------------------------------
    def children(self):
        """The direct submodules, each once."""
        seen = set()
        for child in self.__dict__.get("_modules", {}).values():
            if child not in seen:
                seen.add(child)
                yield child

    def named_children(self):
        """(name, submodule) for the direct submodules, each once."""
        seen = set()
        for name, child in self.__dict__.get("_modules", {}).items():
            if child not in seen:
                seen.add(child)
                yield name, child

    def named_modules(self, prefix="", memo=None, remove_duplicate=True):
        """(dotted name, module) for this module and every module below it; a shared module
        once, or under each of its names with ``remove_duplicate=False``."""
        if remove_duplicate:
            memo = set() if memo is None else memo
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, child in self.__dict__.get("_modules", {}).items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo,
                                           remove_duplicate)

    def modules(self):
        """This module and every module below it."""
        return (module for _, module in self.named_modules())

    def _named_members(self, registry, remove_duplicate=True):
        seen = set()
        for prefix, module in self.named_modules(remove_duplicate=remove_duplicate):
            for name, member in module.__dict__.get(registry, {}).items():
                if member is None or (remove_duplicate and id(member) in seen):
                    continue
                seen.add(id(member))
                yield (f"{prefix}.{name}" if prefix else name), member

    def named_parameters(self):
        """(dotted name, parameter) pairs, e.g. ``0.weight``; a shared parameter once."""
        return self._named_members("_parameters")

    def parameters(self):
        """Every parameter, each once."""
        return (parameter for _, parameter in self.named_parameters())

    def named_buffers(self):
        """(dotted name, array) for every buffer, e.g. ``1.running_mean``; a shared one once."""
        return self._named_members("_buffers")

    def buffers(self):
        """Every buffer array, each once."""
        return (array for _, array in self.named_buffers())

    # ---- modes, gradients, dtype --------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (``mode=False``: eval mode) here and in every submodule."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, flag=True):
        """Turn gradient tracking of every parameter on or off (freezing); returns self."""
        for parameter in self.parameters():
            parameter.requires_grad_(flag)
        return self

    def zero_grad(self, set_to_none=True):
        """Set every parameter's ``.grad`` to None, or with ``set_to_none=False`` zero the
        existing gradient arrays in place."""
        for parameter in self.parameters():
            if set_to_none:
                parameter.grad = None
            elif parameter.grad is not None:
                parameter.grad[...] = 0

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule (children first) and on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def astype(self, dtype):
        """Cast every floating parameter (and its grad) and floating buffer to the floating
        ``dtype``, in place on the same objects; integer buffers (counters) keep theirs."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"astype needs a floating dtype such as np.float32, got {dtype}")
        with no_grad():
            for parameter in self.parameters():
                if parameter.data.dtype != dtype:
                    parameter.data = parameter.data.astype(dtype)
                    if parameter.grad is not None:
                        parameter.grad = parameter.grad.astype(dtype)
        for module in self.modules():
            buffers = module.__dict__.get("_buffers", {})
            for name, array in list(buffers.items()):
                if array is not None and array.dtype.kind == "f" and array.dtype != dtype:
                    setattr(module, name, array.astype(dtype))
        return self

    # ---- state --------------------------------------------------------------------------
    def _state_items(self):
        """(dotted name, Parameter or buffer array) in state_dict order: per module its
        parameters then its persistent buffers; a shared one under each of its names."""
        for prefix, module in self.named_modules(remove_duplicate=False):
            dot = prefix + "." if prefix else ""
            for name, parameter in module.__dict__.get("_parameters", {}).items():
                yield dot + name, parameter
            skip = module.__dict__.get("_nonpersistent", ())
            for name, array in module.__dict__.get("_buffers", {}).items():
                if array is not None and name not in skip:
                    yield dot + name, array

    def state_dict(self):
        """Dotted name -> a copy of the parameter's or buffer's array."""
        return OrderedDict((name, (item.data if isinstance(item, Tensor) else item).copy())
                           for name, item in self._state_items())

    def load_state_dict(self, state, strict=True):
        """Copy ``state`` into the parameters and buffers, after checking every name, shape
        and dtype.

        Missing or unexpected keys raise KeyError (``strict=False`` ignores them); a shape
        mismatch raises ValueError naming the key and both shapes. On any error nothing changes.
        """
        own = OrderedDict(self._state_items())
        missing = [key for key in own if key not in state]
        unexpected = [key for key in state if key not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"state_dict mismatch: missing keys {missing}, "
                           f"unexpected keys {unexpected}")
        updates = []
        for key, item in own.items():
            if key not in state:
                continue
            value = state[key]
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.dtype.kind not in "fiub":
                raise ValueError(f"state_dict[{key!r}] has dtype {value.dtype}; "
                                 f"expected a numeric array")
            kind = "parameter" if isinstance(item, Tensor) else "buffer"
            if value.shape != item.shape:
                raise ValueError(f"state_dict[{key!r}] has shape {value.shape}, but the "
                                 f"{kind} has shape {item.shape}")
            updates.append((item, value))
        with no_grad():
            for item, value in updates:
                if isinstance(item, Tensor):
                    item.data[...] = value
                    item._version += 1
                else:
                    item[...] = value
                    record_update(item)  # a graph that saved the buffer sees the write
        return self

    def __repr__(self):
        children = list(self.__dict__.get("_modules", {}).items())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in children]
        return head + "\n" + "\n".join(lines) + "\n)"

    def extra_repr(self):
        """The constructor arguments shown by repr; subclasses override."""
        return ""


from .containers import Sequential  # noqa: E402  (its old home; it builds on Module)
