"""Numerical gradients by centred differences, and checks of the engine against them."""
import numpy as np

from .tensor import Tensor


class GradcheckError(RuntimeError):
    """The engine's gradient and the numerical one disagree."""


def rel_error(x, y):
    """max(|x - y| / max(1e-8, |x| + |y|)), as in the seed notebook."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def numerical_gradient(f, x, dout=None, h=1e-5):
    """Centred differences of ``f`` at the numpy array ``x`` (changed in place, then restored).

    Without ``dout``, ``f(x)`` is a scalar; with it, the result is the gradient of
    ``sum(f(x) * dout)``. The result has ``x``'s shape.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"numerical_gradient needs a numpy array, not {type(x).__name__}")
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(*x.shape):
        original = x[index].copy()
        x[index] = original + h
        plus = _as_float_array(f(x))
        x[index] = original - h
        minus = _as_float_array(f(x))
        x[index] = original
        # subtract before reducing: the difference of two large sums would lose digits
        if dout is None:
            if plus.size != 1:
                raise ValueError(f"f(x) must be a scalar without dout, got shape {plus.shape}")
            grad[index] = (plus.reshape(()) - minus.reshape(())) / (2 * h)
        else:
            grad[index] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def _as_float_array(value):
    # a copy: f may return the same buffer for both evaluations
    return np.array(value.data if isinstance(value, Tensor) else value, dtype=np.float64)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare the engine's gradients of ``fn(*inputs)`` with centred differences.

    Every input Tensor that requires grad is checked, on copies of the inputs. A non-scalar
    output is reduced with fixed random weights, which exposes any wrong Jacobian entry.
    Returns True, or raises GradcheckError (returns False with ``raise_exception=False``)
    naming ``input i``, the worst element and both values.
    """
    inputs = tuple(Tensor(t.data.copy(), requires_grad=t.requires_grad)
                   if isinstance(t, Tensor) else t for t in inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck needs at least one input Tensor that requires grad")
    out = fn(*inputs)
    weights = np.random.default_rng(0).uniform(0.5, 1.5, size=out.shape)
    (out * weights).sum().backward()
    for i in checked:
        t = inputs[i]
        analytical = t.grad if t.grad is not None else np.zeros(t.shape)

        def objective(array):
            # grad stays enabled: fn may itself differentiate (a gradient of a gradient)
            return np.sum(fn(*inputs).data * weights)

        numerical = numerical_gradient(objective, t.data, h=eps)
        close = np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical)
        if not close.all():
            worst = np.unravel_index(
                np.argmax(np.abs(analytical - numerical) - rtol * np.abs(numerical)), t.shape)
            message = (f"gradient mismatch for input {i} (shape {t.shape}) at index "
                       f"{tuple(int(k) for k in worst)}: engine {analytical[worst]!r}, "
                       f"numerical {numerical[worst]!r}")
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True
