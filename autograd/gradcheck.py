"""Numerical gradients by centred differences, and checks of the engine against them."""
import warnings

import numpy as np

from . import functional
from .grad_mode import enable_grad
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
    """Compare the engine's Jacobian of ``fn(*inputs)`` with centred differences.

    ``inputs`` is a Tensor or a sequence (Tensors and constants); ``fn`` returns a Tensor or a
    tuple of Tensors. Every input Tensor that requires grad is checked, on copies of the
    inputs: each entry ``d output[o] / d input[i]`` of the engine's Jacobian (one backward
    pass per output element) against ``functional.numerical_jacobian``, to
    ``|engine - numerical| <= atol + rtol |numerical|``. Returns True, or raises
    GradcheckError (returns False with ``raise_exception=False``) naming ``input i``, the
    worst element and both true partial derivatives. Warns unless the checked inputs are
    float64: centred differences with eps=1e-6 need it.
    """
    return _check(fn, inputs, eps, atol, rtol, raise_exception, "gradcheck", "input {i}")


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True):
    """``gradcheck`` of the first derivative: checks the engine's second derivatives.

    The checked function is ``(x, v) -> grad(fn(x), x, v, create_graph=True)`` (inputs ``x``
    that require grad; gradients that do not exist are left out), differentiated with
    respect to the inputs and to ``grad_outputs`` ``v``: one Tensor per output of ``fn``
    that requires grad, random in [-1, 1) (fixed seed, requiring grad) when not given.
    A first derivative that is right but not itself differentiable fails here.
    """
    inputs = _as_list(inputs)
    with enable_grad():
        outputs = fn(*_copies(inputs))
    _, outputs = functional._as_tuple(outputs, "outputs of the function", "gradgradcheck")
    differentiable = [out for out in outputs if out.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor(rng.uniform(-1, 1, out.shape).astype(out.dtype),
                               requires_grad=True) for out in differentiable]
    else:
        grad_outputs = [g if isinstance(g, Tensor) else Tensor(np.asarray(g))
                        for g in _as_list(grad_outputs)]
        if [g.shape for g in grad_outputs] != [out.shape for out in differentiable]:
            raise ValueError(
                f"gradgradcheck: grad_outputs have shapes {[g.shape for g in grad_outputs]}, "
                f"but the outputs that require grad have {[o.shape for o in differentiable]}")
    n = len(inputs)

    def first_derivative(*args):
        x, v = args[:n], args[n:]
        _, outs = functional._as_tuple(fn(*x), "outputs of the function", "gradgradcheck")
        wrt = tuple(t for t in x if isinstance(t, Tensor) and t.requires_grad)
        grads = functional._grad(tuple(o for o in outs if o.requires_grad), wrt, tuple(v),
                                 create_graph=True)
        return tuple(g for g in grads if g is not None)

    def label(i):
        return f"input {i}" if i < n else f"grad_outputs {i - n}"

    return _check(first_derivative, inputs + grad_outputs, eps, atol, rtol, raise_exception,
                  "gradgradcheck", label)


def _as_list(inputs):
    return [inputs] if isinstance(inputs, Tensor) else list(inputs)


def _copies(inputs):
    return [Tensor(t.data.copy(), requires_grad=t.requires_grad) if isinstance(t, Tensor) else t
            for t in inputs]


def _check(fn, inputs, eps, atol, rtol, raise_exception, name, label):
    """The shared body of gradcheck and gradgradcheck; ``label`` names input ``i``."""
    if isinstance(label, str):
        label = label.format
    inputs = _copies(_as_list(inputs))
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError(f"{name} needs at least one input Tensor that requires grad; pass "
                         f"Tensor(..., requires_grad=True)")
    for i in checked:
        if inputs[i].dtype != np.float64:
            warnings.warn(f"{name}: {label(i=i)} has dtype {inputs[i].dtype}; centred "
                          f"differences with eps={eps:g} need float64 to be accurate",
                          UserWarning, stacklevel=3)
    with enable_grad():
        _, outputs = functional._as_tuple(fn(*inputs), "outputs of the function", name)
        engine = functional._jacobian(outputs, tuple(inputs[i] for i in checked), False, False)

    def varying(*tensors):
        args = list(inputs)
        for i, t in zip(checked, tensors):
            args[i] = t
        return fn(*args)

    _, numerical = functional._numerical_jacobian(
        varying, tuple(inputs[i] for i in checked), eps, name)
    single = len(outputs) == 1 and outputs[0].size == 1
    for k, i in enumerate(checked):
        worst = None  # (excess over the tolerance, output, flat index, engine, numerical)
        for o, out in enumerate(outputs):
            if not out.size or not inputs[i].size:
                continue
            a = engine[o][k].data.reshape(out.size, -1).astype(np.float64)
            b = numerical[o][k].reshape(out.size, -1)
            excess = np.abs(a - b) - (atol + rtol * np.abs(b))
            at = int(np.argmax(excess))
            if excess.flat[at] > 0 and (worst is None or excess.flat[at] > worst[0]):
                worst = (excess.flat[at], o, at, a.flat[at], b.flat[at])
        if worst is not None:
            _, o, at, a, b = worst
            out_index, in_index = divmod(at, max(inputs[i].size, 1))
            where = "" if single else (f" of output {o} (shape {outputs[o].shape}) at index "
                                       f"{_index(out_index, outputs[o].shape)}")
            message = (f"{name}: gradient mismatch for {label(i=i)} (shape {inputs[i].shape}) "
                       f"at index {_index(in_index, inputs[i].shape)}{where}: engine "
                       f"{float(a)!r}, numerical {float(b)!r}")
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _index(flat, shape):
    return tuple(int(k) for k in np.unravel_index(flat, shape)) if shape else ()
