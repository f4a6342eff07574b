"""Losses. ``cross_entropy`` is a fused single op, for stability and speed."""
import numpy as np

from autograd import Tensor
from autograd.ops import Op, apply
from autograd.ops.helpers import value


class CrossEntropy(Op):
    """-log softmax(x)[target], fused for stability and speed;  dx = g (softmax(x) - onehot)."""
    __slots__ = ("target", "reduction")
    name = "cross_entropy"
    reads_inputs = False

    def __init__(self, target, reduction):
        self.target, self.reduction = target, reduction

    def forward(self, x):
        # a boolean one-hot mask: picking and subtracting through it beats fancy indexing
        onehot = self.target[:, None] == np.arange(x.shape[1])
        shifted = x - x.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        picked = shifted[onehot]
        if picked.size != len(x):  # a label matched no class: checked here, where it is free
            classes = x.shape[1]
            bad = self.target[(self.target < 0) | (self.target >= classes)]
            raise ValueError(f"cross_entropy: label {bad[0]} is outside [0, {classes})")
        losses = np.log(total[:, 0]) - picked
        exp /= total
        self.saved = (exp, onehot)  # the probabilities
        if self.reduction == "mean":
            return losses.sum() / len(x)
        return losses.sum() if self.reduction == "sum" else losses

    def backward(self, g, x):
        probs, onehot = self.saved
        if isinstance(g, Tensor):  # differentiable rule: rebuild the probabilities on the graph
            probs = x.softmax(axis=1)
        d = probs - onehot
        if self.reduction == "none":
            return d * g.reshape(-1, 1)
        scale = g / len(onehot) if self.reduction == "mean" else g
        if isinstance(d, Tensor):
            return d * scale
        d *= scale  # d is this rule's own fresh array
        return d


def cross_entropy(logits, target, reduction="mean"):
    """Mean (or sum, or per-sample) -log softmax(logits)[target] for logits of shape (N, C)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")
    logits = logits if isinstance(logits, Tensor) else Tensor(logits)
    target = np.asarray(value(target))
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy needs logits of shape (N, C), got {logits.shape}")
    if target.shape != logits.shape[:1]:
        raise ValueError(f"cross_entropy: target of shape {target.shape} does not match "
                         f"logits of shape {logits.shape}")
    if target.dtype.kind not in "iu":
        if target.dtype.kind == "f" and np.all(target == np.round(target)):
            target = target.astype(np.int64)
        else:
            raise TypeError(f"cross_entropy needs integer class labels, got dtype {target.dtype}")
    return apply(CrossEntropy(target, reduction), logits)  # its forward checks the labels


def mse_loss(input, target, reduction="mean"):
    """Mean (or sum, or elementwise) squared error, built from primitives."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")
    if np.shape(value(input)) != np.shape(value(target)):
        raise ValueError(f"mse_loss: input of shape {np.shape(value(input))} and target of "
                         f"shape {np.shape(value(target))} differ")
    diff = input - target
    squared = diff * diff
    if reduction == "none":
        return squared
    return squared.mean() if reduction == "mean" else squared.sum()
