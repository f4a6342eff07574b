"""Normalisation layers: BatchNorm1d, BatchNorm2d and LayerNorm, with PyTorch's semantics."""
import numbers

import numpy as np

from . import functional as F
from .module import Module, Parameter


class _BatchNorm(Module):
    """Per-channel normalisation with learnt ``weight`` (ones) and ``bias`` (zeros).

    Buffers ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked``.
    In training mode each batch is normalised with its own statistics, and the running ones
    move towards them: running = (1 - momentum) running + momentum batch (the batch variance
    unbiased); ``momentum=None`` takes the cumulative average instead. In eval mode the running
    statistics normalise. ``affine=False`` drops weight and bias; ``track_running_stats=False``
    keeps no running statistics and always uses the batch's.
    """
    _input_dims = ()  # the ranks the subclass accepts
    _layout = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=np.float64):
        owner = type(self).__name__
        if not isinstance(num_features, numbers.Integral) or num_features <= 0:
            raise ValueError(f"{owner}: num_features must be a positive int, got "
                             f"{num_features!r}")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{owner}: momentum must be in [0, 1] or None, got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"{owner}: eps must be positive, got {eps!r}")
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.weight = self.bias = None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        """Running mean 0, running variance 1, no batches tracked (in place)."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def forward(self, x):
        """x of shape (N, C, ...) normalised per channel; see the class docstring."""
        shape = x.shape
        if len(shape) not in self._input_dims or shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) needs an input of "
                             f"shape {self._layout} with C = {self.num_features}, got shape "
                             f"{shape}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked[...] += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or not self.track_running_stats
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            training=use_batch, momentum=0.0 if momentum is None else momentum,
                            eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C."""
    _input_dims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel C."""
    _input_dims = (4,)
    _layout = "(N, C, H, W)"


class LayerNorm(Module):
    """Normalisation of each sample over its last axes, ``normalized_shape`` (an int or tuple).

    Learnt elementwise ``weight`` (ones) and ``bias`` (zeros) of that shape unless
    ``elementwise_affine=False``.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, dtype=np.float64):
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        normalized_shape = tuple(normalized_shape)
        if not normalized_shape or not all(isinstance(n, numbers.Integral) and n > 0
                                           for n in normalized_shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive int or a tuple "
                             f"of them, got {normalized_shape!r}")
        if not eps > 0:
            raise ValueError(f"LayerNorm: eps must be positive, got {eps!r}")
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
        else:
            self.weight = self.bias = None

    def forward(self, x):
        """x of shape (..., *normalized_shape), normalised over its last axes."""
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
