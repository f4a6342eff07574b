"""Activations and dropout, as functions on Tensors."""
import numpy as np

from autograd.ops.helpers import value

from ..random import as_generator


def relu(x):
    return x.relu()


def tanh(x):
    return x.tanh()


def sigmoid(x):
    return x.sigmoid()


def softmax(x, axis=-1):
    return x.softmax(axis)


def log_softmax(x, axis=-1):
    return x.log_softmax(axis)


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
