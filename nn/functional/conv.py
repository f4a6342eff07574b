"""Convolution and pooling over NCHW images, built on the engine's sliding windows.

Each is the ``windows`` view (im2col without a Python loop) and one engine op: a matrix
product for ``conv2d``, a max or a mean over each window for the pools. Their gradients are
those ops' rules, so every one is differentiable to any order.
"""
import numpy as np

from autograd import Tensor
from autograd.ops.helpers import memory_order
from autograd.ops.windows import pair, window_arguments, windows

from .linear import linear


def _image(x, what):
    """x as a Tensor of shape (N, C, H, W), and whether it came without the batch axis."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"{what} needs an input of shape (N, C, H, W) or (C, H, W), got "
                         f"shape {x.shape}")
    return (x.reshape((1,) + x.shape), True) if x.ndim == 3 else (x, False)


def conv2d(x, w, b=None, stride=1, padding=0):
    """2-D cross-correlation of x (N, C, H, W) with w (O, C, kh, kw), plus b (O,): (N, O, OH, OW).

    out[n, o, i, j] = Σ_{c,p,q} w[o, c, p, q] x_pad[n, c, i sh + p, j sw + q] + b[o], with
    OH = ⌊(H + 2 ph - kh) / sh⌋ + 1 (likewise OW); ``stride`` and ``padding`` are ints or
    (h, w) pairs of zeros added on each side. A (C, H, W) input gives an (O, OH, OW) output.
    """
    x, unbatched = _image(x, "conv2d")
    w = w if isinstance(w, Tensor) else Tensor(w)
    if w.ndim != 4:
        raise ValueError(f"conv2d needs a weight of shape (out_channels, in_channels, kh, kw), "
                         f"got shape {w.shape}")
    out_channels, in_channels, kh, kw = w.shape
    n, channels = x.shape[:2]
    if channels != in_channels:
        raise ValueError(f"conv2d: the input of shape {x.shape} has {channels} channels but the "
                         f"weight of shape {w.shape} expects {in_channels}")
    if b is not None and np.shape(b.data if isinstance(b, Tensor) else b) != (out_channels,):
        raise ValueError(f"conv2d: the bias must have shape ({out_channels},), got "
                         f"{np.shape(b.data if isinstance(b, Tensor) else b)}")
    cols = windows(x, (kh, kw), stride, padding)  # (N, C, OH, OW, kh, kw), a view
    _, _, oh, ow, _, _ = cols.shape
    # The im2col matrix (N OH OW, C kh kw), the only copy of the input. Its columns follow the
    # input's memory: channels last for channels-last images (conv2d's own outputs), so the
    # copy reads runs of contiguous memory.
    if x.data.strides[1] < x.data.strides[3] and channels > 1:
        cols = cols.transpose(0, 2, 3, 4, 5, 1).reshape(n * oh * ow, kh * kw * channels)
        weight = w.transpose(0, 2, 3, 1).reshape(out_channels, -1)
    else:
        cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, channels * kh * kw)
        weight = w.reshape(out_channels, -1)
    out = linear(cols, weight.T, b)  # (N OH OW, O)
    # (N, O, OH, OW), channels last in memory
    out = out.reshape(n, oh, ow, out_channels).transpose(0, 3, 1, 2)
    return out.reshape(out.shape[1:]) if unbatched else out


def _pool_arguments(x, kernel_size, stride, padding, what):
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else stride
    kernel, stride, padding = window_arguments(x.shape, kernel, stride, padding, what)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{what}: padding {padding} must be at most half the kernel "
                         f"{kernel} (a window would hold padding only)")
    return kernel, stride, padding


def _stacked_windows(x, kernel, stride, padding, pad_value=0.0):
    """The windows of x (N, C, H, W) as (kh kw, N, C, OH, OW): one slab per window element.

    A copy laid out as x is, so that the max or mean over axis 0 runs over whole slabs (numpy
    reduces tiny axes that are innermost in memory ten times slower).
    """
    cols = windows(x, kernel, stride, padding, pad_value)  # (N, C, OH, OW, kh, kw), a view
    order = memory_order(cols.data.strides[:4])
    cols = cols.transpose(4, 5, *order)
    cols = cols.reshape((kernel[0] * kernel[1],) + cols.shape[2:])  # the copy
    return cols.transpose(0, *(1 + np.argsort(order)))


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """The maximum of each kh x kw window of x (N, C, H, W) or (C, H, W).

    ``stride`` defaults to ``kernel_size``; the padding never wins a maximum. The gradient goes
    to each window's maximum, split evenly between tied elements (the engine's ``max``).
    """
    x, unbatched = _image(x, "max_pool2d")
    kernel, stride, padding = _pool_arguments(x, kernel_size, stride, padding, "max_pool2d")
    # the lowest finite value, not -inf: the same maxima (no window is all padding), and
    # detect_anomaly sees no inf
    lowest = np.finfo(x.dtype).min if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    out = _stacked_windows(x, kernel, stride, padding, lowest).max(axis=0)
    return out.reshape(out.shape[1:]) if unbatched else out


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """The mean of each kh x kw window of x (N, C, H, W) or (C, H, W).

    ``stride`` defaults to ``kernel_size``; zero padding counts in the mean (PyTorch's
    ``count_include_pad=True``).
    """
    x, unbatched = _image(x, "avg_pool2d")
    kernel, stride, padding = _pool_arguments(x, kernel_size, stride, padding, "avg_pool2d")
    out = _stacked_windows(x, kernel, stride, padding).mean(axis=0)
    return out.reshape(out.shape[1:]) if unbatched else out
