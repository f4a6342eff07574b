"""One buffer per state name for a group of small parameters, so that a step updates them at once.

A NumPy call costs about a microsecond whatever its size, so an optimizer whose parameters are
small (the digits MLP's four arrays hold 9,610 numbers) spends most of a step on calls rather
than on arithmetic. When every parameter of a group that has a gradient is small, has a gradient
of its own dtype and shape, and is at the same step, the group's state arrays are laid out as
views of one flat buffer per name, the gradients are gathered into one more, and the update is
one run of calls over the whole group instead of one per parameter. Each number goes through the
same operations in the same order, so the result is bit for bit the per-parameter one.

The state keeps its documented form: ``state[p][name]`` is an array shaped like ``p``, updated
in place, that ``state_dict()`` copies. It is laid out again (the values copied into new
buffers, the state given new views) only when the group changes: another set of parameters with
a gradient, a rebound ``p.data``, a state array replaced (``load_state_dict``) or a new name.
"""
from itertools import repeat
from operator import attrgetter, is_

import numpy as np

from autograd.versions import memory_keys

MAX_SIZE = 1 << 17  # numbers in a group: above this, gathering costs more than the calls saved
_grad_of, _data_of = attrgetter("grad"), attrgetter("data")
_dtype_of = attrgetter("dtype")


class FlatGroup:
    """Flat buffers for ``members`` ([(param, data, grad)]): ``grads`` and ``works`` are views of
    the gathered gradient and of the work buffer, one per member, ``flat_state[name]`` the
    whole buffer of a state name, whose views ``state[p][name]`` now are."""

    def __init__(self, members, names, state):
        self.params = tuple(p for p, _, _ in members)
        self.datas = tuple(data for _, data, _ in members)
        self.names = names
        dtype = self.datas[0].dtype
        ends = np.cumsum([data.size for data in self.datas]).tolist()
        self._spans = list(zip([0] + ends[:-1], ends))
        size = ends[-1]
        self.grad, self.grads = self._buffer(np.empty(size, dtype))
        self.work, self.works = self._buffer(np.empty(size, dtype))
        self.flat_state, views = {}, {}
        for name in names:
            self.flat_state[name], views[name] = self._buffer(np.zeros(size, dtype))
            for p, view in zip(self.params, views[name]):
                old = state[p].get(name)
                if old is not None:
                    view[...] = old
                state[p][name] = view
        # what ``gradients`` checks, per parameter: (p, data, its state entry, its views)
        self._laid = [(p, data, state[p], tuple(views[name][i] for name in names))
                      for i, (p, data) in enumerate(zip(self.params, self.datas))]
        # the same, a sequence per check, for the common case (see ``_all_members``)
        self.entries = [state[p] for p in self.params]
        # every state entry's views, one name after another: (entries, names), and the views
        self._view_keys = (self.entries * len(names),
                           [name for name in names for _ in self.params])
        self._view_values = [view for name in names for view in views[name]]
        self._shapes = [data.shape for data in self.datas]
        self._dtypes = [data.dtype for data in self.datas]
        # the parameters' memory as the in-place record knows it (``gradients`` checks that each
        # parameter's data is still the array laid out here)
        self.memory_keys = memory_keys(self.params)

    def _buffer(self, flat):
        """``flat`` and its views, one shaped like each parameter."""
        return flat, [flat[a:b].reshape(data.shape)
                      for (a, b), data in zip(self._spans, self.datas)]

    def gradients(self, params, names, state):
        """The gradients of the parameters of ``params`` that have one, in this layout's order,
        when they are the ones laid out here, at one step, with their state arrays of ``names``
        still this layout's views and gradients of their own dtype and shape; else None. (One
        pass: this runs every step.)"""
        if names != self.names:
            return None
        if len(params) == len(self.params) and all(map(is_, params, self.params)):
            grads = self._all_members(params, state)
            if grads is not None:
                return grads
        laid, grads = self._laid, []
        count = len(laid)
        step = laid[0][2].get("step")
        for p in params:
            grad = p.grad
            if grad is None:
                continue
            k = len(grads)
            if k == count:
                return None
            q, data, entry, views = laid[k]
            if (p is not q or p.data is not data or state.get(p) is not entry
                    or entry.get("step") != step or grad.shape != data.shape
                    or grad.dtype != data.dtype
                    or not all(map(is_, map(entry.get, names), views))):
                return None
            grads.append(grad)
        return grads if len(grads) == count else None

    def _all_members(self, params, state):
        """The gradients of ``params`` (the laid parameters, in order) when each has one and
        all else is as laid out; else None. The checks of ``gradients``, each a loop in C over
        the group (this runs every step, and a Python loop over the parameters costs more)."""
        grads = list(map(_grad_of, params))
        entries = self.entries
        steps = list(map(dict.get, entries, repeat("step")))  # compared, not hashed: any count
        if not (list(map(getattr, grads, repeat("shape"), repeat(None))) == self._shapes
                and all(map(is_, map(_data_of, params), self.datas))
                and all(map(is_, map(state.get, params), entries))
                and steps.count(steps[0]) == len(steps)
                and list(map(_dtype_of, grads)) == self._dtypes
                and all(map(is_, map(dict.get, *self._view_keys), self._view_values))):
            return None  # (a missing gradient has no shape, so it fails the first test)
        return grads


def flat_members(params, state, required=()):
    """``[(p, data, grad)]`` for the parameters of ``params`` with a gradient, when one flat
    update can take them all (two or more, one dtype, gradients of their own dtype and shape,
    the same step count, the state arrays ``required`` in every state, at most MAX_SIZE
    numbers); else None."""
    members = []
    size = 0
    dtype = step = None
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        data = p.data
        entry = state.get(p)
        count = 0 if entry is None else entry.get("step", 0)
        if dtype is None:
            dtype, step = data.dtype, count
        if (grad.dtype != dtype or data.dtype != dtype or grad.shape != data.shape
                or count != step):
            return None
        if required and (entry is None or any(entry.get(name) is None for name in required)):
            return None
        size += data.size
        members.append((p, data, grad))
    if len(members) < 2 or size > MAX_SIZE:
        return None
    return members
