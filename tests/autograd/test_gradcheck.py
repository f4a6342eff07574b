"""gradcheck, numerical_gradient and rel_error: the tools that check the engine."""
import re

import numpy as np
import pytest

from autograd import GradcheckError, Tensor, gradcheck, numerical_gradient, rel_error
from autograd.ops import REGISTRY, Op, apply


class _WrongSquare(Op):
    """x²  with a deliberately wrong derivative (3x instead of 2x); no name: not registered."""
    __slots__ = ()

    def forward(self, x):
        return x * x

    def backward(self, g, x):
        return g * 3 * x


def wrong_square(x):
    return apply(_WrongSquare(), x)


def test_the_wrong_op_is_not_registered():
    assert _WrongSquare not in REGISTRY.values()


def test_gradcheck_returns_true_on_a_correct_function():
    x = Tensor(np.random.default_rng(0).normal(size=(3, 2)), requires_grad=True)
    y = Tensor(np.random.default_rng(1).normal(size=(2,)), requires_grad=True)
    assert gradcheck(lambda x, y: (x * y).tanh() @ y, [x, y]) is True


def test_gradcheck_raises_gradcheck_error_naming_the_input():
    x = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = Tensor([1.5, 0.5, 1.0], requires_grad=True)
    assert issubclass(GradcheckError, RuntimeError)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: (x * 2 + wrong_square(y)).sum(), [x, y])
    message = str(info.value)
    assert "input 1" in message and "input 0" not in message
    # the worst element (the largest |y|, index 0) and both values: engine 3y w, numerical 2y w
    assert "(0,)" in message
    engine, numerical = [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", message)[-2:]]
    assert engine / numerical == pytest.approx(1.5, rel=1e-6)


def test_gradcheck_raise_exception_false_returns_false():
    x = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    assert gradcheck(wrong_square, [x], raise_exception=False) is False


def test_gradcheck_checks_only_inputs_that_require_grad_and_leaves_inputs_alone():
    values = np.array([0.5, -1.0])
    x = Tensor(values, requires_grad=True)
    constant = Tensor([3.0, 4.0])
    assert gradcheck(lambda x, c: wrong_square(c) + x * c, [x, constant])
    np.testing.assert_array_equal(x.data, [0.5, -1.0])
    assert x.grad is None and constant.grad is None
    with pytest.raises(ValueError):
        gradcheck(lambda c: c * 2, [constant])


def test_numerical_gradient_of_a_scalar_function_restores_x_exactly():
    x = np.array([[0.1, -0.7], [1.3, 2.9]])
    before = x.copy()
    g = numerical_gradient(lambda a: np.sum(a ** 3), x)
    np.testing.assert_allclose(g, 3 * before ** 2, rtol=1e-8)
    assert np.array_equal(x, before)  # bit for bit
    assert g.shape == x.shape


def test_numerical_gradient_with_dout_is_the_seed_notebook_array_version():
    x = np.array([0.3, -1.1, 2.0])
    w = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    dout = np.array([0.7, -0.2])
    before = x.copy()
    g = numerical_gradient(lambda a: w @ np.tanh(a), x, dout)
    np.testing.assert_allclose(g, (w.T @ dout) * (1 - np.tanh(before) ** 2), rtol=1e-8)
    assert np.array_equal(x, before)


def test_numerical_gradient_accepts_functions_returning_tensors():
    x = np.array([0.5, 1.5])
    g = numerical_gradient(lambda a: (Tensor(a) ** 2).sum(), x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-8)


def test_numerical_gradient_step_h():
    # centred differences are exact for a quadratic at any h
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(numerical_gradient(lambda a: np.sum(a * a), x, h=0.5), 2 * x)


def test_rel_error_formula():
    # max(|x - y| / max(1e-8, |x| + |y|))
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == pytest.approx(0.5)
    assert rel_error(np.array([0.0]), np.array([1e-9])) == pytest.approx(1e-9 / 1e-8)
    assert rel_error(np.array([-1.0]), np.array([1.0])) == pytest.approx(1.0)
    assert rel_error(2.0, 1.0) == pytest.approx(1 / 3)
    assert isinstance(rel_error(np.ones(2), np.ones(2)), float)
