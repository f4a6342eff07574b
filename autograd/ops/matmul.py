"""Matrix product with np.matmul's semantics: 1-D, 2-D and batched with broadcast batch axes."""
import numpy as np

from .base import Op, apply
from .helpers import expand_dims, matrix_transpose, squeeze

__all__ = ["matmul"]


class MatMul(Op):
    """x @ y;  dx = g @ yᵀ, dy = xᵀ @ g (1-D operands treated as a row / a column)."""
    __slots__ = ()
    name = "matmul"
    bilinear = True

    def forward(self, x, y):
        return np.matmul(x, y)

    def backward(self, g, x, y):
        need_x, need_y = self.needs_input_grad
        if x.ndim == 1 and y.ndim == 1:
            return (g * y if need_x else None), (g * x if need_y else None)
        x_is_vector, y_is_vector = x.ndim == 1, y.ndim == 1
        if x_is_vector:
            x, g = expand_dims(x, 0), expand_dims(g, -2)
        if y_is_vector:
            y, g = expand_dims(y, -1), expand_dims(g, -1)
        gx = g @ matrix_transpose(y) if need_x else None
        gy = matrix_transpose(x) @ g if need_y else None
        # back to 1-D where the operand was 1-D; the engine sums any broadcast batch axes
        if gx is not None and x_is_vector:
            gx = squeeze(gx, -2)
        if gy is not None and y_is_vector:
            gy = squeeze(gy, -1)
        return gx, gy


def matmul(x, y):
    """The matrix product with np.matmul's semantics (1-D, 2-D, batched with broadcasting)."""
    try:
        return apply(MatMul(), x, y)
    except ValueError:
        raise ValueError(
            f"matmul shapes do not match: {np.shape(_data(x))} @ {np.shape(_data(y))}") from None


def _data(t):
    return getattr(t, "data", t)
