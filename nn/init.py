"""Weight initialisation, in place, drawn from a ``numpy.random.Generator``.

Weights are laid out (in_features, out_features), so fan_in is ``shape[0]``.
"""
import numpy as np

from autograd import no_grad

from .random import as_generator


def calculate_gain(nonlinearity, param=None):
    """The recommended scale for a nonlinearity, as in PyTorch."""
    gains = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": np.sqrt(2.0)}
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return float(np.sqrt(2.0 / (1 + slope ** 2)))
    if nonlinearity not in gains:
        raise ValueError(f"unknown nonlinearity {nonlinearity!r}")
    return float(gains[nonlinearity])


def _fans(tensor):
    if tensor.ndim != 2:
        raise ValueError(f"fan in and fan out need a 2-D weight, got shape {tensor.shape}")
    return tensor.shape[0], tensor.shape[1]


def _fill(tensor, values):
    with no_grad():
        tensor.data[...] = values
        tensor._version += 1
    return tensor


def uniform_(tensor, a=0.0, b=1.0, rng=None):
    return _fill(tensor, as_generator(rng).uniform(a, b, size=tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, rng=None):
    return _fill(tensor, as_generator(rng).normal(mean, std, size=tensor.shape))


def zeros_(tensor):
    return _fill(tensor, 0)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """U(-b, b) with b = gain √(3 / fan)."""
    fan = _fans(tensor)[0 if mode == "fan_in" else 1]
    bound = calculate_gain(nonlinearity, a) * np.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """N(0, std²) with std = gain / √fan."""
    fan = _fans(tensor)[0 if mode == "fan_in" else 1]
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / np.sqrt(fan), rng)


def xavier_uniform_(tensor, gain=1.0, rng=None):
    """U(-b, b) with b = gain √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(tensor, gain=1.0, rng=None):
    """N(0, std²) with std = gain √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), rng)
