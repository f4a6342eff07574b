"""Activations and dropout, as functions on Tensors (numpy arrays become constant Tensors).

All are composites of engine ops, so each differentiates to any order with no rule of its own.
"""
import numpy as np

from autograd import Tensor, logaddexp, where
from autograd.ops.helpers import value

from ..random import as_generator


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def relu(x):
    """max(x, 0)."""
    return _tensor(x).relu()


def tanh(x):
    """tanh x."""
    return _tensor(x).tanh()


def sigmoid(x):
    """σ(x) = 1 / (1 + e^-x)."""
    return _tensor(x).sigmoid()


def softmax(x, axis=-1):
    """e^x / Σ e^x along ``axis``."""
    return _tensor(x).softmax(axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``."""
    return _tensor(x).log_softmax(axis)


def leaky_relu(x, negative_slope=0.01):
    """x for x > 0, else negative_slope · x (the slope's side at 0, as PyTorch)."""
    x = _tensor(x)
    return where(x.data > 0, x, x * negative_slope)


def elu(x, alpha=1.0):
    """x for x > 0, else α (e^x - 1); the exponential sees only x <= 0, so it never overflows."""
    x = _tensor(x)
    positive = x.data > 0
    return where(positive, x, alpha * where(positive, 0.0, x).expm1())


def silu(x):
    """x σ(x) (also called swish)."""
    x = _tensor(x)
    return x * x.sigmoid()


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + e^(βx)) / β, reverting to x where βx > threshold (PyTorch's convention);
    logaddexp(0, βx) keeps both tails exact, where log(1 + e^z) would round them."""
    if not beta > 0:
        raise ValueError(f"softplus needs beta > 0, got beta={beta}")
    x = _tensor(x)
    z = x * beta
    return where(z.data > threshold, x, logaddexp(0.0, z) / beta)


def logsigmoid(x):
    """log σ(x) = -logaddexp(0, -x), stable for any x."""
    return -logaddexp(0.0, -_tensor(x))


def dropout(x, p=0.5, training=True, rng=None):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    rng = as_generator(rng)
    keep = rng.random(np.shape(value(x))) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * (keep * np.asarray(scale, dtype=value(x).dtype))
