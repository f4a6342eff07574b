"""Linear algebra ops with np.linalg's semantics, batched over leading axes: inv, det, slogdet,
solve, and the Euclidean norm behind ``norm`` (public as ``autograd.linalg``).

Rules call ``np.linalg.inv``/``solve`` and friends: on arrays that is NumPy, on Tensors
(``create_graph=True``) the dispatch table runs these ops again, so every rule is
differentiable.
"""
from collections import namedtuple

import numpy as np

from ..tensor import Tensor
from .base import Op, apply, as_tensor
from .helpers import keepdims_shape, matrix_transpose, value, where

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


class Inv(Op):
    """inv(A);  dA = -inv(A)ᵀ g inv(A)ᵀ."""
    __slots__ = ()
    name = "inv"
    reads_inputs = False
    saves_output = True

    def forward(self, a):
        self.saved = np.linalg.inv(a)
        return self.saved

    def backward(self, g, a):
        inverse_t = matrix_transpose(self.output(g))
        return -(inverse_t @ g @ inverse_t)


class Det(Op):
    """det(A);  dA = g det(A) inv(A)ᵀ (= g times A's cofactors, used where A is singular)."""
    __slots__ = ()
    name = "det"
    saves_output = True

    def forward(self, a):
        self.saved = np.linalg.det(a)
        return self.saved

    def backward(self, g, a):
        scale = (g * self.output(g))[..., None, None]
        if isinstance(a, Tensor):  # differentiated again: where A is invertible
            return scale * matrix_transpose(np.linalg.inv(a))
        try:
            return scale * matrix_transpose(np.linalg.inv(a))
        except np.linalg.LinAlgError:
            return g[..., None, None] * cofactors(a)


