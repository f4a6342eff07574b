"""Batch and layer normalisation, composed from the engine's ops (so differentiable to any order).

Not fused: the composite's rules are the engine's mean, sub, mul, sqrt and div rules, and
its cost, a dozen passes over an activation, is small beside the convolutions around it.
"""
import numpy as np

from autograd import Tensor, no_grad
from autograd.ops.helpers import value
from autograd.versions import record_update


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _per_channel(t, name, channels, shape, dtype):
    """weight/bias/statistics of shape (C,) as a Tensor or array of ``shape`` (1, C, 1, ...)."""
    if t is None:
        return None
    if np.shape(value(t)) != (channels,):
        raise ValueError(f"batch_norm: {name} must have shape ({channels},) for an input with "
                         f"{channels} channels, got shape {np.shape(value(t))}")
    if isinstance(t, Tensor):
        return t.reshape(shape)
    # a private copy in the input's dtype: an in-place update later cannot reach the graph
    return np.array(t, dtype=dtype).reshape(shape)


def _update_running(running, batch, momentum):
    """running <- (1 - momentum) running + momentum batch, in place in the array or Tensor."""
    array = running.data if isinstance(running, Tensor) else running
    array *= 1 - momentum
    array += momentum * batch
    if isinstance(running, Tensor):
        running._version += 1  # a graph that saved it sees the write
    else:
        record_update(array)


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise x (N, C, *) per channel: (x - μ) / √(σ² + eps) weight + bias.

    In training, μ and σ² (biased) are the batch's statistics over every axis but 1, and the
    running ones (arrays or Tensors of shape (C,), or None) are updated in place:
    running = (1 - momentum) running + momentum batch, with the unbiased batch variance.
    Otherwise the running statistics are used. weight and bias are (C,) or None.
    """
    x = _tensor(x)
    if x.ndim < 2:
        raise ValueError(f"batch_norm needs an input of shape (N, C, ...), got shape {x.shape}")
    channels = x.shape[1]
    shape = (1, channels) + (1,) * (x.ndim - 2)
    w = _per_channel(weight, "weight", channels, shape, x.dtype)
    b = _per_channel(bias, "bias", channels, shape, x.dtype)
    if training:
        count = x.size // channels if channels else 0
        if count <= 1:
            raise ValueError(f"batch_norm needs more than 1 value per channel when training, "
                             f"got an input of shape {x.shape}")
        axes = (0,) + tuple(range(2, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        out = centred / (var + eps).sqrt()
        with no_grad():
            if running_mean is not None:
                _update_running(running_mean, mean.data.reshape(channels), momentum)
            if running_var is not None:
                _update_running(running_var, var.data.reshape(channels) * (count / (count - 1)),
                                momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm needs running_mean and running_var when not training "
                             "(pass training=True to normalise with the batch's statistics)")
        mean = _per_channel(value(running_mean), "running_mean", channels, shape, x.dtype)
        var = _per_channel(value(running_var), "running_var", channels, shape, x.dtype)
        out = (x - mean) * (1.0 / np.sqrt(var + eps))
    if w is not None:
        out = out * w
    if b is not None:
        out = out + b
    return out


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise x over its last axes, those of ``normalized_shape``: (x - μ) / √(σ² + eps).

    μ and σ² (biased) are taken per sample over those axes; weight and bias have shape
    ``normalized_shape`` (or are None).
    """
    x = _tensor(x)
    normalized_shape = ((int(normalized_shape),) if isinstance(normalized_shape,
                                                               (int, np.integer))
                        else tuple(int(n) for n in normalized_shape))
    k = len(normalized_shape)
    if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != normalized_shape:
        raise ValueError(f"layer_norm: normalized_shape {normalized_shape} must be the last axes "
                         f"of the input, got an input of shape {x.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and np.shape(value(t)) != normalized_shape:
            raise ValueError(f"layer_norm: {name} must have shape {normalized_shape}, got "
                             f"{np.shape(value(t))}")
    axes = tuple(range(x.ndim - k, x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    var = (centred * centred).mean(axis=axes, keepdims=True)
    out = centred / (var + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out
