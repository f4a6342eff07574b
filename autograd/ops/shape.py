"""Ops that move elements without changing them: reshape, transpose, broadcast, join."""
import numpy as np

from .base import Op, apply
from .helpers import empty_in_layout_of, memory_order

__all__ = ["reshape", "transpose", "broadcast_to", "flatten", "squeeze", "expand_dims",
           "concatenate", "stack"]


class Reshape(Op):
    """x.reshape(shape);  dx = g.reshape(x.shape)."""
    __slots__ = ("shape",)
    name = "reshape"
    reads_inputs = False

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, g, x):
        g = g.reshape(x.shape)
        if type(g) is not np.ndarray or x.flags.c_contiguous or not g.flags.c_contiguous:
            return g
        # The forward copied x out of another memory order (a channels-last image flattened):
        # the gradient goes back in that order, so the rules before this one combine arrays of
        # one layout, several times faster than across two
        order = memory_order(x.strides)
        if order == sorted(order) or not x.transpose(order).flags.c_contiguous:
            return g  # x is C-ordered or has gaps: no order of its own to follow
        out = empty_in_layout_of(x, x.shape)
        out[...] = g
        return out

    def view_of(self, x):
        return x.reshape(self.shape)


class Transpose(Op):
    """x.transpose(axes);  dx = g transposed by the inverse permutation."""
    __slots__ = ("axes",)
    name = "transpose"
    reads_inputs = False

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, g, x):
        return g.transpose(tuple(np.argsort(self.axes)))

    def view_of(self, x):
        return x.transpose(self.axes)


class BroadcastTo(Op):
    """broadcast_to(x, shape);  dx = g summed back to x's shape (by the engine's unbroadcast)."""
    __slots__ = ("shape",)
    name = "broadcast_to"
    reads_inputs = False

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, g, x):
        return g


class Concatenate(Op):
    """concatenate(xs, axis);  each dx is its slice of g along axis."""
    __slots__ = ("axis",)
    name = "concatenate"
    reads_inputs = False

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, g, *xs):
        grads, start = [], 0
        before = (slice(None),) * self.axis
        for x, needed in zip(xs, self.needs_input_grad):
            stop = start + x.shape[self.axis]
            grads.append(g[before + (slice(start, stop),)] if needed else None)
            start = stop
        return tuple(grads)


def reshape(x, *shape):
    """x with a new shape of the same size (one entry may be -1); a view where NumPy gives one."""
    shape = _shape_argument(shape)
    try:
        return apply(Reshape(shape), x)
    except (ValueError, TypeError):
        raise ValueError(f"cannot reshape a tensor of shape {x.shape} into shape {shape}") from None


def transpose(x, *axes):
    """x with its axes permuted (reversed when no axes are given)."""
    axes = _shape_argument(axes) or tuple(range(x.ndim))[::-1]
    if sorted(a % x.ndim if -x.ndim <= a < x.ndim else a for a in axes) != list(range(x.ndim)):
        raise ValueError(f"axes {axes} are not a permutation of the axes of shape {x.shape}")
    return apply(Transpose(tuple(a % x.ndim for a in axes)), x)


def broadcast_to(x, shape):
    """x broadcast to ``shape`` (NumPy's rules); the gradient sums over the broadcast axes."""
    shape = tuple(shape)
    try:
        return apply(BroadcastTo(shape), x)
    except ValueError:
        raise ValueError(f"cannot broadcast a tensor of shape {x.shape} to shape {shape}") from None


def flatten(x):
    """x as a 1-D tensor."""
    return reshape(x, -1)


def squeeze(x, axis=None):
    """x without the size-1 axes (all of them, or those in ``axis``)."""
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = {_check_axis(a, x.ndim) for a in axes}
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"cannot squeeze axis {a} of size {x.shape[a]} (shape {x.shape})")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def expand_dims(x, axis):
    """x with size-1 axes inserted at ``axis`` (an int or a tuple)."""
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = x.ndim + len(axes)
    axes = {_check_axis(a, ndim) for a in axes}
    sizes = iter(x.shape)
    return reshape(x, tuple(1 if i in axes else next(sizes) for i in range(ndim)))


def concatenate(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Join tensors (or arrays, lists) along an existing axis; every other axis must match.

    ``axis=None`` joins the flattened inputs; ``dtype`` casts them first (under ``casting``).
    """
    tensors = _joined("concatenate", arrays, out, dtype, casting)
    if axis is None:
        tensors, axis = [reshape(t, -1) for t in tensors], 0
    ndim = tensors[0].ndim
    if ndim == 0:
        raise ValueError("cannot concatenate 0-d tensors; use stack, or axis=None")
    axis = _check_axis(axis, ndim)
    shapes = [t.shape for t in tensors]
    for shape in shapes:
        if len(shape) != ndim or any(
                a != b for i, (a, b) in enumerate(zip(shape, shapes[0])) if i != axis):
            raise ValueError(f"cannot concatenate shapes {shapes} along axis {axis}")
    return apply(Concatenate(axis), *tensors)


def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Join tensors of one shape along a new axis, built from expand_dims and concatenate."""
    tensors = _joined("stack", arrays, out, dtype, casting)
    shapes = [t.shape for t in tensors]
    if any(shape != shapes[0] for shape in shapes):
        raise ValueError(f"stack needs tensors of one shape, got {shapes}")
    axis = _check_axis(axis, tensors[0].ndim + 1)
    return concatenate([expand_dims(t, axis) for t in tensors], axis=axis)


def _joined(name, arrays, out, dtype, casting):
    """The operands of concatenate/stack as Tensors, cast to ``dtype`` when one is given."""
    from ..tensor import Tensor
    if out is not None:
        raise TypeError(f"{name}(..., out=...) would write outside the graph; use the result")
    if isinstance(arrays, Tensor):
        arrays = list(arrays)  # NumPy joins the subarrays along the first axis
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in arrays]
    if not tensors:
        raise ValueError(f"{name} needs at least one tensor")
    return cast_all(name, tensors, dtype, casting)


def cast_all(name, tensors, dtype, casting):
    """``tensors`` cast to ``dtype`` (unchanged when it is None), under NumPy's ``casting`` rule."""
    if dtype is None:
        return tensors
    dtype = np.dtype(dtype)
    for t in tensors:
        if not np.can_cast(t.dtype, dtype, casting=casting):
            raise TypeError(f"{name}: cannot cast dtype {t.dtype} to {dtype} under "
                            f"casting={casting!r}")
    return [t.astype(dtype) for t in tensors]


def _check_axis(axis, ndim):
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for {ndim} dimensions")
    return int(axis) % ndim


def _shape_argument(shape):
    """Accept both f(2, 3) and f((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)
