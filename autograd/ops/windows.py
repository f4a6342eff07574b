"""Sliding windows over the last two axes (im2col) and their transpose, the col2im scatter-add.

``windows(x)`` of an array of shape (..., H, W) is a read-only strided view of shape
(..., OH, OW, kh, kw): window (i, j) is the (optionally padded) x[..., i*sh : i*sh + kh,
j*sw : j*sw + kw]. Convolution is this view and one matrix product, pooling this view and a
max or a mean over each window. ``col2im`` adds every window back into its place, so it is
the transpose (the vector-Jacobian product) of ``windows``, and each op's rule is the other op,
which makes both differentiable to any order.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..tensor import Tensor
from .base import Op, apply
from .helpers import empty_in_layout_of, zeros_in_layout_of


def output_size(size, kernel, stride, padding):
    """The number of windows along one axis: ⌊(size + 2 padding - kernel) / stride⌋ + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def pad(x, padding, pad_value):
    """The numpy array ``x`` (..., H, W) with (ph, pw) rows and columns of ``pad_value`` on each
    side, laid out in memory as x is; x itself without padding."""
    ph, pw = padding
    if not (ph or pw):
        return x
    *lead, height, width = x.shape
    padded = empty_in_layout_of(x, (*lead, height + 2 * ph, width + 2 * pw))
    padded[...] = pad_value
    padded[..., ph:ph + height, pw:pw + width] = x
    return padded


def extract(x, kernel, stride, padding, pad_value):
    """The windows of the numpy array ``x`` (a view of ``x``, or of its padded copy)."""
    (kh, kw), (sh, sw) = kernel, stride
    x = pad(x, padding, pad_value)
    *lead, height, width = x.shape
    oh, ow = output_size(height, kh, sh, 0), output_size(width, kw, sw, 0)
    *lead_strides, stride_h, stride_w = x.strides
    return as_strided(x, (*lead, oh, ow, kh, kw),
                      (*lead_strides, sh * stride_h, sw * stride_w, stride_h, stride_w),
                      writeable=False)


def scatter(cols, image_size, kernel, stride, padding):
    """Σ over windows of each window added at its place in zeros of shape (..., H, W).

    One strided add per kernel offset (kh * kw of them), never a loop over positions.
    """
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    height, width = image_size
    *lead, oh, ow, _, _ = cols.shape
    out = zeros_in_layout_of(cols[..., 0, 0], (*lead, height + 2 * ph, width + 2 * pw))
    if (sh, sw) == (kh, kw):  # windows that tile without overlap: one strided copy
        *lead_strides, stride_h, stride_w = out.strides
        tiles = as_strided(out, (*lead, oh, kh, ow, kw), (*lead_strides, kh * stride_h,
                                                          stride_h, kw * stride_w, stride_w))
        tiles[...] = np.moveaxis(cols, -2, -3)
    else:
        for p in range(kh):
            for q in range(kw):
                out[..., p:p + sh * oh:sh, q:q + sw * ow:sw] += cols[..., p, q]
    if ph or pw:
        out = out[..., ph:ph + height, pw:pw + width]
    return out


class Windows(Op):
    """The (..., OH, OW, kh, kw) windows of x (..., H, W);  dx = col2im(g)."""
    __slots__ = ("kernel", "stride", "padding", "pad_value")
    name = "windows"
    reads_inputs = False

    def __init__(self, kernel, stride, padding, pad_value=0.0):
        self.kernel, self.stride, self.padding = kernel, stride, padding
        self.pad_value = pad_value

    def forward(self, x):
        return extract(x, self.kernel, self.stride, self.padding, self.pad_value)

    def backward(self, g, x):
        return col2im(g, x.shape[-2:], self.kernel, self.stride, self.padding)


