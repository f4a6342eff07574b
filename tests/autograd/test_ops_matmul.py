"""matmul with np.matmul's semantics: 1-D, 2-D and batched with broadcast batch dimensions."""
import numpy as np
import pytest

from autograd import Tensor, gradcheck

rng = np.random.default_rng(11)

SHAPES = [
    ((3,), (3,)),            # 1-D @ 1-D: a scalar
    ((3,), (3, 4)),          # 1-D @ 2-D
    ((2, 3), (3,)),          # 2-D @ 1-D
    ((2, 3), (3, 4)),        # 2-D @ 2-D
    ((5, 2, 3), (5, 3, 4)),  # batched
    ((5, 2, 3), (3, 4)),     # batched @ 2-D
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dimensions
    ((4,), (2, 4, 3)),       # 1-D @ batched
    ((2, 3, 4), (4,)),       # batched @ 1-D
]


def reference_gradients(a, b, g):
    """dA = g @ Bᵀ and dB = Aᵀ @ g, with 1-D operands promoted and batch axes summed back."""
    if a.ndim == 1 and b.ndim == 1:
        return g * b, g * a
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    if b.ndim == 1:
        g2 = np.expand_dims(g2, -1)
    da = g2 @ np.swapaxes(b2, -1, -2)
    db = np.swapaxes(a2, -1, -2) @ g2
    if a.ndim == 1:
        da = da[..., 0, :]
    if b.ndim == 1:
        db = db[..., 0]
    return sum_to(da, a.shape), sum_to(db, b.shape)


def sum_to(x, shape):
    lead = x.ndim - len(shape)
    x = x.sum(axis=tuple(range(lead)))
    return x.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1),
                 keepdims=True).reshape(shape)


@pytest.mark.parametrize("shape_a, shape_b", SHAPES, ids=str)
def test_matmul(shape_a, shape_b):
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = x @ y
    expected = np.matmul(a, b)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    g = rng.normal(size=out.shape)
    out.backward(g)
    da, db = reference_gradients(a, b, g)
    np.testing.assert_allclose(x.grad, da, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad, db, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda x, y: x @ y, [x, y])


@pytest.mark.parametrize("shape_a, shape_b", SHAPES, ids=str)
def test_matmul_with_one_constant_operand(shape_a, shape_b):
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    y = Tensor(b, requires_grad=True)
    out = a @ y  # ndarray @ Tensor goes through Tensor.__rmatmul__
    assert type(out) is Tensor
    g = rng.normal(size=out.shape)
    out.backward(g)
    np.testing.assert_allclose(y.grad, reference_gradients(a, b, g)[1], rtol=1e-10, atol=1e-12)
    x = Tensor(a, requires_grad=True)
    constant = Tensor(b)
    (x @ constant).backward(g)
    np.testing.assert_allclose(x.grad, reference_gradients(a, b, g)[0], rtol=1e-10, atol=1e-12)
    assert constant.grad is None
