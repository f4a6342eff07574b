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


def test_bare_decorators():
    @no_grad
    def step(t):
        """Doubles t."""
        assert not is_grad_enabled()
        return t * 2

    @detect_anomaly
    def log(t):
        return t.log()

    x = Tensor([1.0], requires_grad=True)
    assert not step(x).requires_grad and is_grad_enabled()
    assert step.__name__ == "step" and step.__doc__ == "Doubles t."
    with np.errstate(divide="ignore"), pytest.raises(FloatingPointError):
        log(Tensor([0.0]))
    with np.errstate(divide="ignore"):
        Tensor([0.0]).log()  # off again outside
    with pytest.raises(TypeError, match="no_grad.*got int"):
        no_grad(3)


def _recording_generator(log):
    """Yields whether grad is enabled at each resumption; logs what it was sent."""
    received = yield is_grad_enabled()
    log.append((received, is_grad_enabled()))
    try:
        yield is_grad_enabled()
    except KeyError:
        log.append(("thrown", is_grad_enabled()))
        yield is_grad_enabled()
    finally:
        log.append(("closed", is_grad_enabled()))
    return "done"


@pytest.mark.parametrize("switch, inside, outside", [
    (no_grad, False, True), (no_grad(), False, True), (enable_grad(), True, False)])
def test_a_decorated_generator_holds_the_mode_in_its_body_only(switch, inside, outside):
    log = []
    generator_function = switch(_recording_generator)
    with (no_grad() if not outside else enable_grad()):
        gen = generator_function(log)
        assert next(gen) is inside
        assert is_grad_enabled() is outside  # restored between yields
        assert gen.send("hello") is inside
        assert is_grad_enabled() is outside
        assert gen.throw(KeyError("k")) is inside
        assert is_grad_enabled() is outside
        with pytest.raises(StopIteration) as stop:
            next(gen)
        assert stop.value.value == "done"  # the return value passes through
        assert is_grad_enabled() is outside
    assert log == [("hello", inside), ("thrown", inside), ("closed", inside)]
    assert generator_function.__name__ == "_recording_generator"


def test_a_decorated_generator_closed_early_and_raising_restores_the_mode():
    log = []
    gen = no_grad(_recording_generator)(log)
    next(gen)
    gen.send(None)
    gen.close()  # GeneratorExit reaches the body under no_grad; its finally runs there
    assert log == [(None, False), ("closed", False)] and is_grad_enabled()

    @no_grad()
    def failing():
        yield 1
        raise ValueError("inside")

    gen = failing()
    next(gen)
    with pytest.raises(ValueError, match="inside"):
        next(gen)
    assert is_grad_enabled()
    assert list(no_grad(lambda: iter([1, 2]))()) == [1, 2]  # returns an iterator: a plain call


def test_one_switch_instance_entered_twice_restores_in_order():
    switch = no_grad()
    with switch:
        with enable_grad():
            with switch:
                assert not is_grad_enabled()
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
