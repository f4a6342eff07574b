"""Functions on Tensors for networks. ``linear`` and ``cross_entropy`` are fused single ops."""
import numpy as np

from autograd import Tensor
from autograd.ops import Op, apply
from autograd.ops.helpers import value


class Linear(Op):
    """x @ w + b, fused because it is a third of every MLP step;  dx = g wᵀ, dw = xᵀ g, db = Σg."""
    __slots__ = ()
    name = "linear"

    def forward(self, x, w, b=None):
        out = x @ w
        if b is None:
            return out
        if b.dtype == out.dtype:
            out += b  # in place into the fresh product: one pass fewer over memory
            return out
        return out + b  # numpy promotion decides the dtype

    def backward(self, g, x, w, b=None):
        need_x, need_w = self.needs_input_grad[:2]
        upstream, x_shape = g, x.shape
        if g.ndim != 2:  # any leading axes are a batch
            g, x = g.reshape(-1, g.shape[-1]), x.reshape(-1, x_shape[-1])
        gx = None
        if need_x:
            gx = g @ w.T
            if upstream.ndim != 2:
                gx = gx.reshape(x_shape)
        gw = (x.T @ g) if need_w else None
        if b is None:
            return gx, gw
        if b.ndim == 1:
            return gx, gw, g.sum(axis=0)
        return gx, gw, upstream  # summed to b's shape by the engine


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


def linear(x, w, b=None):
    """x @ w + b with w of shape (in, out); one graph node."""
    w_shape = value(w).shape
    if len(w_shape) != 2:
        raise ValueError(f"linear needs a 2-D weight of shape (in, out), got {w_shape} "
                         f"(input of shape {value(x).shape})")
    try:
        return apply(Linear(), x, w) if b is None else apply(Linear(), x, w, b)
    except ValueError:
        raise ValueError(f"linear: input of shape {value(x).shape} does not fit a weight of "
                         f"shape {w_shape} (expected {w_shape[0]} input features)") from None


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


def relu(x):
    return x.relu()


def tanh(x):
    return x.tanh()


def sigmoid(x):
    return x.sigmoid()


def softmax(x, axis=-1):
    return x.softmax(axis)


def log_softmax(x, axis=-1):
    return x.log_softmax(axis)


def dropout(x, p=0.5, training=True, rng=None):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.random(np.shape(value(x))) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * (keep * np.asarray(scale, dtype=value(x).dtype))
