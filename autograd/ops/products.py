"""Products with NumPy's semantics: dot, outer, inner, tensordot.

All are composites: ``tensordot`` moves the contracted axes together and multiplies matrices
(transpose, reshape, matmul, as NumPy computes it), ``dot`` and ``inner`` are tensordots (or
products with a 0-d operand), ``outer`` is a broadcast product. Their gradients are those ops'.
"""
import numpy as np

from .arithmetic import mul
from .base import as_tensor
from .matmul import matmul
from .rearrange import normalize_axis_tuple, ravel
from .shape import reshape, transpose

__all__ = ["dot", "outer", "inner", "tensordot"]


def tensordot(a, b, axes=2):
    """Sum products over ``axes``: an int N (a's last N with b's first N) or a pair of axis
    sequences; the result has a's free axes, then b's, in order."""
    a, b = as_tensor(a), as_tensor(b)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={n} does not fit operands of shapes {a.shape} "
                             f"and {b.shape}")
        axes_a, axes_b = tuple(range(a.ndim - n, a.ndim)), tuple(range(n))
    else:
        try:
            axes_a, axes_b = axes
            axes_a = normalize_axis_tuple(axes_a, a.ndim, "tensordot axes of a")
            axes_b = normalize_axis_tuple(axes_b, b.ndim, "tensordot axes of b")
        except TypeError:
            raise TypeError(f"tensordot: axes must be an int or a pair of axis sequences, "
                            f"got {axes!r}") from None
    summed_a = [a.shape[i] for i in axes_a]
    if len(axes_a) != len(axes_b) or summed_a != [b.shape[i] for i in axes_b]:
        raise ValueError(f"tensordot: the axes {axes_a} of a (shape {a.shape}) and {axes_b} of "
                         f"b (shape {b.shape}) must match in number and size")
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    shape_a, shape_b = [a.shape[i] for i in free_a], [b.shape[i] for i in free_b]
    size = int(np.prod(summed_a))
    rows = reshape(transpose(a, free_a + list(axes_a)), (int(np.prod(shape_a)), size))
    cols = reshape(transpose(b, list(axes_b) + free_b), (size, int(np.prod(shape_b))))
    return reshape(matmul(rows, cols), tuple(shape_a + shape_b))


def dot(a, b, out=None):
    """NumPy's dot: a product with a 0-d operand, the matrix product for 1-D and 2-D operands,
    else the sum over a's last axis and b's second-to-last (b's only axis when 1-D)."""
    if out is not None:
        raise TypeError("dot(..., out=...) would write outside the graph; use the result")
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    if a.shape[-1] != b.shape[-1 if b.ndim == 1 else -2]:
        raise ValueError(f"dot: shapes {a.shape} and {b.shape} are not aligned: the last axis "
                         f"of a must match the {'only' if b.ndim == 1 else 'second-to-last'} "
                         f"axis of b")
    if a.ndim <= 2 and b.ndim <= 2:
        return matmul(a, b)
    return tensordot(a, b, ((a.ndim - 1,), (max(b.ndim - 2, 0),)))


def inner(a, b):
    """The sum of products over the last axes of ``a`` and ``b`` (a product if one is 0-d)."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return mul(a, b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"inner: the last axes of shapes {a.shape} and {b.shape} must match")
    return tensordot(a, b, ((a.ndim - 1,), (b.ndim - 1,)))


def outer(a, b, out=None):
    """``outer[i, j] = a.ravel()[i] * b.ravel()[j]``."""
    if out is not None:
        raise TypeError("outer(..., out=...) would write outside the graph; use the result")
    return mul(reshape(ravel(a), (-1, 1)), reshape(ravel(b), (1, -1)))