class Col2Im(Op):
    """Windows g (..., OH, OW, kh, kw) summed into their places in (..., H, W);  dg = windows(d)."""
    __slots__ = ("image_size", "kernel", "stride", "padding")
    name = "col2im"
    reads_inputs = False

    def __init__(self, image_size, kernel, stride, padding):
        self.image_size, self.kernel = image_size, kernel
        self.stride, self.padding = stride, padding

    def forward(self, cols):
        return scatter(cols, self.image_size, self.kernel, self.stride, self.padding)

    def backward(self, d_out, cols):
        # the padding of the transpose is zeros whatever the forward padded with: the gradient
        # of a constant pad is zero
        return windows(d_out, self.kernel, self.stride, self.padding)


def pair(value, name):
    """``value`` as an (h, w) pair of Python ints: an int gives (value, value)."""
    items = (value, value) if isinstance(value, (int, np.integer)) else value
    try:
        h, w = items
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an int or a pair of ints (h, w), got {value!r}") from None
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in (h, w)):
        raise TypeError(f"{name} must be an int or a pair of ints (h, w), got {value!r}")
    return int(h), int(w)


def window_arguments(shape, kernel_size, stride, padding, what="windows"):
    """Checked (kernel, stride, padding) pairs for windows over the last two axes of ``shape``."""
    kernel, stride, padding = (pair(kernel_size, "kernel_size"), pair(stride, "stride"),
                               pair(padding, "padding"))
    if min(kernel) < 1:
        raise ValueError(f"{what}: kernel_size must be positive, got {kernel}")
    if min(stride) < 1:
        raise ValueError(f"{what}: stride must be positive, got {stride}")
    if min(padding) < 0:
        raise ValueError(f"{what}: padding must be non-negative, got {padding}")
    if len(shape) < 2:
        raise ValueError(f"{what} needs an input with at least 2 axes (..., H, W), got shape "
                         f"{tuple(shape)}")
    padded = tuple(n + 2 * p for n, p in zip(shape[-2:], padding))
    if padded[0] < kernel[0] or padded[1] < kernel[1]:
        raise ValueError(
            f"{what}: the kernel {kernel} is larger than the input's (H, W) = "
            f"{tuple(shape[-2:])} padded by {padding} to {padded}; use a smaller kernel or "
            f"more padding")
    return kernel, stride, padding


def windows(x, kernel_size, stride=1, padding=0, pad_value=0.0):
    """The sliding windows of x (..., H, W) as a view of shape (..., OH, OW, kh, kw).

    ``kernel_size``, ``stride`` and ``padding`` are ints or (h, w) pairs; the padding is filled
    with ``pad_value``. On a numpy array, the numpy view; on a Tensor, a Tensor on the graph.
    """
    kernel, stride, padding = window_arguments(np.shape(x), kernel_size, stride, padding)
    if isinstance(x, Tensor):
        return apply(Windows(kernel, stride, padding, pad_value), x)
    return extract(np.asarray(x), kernel, stride, padding, pad_value)


def col2im(cols, image_size, kernel_size, stride=1, padding=0):
    """The transpose of ``windows``: each window of cols (..., OH, OW, kh, kw) added into its
    place in zeros of shape (..., H, W), with ``image_size`` = (H, W)."""
    kernel, stride, padding = (pair(kernel_size, "kernel_size"), pair(stride, "stride"),
                               pair(padding, "padding"))
    image_size = pair(image_size, "image_size")
    shape = np.shape(cols)
    expected = tuple(output_size(n, k, s, p)
                     for n, k, s, p in zip(image_size, kernel, stride, padding)) + kernel
    if len(shape) < 4 or tuple(shape[-4:]) != expected:
        raise ValueError(f"col2im: windows of shape {tuple(shape)} do not fit an image of size "
                         f"{image_size} with kernel {kernel}, stride {stride} and padding "
                         f"{padding}; expected (..., {', '.join(map(str, expected))})")
    if isinstance(cols, Tensor):
        return apply(Col2Im(image_size, kernel, stride, padding), cols)
    return scatter(np.asarray(cols), image_size, kernel, stride, padding)
