"""softmax and log_softmax over each axis, numerically stable for logits of any size."""
import numpy as np
import pytest

from autograd import Tensor, gradcheck

rng = np.random.default_rng(21)
VALUES = rng.normal(size=(2, 3, 4)) * 2


def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_softmax_over_each_axis(axis):
    x = Tensor(VALUES, requires_grad=True)
    s = x.softmax(axis=axis)
    expected = np_softmax(VALUES, axis)
    np.testing.assert_allclose(s.data, expected, rtol=1e-12)
    np.testing.assert_allclose(s.data.sum(axis=axis), 1.0)
    g = rng.normal(size=s.shape)
    s.backward(g)
    # dx = s (g - Σ g s)
    np.testing.assert_allclose(
        x.grad, expected * (g - (g * expected).sum(axis=axis, keepdims=True)), rtol=1e-10)
    assert gradcheck(lambda x: x.softmax(axis=axis), [x])


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_log_softmax_over_each_axis(axis):
    x = Tensor(VALUES, requires_grad=True)
    out = x.log_softmax(axis=axis)
    expected = np.log(np_softmax(VALUES, axis))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    g = rng.normal(size=out.shape)
    out.backward(g)
    # dx = g - softmax Σ g
    np.testing.assert_allclose(
        x.grad, g - np.exp(expected) * g.sum(axis=axis, keepdims=True), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda x: x.log_softmax(axis=axis), [x])


def test_default_axis_is_the_last():
    x = Tensor(VALUES)
    np.testing.assert_array_equal(x.softmax().data, x.softmax(axis=-1).data)
    np.testing.assert_array_equal(x.log_softmax().data, x.log_softmax(axis=2).data)


def test_softmax_family_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4 + 1, -1e4 + 2]])
    x = Tensor(logits, requires_grad=True)
    with np.errstate(over="raise", invalid="raise"):
        s = x.softmax()
        log_s = x.log_softmax()
    np.testing.assert_allclose(s.data[0], [1.0, 0.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(s.data[1], np_softmax(np.array([0.0, 1.0, 2.0]), 0))
    np.testing.assert_allclose(log_s.data[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(log_s.data[1], np.log(np_softmax(np.array([0.0, 1.0, 2.0]), 0)))
    (s.sum() + log_s[:, 0].sum()).backward()
    assert np.isfinite(x.grad).all()


def test_softmax_gradient_sums_to_zero_along_the_axis():
    x = Tensor(VALUES, requires_grad=True)
    (x.softmax(axis=1) * rng.normal(size=VALUES.shape)).sum().backward()
    np.testing.assert_allclose(x.grad.sum(axis=1), 0.0, atol=1e-12)
