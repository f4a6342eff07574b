"""Running sums and products along an axis (None: along the flattened tensor)."""
import numpy as np

from ..tensor import Tensor
from .base import Op, apply, as_tensor
from .helpers import value, where

__all__ = ["cumsum", "cumprod"]


class CumSum(Op):
    """Running Σ along axis (from the end when ``reverse``);  dx = g summed the other way."""
    __slots__ = ("axis", "reverse")
    name = "cumsum"
    reads_inputs = False

    def __init__(self, axis, reverse=False):
        self.axis, self.reverse = axis, reverse

    def forward(self, x):
        if self.reverse:
            return np.flip(np.cumsum(np.flip(x, self.axis), self.axis), self.axis)
        return np.cumsum(x, self.axis)

    def backward(self, g, x):
        return running_sum(g, self.axis, not self.reverse)


class CumProd(Op):
    """Running Π along axis;  dx_i = Σ_{k≥i} g_k out_k / x_i, exact where x holds zeros."""
    __slots__ = ("axis",)
    name = "cumprod"
    saves_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        self.saved = out = np.cumprod(x, self.axis)
        return out

    def backward(self, g, x):
        out, axis = self.output(g), self.axis
        if not (value(x) == 0).any():
            return running_sum(g * out, axis, reverse=True) / x
        # with zeros, no division: dx_i = (Π_{j<i} x_j) Σ_{k≥i} g_k Π_{i<j≤k} x_j, the inner
        # products as the running products of an (n, n) matrix, so every order stays exact
        last = x.ndim - 1
        perm = [a for a in range(x.ndim) if a != axis] + [axis]
        back = tuple(np.argsort(perm))
        xt, gt = x.transpose(perm), g.transpose(perm)
        n = xt.shape[-1]
        after = np.triu(np.ones((n, n), dtype=bool), 1)  # j > i
        inner = running_product(where(after, xt[..., None, :], 1), last + 1)
        reach = np.triu(np.ones((n, n), dtype=bool))  # k >= i
        total = (where(reach, inner, 0) * gt[..., None, :]).sum(axis=-1)
        return (exclusive_product(xt, last) * total).transpose(back)


def exclusive_product(x, axis):
    """Π_{j<i} x_j along the last ``axis`` (1 at the first position), without division."""
    ones = np.ones(x.shape[:-1] + (1,), dtype=value(x).dtype)
    return np.concatenate([ones, running_product(x[..., :-1], axis)], axis=-1)


def running_sum(x, axis, reverse=False):
    """cumsum along ``axis``, from the end when ``reverse``; for arrays and Tensors."""
    if isinstance(x, Tensor):
        return apply(CumSum(axis, reverse), x)
    return CumSum.forward(CumSum(axis, reverse), x)


def running_product(x, axis):
    """cumprod along ``axis``; for arrays and Tensors."""
    if isinstance(x, Tensor):
        return apply(CumProd(axis), x)
    return np.cumprod(x, axis)


def _along(x, axis):
    x = as_tensor(x)
    if axis is None:
        return x.reshape(-1), 0
    if not -max(x.ndim, 1) <= axis < max(x.ndim, 1):
        raise ValueError(f"axis {axis} is out of range for a tensor of shape {x.shape}")
    if x.ndim == 0:
        return x.reshape(1), 0
    return x, int(axis) % x.ndim


def cumsum(x, axis=None):
    """Running sum along ``axis`` (None: along the flattened tensor)."""
    x, axis = _along(x, axis)
    if x.dtype == bool:
        x = x.astype(np.int64)
    return apply(CumSum(axis), x)


def cumprod(x, axis=None):
    """Running product along ``axis``; the gradient is exact where the input holds zeros."""
    x, axis = _along(x, axis)
    return apply(CumProd(axis), x)
