"""Convolution, pooling and flattening as Modules, over NCHW images (PyTorch's layouts)."""
import numpy as np

from autograd.ops.windows import pair

from . import functional as F
from . import init
from .module import Module, Parameter
from .random import as_generator


def _positive(value, name, owner):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def _window_pairs(owner, kernel_size, stride, padding):
    """(kernel, stride, padding) as checked (h, w) tuples of ints."""
    kernel, stride, padding = (pair(kernel_size, "kernel_size"), pair(stride, "stride"),
                               pair(padding, "padding"))
    for name, values, lowest in (("kernel_size", kernel, 1), ("stride", stride, 1),
                                 ("padding", padding, 0)):
        if min(values) < lowest:
            raise ValueError(f"{owner}: {name} must be {'positive' if lowest else 'non-negative'}"
                             f", got {values}")
    return kernel, stride, padding


class Conv2d(Module):
    """2-D convolution of (N, in_channels, H, W) images: (N, out_channels, OH, OW).

    ``weight`` has shape (out_channels, in_channels, kh, kw) and ``bias`` (out_channels,) (or
    None); ``kernel_size``, ``stride`` and ``padding`` are kept as (h, w) tuples. Initialised
    as PyTorch's Conv2d: weight and bias ~ U(-1/√fan_in, 1/√fan_in), fan_in = in_channels kh kw,
    drawn from ``rng`` (a Generator, an int seed or None), weight first.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 rng=None, dtype=np.float64):
        self.in_channels = _positive(in_channels, "in_channels", "Conv2d")
        self.out_channels = _positive(out_channels, "out_channels", "Conv2d")
        self.kernel_size, self.stride, self.padding = _window_pairs(
            "Conv2d", kernel_size, stride, padding)
        rng = as_generator(rng)
        fan_in = in_channels * self.kernel_size[0] * self.kernel_size[1]
        bound = 1.0 / np.sqrt(fan_in)
        self.weight = Parameter(np.empty((out_channels, in_channels) + self.kernel_size,
                                         dtype=dtype))
        init.uniform_(self.weight, -bound, bound, rng=rng)
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
            init.uniform_(self.bias, -bound, bound, rng=rng)
        else:
            self.bias = None

    def forward(self, x):
        """(N, in_channels, H, W) -> (N, out_channels, OH, OW); see ``F.conv2d``."""
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class _Pool2d(Module):
    """Shared parameters of the pools, as (h, w) tuples; ``stride`` defaults to the kernel."""

    def __init__(self, kernel_size, stride=None, padding=0):
        owner = type(self).__name__
        kernel = pair(kernel_size, "kernel_size")
        self.kernel_size, self.stride, self.padding = _window_pairs(
            owner, kernel, kernel if stride is None else stride, padding)
        if any(p > k // 2 for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{owner}: padding {self.padding} must be at most half the "
                             f"kernel {self.kernel_size}")

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """The maximum of each window: (N, C, H, W) -> (N, C, OH, OW); ties share the gradient."""

    def forward(self, x):
        """See ``F.max_pool2d``."""
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """The mean of each window (zero padding counted): (N, C, H, W) -> (N, C, OH, OW)."""

    def forward(self, x):
        """See ``F.avg_pool2d``."""
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class Flatten(Module):
    """Axes ``start_axis`` to the last merged into one: (N, C, H, W) -> (N, C H W) by default."""

    def __init__(self, start_axis=1):
        if not isinstance(start_axis, (int, np.integer)) or isinstance(start_axis, bool):
            raise TypeError(f"Flatten: start_axis must be an int, got {start_axis!r}")
        self.start_axis = int(start_axis)

    def forward(self, x):
        """x of shape (d_0, ..., d_k) -> (d_0, ..., d_{s-1}, d_s ... d_k)."""
        shape = x.shape
        if not -len(shape) <= self.start_axis < max(len(shape), 1):
            raise ValueError(f"Flatten: start_axis {self.start_axis} is out of range for an "
                             f"input of shape {shape}")
        start = self.start_axis % len(shape) if shape else 0
        return x.reshape(shape[:start] + (int(np.prod(shape[start:])),))

    def extra_repr(self):
        return f"start_axis={self.start_axis}"
