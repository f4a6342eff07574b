"""Reductions over ``axis`` (None, an int or a tuple) with ``keepdims``."""
import numpy as np

from .base import Op, apply
from .helpers import balanced_eq, exp, keepdims_shape, repeat_to_match_shape, value


def normalize_axes(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints; ValueError names a bad axis."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        normalized.append(int(a) % ndim)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"repeated axis in {axis}")
    return tuple(sorted(normalized))


class Reduction(Op):
    """Shared parameters: the normalized axes and keepdims."""
    __slots__ = ("axes", "keepdims")

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims


class Sum(Reduction):
    """sum over axes;  dx = g broadcast back to x's shape."""
    __slots__ = ()
    name = "sum"
    reads_inputs = False

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g, x):
        return repeat_to_match_shape(g, x.shape, self.axes, self.keepdims)


class Max(Reduction):
    """max over axes;  dx = g at the maxima, split evenly between ties."""
    __slots__ = ()
    name = "max"
    saves_output = True
    extreme = staticmethod(np.max)

    def forward(self, x):
        out = self.extreme(x, axis=self.axes, keepdims=True)
        self.saved = out
        return out if self.keepdims else out.reshape(np.delete(np.shape(x), self.axes))

    def backward(self, g, x):
        if not self.keepdims:
            g = g.reshape(keepdims_shape(x.shape, self.axes))
        return g * balanced_eq(value(x), self.saved, self.axes)


class Min(Max):
    """min over axes;  dx = g at the minima, split evenly between ties."""
    __slots__ = ()
    name = "min"
    extreme = staticmethod(np.min)


class LogSumExp(Reduction):
    """log Σ e^x over axes, shifted by the max so it never overflows;  dx = g softmax(x)."""
    __slots__ = ()
    name = "logsumexp"
    saves_output = True

    def forward(self, x):
        shift = x.max(axis=self.axes, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, 0)  # all -inf (or inf) slices: as numpy gives
        out = np.log(np.exp(x - shift).sum(axis=self.axes, keepdims=True))
        out += shift
        if not self.keepdims:
            out = out.reshape(np.delete(x.shape, self.axes))
        self.saved = out
        return out

    def backward(self, g, x):
        out = self.output(g)
        if not self.keepdims:
            shape = keepdims_shape(x.shape, self.axes)
            g, out = g.reshape(shape), out.reshape(shape)
        return g * exp(x - out)


def _reduce(op_class, x, axis, keepdims):
    return apply(op_class(normalize_axes(axis, x.ndim), bool(keepdims)), x)


def sum(x, axis=None, keepdims=False):
    return _reduce(Sum, x, axis, keepdims)


def max(x, axis=None, keepdims=False):
    if x.size == 0:
        raise ValueError(f"max of an empty tensor of shape {x.shape}")
    return _reduce(Max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    if x.size == 0:
        raise ValueError(f"min of an empty tensor of shape {x.shape}")
    return _reduce(Min, x, axis, keepdims)


def logsumexp(x, axis=None, keepdims=False):
    return _reduce(LogSumExp, x, axis, keepdims)


def _count(x, axis):
    axes = normalize_axes(axis, x.ndim)
    return int(np.prod([x.shape[a] for a in axes])) if axes else 1


def mean(x, axis=None, keepdims=False):
    """Σx / n, built from sum."""
    n = _count(x, axis)
    total = sum(x, axis, keepdims)
    # int tensors average to float64, as in numpy
    return total * (1.0 / n) if total.dtype.kind == "f" else total.astype(np.float64) * (1.0 / n)


def var(x, axis=None, keepdims=False, ddof=0):
    """Σ(x - mean)² / (n - ddof), built from sum and mean."""
    n = _count(x, axis)
    centred = x - mean(x, axis, keepdims=True)
    return (centred * centred).sum(axis=axis, keepdims=keepdims) * (1.0 / (n - ddof))
