"""The reduced SVD of stacks of matrices, A = U diag(s) Vh, as three ops (one per factor), so
that the singular values' rule, U diag(g) Vh, is itself differentiable (matrix norms 2, -2 and
'nuc' to second order).

With k = min(m, n), skew(X) = X - Xᵀ and E_ij = s_j² - s_i² (1 on the diagonal), the factors'
rules are those of the SVD's differential:
dA = U [skew(Uᵀ gU) / E · S + S · skew(Vᵀ gV) / E + diag(gs)] Vᵀ
     + (I - U Uᵀ) gU S⁻¹ Vᵀ + U S⁻¹ gVᵀ (I - V Vᵀ),
exact where the singular values are distinct and non-zero.
"""
import numpy as np

from ..tensor import Tensor
from .base import Op, apply
from .helpers import matrix_transpose as mT, value


def factors(a):
    """(U, s, Vh) of ``a``: Tensors on the graph for a Tensor, arrays for an array."""
    if isinstance(a, Tensor):
        return apply(SvdFactor(0), a), apply(SvdFactor(1), a), apply(SvdFactor(2), a)
    return np.linalg.svd(a, full_matrices=False)


def _skew_over_gaps(x, s):
    """skew(x) / E (skew(x) is 0 on the diagonal, where E is 1)."""
    squares = s * s
    k = np.shape(value(s))[-1]
    return (x - mT(x)) / (squares[..., None, :] - squares[..., :, None] + np.eye(k))


class SvdFactor(Op):
    """Factor ``which`` (0: U, 1: s, 2: Vh) of the reduced SVD of A;  dA from the SVD's
    differential (see the module docstring) with the other factors' gradients zero."""
    __slots__ = ("which",)
    name = "svd"

    def __init__(self, which):
        self.which = which

    def forward(self, a):
        return np.linalg.svd(a, full_matrices=False)[self.which]

    def backward(self, g, a):
        u, s, vh = factors(a)
        v = mT(vh)
        if self.which == 1:
            return (u * g[..., None, :]) @ vh
        m, n = np.shape(value(a))[-2:]
        if self.which == 0:
            inner = _skew_over_gaps(mT(u) @ g, s) * s[..., None, :]
            out = u @ inner @ vh
            if m > n:
                out = out + ((g - u @ (mT(u) @ g)) / s[..., None, :]) @ vh
            return out
        gv = mT(g)
        inner = s[..., :, None] * _skew_over_gaps(mT(v) @ gv, s)
        out = u @ inner @ vh
        if n > m:
            out = out + (u / s[..., None, :]) @ (mT(gv) - (mT(gv) @ v) @ vh)
        return out


def svdvals(a):
    """The singular values of each matrix of ``a`` (..., M, N) -> (..., min(M, N)), descending."""
    return apply(SvdFactor(1), a)
