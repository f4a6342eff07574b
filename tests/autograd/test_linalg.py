"""autograd.linalg: values equal np.linalg's (batched), the 2-norm's subgradient at 0, slogdet's
constant sign, np.linalg on Tensors, errors, and torch as an oracle for values and gradients."""
import numpy as np
import pytest

import autograd
from autograd import Tensor, linalg

rng = np.random.default_rng(3)
SQUARE = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
SQUARE[1, 0] *= -1  # one negative determinant
X = rng.normal(size=(2, 3, 4))
RHS = rng.normal(size=(2, 3, 2))


def test_linalg_is_a_public_submodule():
    assert autograd.linalg is linalg
    assert set(linalg.__all__) >= {"norm", "inv", "det", "slogdet", "solve"}


NORMS = [
    dict(), dict(keepdims=True), dict(axis=1), dict(axis=-1, ord=1), dict(axis=0, ord=np.inf),
    dict(axis=2, ord=-np.inf), dict(axis=-1, ord=0), dict(axis=1, ord=3), dict(axis=1, ord=0.5),
    dict(axis=(1, 2)), dict(axis=(2, 1), ord="fro"), dict(axis=(0, 2), ord="nuc"),
    dict(axis=(1, 2), ord=2), dict(axis=(1, 2), ord=-2), dict(axis=(1, 2), ord=1),
    dict(axis=(2, 0), ord=-1), dict(axis=(1, 2), ord=np.inf, keepdims=True),
    dict(axis=(-1, -2), ord=-np.inf),
]


@pytest.mark.parametrize("kwargs", NORMS, ids=str)
def test_norm_equals_numpy(kwargs):
    expected = np.linalg.norm(X, **kwargs)
    for got in (linalg.norm(X, **kwargs), np.linalg.norm(Tensor(X, requires_grad=True), **kwargs)):
        assert isinstance(got, Tensor) and got.shape == np.shape(expected)
        np.testing.assert_allclose(got.data, expected, rtol=1e-12)


@pytest.mark.parametrize("ord_", [None, 2, 1, np.inf, -np.inf, 3])
def test_vector_and_matrix_norms_without_axis(ord_):
    np.testing.assert_allclose(linalg.norm(X[0, 0], ord_).data, np.linalg.norm(X[0, 0], ord_))
    if ord_ != 3:
        np.testing.assert_allclose(linalg.norm(X[0], ord_).data, np.linalg.norm(X[0], ord_))


def test_the_2_norm_at_zero_has_gradient_zero():
    for kwargs in (dict(), dict(axis=-1), dict(axis=(0, 1), ord="fro")):
        x = Tensor(np.zeros((2, 3)), requires_grad=True)
        out = linalg.norm(x, **kwargs)
        out.sum().backward()
        np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))
    # a zero row next to a non-zero one: the non-zero row's gradient is x / |x|
    x = Tensor(np.array([[0.0, 0.0], [3.0, 4.0]]), requires_grad=True)
    linalg.norm(x, axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0], [0.6, 0.8]])


def test_inv_det_slogdet_solve_equal_numpy_batched():
    np.testing.assert_allclose(linalg.inv(SQUARE).data, np.linalg.inv(SQUARE))
    np.testing.assert_allclose(linalg.det(SQUARE).data, np.linalg.det(SQUARE))
    sign, logabsdet = linalg.slogdet(SQUARE)
    expected_sign, expected_log = np.linalg.slogdet(SQUARE)
    np.testing.assert_array_equal(sign.data, expected_sign)
    assert (sign.data < 0).any() and (sign.data > 0).any()
    np.testing.assert_allclose(logabsdet.data, expected_log)
    np.testing.assert_allclose(linalg.solve(SQUARE, RHS).data, np.linalg.solve(SQUARE, RHS))
    np.testing.assert_allclose(linalg.solve(SQUARE, RHS[0, :, 0]).data,
                               np.linalg.solve(SQUARE, RHS[0, :, 0]))
    # the batch axes broadcast: one matrix against a stack of right-hand sides
    np.testing.assert_allclose(linalg.solve(SQUARE[0], RHS).data, np.linalg.solve(SQUARE[0], RHS))


def test_slogdet_sign_is_a_constant_and_the_result_unpacks_by_name():
    a = Tensor(SQUARE, requires_grad=True)
    result = linalg.slogdet(a)
    assert not result.sign.requires_grad and result.logabsdet.requires_grad
    result.logabsdet.sum().backward()
    np.testing.assert_allclose(a.grad, np.linalg.inv(SQUARE).transpose(0, 2, 1))


def test_np_linalg_on_tensors_stays_on_the_graph():
    a = Tensor(SQUARE, requires_grad=True)
    outs = [np.linalg.inv(a), np.linalg.det(a), np.linalg.slogdet(a)[1],
            np.linalg.solve(a, RHS), np.linalg.norm(a, axis=(1, 2))]
    for out in outs:
        assert isinstance(out, Tensor) and out.grad_fn is not None
    sum(o.sum() for o in outs).backward()
    assert a.grad.shape == SQUARE.shape and np.isfinite(a.grad).all()


