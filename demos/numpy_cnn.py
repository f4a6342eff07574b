"""The digits CNN written by hand on NumPy arrays with im2col: the yardstick for npgrad's speed.

The network of ``python demos/train_digits.py --model cnn`` without its dropout (so that every
system computes the same numbers from the same weights):

    (N, 1, 8, 8) -> conv 3x3, pad 1 -> ReLU -> conv 3x3, pad 1 -> ReLU -> max-pool 2x2
                 -> flatten (C2 * 4 * 4, in NCHW order) -> linear -> (N, 10) logits

Each layer has its forward and hand-derived backward, as someone fluent in NumPy writes them
(the cs231n way). A convolution is one matmul over an im2col matrix: the 3x3 windows of the
padded input, as a strided view copied into (N*H*W, C*9) rows; its input gradient is the col2im
scatter-add, one slice-add per kernel offset (9 of them), never a loop over pixels. Inside, the
activations are kept channels last (N, H, W, C): a convolution's (N*H*W, F) output is then
already the next layer's input, with no transposes. Max-pool ties share the gradient evenly,
as npgrad's do. No autograd is involved.

Conventions (those of npgrad's and PyTorch's modules): a conv weight has shape
(out_channels, in_channels, 3, 3); the linear weight has shape (in, out), as in ``nn.Linear``
(PyTorch takes its transpose). ``init_params`` draws every array from U(-1/sqrt(fan_in),
1/sqrt(fan_in)), layer by layer, weight then bias, from a ``numpy.random.Generator``.

    params = init_params((32, 64), np.random.default_rng(0), np.float32)
    net = CNN(params)
    opt = numpy_mlp.Adam(net.parameters(), lr=1e-3)
    for idx in batches:
        loss = net.loss_and_grad(X[idx], y[idx]); opt.step(net.gradients())
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from numpy_mlp import softmax_cross_entropy

SIDE, N_CLASSES, KERNEL = 8, 10, 3


def init_params(channels, rng, dtype=np.float32):
    """[conv1 weight, conv1 bias, conv2 weight, conv2 bias, linear weight (in, out), bias]."""
    c1, c2 = channels
    shapes = [((c1, 1, KERNEL, KERNEL), (c1,)), ((c2, c1, KERNEL, KERNEL), (c2,)),
              ((c2 * (SIDE // 2) ** 2, N_CLASSES), (N_CLASSES,))]
    params = []
    for index, (weight, bias) in enumerate(shapes):
        fan_in = weight[0] if index == 2 else int(np.prod(weight[1:]))
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, size=weight).astype(dtype))
        params.append(rng.uniform(-bound, bound, size=bias).astype(dtype))
    return params


def im2col(x):
    """The 3x3 windows of ``x`` (N, H, W, C), channels last, padded by one: (N*H*W, C*9), rows
    in (n, i, j) order, columns in (c, di, dj) order, the layout of a (F, C, 3, 3) weight
    reshaped (F, C*9)."""
    n, h, w, c = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    windows = sliding_window_view(padded, (KERNEL, KERNEL), axis=(1, 2))  # (N, H, W, C, 3, 3)
    return windows.reshape(n * h * w, c * KERNEL * KERNEL)


def col2im(dcols, shape):
    """The adjoint of ``im2col`` for an input of ``shape`` (N, H, W, C): each window's gradient
    added back where it came from, one slice-add per kernel offset."""
    n, h, w, c = shape
    dcols = dcols.reshape(n, h, w, c, KERNEL, KERNEL)
    dpadded = np.zeros((n, h + 2, w + 2, c), dcols.dtype)
    for di in range(KERNEL):
        for dj in range(KERNEL):
            dpadded[:, di:di + h, dj:dj + w, :] += dcols[..., di, dj]
    return dpadded[:, 1:-1, 1:-1, :]


def conv_forward(x, weight, bias):
    """3x3, stride 1, pad 1, channels last: (N, H, W, C) -> (N, H, W, F), and the im2col
    matrix for backward. ``weight``: (F, C, 3, 3)."""
    n, h, w, _ = x.shape
    cols = im2col(x)
    out = cols @ weight.reshape(len(weight), -1).T
    out += bias
    return out.reshape(n, h, w, len(weight)), cols


def conv_backward(dout, cols, weight, x_shape=None):
    """(dx or None, dweight, dbias) of ``conv_forward``; dx only when ``x_shape`` is given."""
    dmat = dout.reshape(-1, len(weight))  # (N*H*W, F)
    dweight = (dmat.T @ cols).reshape(weight.shape)
    dbias = dmat.sum(axis=0)
    dx = None if x_shape is None else col2im(dmat @ weight.reshape(len(weight), -1), x_shape)
    return dx, dweight, dbias


def maxpool_forward(x):
    """2x2, stride 2, channels last: (N, H, W, C) -> (N, H/2, W/2, C)."""
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def maxpool_backward(dout, x, out):
    """Each window's gradient to its maximum, shared evenly between tied maxima."""
    n, h, w, c = x.shape
    blocks = x.reshape(n, h // 2, 2, w // 2, 2, c)
    winners = blocks == out[:, :, None, :, None, :]
    ties = winners.sum(axis=(2, 4), keepdims=True, dtype=x.dtype)
    return (winners * (dout[:, :, None, :, None, :] / ties)).reshape(x.shape)


class CNN:
    """The network above on the arrays ``params`` (used, not copied; updated in place by an
    optimizer through ``parameters()``); ``gradients()`` are filled by ``loss_and_grad``."""

    def __init__(self, params):
        self.params = params
        self.grads = [np.zeros_like(p) for p in params]

    def parameters(self):
        return self.params

    def gradients(self):
        return self.grads

    def logits(self, X):
        """(N, 10) logits of a batch (N, 1, 8, 8), keeping what backward needs. Inside, the
        activations are channels last (N, H, W, C), so that every im2col row is one window."""
        w1, b1, w2, b2, w3, b3 = self.params
        x = X.reshape(len(X), SIDE, SIDE, 1)  # one channel: NCHW and NHWC hold the same order
        z1, cols1 = conv_forward(x, w1, b1)
        h1 = np.maximum(z1, 0)
        z2, cols2 = conv_forward(h1, w2, b2)
        h2 = np.maximum(z2, 0)
        pooled = maxpool_forward(h2)
        flat = pooled.transpose(0, 3, 1, 2).reshape(len(X), -1)  # flattened in NCHW order
        self._saved = (cols1, z1, cols2, z2, h2, pooled, flat)
        return flat @ w3 + b3

    def loss_and_grad(self, X, y):
        """Mean cross-entropy of the batch; fills ``gradients()``."""
        loss, dlogits = softmax_cross_entropy(self.logits(X), y)
        self.backward(dlogits)
        return loss

    def backward(self, dlogits):
        """Fill ``gradients()`` from dL/dlogits (N, 10), in the order of ``parameters()``."""
        w1, _, w2, _, w3, _ = self.params
        cols1, z1, cols2, z2, h2, pooled, flat = self._saved
        g = self.grads
        np.matmul(flat.T, dlogits, out=g[4])
        np.sum(dlogits, axis=0, out=g[5])
        n, ph, pw, c = pooled.shape
        dpooled = (dlogits @ w3.T).reshape(n, c, ph, pw).transpose(0, 2, 3, 1)
        dz2 = maxpool_backward(dpooled, h2, pooled)
        dz2 *= z2 > 0
        dh1, g[2][...], g[3][...] = conv_backward(dz2, cols2, w2, z1.shape)
        dh1 *= z1 > 0
        _, g[0][...], g[1][...] = conv_backward(dh1, cols1, w1)
        return g

    def predict(self, X):
        """Predicted labels (N,) of X (N, 1, 8, 8)."""
        return self.logits(X).argmax(axis=1)
