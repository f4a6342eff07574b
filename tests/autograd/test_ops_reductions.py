"""Reductions: every axis/keepdims combination, forward against numpy and gradients checked."""
import numpy as np
import pytest

from autograd import Tensor, gradcheck

from .strategies import all_axes

SHAPE = (2, 3, 2)
# distinct values 0.1 apart: no ties for max/min, so their gradient is a clean one-hot
VALUES = np.random.default_rng(7).permutation(np.prod(SHAPE)).reshape(SHAPE) * 0.1 - 0.5


def np_logsumexp(x, axis=None, keepdims=False):
    shift = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


REDUCTIONS = {
    "sum": (lambda t, **kw: t.sum(**kw), np.sum),
    "mean": (lambda t, **kw: t.mean(**kw), np.mean),
    "max": (lambda t, **kw: t.max(**kw), np.max),
    "min": (lambda t, **kw: t.min(**kw), np.min),
    "var": (lambda t, **kw: t.var(**kw), np.var),
    "var_ddof1": (lambda t, **kw: t.var(ddof=1, **kw), lambda x, **kw: np.var(x, ddof=1, **kw)),
    "logsumexp": (lambda t, **kw: t.logsumexp(**kw), np_logsumexp),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_every_axis_and_keepdims_combination(name):
    method, reference = REDUCTIONS[name]
    for axis in all_axes(len(SHAPE)):
        for keepdims in (False, True):
            x = Tensor(VALUES.copy(), requires_grad=True)
            out = method(x, axis=axis, keepdims=keepdims)
            expected = reference(VALUES, axis=axis, keepdims=keepdims)
            assert out.shape == np.shape(expected), (axis, keepdims)
            np.testing.assert_allclose(out.data, expected, rtol=1e-12, err_msg=str(
                (axis, keepdims)))
            assert gradcheck(lambda x: method(x, axis=axis, keepdims=keepdims), [x])


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_an_empty_axis_tuple_reduces_nothing(name):
    method, reference = REDUCTIONS[name]
    if name == "var_ddof1":
        pytest.skip("n - ddof = 0 over an empty axis tuple")
    x = Tensor(VALUES.copy(), requires_grad=True)
    out = method(x, axis=())
    np.testing.assert_allclose(out.data, reference(VALUES, axis=()), atol=1e-12)
    assert gradcheck(lambda x: method(x, axis=()), [x])


def test_sum_and_mean_gradients_are_exact():
    x = Tensor(VALUES, requires_grad=True)
    x.sum(axis=(0, -1)).backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad, np.broadcast_to([[[1.0], [2.0], [3.0]]], SHAPE))
    y = Tensor(VALUES, requires_grad=True)
    y.mean(axis=1, keepdims=True).sum().backward()
    np.testing.assert_allclose(y.grad, np.full(SHAPE, 1 / 3))


def test_max_and_min_send_the_gradient_to_the_extreme_only():
    x = Tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 4.0]], requires_grad=True)
    x.max(axis=1).backward(np.array([10.0, 20.0]))
    np.testing.assert_array_equal(x.grad, [[0, 10, 0], [20, 0, 0]])
    y = Tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 4.0]], requires_grad=True)
    y.min().backward()
    np.testing.assert_array_equal(y.grad, [[1, 0, 0], [0, 0, 0]])


@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_with_ddof_matches_numpy(ddof):
    values = np.random.default_rng(3).normal(size=(4, 5))
    for axis in (None, 0, 1, -1, (0, 1)):
        x = Tensor(values, requires_grad=True)
        out = x.var(axis=axis, ddof=ddof)
        np.testing.assert_allclose(out.data, np.var(values, axis=axis, ddof=ddof), rtol=1e-12)
        assert gradcheck(lambda x: x.var(axis=axis, ddof=ddof), [x])
    # d var / dx = 2 (x - mean) / (n - ddof)
    x = Tensor(values, requires_grad=True)
    x.var(ddof=ddof).backward()
    np.testing.assert_allclose(x.grad, 2 * (values - values.mean()) / (values.size - ddof))


def test_logsumexp_is_stable_for_huge_and_minus_infinite_logits():
    x = Tensor([[1000.0, 1000.0], [-1000.0, -1001.0]], requires_grad=True)
    out = x.logsumexp(axis=1)
    np.testing.assert_allclose(out.data, [1000 + np.log(2), -1000 + np.log1p(np.exp(-1))])
    out.sum().backward()
    p = np.exp(-1) / (1 + np.exp(-1))
    np.testing.assert_allclose(x.grad, [[0.5, 0.5], [1 - p, p]])
    y = Tensor([-np.inf, 0.0, -np.inf])
    assert y.logsumexp().item() == 0.0


def test_logsumexp_gradient_is_softmax():
    values = np.array([0.3, -1.2, 2.0, 0.7])
    x = Tensor(values, requires_grad=True)
    x.logsumexp().backward()
    np.testing.assert_allclose(x.grad, np.exp(values) / np.exp(values).sum())


def test_logsumexp_of_a_0d_tensor():
    x = Tensor(1.5, requires_grad=True)
    out = x.logsumexp()
    assert out.item() == 1.5
    out.backward()
    assert x.grad == 1.0


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
def test_reductions_of_a_0d_tensor(name):
    x = Tensor(1.5, requires_grad=True)
    out = REDUCTIONS[name][0](x)
    assert out.shape == ()
    assert out.item() == (0.0 if name == "var" else 1.5)
    out.backward()
    assert x.grad == (0.0 if name == "var" else 1.0)


def test_mean_of_an_integer_tensor_is_float64():
    x = Tensor(np.array([1, 2, 4]))
    assert x.mean().dtype == np.float64
    assert x.mean().item() == pytest.approx(7 / 3)
    assert x.sum().dtype == np.array([1, 2, 4]).sum().dtype


def test_float32_reductions_stay_float32():
    x = Tensor(VALUES.astype(np.float32), requires_grad=True)
    for name, (method, _) in REDUCTIONS.items():
        out = method(x, axis=1)
        assert out.dtype == np.float32, name
        out.sum().backward()
        assert x.grad.dtype == np.float32, name