def test_float32_stays_float32_and_integers_become_float64():
    assert linalg.inv(SQUARE.astype(np.float32)).dtype == np.float32
    assert linalg.norm(X.astype(np.float32)).dtype == np.float32
    assert linalg.det(np.eye(2, dtype=np.int64)).dtype == np.float64


ERRORS = {
    "not square": (lambda: linalg.inv(X), ValueError, "square"),
    "1-D det": (lambda: linalg.det(X[0, 0]), ValueError, "square"),
    "solve shapes": (lambda: linalg.solve(SQUARE, X[:, :2]), ValueError, "does not fit"),
    "string ord for a vector": (lambda: linalg.norm(X, "fro", axis=0), ValueError, "matrix"),
    "bad matrix ord": (lambda: linalg.norm(X, 3, axis=(0, 1)), ValueError, "not a matrix norm"),
    "three axes": (lambda: linalg.norm(X, 2, axis=(0, 1, 2)), ValueError, "one axis"),
    "ord with 3-D and no axis": (lambda: linalg.norm(X, 2), ValueError, "1-D or 2-D"),
    "singular": (lambda: linalg.inv(np.zeros((2, 2))), np.linalg.LinAlgError, "Singular"),
    "solve singular": (lambda: linalg.solve(np.zeros((2, 2)), np.ones(2)), np.linalg.LinAlgError,
                       "Singular"),
}


@pytest.mark.parametrize("label", sorted(ERRORS))
def test_bad_input_raises_a_clear_error(label):
    call, error, words = ERRORS[label]
    with pytest.raises(error, match=words):
        call()


TORCH_CASES = {
    "inv": (lambda m, a: m.linalg.inv(a), SQUARE),
    "det": (lambda m, a: m.linalg.det(a), SQUARE),
    "slogdet": (lambda m, a: m.linalg.slogdet(a)[1], SQUARE),
    "solve": (lambda m, a: m.linalg.solve(a, _constant(m, RHS)), SQUARE),
    "norm": (lambda m, a: m.linalg.norm(a), X),
    "vector norm 3": (lambda m, a: _vector_norm(m, a, 3, -1), X),
    "vector norm inf": (lambda m, a: _vector_norm(m, a, np.inf, 1), X),
    "matrix norm nuc": (lambda m, a: _matrix_norm(m, a, "nuc"), X),
    "matrix norm 2": (lambda m, a: _matrix_norm(m, a, 2), X),
    "matrix norm -2": (lambda m, a: _matrix_norm(m, a, -2), X),
    "matrix norm 1": (lambda m, a: _matrix_norm(m, a, 1), X),
    "matrix norm inf": (lambda m, a: _matrix_norm(m, a, np.inf), X),
}


def _constant(m, array):
    return array if m is autograd else m.tensor(array)


def _vector_norm(m, a, ord_, axis):
    if m is autograd:
        return linalg.norm(a, ord_, axis)
    return m.linalg.vector_norm(a, ord_, dim=axis)


def _matrix_norm(m, a, ord_):
    if m is autograd:
        return linalg.norm(a, ord_, axis=(1, 2))
    return m.linalg.matrix_norm(a, ord_, dim=(1, 2))


@pytest.mark.parametrize("label", sorted(TORCH_CASES))
def test_values_and_gradients_match_torch(label):
    torch = pytest.importorskip("torch")
    call, data = TORCH_CASES[label]
    a, ta = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, tout = call(autograd, a), call(torch, ta)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10)
    weights = rng.normal(size=out.shape)
    (out * weights).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_second_derivatives_match_torch():
    torch = pytest.importorskip("torch")
    vector = rng.normal(size=SQUARE.shape)
    for call in (lambda m, a: m.linalg.det(a).sum(), lambda m, a: m.linalg.inv(a).sum() ** 2,
                 lambda m, a: _matrix_norm(m, a, "nuc").sum() ** 2):
        a = Tensor(SQUARE, requires_grad=True)
        (g,) = autograd.grad(call(autograd, a), [a], create_graph=True)
        (hv,) = autograd.grad((g * vector).sum(), [a])
        ta = torch.tensor(SQUARE, requires_grad=True)
        (tg,) = torch.autograd.grad(call(torch, ta), [ta], create_graph=True)
        (thv,) = torch.autograd.grad((tg * torch.tensor(vector)).sum(), [ta])
        np.testing.assert_allclose(hv.data, thv.numpy(), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("rank", [0, 1, 2])
def test_det_of_a_singular_matrix_has_the_cofactors_as_gradient(rank):
    torch = pytest.importorskip("torch")
    a = rng.normal(size=(3, rank)) @ rng.normal(size=(rank, 3))
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    linalg.det(x).backward()
    torch.linalg.det(tx).backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-10)
    if rank == 2:  # the cofactors of a rank n-1 matrix are not zero
        assert np.abs(x.grad).max() > 1e-3


@pytest.mark.parametrize("ord_", [1, 3, np.inf])
def test_other_vector_norms_at_zero_have_gradient_zero(ord_):
    x = Tensor(np.array([[0.0, 0.0], [3.0, -4.0]]), requires_grad=True)
    linalg.norm(x, ord_, axis=1).sum().backward()
    assert np.isfinite(x.grad).all()
    np.testing.assert_array_equal(x.grad[0], [0.0, 0.0])
