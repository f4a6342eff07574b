"""In-place updates with PyTorch's semantics: ``t[index] = v``, ``t += x`` on tensors with history.

The new values are written into the tensor's memory, so every alias sees them, and the tensor
is given a new node (``setitem``, or the op of the update) whose input is the tensor as it was.
Nodes recorded before the update keep the origin its input had then (see ``Op``), so gradients
follow the graph as it was built. Writing through a view (``b = a[0]; b += 1``) also gives the
base a new node (``view_write``), as PyTorch does for views it tracks: a view recorded from a
base remembers it (``_base``) for as long as it lives, through any number of writes.
"""
import numpy as np

from .grad_mode import is_grad_enabled
from .ops.indexing import SetItem, ViewWrite, assignment_masks, normalize_index
from .tensor import Tensor
from .versions import owner


def assign(t, index, value):
    """``t[index] = value``, differentiable with respect to the old ``t`` and to ``value``."""
    index = normalize_index(index)
    value_is_tensor = isinstance(value, Tensor)
    raw = value.data if value_is_tensor else value
    tracked = is_grad_enabled() and (t.requires_grad or
                                     (value_is_tensor and value.requires_grad))
    if not tracked:
        _write(t, index, raw)
        t._version += 1
        return
    _check_writable(t, "assignment")
    if t.dtype.kind != "f":
        raise TypeError(f"cannot write a value that requires grad into a tensor of dtype "
                        f"{t.dtype}; make the tensor floating first (astype)")
    kept, won = assignment_masks(t.shape, index)
    node = SetItem(index, kept, won)
    node.record((_as_it_is(t), value))
    _write(t, index, raw)
    _rebind(t, node)


def update(t, op, other, ufunc, reads_self):
    """``t op= other`` (``+= -= *= /=``): the update's op gets the old ``t`` as its input."""
    other_requires = isinstance(other, Tensor) and other.requires_grad
    if not (is_grad_enabled() and (t.requires_grad or other_requires)):
        ufunc(t.data, other.data if isinstance(other, Tensor) else other, out=t.data,
              casting="same_kind")
        t._version += 1
        return t
    _check_writable(t, "update")
    # the op reads the old values after they are overwritten: it gets a copy of them
    old = _as_it_is(t, t.data.copy() if reads_self else None)
    result = op(old, other)
    if result.shape != t.shape:
        raise ValueError(f"an in-place update of a tensor of shape {t.shape} cannot take a "
                         f"result of shape {result.shape} (broadcast operand {np.shape(other)})")
    _write(t, Ellipsis, result.data)
    _rebind(t, result.grad_fn)
    return t


def _check_writable(t, what):
    if t.grad_fn is None and t.requires_grad:
        raise RuntimeError(
            f"a leaf tensor of shape {t.shape} that requires grad cannot be updated in place "
            f"while gradients are recorded; wrap the {what} in no_grad()")
    view = t
    while getattr(view, "_base", None) is not None:
        base = view._base[0]
        if not _same_memory(base.data, view.data):
            break
        if base.grad_fn is None and base.requires_grad:
            raise RuntimeError(
                f"this tensor of shape {t.shape} is a view of a leaf tensor of shape "
                f"{base.shape} that requires grad; the {what} would change the leaf in place. "
                f"Wrap it in no_grad(), or take a copy() first")
        view = base
    if t.grad_fn is None and t.data.base is not None:
        raise RuntimeError(
            f"this tensor of shape {t.shape} is a view of another array's memory with no "
            f"recorded history, so the {what} would not reach the other tensor's gradient; "
            f"write into the tensor it was taken from, or take a copy() first")


def _same_memory(a, b):
    """True when ``b`` is ``a``'s memory or a view of it (empty views included)."""
    return owner(a) is owner(b)


def _write(t, index, raw):
    try:
        t.data[index] = raw
    except ValueError as error:
        if not t.data.flags.writeable:
            raise ValueError(f"this tensor of shape {t.shape} is a read-only view (for "
                             f"example of broadcast_to); take a copy() to write into it") from None
        raise ValueError(f"cannot write a value of shape {np.shape(raw)} into a tensor of "
                         f"shape {t.shape} at {index!r}: {error}") from None


def _rebind(t, node):
    """Give ``t`` the new ``node``; then, if ``t`` is a view, its base a node of the write."""
    t._version += 1  # counts the update and records it against t's memory
    t.grad_fn = node
    t._requires_grad = True
    view = getattr(t, "_base", None)
    if view is not None and _same_memory(view[0].data, t.data):
        base, view_op = view
        write = ViewWrite(view_op)
        write.record((_as_it_is(base), t))
        _rebind(base, write)


def _as_it_is(t, data=None):
    """A Tensor of ``t``'s values (or ``data``) and node, before an in-place update changes them."""
    return Tensor._result(t.data if data is None else data, t.grad_fn)
