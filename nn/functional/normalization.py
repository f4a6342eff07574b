"""Batch and layer normalisation, differentiable to any order.

Batch normalisation with the batch's statistics is one op, ``BatchNorm``: the composite of
mean, sub, mul, sqrt and div made a dozen passes over the activation forward and more
backward, and took 0.4-0.8 times as long as a 3x3 convolution of as many channels. Its rule
works on arrays in a few passes; under create_graph it is written in the engine's ops, from
x. Layer normalisation is one op (``LayerNorm``) for the same reasons; the eval mode of batch
normalisation and the running statistics are composed from the engine's ops.
"""
import numpy as np

from autograd import Tensor, no_grad
from autograd.ops import Op, apply
from autograd.ops.base import as_tensor
from autograd.ops.helpers import column_sums, value
from autograd.versions import record_update


class BatchNorm(Op):
    """(x - μ) / √(σ² + eps) w + b per channel (axis 1), μ and σ² (biased) the batch's, over
    the m values of a channel; w and b (C,) or None.
    x̂ = (x - μ) / σ̂;  db = Σ g, dw = Σ g x̂, dx = (w / σ̂) (g - db / m - x̂ dw / m)."""
    __slots__ = ("eps", "mean", "var")
    name = "batch_norm"

    def __init__(self, eps):
        self.eps = eps

    def forward(self, x, w, b):
        shape, count = _channel_shape(x), x.size // x.shape[1]
        self.mean = _channel_sums(x) / count
        centred = x - self.mean.reshape(shape)
        self.var = _channel_sums(centred * centred) / count
        inverse_std = 1 / np.sqrt(self.var + self.eps)
        self.saved = centred, inverse_std  # x̂ is their product, which the rule never forms
        out = centred * (inverse_std if w is None else inverse_std * w).reshape(shape)
        if b is None:
            return out
        if out.dtype == np.result_type(out, b):
            out += b.reshape(shape)  # in place into the fresh product
            return out
        return out + b.reshape(shape)

    def backward(self, g, x, w, b):
        need_x, need_w, need_b = self.needs_input_grad
        shape, count = _channel_shape(x), x.size // x.shape[1]
        if type(g) is not np.ndarray:  # Tensors (create_graph): the rule in recorded ops, from x
            x = as_tensor(x)
            axes = (0,) + tuple(range(2, x.ndim))
            normalised, std = _standardised(x, axes, self.eps)
            dw = (g * normalised).sum(axis=axes, keepdims=True)
            gx = None
            if need_x:
                gx = g - normalised * (dw / count)
                gx = (gx - gx.mean(axis=axes, keepdims=True)) / std  # the mean last (see below)
                if w is not None:
                    gx = gx * w.reshape(shape)
            return (gx, dw.reshape(-1) if need_w else None,
                    g.sum(axis=axes).reshape(-1) if need_b else None)
        centred, inverse_std = self.saved
        db = _channel_sums(g) if need_b else None
        dw = _channel_sums(g * centred) * inverse_std if need_w or need_x else None  # Σ g x̂
        gx = None
        if need_x:
            scale = inverse_std if w is None else inverse_std * w
            gx = centred * (dw * inverse_std / count).reshape(shape)  # x̂ dw / m
            np.subtract(g, gx, out=gx)
            # the mean of g - x̂ dw / m taken last, as each channel of dx sums to 0: a channel
            # of close values, whose x̂ does not quite sum to 0, keeps that
            gx -= (_channel_sums(gx) / count).reshape(shape)
            gx *= scale.reshape(shape)
        return gx, (dw if need_w else None), (db if need_b else None)


