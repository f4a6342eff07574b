"""gradcheck, numerical_gradient and rel_error: the tools that check the engine."""
import re
import warnings

import numpy as np
import pytest

from autograd import (GradcheckError, Tensor, gradcheck, gradgradcheck, numerical_gradient,
                      rel_error)
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


# ---- gradcheck reports true partials, warns on float32, refuses non-Tensor results ------
def _two_values(message):
    engine = float(re.search(r"engine (\S+),", message).group(1))
    numerical = float(re.search(r"numerical (\S+)$", message).group(1))
    return engine, numerical


def test_gradcheck_reports_the_true_unscaled_partials():
    x = Tensor([3.0], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x * x.detach(), [x])  # engine: d/dx = 3, truth 6
    message = str(info.value)
    assert "input 0" in message and "(0,)" in message
    engine, numerical = _two_values(message)
    assert engine == 3.0 and numerical == pytest.approx(6.0, rel=1e-6)


def test_gradcheck_names_the_output_element_of_a_vector_function():
    x = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    # output 0 = 2 x0 x1 is right; output 1 = x2², through the wrong rule (3 x2 instead of 2 x2)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: (x[0] * 2 * x[1], wrong_square(x[2:]).sum()), [x])
    message = str(info.value)
    assert "input 0 (shape (3,)) at index (2,)" in message
    assert "output 1 (shape ()) at index ()" in message
    assert _two_values(message) == (pytest.approx(6.0), pytest.approx(4.0, rel=1e-6))


def test_gradcheck_warns_unless_the_checked_inputs_are_float64():
    x32 = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="input 0 has dtype float32.*need float64"):
        gradcheck(lambda x: x * 2, [x32], eps=1e-2, atol=1e-3)
    x64 = Tensor([0.5, 1.5], requires_grad=True)
    index = Tensor(np.array([1, 0]))  # not checked: no warning for it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda x, i: x * 2 + i, [x64, index])


@pytest.mark.parametrize("result, what", [(3.0, "got float"), (np.ones(2), "got ndarray"),
                                          ([Tensor([1.0])], "got list")])
def test_gradcheck_needs_fn_to_return_tensors(result, what):
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=f"must be a Tensor or a tuple of Tensors, {what}"):
        gradcheck(lambda x: result, [x])


def test_gradcheck_of_tuple_outputs_and_outputs_without_grad():
    x = Tensor([0.5, -1.0], requires_grad=True)
    assert gradcheck(lambda x: (x.tanh(), (x * x).sum(), Tensor([1.0, 2.0])), x)
    # an output that does not require grad but varies with x: the engine's zero is wrong
    assert not gradcheck(lambda x: (x * 1.0, Tensor(x.data * 2)), [x], raise_exception=False)


# ---- gradgradcheck ------------------------------------------------------------------------
def test_gradgradcheck_passes_correct_functions():
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    y = Tensor(rng.normal(size=(2,)), requires_grad=True)
    assert gradgradcheck(lambda x, y: (x * y).tanh() @ y, [x, y])
    assert gradgradcheck(lambda x: (x.exp() * x).sum(), [x])
    w = Tensor(rng.normal(size=(2, 4)), requires_grad=True)
    v = Tensor(rng.normal(size=(3, 4)))
    assert gradgradcheck(lambda x, w: x @ w, [x, w], grad_outputs=[v])


def test_gradgradcheck_of_a_small_network_loss():
    rng = np.random.default_rng(4)
    X = Tensor(rng.normal(size=(5, 3)))
    W1 = Tensor(rng.normal(size=(3, 4)) * 0.5, requires_grad=True)
    W2 = Tensor(rng.normal(size=(4, 2)) * 0.5, requires_grad=True)
    labels = np.array([0, 1, 1, 0, 1])

    def loss(W1, W2):
        logits = (X @ W1).tanh() @ W2
        return -logits.log_softmax(axis=1)[np.arange(5), labels].mean()

    assert gradcheck(loss, [W1, W2])
    assert gradgradcheck(loss, [W1, W2])


def test_gradgradcheck_catches_a_first_derivative_that_is_not_differentiable():
    x = Tensor([0.5, -1.2, 2.0], requires_grad=True)

    def cube(x):
        c = x.detach()
        return (c ** 3 + 3 * c ** 2 * (x - c)).sum()  # value and first derivative right

    assert gradcheck(cube, [x])
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(cube, [x])
    message = str(info.value)
    assert message.startswith("gradgradcheck:") and "input 0" in message
    engine, numerical = _two_values(message)
    assert engine == 0.0  # the derivative of 3 c² v, as the engine sees it, is 0
    assert gradgradcheck(cube, [x], raise_exception=False) is False
    assert gradgradcheck(lambda x: (x ** 3).sum(), [x])


def test_gradgradcheck_random_grad_outputs_are_checked_too_and_shapes_validated():
    x = Tensor([0.5, 2.0], requires_grad=True)

    def scaled(x):
        return x * x

    assert gradgradcheck(scaled, [x])
    with pytest.raises(ValueError, match=r"grad_outputs have shapes \[\(3,\)\].*\[\(2,\)\]"):
        gradgradcheck(scaled, [x], grad_outputs=[Tensor([1.0, 2.0, 3.0])])
    with pytest.raises(TypeError, match="got float"):
        gradgradcheck(lambda x: 1.0, [x])
