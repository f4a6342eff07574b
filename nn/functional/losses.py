"""Losses, with PyTorch's semantics for reductions, class weights, ignored targets and label
smoothing. ``cross_entropy`` with plain class indices is one fused op, for stability and speed;
every other case is a composite of engine ops (so all differentiate to any order)."""
import numpy as np

from autograd import Tensor, logaddexp
from autograd.ops import Op, apply
from autograd.ops.helpers import value

from .activations import _tensor

_REDUCTIONS = ("mean", "sum", "none")
_SHAPED = (Tensor, np.ndarray)


class CrossEntropy(Op):
    """-log softmax(x)[target], fused for stability and speed;  dx = g (softmax(x) - onehot)."""
    __slots__ = ("target", "reduction")
    name = "cross_entropy"
    reads_inputs = False
    conforms = True  # softmax(x) - onehot, in x's shape and dtype, scaled by g of x's dtype

    def __init__(self, target, reduction):
        self.target, self.reduction = target, reduction

    def forward(self, x):
        # a boolean one-hot mask: picking and subtracting through it beats fancy indexing
        onehot = self.target[:, None] == np.arange(x.shape[1])
        # the reductions as ufunc.reduce: ndarray.max and .sum add a Python frame to each
        shifted = x - np.maximum.reduce(x, 1, keepdims=True)
        exp = np.exp(shifted)
        total = np.add.reduce(exp, 1, keepdims=True)
        picked = shifted[onehot]
        if picked.size != len(x):  # a label matched no class: checked here, where it is free
            classes = x.shape[1]
            bad = self.target[(self.target < 0) | (self.target >= classes)]
            raise _UnknownLabel(f"cross_entropy: label {bad[0]} is outside [0, {classes})")
        losses = np.log(total[:, 0]) - picked
        exp /= total
        self.saved = (exp, onehot)  # the probabilities
        if self.reduction == "mean":
            return np.add.reduce(losses) / len(x)
        return np.add.reduce(losses) if self.reduction == "sum" else losses

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


class _UnknownLabel(ValueError):
    """A label outside the classes, found by the fused op; cross_entropy tells whether it is
    ``ignore_index``."""


# ---- argument checks ----------------------------------------------------------------------
def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


def _labels(fn, target):
    """Integer class labels from an int array, list or Tensor (floats holding integers too)."""
    target = np.asarray(value(target))
    if target.dtype.kind in "iu":
        return target
    if target.dtype.kind == "f" and np.all(target == np.round(target)):
        return target.astype(np.int64)
    hint = " (or class probabilities of the logits' shape)" if fn == "cross_entropy" else ""
    raise TypeError(f"{fn} needs integer class labels{hint}, got a target of dtype "
                    f"{target.dtype} and shape {target.shape}")


def _class_weight(fn, weight, classes, dtype):
    """``weight`` as an array of shape (C,) in the logits' dtype, or None."""
    if weight is None:
        return None
    weight = np.asarray(value(weight), dtype=dtype)
    if weight.shape != (classes,):
        raise ValueError(f"{fn}: weight of shape {weight.shape} does not fit {classes} classes; "
                         f"pass one weight per class, shape ({classes},)")
    return weight


def _same_shape(fn, input_name, input, target):
    if np.shape(value(input)) != np.shape(value(target)):
        raise ValueError(f"{fn}: {input_name} of shape {np.shape(value(input))} and target of "
                         f"shape {np.shape(value(target))} differ; they must match")


def _constant(x, dtype):
    """A Tensor as it is (it may carry a gradient); anything else an array of ``dtype``, so
    float64 targets or weights do not promote float32 losses."""
    return x if x is None or isinstance(x, Tensor) else np.asarray(x, dtype=dtype)


def _reduce(rows, reduction, denominator):
    """Rows as they are ("none"), summed, or summed over ``denominator`` ("mean")."""
    if reduction == "none":
        return rows
    total = rows.sum()
    if reduction == "sum":
        return total
    # as PyTorch: a mean over nothing (every target ignored) is nan, silently
    return total * (1.0 / denominator if denominator else np.nan)


