"""The seed notebook's layer functions: ``forward -> (out, cache)``, ``backward(dout, cache)``.

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