class LayerNorm(Op):
    """(x - μ) / √(σ² + eps) w + b over the last ``features`` axes of x, μ and σ² (biased) per
    row of the D values of those axes; w and b of their shape, or None.
    x̂ = (x - μ) / σ̂, ĝ = g w;  db = Σ g, dw = Σ g x̂ (over the rows),
    dx = (ĝ - mean ĝ - x̂ mean ĝ x̂) / σ̂ (means over a row)."""
    __slots__ = ("eps", "features")
    name = "layer_norm"

    def __init__(self, eps, features):
        self.eps, self.features = eps, features

    def rows(self, x):
        """x's shape as (R, D): rows of the normalised axes' D values."""
        split = x.ndim - self.features
        return int(np.prod(x.shape[:split])), int(np.prod(x.shape[split:]))

    def forward(self, x, w, b):
        count, size = self.rows(x)
        rows = x.reshape(count, size)
        centred = rows - np.add.reduce(rows, 1, keepdims=True) / size
        variance = np.add.reduce(centred * centred, 1, keepdims=True) / size
        inverse_std = 1 / np.sqrt(variance + self.eps)
        centred *= inverse_std  # x̂, in place
        self.saved = centred, inverse_std
        if w is None and b is None:
            out = centred.copy()  # not the saved x̂ itself, which the caller could write into
        elif w is None:
            out = centred + b.reshape(size)
        else:
            out = centred * w.reshape(size)
            if b is not None:
                out = out + b.reshape(size)
        return out.reshape(x.shape)

    def backward(self, g, x, w, b):
        need_x, need_w, need_b = self.needs_input_grad
        leading = tuple(range(x.ndim - self.features))
        if type(g) is not np.ndarray:  # Tensors (create_graph): the rule in recorded ops, from x
            axes = tuple(range(len(leading), x.ndim))
            normalised, std = _standardised(as_tensor(x), axes, self.eps)
            ghat = g if w is None else g * w
            gx = ghat - normalised * (ghat * normalised).mean(axis=axes, keepdims=True)
            gx = (gx - gx.mean(axis=axes, keepdims=True)) / std  # the mean last (see below)
            return (gx if need_x else None,
                    (g * normalised).sum(axis=leading) if need_w else None,
                    g.sum(axis=leading) if need_b else None)
        count, size = self.rows(x)
        normalised, inverse_std = self.saved
        g = g.reshape(count, size)
        shape = x.shape[len(leading):]
        gw = column_sums(g * normalised).reshape(shape) if need_w else None
        gb = column_sums(g).reshape(shape) if need_b else None
        gx = None
        if need_x:
            ghat = g if w is None else g * w.reshape(size)
            gx = normalised * (np.add.reduce(ghat * normalised, 1, keepdims=True) / size)
            np.subtract(ghat, gx, out=gx)
            # the mean of ĝ - x̂ mean(ĝ x̂) taken last, as the rows of dx sum to 0: a row of
            # close values, whose x̂ does not quite sum to 0, keeps that
            gx -= np.add.reduce(gx, 1, keepdims=True) / size
            gx *= inverse_std
            gx = gx.reshape(x.shape)
        return gx, gw, gb


def _standardised(x, axes, eps):
    """(x - μ) / σ̂ and σ̂ over ``axes``, in the engine's ops: the rules under create_graph."""
    centred = x - x.mean(axis=axes, keepdims=True)
    std = ((centred * centred).mean(axis=axes, keepdims=True) + eps).sqrt()
    return centred / std, std


def _channel_shape(x):
    """(1, C, 1, ...): a (C,) array broadcast along x's channel axis."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _channel_sums(a):
    """Σ over every axis of ``a`` but 1, as a (C,) array: a channels-last array (conv2d's
    output) is an (M, C) matrix whose column sums ``column_sums`` takes fast."""
    rows = a.transpose((0,) + tuple(range(2, a.ndim)) + (1,))
    if rows.flags.c_contiguous:
        return column_sums(rows.reshape(-1, a.shape[1]))
    return a.sum(axis=(0,) + tuple(range(2, a.ndim)))


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _per_channel(t, name, channels, dtype):
    """weight/bias/statistics of shape (C,): a Tensor as it is, an array as a private copy."""
    if t is None:
        return None
    if np.shape(value(t)) != (channels,):
        raise ValueError(f"batch_norm: {name} must have shape ({channels},) for an input with "
                         f"{channels} channels, got shape {np.shape(value(t))}")
    if isinstance(t, Tensor):
        return t
    # a private copy in the input's dtype: an in-place update later cannot reach the graph
    return np.array(t, dtype=dtype)


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
    w = _per_channel(weight, "weight", channels, x.dtype)
    b = _per_channel(bias, "bias", channels, x.dtype)
    if training:
        count = x.size // channels if channels else 0
        if count <= 1:
            raise ValueError(f"batch_norm needs more than 1 value per channel when training, "
                             f"got an input of shape {x.shape}")
        op = BatchNorm(eps)
        out = apply(op, x, w, b)
        with no_grad():
            if running_mean is not None:
                _update_running(running_mean, op.mean, momentum)
            if running_var is not None:
                _update_running(running_var, op.var * (count / (count - 1)), momentum)
        return out
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm needs running_mean and running_var when not training "
                         "(pass training=True to normalise with the batch's statistics)")
    shape = _channel_shape(x)
    mean = _per_channel(value(running_mean), "running_mean", channels, x.dtype)
    var = _per_channel(value(running_var), "running_var", channels, x.dtype)
    scale = 1.0 / np.sqrt(var + eps)
    if w is not None:
        scale = w * scale  # (C,): one pass over x fewer than scaling it twice
    out = (x - mean.reshape(shape)) * scale.reshape(shape)
    if b is not None:
        out = out + b.reshape(shape)
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
    affine = []
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and np.shape(value(t)) != normalized_shape:
            raise ValueError(f"layer_norm: {name} must have shape {normalized_shape}, got "
                             f"{np.shape(value(t))}")
        # a constant as a private array of its own dtype: numpy's promotion decides the output's
        affine.append(t if t is None or isinstance(t, Tensor) else np.array(t))
    return apply(LayerNorm(eps, k), x, *affine)
