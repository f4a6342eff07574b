"""The course's layer functions: ``forward -> (out, cache)``, ``backward(dout, cache)``.

The seed notebook's affine, relu and softmax layers, then the next exercises' batch and layer
normalisation, dropout, convolution and max pooling, with the course's names, signatures and
parameter dicts (``bn_param``, ``ln_param``, ``dropout_param``, ``conv_param``, ``pool_param``).

Numpy in, numpy out, inputs never modified. The gradients come from the engine's rules (no
second set of formulas): each backward replays its forward on Tensors and asks ``grad``.
"""
import numpy as np

from autograd import Tensor, grad

from . import functional as F


def _leaf(array):
    array = np.asarray(array)
    return Tensor(array if array.dtype.kind == "f" else array.astype(np.float64),
                  requires_grad=True)


def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b for x of shape (N, d_1, ..., d_k), w (D, M), b (M,).

    Returns (out of shape (N, M), cache = (x, w, b)).
    """
    out = F.linear(Tensor(np.asarray(x)).reshape(len(x), -1), Tensor(np.asarray(w)),
                   Tensor(np.asarray(b)))
    return out.data, (x, w, b)


def affine_backward(dout, cache):
    """Gradients (dx of x's shape, dw of (D, M), db of (M,)) from dout of shape (N, M)."""
    x, w, b = cache
    xt, wt, bt = _leaf(x), _leaf(w), _leaf(b)
    out = F.linear(xt.reshape(len(x), -1), wt, bt)
    dx, dw, db = grad(out, (xt, wt, bt), grad_outputs=np.asarray(dout))
    return dx.data, dw.data, db.data


def relu_forward(x):
    """out = max(0, x) of any shape; cache = x."""
    return Tensor(np.asarray(x)).relu().data, x


def relu_backward(dout, cache):
    """dx = dout where x > 0, else 0 (dout is left untouched)."""
    xt = _leaf(cache)
    (dx,) = grad(xt.relu(), xt, grad_outputs=np.asarray(dout))
    return dx.data


def softmax_loss(x, y):
    """Mean softmax cross-entropy of scores x (N, C) for labels y (N,): (loss, dx)."""
    xt = _leaf(x)
    loss = F.cross_entropy(xt, y)
    (dx,) = grad(loss, xt)
    return float(loss.data), dx.data


# ---- the course's next exercises: normalisation, dropout, convolution, pooling ----------------
def _array(a):
    return np.asarray(a)


def _tensors(*arrays):
    return tuple(_leaf(a) for a in arrays)


def _grads(out, leaves, dout):
    return tuple(g.data for g in grad(out, leaves, grad_outputs=np.asarray(dout)))


def _mode(param, what):
    mode = param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"invalid forward {what} mode {mode!r}; expected 'train' or 'test'")
    return mode


def _batchnorm(x, gamma, beta, mode, eps, running_mean, running_var):
    """The batch-norm forward on Tensors, as both passes run it (channels on axis 1)."""
    if mode == "train":
        return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)
    return F.batch_norm(x, running_mean, running_var, gamma, beta, training=False, eps=eps)


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation of x (N, D) with scale gamma (D,) and shift beta (D,): (out, cache).

    ``bn_param``: ``mode`` "train" | "test" (required), ``eps`` (1e-5), ``momentum`` (0.9),
    ``running_mean`` and ``running_var`` ((D,), zeros when absent). In "train" mode x is
    normalised with its batch mean and (biased) variance, and the dict's running statistics
    become ``momentum * running + (1 - momentum) * batch`` (new arrays; the old ones are left
    as they were). In "test" mode the running statistics normalise.
    """
    x = _array(x)
    mode = _mode(bn_param, "batchnorm")
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1], dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(x.shape[1], dtype=x.dtype))
    out = _batchnorm(Tensor(x), Tensor(_array(gamma)), Tensor(_array(beta)), mode, eps,
                     running_mean, running_var)
    if mode == "train":
        axes = (0,) + tuple(range(2, x.ndim))
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * x.mean(axis=axes)
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * x.var(axis=axes)
    return out.data, (x, gamma, beta, mode, eps, running_mean, running_var)


def batchnorm_backward(dout, cache):
    """Gradients (dx (N, D), dgamma (D,), dbeta (D,)) of batchnorm_forward from dout (N, D)."""
    x, gamma, beta, mode, eps, running_mean, running_var = cache
    leaves = _tensors(x, gamma, beta)
    out = _batchnorm(*leaves, mode, eps, running_mean, running_var)
    return _grads(out, leaves, dout)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation of images x (N, C, H, W) per channel, gamma and beta (C,).

    ``bn_param`` as for ``batchnorm_forward``; the statistics are over N, H and W.
    """
    return batchnorm_forward(x, gamma, beta, bn_param)


