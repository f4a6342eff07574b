"""Diagonals and triangles, with NumPy's signatures: diagonal, diag, trace, tril, triu.

All are composites: a diagonal is a gather (getitem with integer arrays, so its gradient is
scattered back onto the diagonal), ``diag`` of a vector is the scatter itself (``untake``),
and a triangle is a ``where`` with a constant mask.
"""
import numpy as np

from .arithmetic import where
from .base import apply, as_tensor
from .indexing import Untake, getitem
from .rearrange import moveaxis, normalize_axis_index
from .reductions import sum as _sum

__all__ = ["diagonal", "diag", "trace", "tril", "triu"]


def _diagonal_positions(rows, cols, offset):
    """Row and column indices of the ``offset`` diagonal of a ``rows`` x ``cols`` matrix."""
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    steps = np.arange(length)
    return steps + max(-offset, 0), steps + max(offset, 0)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The ``offset`` diagonal of the matrices on axes ``axis1``, ``axis2`` of ``a``, as the
    last axis of the result (the other axes first, in order)."""
    a = as_tensor(a)
    if a.ndim < 2:
        raise ValueError(f"diagonal needs a tensor of at least 2 dimensions, got shape {a.shape}")
    i = normalize_axis_index(axis1, a.ndim, "diagonal axis1")
    j = normalize_axis_index(axis2, a.ndim, "diagonal axis2")
    if i == j:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, both are {i}")
    matrices = moveaxis(a, (i, j), (-2, -1))
    rows, cols = _diagonal_positions(*matrices.shape[-2:], int(offset))
    return getitem(matrices, (Ellipsis, rows, cols))


def diag(v, k=0):
    """A 1-D ``v`` placed on the ``k`` diagonal of a square matrix, or the ``k`` diagonal of a
    2-D ``v``."""
    v = as_tensor(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"diag needs a 1-D or 2-D input, got shape {v.shape}")
    n = v.shape[0] + abs(int(k))
    return apply(Untake(_diagonal_positions(n, n, int(k)), (n, n)), v)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """The sum along the ``offset`` diagonal of the matrices on axes ``axis1``, ``axis2``."""
    if out is not None:
        raise TypeError("trace(..., out=...) would write outside the graph; use the result")
    d = diagonal(a, offset, axis1, axis2)
    if dtype is not None:
        d = d.astype(dtype)
    return _sum(d, axis=-1)


def _triangle(m, mask, name):
    m = as_tensor(m)
    if m.ndim == 0:
        raise ValueError(f"{name} needs a tensor of at least 1 dimension, got a 0-d tensor")
    return where(mask(*m.shape[-2:]), m, 0)


def tril(m, k=0):
    """``m`` with the elements above the ``k`` diagonal of its last two axes zeroed."""
    return _triangle(m, lambda *n: np.tri(*n, k=k, dtype=bool), "tril")


def triu(m, k=0):
    """``m`` with the elements below the ``k`` diagonal of its last two axes zeroed."""
    return _triangle(m, lambda *n: ~np.tri(*n, k=k - 1, dtype=bool), "triu")
