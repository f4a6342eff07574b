"""The softmax family, stable for logits of any size."""
import numpy as np

from .arithmetic import Sub
from .base import Op, apply, as_tensor, labelled
from .reductions import logsumexp, normalize_axes

__all__ = ["softmax", "log_softmax"]


class Softmax(Op):
    """e^x / Σ e^x along axis;  dx = s (g - Σ g s)."""
    __slots__ = ("axis",)
    name = "softmax"
    reads_inputs = False
    saves_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        e /= e.sum(axis=self.axis, keepdims=True)
        self.saved = e
        return e

    def backward(self, g, x):
        s = self.output(g)
        gs = g * s
        return gs - s * gs.sum(axis=self.axis, keepdims=True)


def softmax(x, axis=-1):
    """e^x / Σ e^x along ``axis``, stable for logits of any size (a 0-d tensor gives 1)."""
    x = as_tensor(x)
    axes = normalize_axes(axis, x.ndim)
    return apply(Softmax(axes[0] if axes else None), x)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``, built from logsumexp."""
    x = as_tensor(x)
    return apply(labelled(Sub, "log_softmax")(), x,
                 logsumexp(x, axis=axis if x.ndim else None, keepdims=True))
