"""Convolution and pooling over NCHW images, built on the engine's sliding windows.

``conv2d`` is the ``windows`` view (im2col without a Python loop) and a matrix product, fused
into one node; ``max_pool2d`` and ``avg_pool2d`` are one op each over the strided slices of
the image, with no copy of the windows. Their rules are written in ops that arrays and Tensors
share, so every one is differentiable to any order.
"""
import numpy as np

from autograd import Tensor
from autograd.ops import Op, apply
from autograd.ops.helpers import column_sums, empty_in_layout_of, value, zeros_in_layout_of
from autograd.ops.windows import col2im, output_size, pad, pair, window_arguments, windows


def im2col(x, kernel, stride, padding, channels_last):
    """The (N OH OW, C kh kw) matrix of x's windows, rows in (n, i, j) order; columns in
    (p, q, c) order for a ``channels_last`` image, else (c, p, q). An array for an array, a
    Tensor for a Tensor.

    The copy follows the image's memory, so that it reads long runs: a channels-last image
    gives a C-ordered matrix (each row copies runs of C), any other the transpose of a
    C-ordered (C kh kw, N OH OW) matrix (each row copies runs of OW). Copied in the
    matrix's own order, an image in (N, C, H, W) memory would be read kw values at a time,
    about 6 times slower on a (64, 3, 32, 32) image; the matrix products take either order
    alike.
    """
    cols = windows(x, kernel, stride, padding)  # (N, C, OH, OW, kh, kw), a view
    n, c, oh, ow, kh, kw = cols.shape
    if channels_last:
        return cols.transpose(0, 2, 3, 4, 5, 1).reshape(n * oh * ow, kh * kw * c)
    return cols.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * oh * ow).T


def weight_matrix(w, channels_last):
    """w (O, C, kh, kw) as the (O, C kh kw) matrix whose columns match ``im2col``'s."""
    return (w.transpose(0, 2, 3, 1) if channels_last else w).reshape(w.shape[0], -1)


class Conv2d(Op):
    """x (N, C, H, W) correlated with w (O, C, kh, kw), plus b (O,): im2col and one matrix
    product, fused so that the input gradient never forms the (N OH OW, C kh kw) matrix of the
    windows' gradients (except under create_graph);
    dx = col2im(g W), dw = gᵀ cols, db = Σ g (g as an (N OH OW, O) matrix)."""
    __slots__ = ("stride", "padding", "channels_last")
    name = "conv2d"
    bilinear = True  # x is read only for dw, w only for dx, b never

    def __init__(self, stride, padding):
        self.stride, self.padding = stride, padding

    def forward(self, x, w, b=None):
        n, channels = x.shape[:2]
        self.channels_last = channels > 1 and x.strides[1] < x.strides[3]
        cols = im2col(x, w.shape[2:], self.stride, self.padding, self.channels_last)
        self.saved = cols  # the only copy of x, for dw
        out = cols @ weight_matrix(w, self.channels_last).T  # (N OH OW, O)
        if b is not None:
            if b.dtype == out.dtype:
                out += b  # in place into the fresh product
            else:
                out = out + b  # numpy promotion decides the dtype
        oh, ow = self.out_size(x, w)
        # (N, O, OH, OW), channels last in memory
        return out.reshape(n, oh, ow, w.shape[0]).transpose(0, 3, 1, 2)

    def out_size(self, x, w):
        """(OH, OW) of x's windows of w's size."""
        return tuple(map(output_size, x.shape[2:], w.shape[2:], self.stride, self.padding))

    def backward(self, g, x, w, b=None):
        need_x, need_w = self.needs_input_grad[:2]
        out_channels = w.shape[0]
        # (N OH OW, O): a view when g is channels last in memory, as the output is
        g = g.transpose(0, 2, 3, 1).reshape(-1, out_channels)
        gx = gw = None
        if need_w:
            # with create_graph, cols again from x: dw is then differentiable in x
            cols = self.saved if type(x) is np.ndarray else im2col(
                x, w.shape[2:], self.stride, self.padding, self.channels_last)
            gw = g.T @ cols
            if self.channels_last:
                kh, kw = w.shape[2:]
                gw = gw.reshape(out_channels, kh, kw, -1).transpose(0, 3, 1, 2)
            else:
                gw = gw.reshape(w.shape)
        if need_x:
            gx = self.input_gradient(g, x, w)
        if b is None:
            return gx, gw
        if not self.needs_input_grad[2]:
            return gx, gw, None
        return gx, gw, (column_sums(g) if type(g) is np.ndarray else g.sum(axis=0))

    def input_gradient(self, g, x, w):
        """col2im(g W) of the (N OH OW, O) matrix g.

        On arrays, one (N OH OW, C) product per kernel offset, each added at its place while
        it is in cache: numpy adds long runs of memory this way, where col2im adds runs of C
        (several times slower). Each product is added into the (N, H, W, C) gradient where its
        windows meet the image, without a padded buffer; for a stride-1 convolution whose
        output is the image's size, the product of the centre offset covers the whole image
        and is written there first, with no zeros. The gradient is channels last in memory,
        whatever x's layout (as col2im's is).
        """
        n, channels, height, width = x.shape
        kernel, (sh, sw), (ph, pw) = w.shape[2:], self.stride, self.padding
        oh, ow = self.out_size(x, w)
        if type(g) is not np.ndarray:  # Tensors (create_graph): col2im records its ops
            cols = (g @ w.reshape(w.shape[0], -1)).reshape(n, oh, ow, channels, *kernel)
            return col2im(cols.transpose(0, 3, 1, 2, 4, 5), (height, width), kernel,
                          self.stride, self.padding)
        dtype = np.result_type(g, w)
        weights = np.ascontiguousarray(w.transpose(2, 3, 0, 1), dtype)  # (kh, kw, O, C)
        centred = (sh, sw) == (1, 1) and (oh, ow) == (height, width)
        if centred:  # offset (ph, pw) takes output (i, j) to input (i, j): all of the image
            gx = np.matmul(g, weights[ph, pw]).reshape(n, height, width, channels)
        else:
            gx = np.zeros((n, height, width, channels), dtype)
        part = np.empty((len(g), channels), dtype)
        windows_of = part.reshape(n, oh, ow, channels)
        flat_gx, flat_part = gx.reshape(-1), part.reshape(-1)
        for p, q in np.ndindex(*kernel):
            if centred and (p, q) == (ph, pw):
                continue
            rows, ys = _meeting(p, sh, ph, oh, height)
            columns, xs = _meeting(q, sw, pw, ow, width)
            if rows.start >= rows.stop or columns.start >= columns.stop:
                continue
            np.matmul(g, weights[p, q], out=part)
            if not centred:
                gx[:, ys, xs] += windows_of[:, rows, columns]
                continue
            # The outputs and the image are one grid: the offset is one shift of the flat
            # arrays, and one add of contiguous memory, 4 times faster than numpy's add of the
            # 4-d slices (its strided loops buffer). The windows whose element falls off the
            # image would wrap to the next row or image: zeroed first.
            windows_of[:, :rows.start] = windows_of[:, rows.stop:] = 0
            windows_of[:, :, :columns.start] = windows_of[:, :, columns.stop:] = 0
            shift = ((p - ph) * width + q - pw) * channels
            if shift >= 0:
                flat_gx[shift:] += flat_part[:len(flat_part) - shift]
            else:
                flat_gx[:shift] += flat_part[-shift:]
        return gx.transpose(0, 3, 1, 2)