def _pick(fn, log_probs, labels, weight, ignore_index):
    """-w[y_n] log_probs[n, y_n] per row (0 where y_n == ignore_index), the valid-row mask,
    and the mean's denominator Σ w[y_n] over the rows kept (PyTorch's weighted mean)."""
    classes = log_probs.shape[1]
    kept = labels != ignore_index
    bad = labels[kept & ((labels < 0) | (labels >= classes))]
    if bad.size:
        raise ValueError(f"{fn}: label {bad[0]} is outside [0, {classes}) "
                         f"(and is not ignore_index={ignore_index})")
    safe = np.where(kept, labels, 0)
    row_weight = weight[safe] if weight is not None else np.ones(len(labels), log_probs.dtype)
    row_weight = row_weight * kept
    picked = log_probs[np.arange(len(labels)), safe]
    return -picked * row_weight, kept, row_weight.sum()


# ---- losses -------------------------------------------------------------------------------------
def nll_loss(log_probs, target, reduction="mean", weight=None, ignore_index=-100):
    """-w[y_n] log_probs[n, y_n] for log-probabilities of shape (N, C) and class labels (N,);
    the mean divides by Σ w[y_n] over the targets not equal to ``ignore_index``."""
    _check_reduction(reduction)
    log_probs = _tensor(log_probs)
    if log_probs.ndim != 2:
        raise ValueError(f"nll_loss needs log_probs of shape (N, C), got {log_probs.shape}")
    labels = _labels("nll_loss", target)
    if labels.shape != log_probs.shape[:1]:
        raise ValueError(f"nll_loss: target of shape {labels.shape} does not fit log_probs of "
                         f"shape {log_probs.shape}; expected class indices of shape "
                         f"({log_probs.shape[0]},)")
    weight = _class_weight("nll_loss", weight, log_probs.shape[1], log_probs.dtype)
    rows, _, denominator = _pick("nll_loss", log_probs, labels, weight, ignore_index)
    return _reduce(rows, reduction, denominator)


def cross_entropy(logits, target, reduction="mean", weight=None, ignore_index=-100,
                  label_smoothing=0.0):
    """-Σ_c q_c w_c log softmax(logits)_c per row, for logits of shape (N, C), PyTorch's
    semantics.

    ``target``: class indices of shape (N,) (q is one-hot; rows whose label is ``ignore_index``
    count 0 and the mean divides by Σ w[y_n] over the other rows), or class probabilities of
    the logits' shape (the mean divides by N; differentiable in the target too).
    ``label_smoothing`` ε mixes q with the uniform distribution: (1 - ε) q + ε / C.
    """
    if (isinstance(logits, Tensor) and type(target) is np.ndarray and weight is None
            and not label_smoothing and ignore_index < 0 and reduction in _REDUCTIONS):
        # a training loop's case, checked without the calls below: integer labels, one per
        # row, no weights, no label to ignore among the classes
        data = logits.data
        if (data.ndim == 2 and target.ndim == 1 and len(target) == len(data)
                and target.dtype.kind in "iu"):
            try:
                return apply(CrossEntropy(target, reduction), logits)
            except _UnknownLabel:
                pass  # a label outside the classes: ignore_index, or an error said below
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    logits = _tensor(logits)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy needs logits of shape (N, C), got {logits.shape}")
    n, classes = logits.shape
    target_shape = target.shape if isinstance(target, _SHAPED) else np.shape(target)
    if weight is not None:
        weight = _class_weight("cross_entropy", weight, classes, logits.dtype)
    if target_shape == logits.shape:
        return _cross_entropy_probabilities(logits, target, reduction, weight, ignore_index,
                                            label_smoothing)
    if target_shape != (n,):
        raise ValueError(f"cross_entropy: target of shape {target_shape} does not fit logits "
                         f"of shape {logits.shape}; expected class indices of shape ({n},) or "
                         f"class probabilities of shape {logits.shape}")
    labels = _labels("cross_entropy", target)
    # the fused op when no label is ignore_index; one outside the classes (as the default -100)
    # needs no search here: the op's forward finds any label that is no class
    if weight is None and label_smoothing == 0 and (
            not 0 <= ignore_index < classes or not (labels == ignore_index).any()):
        try:
            return apply(CrossEntropy(labels, reduction), logits)
        except _UnknownLabel:
            if not (labels == ignore_index).any():
                raise
    log_probs = logits.log_softmax(axis=1)
    rows, kept, denominator = _pick("cross_entropy", log_probs, labels, weight, ignore_index)
    if label_smoothing:
        spread = log_probs if weight is None else log_probs * weight
        smooth = -spread.sum(axis=1) * kept.astype(logits.dtype)
        rows = rows * (1 - label_smoothing) + smooth * (label_smoothing / classes)
    return _reduce(rows, reduction, denominator)