def cofactors(a):
    """The cofactor matrices of square ``a``, singular or not: with A = U S Vh, they are
    det(U) det(Vh) U diag(prod of the other singular values) Vh."""
    u, s, vh = np.linalg.svd(a)
    k = s.shape[-1]
    others = np.prod(np.where(np.eye(k, dtype=bool), 1.0, s[..., None, :]), axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * (u * others[..., None, :]) @ vh


class Slogdet(Op):
    """log|det(A)| (the sign is a constant, kept in ``saved``);  dA = g inv(A)ᵀ."""
    __slots__ = ()
    name = "slogdet"

    def forward(self, a):
        self.saved, logabsdet = np.linalg.slogdet(a)
        return logabsdet

    def backward(self, g, a):
        return g[..., None, None] * matrix_transpose(np.linalg.inv(a))


class Solve(Op):
    """x = solve(A, b), A x = b;  db = solve(Aᵀ, g), dA = -db xᵀ (b 1-D: a vector, else a
    stack of matrices, as in NumPy 2)."""
    __slots__ = ()
    name = "solve"
    saves_output = True

    def forward(self, a, b):
        self.saved = np.linalg.solve(a, b)
        return self.saved

    def backward(self, g, a, b):
        need_a, need_b = self.needs_input_grad
        x = self.output(g)
        if np.ndim(value(x)) == np.ndim(value(a)) - 1:  # b was a vector: a one-column matrix
            gb = np.linalg.solve(matrix_transpose(a), g[..., None])[..., 0]
            ga = -(gb[..., :, None] * x[..., None, :]) if need_a else None
        else:
            gb = np.linalg.solve(matrix_transpose(a), g)
            ga = -(gb @ matrix_transpose(x)) if need_a else None
        return ga, (gb if need_b else None)


class EuclideanNorm(Op):
    """sqrt(sum x² over axes);  dx = g x / norm, and 0 where the norm is 0 (a subgradient)."""
    __slots__ = ("axes", "keepdims")
    name = "euclidean_norm"
    saves_output = True

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.saved = np.sqrt(np.sum(x * x, axis=self.axes, keepdims=self.keepdims))
        return self.saved

    def backward(self, g, x):
        n = self.output(g)
        if not self.keepdims:
            shape = keepdims_shape(np.shape(value(x)), self.axes)
            g, n = g.reshape(shape), n.reshape(shape)
        return x * (g / where(value(n) == 0, 1.0, n))


def _square_stack(a, name):
    a = as_tensor(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"linalg.{name} needs a stack of square matrices (..., M, M), got "
                         f"shape {a.shape}")
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    return a


def inv(a):
    """The inverse of each square matrix in ``a`` (..., M, M); LinAlgError if singular."""
    return apply(Inv(), _square_stack(a, "inv"))


def det(a):
    """The determinant of each square matrix in ``a`` (..., M, M) -> (...)."""
    return apply(Det(), _square_stack(a, "det"))


def slogdet(a):
    """``(sign, logabsdet)`` of each square matrix in ``a``: det = sign * exp(logabsdet);
    ``sign`` is a constant Tensor, ``logabsdet`` differentiable."""
    op = Slogdet()
    logabsdet = apply(op, _square_stack(a, "slogdet"))
    return SlogdetResult(Tensor._result(np.asarray(op.saved), None), logabsdet)


def solve(a, b):
    """x with ``a @ x = b`` for square ``a`` (..., M, M); ``b`` is (M,) or (..., M, K), the batch
    axes broadcasting."""
    a, b = _square_stack(a, "solve"), as_tensor(b)
    m = a.shape[-1]
    if b.ndim == 0 or b.shape[-1 if b.ndim == 1 else -2] != m:
        raise ValueError(f"linalg.solve: b of shape {b.shape} does not fit a of shape {a.shape}:"
                         f" b must be ({m},) or (..., {m}, K)")
    if b.dtype.kind != "f":
        b = b.astype(np.float64)
    try:
        return apply(Solve(), a, b)
    except np.linalg.LinAlgError:
        raise
    except ValueError as error:
        raise ValueError(f"linalg.solve: shapes {a.shape} and {b.shape}: {error}") from None


def euclidean_norm(x, axes, keepdims=False):
    """The 2-norm over ``axes`` (a tuple of non-negative ints)."""
    return apply(EuclideanNorm(tuple(axes), keepdims), x)


def norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm: a vector norm over one axis (``ord`` None/2, 1, inf, -inf, 0, or any p)
    or a matrix norm over two (None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf); ``axis=None`` means
    the 2-norm of everything when ``ord`` is None, else the norm of a 1-D or 2-D ``x``."""
    from . import reductions as r
    from .arithmetic import abs as absolute
    from .shape import reshape
    from .svd import svdvals
    from .rearrange import moveaxis, normalize_axis_tuple
    x = as_tensor(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    if axis is None:
        if ord is None:
            return euclidean_norm(x, tuple(range(x.ndim)), keepdims)
        if x.ndim not in (1, 2):
            raise ValueError(f"linalg.norm with ord={ord!r} and axis=None needs a 1-D or 2-D "
                             f"tensor, got shape {x.shape}; pass axis")
        axis = tuple(range(x.ndim))
    axes = normalize_axis_tuple(axis, x.ndim, "norm axis")
    if len(axes) == 1:
        if isinstance(ord, str):
            raise ValueError(f"linalg.norm: ord={ord!r} is a matrix norm; vector norms take a "
                             f"number, inf or -inf")
        if ord is None or ord == 2:
            return euclidean_norm(x, axes, keepdims)
        if ord == np.inf:
            return r.max(absolute(x), axes, keepdims)
        if ord == -np.inf:
            return r.min(absolute(x), axes, keepdims)
        if ord == 0:  # the count of non-zero entries: no gradient
            return Tensor._result(np.asarray(
                (x.data != 0).sum(axis=axes, keepdims=keepdims).astype(x.dtype)), None)
        if ord == 1:
            return r.sum(absolute(x), axes, keepdims)
        total = r.sum(absolute(x) ** ord, axes, keepdims)
        # the root has an infinite slope at 0: route no gradient there (0, as for the 2-norm)
        zero = total.data == 0
        return where(zero, 0.0, where(zero, 1.0, total) ** (1.0 / ord))
    if len(axes) != 2:
        raise ValueError(f"linalg.norm: axis={axis!r} names {len(axes)} axes; a norm is over "
                         f"one axis (vector) or two (matrix)")
    row, col = axes
    if ord in (None, "fro", "f"):
        return euclidean_norm(x, axes, keepdims)
    if ord in (2, -2, "nuc"):
        s = svdvals(moveaxis(x, axes, (-2, -1)))
        result = {2: lambda: r.max(s, -1), -2: lambda: r.min(s, -1),
                  "nuc": lambda: r.sum(s, -1)}[ord]()
    elif ord in (1, -1, np.inf, -np.inf):
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        extreme = r.max if ord > 0 else r.min
        result = extreme(r.sum(absolute(x), summed), other - (other > summed))
    else:
        raise ValueError(f"linalg.norm: ord={ord!r} is not a matrix norm; use None, 'fro', "
                         f"'nuc', 1, -1, 2, -2, inf or -inf")
    if keepdims:
        result = reshape(result, keepdims_shape(x.shape, axes))
    return result