def _meeting(offset, stride, padding, out_size, size):
    """The outputs ``i`` whose window's element ``offset`` falls on the image along one axis,
    where ``i stride + offset - padding`` is in [0, size), and the image positions they reach:
    two slices."""
    first = max(0, -((offset - padding) // stride))
    stop = min(out_size, -((offset - padding - size) // stride))
    start = first * stride + offset - padding
    return slice(first, stop), slice(start, start + (stop - first - 1) * stride + 1, stride)


class _StridedPool(Op):
    """A pool over the kh x kw windows of x (N, C, H, W), ``stride`` apart on x padded by
    ``padding``, computed from the kh kw strided slices of the padded image (one per place in
    a window), so no copy of the windows is made, as ``windows`` would."""
    __slots__ = ("kernel", "stride", "padding")

    def __init__(self, kernel, stride, padding):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def slices(self, image, x):
        """The (N, C, OH, OW) views of the padded ``image`` of x, one per place (p, q) in a
        window, in row order."""
        (kh, kw), (sh, sw) = self.kernel, self.stride
        oh, ow = map(output_size, x.shape[2:], self.kernel, self.stride, self.padding)
        return [image[:, :, p:p + sh * (oh - 1) + 1:sh, q:q + sw * (ow - 1) + 1:sw]
                for p in range(kh) for q in range(kw)]

    def scatter(self, share, ties, x):
        """The gradient of x from ``share`` (N, C, OH, OW), each window's gradient per place in
        it: at each place (p, q), share times the mask ``ties[p kw + q]`` (all of share if ties
        is None), added where the place's slice lies."""
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        height, width = x.shape[2:]
        if ph or pw:
            gx = zeros_in_layout_of(share, (*x.shape[:2], height + 2 * ph, width + 2 * pw))
        elif (sh, sw) == (kh, kw) and height % kh == 0 and width % kw == 0:
            gx = np.empty_like(x, dtype=share.dtype)  # tiles: every element in one window
        else:
            gx = np.zeros_like(x, dtype=share.dtype)
        overlap = sh < kh or sw < kw  # else each slice is written once
        product = np.empty_like(share) if overlap and ties is not None else None
        for i, part in enumerate(self.slices(gx, x)):
            if ties is None and overlap:
                part += share
            elif ties is None:
                part[...] = share
            elif overlap:
                part += np.multiply(share, ties[i], out=product)
            else:
                np.multiply(share, ties[i], out=part)
        # without padding, gx itself: the engine takes a leaf's gradient as it is only when it
        # owns its memory (no view)
        return gx[:, :, ph:ph + height, pw:pw + width] if ph or pw else gx

    def col2im(self, g, weights, x):
        """Under create_graph (g a Tensor): each window's gradient, g times ``weights``
        (..., kh, kw), as a window of col2im, which records."""
        return col2im(g.reshape(g.shape + (1, 1)) * weights, x.shape[2:], self.kernel,
                      self.stride, self.padding)


class StridedMax(_StridedPool):
    """The maximum of each window: the elementwise maximum of the slices; dx = g at each
    window's maxima, split evenly between ties (as the engine's ``max``) and summed where
    windows overlap. The padding (the dtype's lowest value) never wins; rows and columns that
    no window reaches get no gradient."""
    __slots__ = ()
    name = "strided_max"
    label = "max_pool2d"  # what the user called, in messages and graphs
    saves_output = True

    def forward(self, x):
        first, *rest = self.slices(pad(x, self.padding, _lowest(x.dtype)), x)
        if not rest:
            out = first.copy(order="K")
        else:
            out = np.maximum(first, rest[0])  # laid out as x is; NaN wins, as in np.max
            for part in rest[1:]:
                np.maximum(out, part, out=out)
        self.saved = out
        return out

    def backward(self, g, x):
        x = value(x)
        out = self.saved
        slices = self.slices(pad(x, self.padding, _lowest(x.dtype)), x)
        ties = [part == out for part in slices]
        if out.dtype.kind == "f" and np.isnan(out).any():  # a NaN is the maximum
            ties = [tie | np.isnan(part) for tie, part in zip(ties, slices)]
        count = ties[0].astype(x.dtype if x.dtype.kind == "f" else np.float64)
        for tie in ties[1:]:
            count += tie
        if type(g) is not np.ndarray:
            weights = np.stack([tie / count for tie in ties], axis=-1)
            return self.col2im(g, weights.reshape(out.shape + self.kernel), x)
        # into count, laid out as x is: g may not be (a Flatten's gradient is C-ordered), and
        # mixed layouts would make each of the kh kw products below 8 times slower
        share = np.divide(g, count, out=count) if g.dtype == count.dtype else g / count
        return self.scatter(share, ties, x)


class StridedMean(_StridedPool):
    """The mean of each window, its zero padding counted: the sum of the slices over kh kw;
    dx = g / (kh kw) at every place of each window, summed where windows overlap."""
    __slots__ = ()
    name = "strided_mean"
    label = "avg_pool2d"  # what the user called, in messages and graphs
    reads_inputs = False  # the rule needs x's shape only

    def forward(self, x):
        first, *rest = self.slices(pad(x, self.padding, 0), x)
        out = first.astype(x.dtype if x.dtype.kind == "f" else np.float64, order="K")
        for part in rest:
            out += part  # laid out as x is
        out /= len(rest) + 1
        return out

    def backward(self, g, x):
        size = self.kernel[0] * self.kernel[1]
        if type(g) is not np.ndarray:
            return self.col2im(g, np.full(g.shape + self.kernel, 1 / size, g.dtype), x)
        share = empty_in_layout_of(x, g.shape).astype(g.dtype, copy=False)
        np.divide(g, size, out=share)  # laid out as x is (see StridedMax)
        return self.scatter(share, None, x)


def _lowest(dtype):
    """The lowest value of ``dtype``, finite: the pools' padding, which no maximum takes, and
    that detect_anomaly does not see as an inf."""
    return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min


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
    _, stride, padding = window_arguments(x.shape, (kh, kw), stride, padding, "conv2d")
    args = (x, w) if b is None else (x, w, b)
    out = apply(Conv2d(stride, padding), *args)
    return out.reshape(out.shape[1:]) if unbatched else out


def _pool_arguments(x, kernel_size, stride, padding, what):
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else stride
    kernel, stride, padding = window_arguments(x.shape, kernel, stride, padding, what)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{what}: padding {padding} must be at most half the kernel "
                         f"{kernel} (a window would hold padding only)")
    return kernel, stride, padding


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """The maximum of each kh x kw window of x (N, C, H, W) or (C, H, W).

    ``stride`` defaults to ``kernel_size``; the padding never wins a maximum. The gradient goes
    to each window's maximum, split evenly between tied elements (the engine's ``max``). One
    op over strided slices of the image (``StridedMax``).
    """
    x, unbatched = _image(x, "max_pool2d")
    kernel, stride, padding = _pool_arguments(x, kernel_size, stride, padding, "max_pool2d")
    out = apply(StridedMax(kernel, stride, padding), x)
    return out.reshape(out.shape[1:]) if unbatched else out


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """The mean of each kh x kw window of x (N, C, H, W) or (C, H, W).

    ``stride`` defaults to ``kernel_size``; zero padding counts in the mean (PyTorch's
    ``count_include_pad=True``).
    """
    x, unbatched = _image(x, "avg_pool2d")
    kernel, stride, padding = _pool_arguments(x, kernel_size, stride, padding, "avg_pool2d")
    out = apply(StridedMean(kernel, stride, padding), x)
    return out.reshape(out.shape[1:]) if unbatched else out
