"""Elementwise ops: broadcasting between ranks, reflected operators, pow, kinks, where, cast."""
import operator

import numpy as np
import pytest

from autograd import Tensor, gradcheck, maximum, minimum, where

from .strategies import NAMED_BROADCAST_PAIRS

rng = np.random.default_rng(1234)


def leaf(array):
    return Tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def positive(shape):
    return rng.uniform(0.5, 2.0, shape)


def normal(shape):
    return rng.normal(size=shape)


def grid(shape, offset=0.0):
    return rng.integers(-5, 5, shape) * 0.1 + offset


BINARY = {  # op, left values, right values
    "add": (operator.add, normal, normal),
    "sub": (operator.sub, normal, normal),
    "mul": (operator.mul, normal, normal),
    "div": (operator.truediv, normal, positive),
    "pow": (operator.pow, positive, normal),
    # the operands sit on two grids 0.05 apart: they never tie
    "maximum": (maximum, grid, lambda shape: grid(shape, 0.05)),
    "minimum": (minimum, grid, lambda shape: grid(shape, 0.05)),
}
NUMPY = {"maximum": np.maximum, "minimum": np.minimum}


@pytest.mark.parametrize("shapes", NAMED_BROADCAST_PAIRS + [p[::-1] for p in NAMED_BROADCAST_PAIRS],
                         ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_broadcasting_between_ranks(name, shapes):
    op, left, right = BINARY[name]
    a, b = leaf(left(shapes[0])), leaf(right(shapes[1]))
    out = op(a, b)
    assert out.shape == np.broadcast_shapes(*shapes)
    np.testing.assert_allclose(out.data, NUMPY.get(name, op)(a.data, b.data))
    (out * rng.normal(size=out.shape)).sum().backward()
    assert a.grad.shape == shapes[0] and b.grad.shape == shapes[1]
    assert gradcheck(op, [a, b])


# ---- reflected operators: numbers and ndarrays on either side ------------------------------

OPERATORS = {
    "+": (operator.add, lambda x, y: (np.ones_like(x), np.ones_like(y))),
    "-": (operator.sub, lambda x, y: (np.ones_like(x), -np.ones_like(y))),
    "*": (operator.mul, lambda x, y: (y, x)),
    "/": (operator.truediv, lambda x, y: (1 / y, -x / y ** 2)),
    "**": (operator.pow, lambda x, y: (y * x ** (y - 1), x ** y * np.log(x))),
}


@pytest.mark.parametrize("other_kind", ["number", "ndarray", "0-d ndarray"])
@pytest.mark.parametrize("tensor_side", ["left", "right"])
@pytest.mark.parametrize("symbol", sorted(OPERATORS))
def test_reflected_operators(symbol, tensor_side, other_kind):
    op, partials = OPERATORS[symbol]
    t_values = np.array([[0.5, 1.5, 2.0], [1.25, 0.75, 3.0]])
    other = {"number": 1.75, "ndarray": np.array([0.5, 2.5, 1.5]),
             "0-d ndarray": np.array(1.75)}[other_kind]
    t = leaf(t_values)
    out = op(t, other) if tensor_side == "left" else op(other, t)
    assert type(out) is Tensor, f"{type(out)}: ndarray {symbol} Tensor must give a Tensor"
    x, y = (t_values, np.asarray(other)) if tensor_side == "left" else (np.asarray(other),
                                                                          t_values)
    np.testing.assert_allclose(out.data, op(x, y))
    out.sum().backward()
    dx, dy = partials(*np.broadcast_arrays(x, y))
    np.testing.assert_allclose(t.grad, dx if tensor_side == "left" else dy)


@pytest.mark.parametrize("tensor_side", ["left", "right"])
def test_reflected_matmul_with_an_ndarray(tensor_side):
    a = rng.normal(size=(2, 3))
    b = rng.normal(size=(3, 4))
    t = leaf(b if tensor_side == "right" else a)
    out = a @ t if tensor_side == "right" else t @ b
    assert type(out) is Tensor
    np.testing.assert_allclose(out.data, a @ b)
    out.sum().backward()
    expected = a.T @ np.ones((2, 4)) if tensor_side == "right" else np.ones((2, 4)) @ b.T
    np.testing.assert_allclose(t.grad, expected)


def test_unary_minus_and_plus():
    x = leaf([1.0, -2.0])
    (-x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [-3.0, -3.0])
    assert (+x) is x


# ---- pow: base and exponent -----------------------------------------------------------------


def test_pow_is_differentiable_in_base_and_exponent():
    x, y = leaf([0.5, 1.5, 2.0]), leaf([-1.5, 0.5, 3.0])
    (x ** y).sum().backward()
    np.testing.assert_allclose(x.grad, y.data * x.data ** (y.data - 1))
    np.testing.assert_allclose(y.grad, x.data ** y.data * np.log(x.data))


def test_number_to_the_power_of_a_tensor():
    y = leaf([-1.0, 0.0, 2.5])
    (2.0 ** y).sum().backward()
    np.testing.assert_allclose(y.grad, 2.0 ** y.data * np.log(2.0))


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1, -2.5])
def test_tensor_to_a_number_power(exponent):
    x = leaf([0.5, 1.25, 2.0])
    (x ** exponent).sum().backward()
    np.testing.assert_allclose(x.grad, exponent * x.data ** (exponent - 1))


