"""Reductions over ``axis`` (None, an int or a tuple) with ``keepdims``."""
import builtins

import numpy as np

from ..tensor import Tensor
from .arithmetic import Mul, Pow
from .base import Op, apply, as_tensor, labelled
from .cumulative import exclusive_product
from .helpers import balanced_eq, exp, keepdims_shape, repeat_to_match_shape, value

__all__ = ["sum", "prod", "max", "min", "amax", "amin", "logsumexp", "mean", "var", "std",
           "argmax", "argmin", "any", "all"]


def normalize_axes(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints; ValueError names a bad axis.

    As in NumPy, a 0-d tensor accepts axis 0 and -1 (reducing nothing).
    """
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if ndim == 0 and builtins.all(a in (0, -1) for a in axes) and len(axes) <= 1:
        return ()
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


class Prod(Reduction):
    """Π x over axes;  dx_i = g Π_{j≠i} x_j, exact when the slice holds one zero or several."""
    __slots__ = ()
    name = "prod"
    saves_output = True

    def forward(self, x):
        self.saved = out = np.prod(x, axis=self.axes, keepdims=self.keepdims)
        return out

    def backward(self, g, x):
        out = self.output(g)
        if not self.keepdims:
            shape = keepdims_shape(x.shape, self.axes)
            g, out = g.reshape(shape), out.reshape(shape)
        if not (value(x) == 0).any():
            return g * out / x
        # with zeros, no division: Π_{j≠i} x_j as the product of the running products before
        # and after i, over the reduced axes laid out as one last axis (exact at every order)
        kept = [a for a in range(x.ndim) if a not in self.axes]
        perm = kept + list(self.axes)
        laid = x.transpose(perm).reshape(tuple(x.shape[a] for a in kept) + (-1,))
        last = laid.ndim - 1
        before = exclusive_product(laid, last)
        after = exclusive_product(laid[..., ::-1], last)[..., ::-1]
        others = (before * after).reshape(tuple(x.shape[a] for a in perm))
        return g * others.transpose(tuple(np.argsort(perm)))


def _reduce(op_class, x, axis, keepdims):
    x = as_tensor(x)
    return apply(op_class(normalize_axes(axis, x.ndim), bool(keepdims)), x)


def sum(x, axis=None, keepdims=False):
    """Σ x over ``axis`` (None: all axes; an int or a tuple), keeping them as size 1 if asked."""
    if isinstance(x, Tensor) and x.dtype == bool:
        x = x.astype(np.int64)  # as NumPy: a count
    return _reduce(Sum, x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    """Π x over ``axis``; the gradient is exact where the input holds zeros."""
    return _reduce(Prod, x, axis, keepdims)


def _extreme(op_class, what, x, axis, keepdims):
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim)
    if builtins.any(x.shape[a] == 0 for a in axes) or (x.size == 0 and not axes):
        raise ValueError(f"{what} of an empty tensor of shape {x.shape} along axis {axis}")
    return apply(op_class(axes, bool(keepdims)), x)


def max(x, axis=None, keepdims=False):
    """The largest element over ``axis``; tied maxima share the gradient evenly."""
    return _extreme(Max, "max", x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """The smallest element over ``axis``; tied minima share the gradient evenly."""
    return _extreme(Min, "min", x, axis, keepdims)


amax, amin = max, min


def logsumexp(x, axis=None, keepdims=False):
    """log Σ e^x over ``axis``, stable for inputs of any size."""
    return _reduce(LogSumExp, x, axis, keepdims)


def _count(x, axis):
    axes = normalize_axes(axis, x.ndim)
    return int(np.prod([x.shape[a] for a in axes])) if axes else 1


def _scale(n):
    """1 / n, and inf for n <= 0 (where NumPy's mean and var give nan or inf)."""
    return 1.0 / n if n > 0 else np.inf


def mean(x, axis=None, keepdims=False):
    """Σx / n over ``axis``, built from sum; nan for an empty axis, as NumPy."""
    x = as_tensor(x)
    n = _count(x, axis)
    total = sum(x, axis, keepdims)
    if total.dtype.kind != "f":  # int tensors average to float64, as in numpy
        total = total.astype(np.float64)
    return apply(labelled(Mul, "mean")(), total, 1.0 / n if n else np.nan)


def var(x, axis=None, keepdims=False, ddof=0):
    """Σ(x - mean)² / (n - ddof) over ``axis``, built from sum and mean (inf/nan if n <= ddof)."""
    x = as_tensor(x)
    n = _count(x, axis)
    centred = x - mean(x, axis, keepdims=True)
    with np.errstate(invalid="ignore"):
        return apply(labelled(Mul, "var")(), (centred * centred).sum(axis=axis, keepdims=keepdims),
                     _scale(n - ddof))


def std(x, axis=None, keepdims=False, ddof=0):
    """√var over ``axis``, built from var."""
    return apply(labelled(Pow, "std")(), var(x, axis, keepdims, ddof), 0.5)


def _index_reduction(fn, name):
    def function(x, axis=None, keepdims=False):
        return Tensor._result(np.asarray(fn(value(x), axis=axis, keepdims=keepdims)), None)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"NumPy's {name} over ``axis`` (None: the flattened tensor); its result "
                        f"never requires grad.")
    return function


argmax = _index_reduction(np.argmax, "argmax")
argmin = _index_reduction(np.argmin, "argmin")
any = _index_reduction(np.any, "any")
all = _index_reduction(np.all, "all")
