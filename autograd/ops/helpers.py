"""The small vocabulary that gradient rules share, for numpy arrays and Tensors alike.

Each helper does the numpy thing on arrays and the matching differentiable op on Tensors, so
one rule serves both the fast path and ``create_graph=True``.
"""
import math

import numpy as np

from ..tensor import Tensor


def value(x):
    """The raw numpy data of a Tensor, or ``x`` itself (for masks and other constants)."""
    return x.data if isinstance(x, Tensor) else x


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, to give it ``shape``."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        if (type(g) is np.ndarray and axes == tuple(range(len(axes))) and len(axes) < g.ndim
                and g.flags.c_contiguous):  # leading axes only (a bias added to a batch)
            g = column_sums(g.reshape(math.prod(g.shape[:len(axes)]),
                                      math.prod(g.shape[len(axes):])))
        else:
            g = g.sum(axis=axes)
    return g.reshape(shape)


# the rows from which column_sums sums in blocks (below, numpy's own sum is as fast)
BLOCKED_SUM_ROWS = 256


def column_sums(a):
    """``a.sum(axis=0)`` of the 2-D array ``a``, fast when it has many short rows.

    numpy adds the rows one by one, a call of its inner loop per row. For a tall C-ordered
    ``a`` of rows of at most 512 bytes, this adds about √M blocks of whole rows (each one long
    run of memory), then the √M rows of their sum: 2√M loop calls instead of M, 3-8 times
    faster on (4096, 10) to (4096, 64) (a convolution's bias gradient), and more accurate
    (a blocked sum).
    """
    m, c = a.shape
    if m < BLOCKED_SUM_ROWS or c * a.itemsize > 512 or not a.flags.c_contiguous:
        return np.add.reduce(a, 0)
    blocks = math.isqrt(m)
    rows = m - m % blocks
    total = np.add.reduce(np.add.reduce(a[:rows].reshape(blocks, rows // blocks, c), 0), 0)
    if rows != m:
        total += np.add.reduce(a[rows:], 0)
    return total


def keepdims_shape(shape, axes):
    """``shape`` with the reduced ``axes`` kept as size 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def repeat_to_match_shape(g, shape, axes, keepdims):
    """Broadcast the gradient of a reduction over ``axes`` back to the input's ``shape``."""
    if not keepdims:
        g = g.reshape(keepdims_shape(shape, axes))
    return broadcast_to(g, shape)


def broadcast_to(x, shape):
    if isinstance(x, Tensor):
        return x.broadcast_to(shape)
    return np.broadcast_to(x, shape)


def exp(x):
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def log(x):
    return x.log() if isinstance(x, Tensor) else np.log(x)


def where(condition, x, y):
    from .arithmetic import where as tensor_where
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return tensor_where(condition, x, y)
    return np.where(condition, x, y)


def matrix_transpose(x):
    """Swap the last two axes (``x.mT``)."""
    axes = list(range(x.ndim))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return x.transpose(axes)


def expand_dims(x, axis):
    if isinstance(x, Tensor):
        return x.expand_dims(axis)
    return np.expand_dims(x, axis)


def squeeze(x, axis):
    if isinstance(x, Tensor):
        return x.squeeze(axis)
    return np.squeeze(x, axis)


def untake(g, index, shape):
    """Scatter-add ``g`` into zeros of ``shape`` at ``index`` (repeated indices accumulate)."""
    from .indexing import Untake
    from .base import apply
    if isinstance(g, Tensor):
        return apply(Untake(index, shape), g)
    return Untake.scatter(g, index, shape)


def balanced_eq(x, reduced, axes):
    """Weights that split a max/min's gradient evenly between tied elements."""
    is_extreme = x == reduced
    if reduced.dtype.kind == "f" and np.isnan(reduced).any():  # a NaN is the extreme
        is_extreme |= np.isnan(x)
    weights = is_extreme.astype(x.dtype if x.dtype.kind == "f" else np.float64)
    return weights / weights.sum(axis=axes, keepdims=True)  # in x's dtype: float32 stays


def memory_order(strides):
    """The axes from outermost to innermost in memory (C order is 0, 1, 2, ...)."""
    return sorted(range(len(strides)), key=lambda axis: -abs(strides[axis]))


def empty_in_layout_of(a, shape):
    """An empty array of ``shape`` (a's rank) whose axes lie in memory in the order a's do.

    numpy's elementwise loops run several times faster between arrays of one memory layout;
    images from ``conv2d`` are channels-last in memory, and their gradients should be too.
    """
    order = memory_order(a.strides)
    return np.empty([shape[axis] for axis in order], dtype=a.dtype).transpose(np.argsort(order))


def zeros_in_layout_of(a, shape):
    """Zeros of ``shape`` laid out as ``empty_in_layout_of`` lays them."""
    out = empty_in_layout_of(a, shape)
    out[...] = 0
    return out