def test_pow_exponent_gradient_at_zero_base_is_zero_not_nan():
    # d/dy x**y = x**y log x, taken as 0 where x == 0 (as PyTorch does for y >= 0)
    x, y = leaf([0.0, 1.0]), leaf([2.0, 2.0])
    (x ** y).sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 0.0])
    np.testing.assert_array_equal(x.grad, [0.0, 2.0])


def test_pow_with_a_zero_exponent_has_zero_gradient_at_zero():
    x = leaf([0.0, 2.0])
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


# ---- smooth unary ops -------------------------------------------------------------------------

UNARY = {
    "exp": (Tensor.exp, np.exp, np.exp),
    "log": (Tensor.log, np.log, lambda x: 1 / x),
    "sqrt": (Tensor.sqrt, np.sqrt, lambda x: 0.5 / np.sqrt(x)),
    "tanh": (Tensor.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "sigmoid": (Tensor.sigmoid, lambda x: 1 / (1 + np.exp(-x)),
                lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    "neg": (operator.neg, operator.neg, lambda x: -np.ones_like(x)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_derivatives(name):
    method, forward, derivative = UNARY[name]
    values = np.array([[0.3, 1.7, 2.5], [0.9, 1.1, 0.6]])
    x = leaf(values)
    out = method(x)
    np.testing.assert_allclose(out.data, forward(values), rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, derivative(values), rtol=1e-10)


def test_sigmoid_and_tanh_saturate_without_overflow():
    x = leaf([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise"):
        s = x.sigmoid()
        t = x.tanh()
    np.testing.assert_allclose(s.data, [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(t.data, [-1.0, -1.0, 0.0, 1.0, 1.0])
    (s + t).sum().backward()
    assert np.isfinite(x.grad).all()
    np.testing.assert_allclose(x.grad[[0, 4]], [0.0, 0.0])
    np.testing.assert_allclose(x.grad[2], 0.25 + 1.0)


def test_sigmoid_keeps_its_relative_precision_for_negative_inputs():
    x = Tensor([-20.0, -40.0, -50.0])
    np.testing.assert_allclose(x.sigmoid().data, 1 / (1 + np.exp(-x.data)), rtol=1e-12)
    np.testing.assert_allclose(x.sigmoid().log().data, -np.log1p(np.exp(-x.data)), rtol=1e-12)


# ---- kinks: away from them the derivative is exact; at them, PyTorch's conventions ----------


def test_relu_abs_clip_derivatives_away_from_kinks():
    values = np.array([-2.0, -0.5, 0.25, 1.5, 3.0])
    for method, expected in [
        (Tensor.relu, [0, 0, 1, 1, 1]),
        (Tensor.abs, [-1, -1, 1, 1, 1]),
        (lambda t: t.clip(-1.0, 2.0), [0, 1, 1, 1, 0]),
        (lambda t: t.clip(None, 1.0), [1, 1, 1, 0, 0]),
        (lambda t: t.clip(0.0, None), [0, 0, 1, 1, 1]),
    ]:
        x = leaf(values)
        method(x).sum().backward()
        np.testing.assert_array_equal(x.grad, expected)


def test_relu_abs_clip_values():
    values = np.array([-2.0, -0.5, 0.25, 1.5, 3.0])
    x = Tensor(values)
    np.testing.assert_array_equal(x.relu().data, np.maximum(values, 0))
    np.testing.assert_array_equal(x.abs().data, np.abs(values))
    np.testing.assert_array_equal(x.clip(-1.0, 2.0).data, np.clip(values, -1.0, 2.0))
    np.testing.assert_array_equal(x.clip(None, 1.0).data, np.minimum(values, 1.0))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_relu_of_a_0d_tensor_is_numpys_maximum_bit_for_bit(dtype):
    # 0-d inputs reach the op as numpy scalars, which take their own branch
    for v in (-1.5, -0.0, 0.0, 2.5, np.nan, np.inf, -np.inf, np.finfo(dtype).tiny):
        expected = np.maximum(np.array(v, dtype=dtype), 0)
        x = Tensor(np.array(v, dtype=dtype), requires_grad=True)
        out = x.relu()
        assert out.data.dtype == dtype and out.shape == ()
        np.testing.assert_array_equal(out.data, expected)
        assert np.signbit(out.data) == np.signbit(expected)  # -0.0 gives +0.0
        out.backward()
        assert x.grad == (1.0 if v > 0 else 0.0)


def test_relu_and_abs_at_zero_have_zero_gradient():
    for method in (Tensor.relu, Tensor.abs):
        x = leaf([0.0])
        method(x).sum().backward()
        np.testing.assert_array_equal(x.grad, [0.0])


def test_clip_passes_the_gradient_at_its_bounds():
    x = leaf([-1.0, 2.0])
    x.clip(-1.0, 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("op", [maximum, minimum], ids=["maximum", "minimum"])
def test_maximum_minimum_with_a_number_or_array_on_either_side(op, side):
    values = np.array([-1.5, -0.25, 0.75, 2.0])
    other = 0.5 if side == "left" else np.array([0.5, 0.5, 0.5, 0.5])
    x = leaf(values)
    out = op(x, other) if side == "left" else op(other, x)
    np.testing.assert_array_equal(out.data, (np.maximum if op is maximum else np.minimum)(
        values, 0.5))
    out.sum().backward()
    wins = values > 0.5 if op is maximum else values < 0.5
    np.testing.assert_array_equal(x.grad, wins.astype(float))


# ---- where ------------------------------------------------------------------------------------


def test_where_with_a_broadcast_condition():
    condition = np.array([[True], [False], [True]])  # (3, 1)
    x, y = leaf(rng.normal(size=(1, 4))), leaf(rng.normal(size=()))
    out = where(condition, x, y)
    assert out.shape == (3, 4)
    np.testing.assert_array_equal(out.data, np.where(condition, x.data, y.data))
    weights = rng.normal(size=(3, 4))
    (out * weights).sum().backward()
    np.testing.assert_allclose(x.grad, (weights * condition).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(y.grad, (weights * ~condition).sum())
    assert gradcheck(lambda x, y: where(condition, x, y), [x, y])


def test_where_accepts_a_bool_tensor_condition_and_number_branches():
    x = leaf([1.0, -2.0, 3.0])
    out = where(x > 0, x, 0.0)
    np.testing.assert_array_equal(out.data, [1.0, 0.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])
    y = leaf([1.0, 2.0, 3.0])
    where(np.array([True, False, True]), 10.0, y).sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 1.0, 0.0])


# ---- cast (Tensor.astype) ---------------------------------------------------------------------


def test_cast_float32_to_float64_and_back():
    x = Tensor(np.array([1.5, -2.0], dtype=np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.grad_fn.name == "cast"
    (y * np.array([3.0, 4.0])).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])

    z = Tensor([1.0, 2.0], requires_grad=True)
    w = z.astype(np.float32)
    assert w.dtype == np.float32
    (w * 2).sum().backward()
    assert z.grad.dtype == np.float64
    np.testing.assert_array_equal(z.grad, [2.0, 2.0])


def test_astype_to_the_same_dtype_records_nothing():
    x = Tensor([1.0], requires_grad=True)
    assert x.astype(np.float64) is x