def _cross_entropy_probabilities(logits, target, reduction, weight, ignore_index, smoothing):
    if ignore_index >= 0:
        raise ValueError(f"cross_entropy: ignore_index={ignore_index} applies to class indices "
                         f"only, not to class-probability targets of shape {logits.shape}")
    if not isinstance(target, Tensor):
        target = np.asarray(target)
        if target.dtype.kind not in "fiub":
            raise TypeError(f"cross_entropy: target probabilities must be numeric, got dtype "
                            f"{target.dtype}")
        target = target.astype(logits.dtype)  # a one-hot of integers counts as probabilities
    if smoothing:
        target = target * (1 - smoothing) + smoothing / logits.shape[1]
    if weight is not None:
        target = target * weight
    rows = -(logits.log_softmax(axis=1) * target).sum(axis=1)
    return _reduce(rows, reduction, logits.shape[0])


def one_hot(labels, num_classes=-1):
    """int64 Tensor of shape labels.shape + (num_classes,), 1 at each label (PyTorch's
    one_hot); ``num_classes=-1`` takes max(labels) + 1."""
    labels = np.asarray(value(labels))
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer class labels, got dtype {labels.dtype}")
    if num_classes == -1:
        if labels.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from no labels; pass it")
        num_classes = int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)]
        raise ValueError(f"one_hot: label {bad.flat[0]} is outside [0, {num_classes}) "
                         f"(num_classes={num_classes})")
    return Tensor((labels[..., None] == np.arange(num_classes)).astype(np.int64))


def binary_cross_entropy(p, target, weight=None, reduction="mean"):
    """-w (t log p + (1 - t) log(1 - p)) elementwise, each log clamped at -100 as PyTorch
    (so p = 0 or 1 gives a finite loss); ``p`` in [0, 1], ``target`` of p's shape.

    Where p < e^-100 (or 1 - p < e^-100) the clamp is flat, so that term's gradient is 0
    there (PyTorch's divides by max(p (1 - p), 1e-12) instead); elsewhere they agree.
    """
    _check_reduction(reduction)
    p = _tensor(p)
    _same_shape("binary_cross_entropy", "p", p, target)
    if p.size and not (p.data.min() >= 0 and p.data.max() <= 1):
        raise ValueError(f"binary_cross_entropy: p must be probabilities in [0, 1], got values "
                         f"in [{p.data.min()}, {p.data.max()}]; for logits use "
                         f"binary_cross_entropy_with_logits")
    target, weight = _constant(target, p.dtype), _constant(weight, p.dtype)
    floor = float(np.exp(-100.0))  # a Python float: it must not promote float32
    log_p, log_q = p.clip(floor, None).log(), (1 - p).clip(floor, None).log()
    losses = -(target * log_p + (1 - target) * log_q)
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, losses.size)


def binary_cross_entropy_with_logits(logits, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """binary_cross_entropy(σ(x), t) computed stably as (1 - t) x + (1 + (pw - 1) t)
    softplus(-x), for logits of any size; ``pos_weight`` weighs the positive term per class."""
    _check_reduction(reduction)
    x = _tensor(logits)
    _same_shape("binary_cross_entropy_with_logits", "logits", x, target)
    target, weight = _constant(target, x.dtype), _constant(weight, x.dtype)
    pos_weight = _constant(pos_weight, x.dtype)
    softplus = logaddexp(0.0, -x)  # -log σ(x), exact in both tails
    if pos_weight is not None:
        softplus = softplus * ((pos_weight - 1) * target + 1)
    losses = (1 - target) * x + softplus
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, losses.size)


def mse_loss(input, target, reduction="mean"):
    """Mean (or sum, or elementwise) squared error, built from primitives."""
    _check_reduction(reduction)
    _same_shape("mse_loss", "input", input, target)
    diff = input - target
    squared = diff * diff
    if reduction == "none":
        return squared
    return squared.mean() if reduction == "mean" else squared.sum()
