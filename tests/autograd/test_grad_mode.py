"""no_grad, enable_grad, is_grad_enabled and detect_anomaly as context managers and decorators."""
import numpy as np
import pytest

from autograd import Tensor, detect_anomaly, enable_grad, is_grad_enabled, no_grad


def test_no_grad_as_a_context_manager():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2
        z = (x.exp() @ x).sum()
    assert is_grad_enabled()
    for t in (y, z):
        assert not t.requires_grad and t.grad_fn is None
    np.testing.assert_array_equal(y.data, [2.0, 4.0])


def test_no_grad_as_a_decorator():
    @no_grad()
    def step(t):
        """Doubles t."""
        assert not is_grad_enabled()
        return t * 2

    x = Tensor([1.0], requires_grad=True)
    y = step(x)
    assert not y.requires_grad
    assert is_grad_enabled()
    assert step.__name__ == "step" and step.__doc__ == "Doubles t."
    assert not step(x).requires_grad  # reusable


def test_enable_grad_inside_no_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            y = x * x
        assert not is_grad_enabled()
        z = x * 3
    assert y.requires_grad and not z.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_enable_grad_as_a_decorator_inside_no_grad():
    @enable_grad()
    def square(t):
        return t * t

    x = Tensor([3.0], requires_grad=True)
    with no_grad():
        y = square(x)
    assert y.requires_grad


def test_modes_nest_and_restore_on_exceptions():
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            1 / 0
    assert is_grad_enabled()

    @no_grad()
    def fails():
        raise KeyError("x")

    with pytest.raises(KeyError):
        fails()
    assert is_grad_enabled()


def test_no_grad_ops_on_tensors_that_require_grad_give_constants():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = x[0] + x.sum()
    z = y * x  # y is a constant inside a recorded graph
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, [y.item(), y.item()])


def test_detect_anomaly_restores_and_nests():
    with detect_anomaly():
        with detect_anomaly():
            pass
        with np.errstate(divide="ignore"), pytest.raises(FloatingPointError):
            Tensor([0.0]).log()
    with np.errstate(divide="ignore"):
        Tensor([0.0]).log()  # off again: no error
    with pytest.raises(ValueError):
        with detect_anomaly():
            raise ValueError
    with np.errstate(divide="ignore"):
        Tensor([0.0]).log()


def test_backward_runs_inside_no_grad():
    x = Tensor([0.5, 1.0], requires_grad=True)
    y = (x * x).sum()
    with no_grad():
        y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])