def spatial_batchnorm_backward(dout, cache):
    """Gradients (dx (N, C, H, W), dgamma (C,), dbeta (C,)) of spatial_batchnorm_forward."""
    return batchnorm_backward(dout, cache)


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalisation of each row of x (N, D), then scale gamma (D,) and shift beta (D,).

    ``ln_param``: ``eps`` (1e-5). Returns (out (N, D), cache).
    """
    x = _array(x)
    eps = ln_param.get("eps", 1e-5)
    out = F.layer_norm(Tensor(x), x.shape[-1], Tensor(_array(gamma)), Tensor(_array(beta)),
                       eps)
    return out.data, (x, gamma, beta, eps)


def layernorm_backward(dout, cache):
    """Gradients (dx (N, D), dgamma (D,), dbeta (D,)) of layernorm_forward from dout (N, D)."""
    x, gamma, beta, eps = cache
    leaves = _tensors(x, gamma, beta)
    return _grads(F.layer_norm(leaves[0], x.shape[-1], leaves[1], leaves[2], eps), leaves, dout)


def dropout_forward(x, dropout_param):
    """Inverted dropout of x (any shape): (out, cache).

    ``dropout_param``: ``p``, the probability of KEEPING each unit; ``mode`` "train" | "test";
    ``seed`` (optional: the mask is then numpy's ``np.random.seed(seed); np.random.rand``
    draw, without touching the global state). In "train" mode out = x * mask with
    mask = (rand < p) / p; in "test" mode out is a copy of x.
    """
    x = _array(x)
    p, mode = dropout_param["p"], _mode(dropout_param, "dropout")
    if not 0 < p <= 1:
        raise ValueError(f"dropout keep probability p must be in (0, 1], got {p}")
    mask = None
    if mode == "train":
        seed = dropout_param.get("seed")
        rand = np.random.RandomState(seed).rand if seed is not None else np.random.rand
        mask = ((rand(*x.shape) < p) / p).astype(x.dtype if x.dtype.kind == "f" else np.float64)
        out = (Tensor(x) * mask).data
    else:
        out = x.copy()
    return out, (dropout_param, mask, x)


def dropout_backward(dout, cache):
    """dx of dropout_forward from dout of x's shape: dout * mask in "train" mode, dout in "test"."""
    dropout_param, mask, x = cache
    xt = _leaf(x)
    out = xt * mask if dropout_param["mode"] == "train" else xt * 1.0
    return _grads(out, (xt,), dout)[0]


def _conv_arguments(conv_param):
    return conv_param.get("stride", 1), conv_param.get("pad", 0)


def conv_forward_naive(x, w, b, conv_param):
    """Convolution of x (N, C, H, W) with filters w (F, C, HH, WW) and biases b (F,).

    ``conv_param``: ``stride`` and ``pad`` (zeros on each side). Returns (out, cache) with out
    of shape (N, F, H', W'), H' = 1 + (H + 2 pad - HH) // stride, W' likewise. Vectorised (the
    engine's windows and one matrix product), despite the course's name.
    """
    stride, pad = _conv_arguments(conv_param)
    out = F.conv2d(Tensor(_array(x)), Tensor(_array(w)), Tensor(_array(b)), stride, pad)
    return out.data, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    """Gradients (dx (N, C, H, W), dw (F, C, HH, WW), db (F,)) from dout (N, F, H', W')."""
    x, w, b, conv_param = cache
    stride, pad = _conv_arguments(conv_param)
    leaves = _tensors(x, w, b)
    return _grads(F.conv2d(*leaves, stride, pad), leaves, dout)


def _pool_arguments(pool_param):
    return (pool_param["pool_height"], pool_param["pool_width"]), pool_param["stride"]


def max_pool_forward_naive(x, pool_param):
    """Max pooling of x (N, C, H, W) over windows of ``pool_height`` x ``pool_width`` moved by
    ``stride`` (``pool_param``): (out (N, C, H', W'), cache), H' = 1 + (H - pool_height) //
    stride. Vectorised, despite the course's name."""
    kernel, stride = _pool_arguments(pool_param)
    return F.max_pool2d(Tensor(_array(x)), kernel, stride).data, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    """dx (N, C, H, W) from dout (N, C, H', W'): each window's gradient goes to its maximum,
    split evenly between tied maxima."""
    x, pool_param = cache
    kernel, stride = _pool_arguments(pool_param)
    xt = _leaf(x)
    return _grads(F.max_pool2d(xt, kernel, stride), (xt,), dout)[0]


# the course's fast layers take the same arguments and give the same numbers: one function each
conv_forward_fast = conv_forward_naive
conv_backward_fast = conv_backward_naive
max_pool_forward_fast = max_pool_forward_naive
max_pool_backward_fast = max_pool_backward_naive
batchnorm_backward_alt = batchnorm_backward
