"""Layers and losses as Modules."""
import numpy as np

from . import functional as F
from . import init
from .module import Module, Parameter
from .random import as_generator


class Linear(Module):
    """y = x @ weight + bias, with weight of shape (in_features, out_features).

    Initialised as PyTorch's Linear: weight and bias ~ U(-1/√in, 1/√in), drawn from ``rng``.
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=np.float64):
        if in_features <= 0 or out_features <= 0:
            raise ValueError(f"Linear needs positive sizes, got ({in_features}, {out_features})")
        rng = as_generator(rng)
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / np.sqrt(in_features)
        self.weight = Parameter(np.empty((in_features, out_features), dtype=dtype))
        init.uniform_(self.weight, -bound, bound, rng=rng)
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
            init.uniform_(self.bias, -bound, bound, rng=rng)
        else:
            self.bias = None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x):
        return x.relu()


class Tanh(Module):
    """tanh x, elementwise."""

    def forward(self, x):
        return x.tanh()


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^-x), elementwise."""

    def forward(self, x):
        return x.sigmoid()


class LeakyReLU(Module):
    """x for x > 0, else negative_slope · x (``F.leaky_relu``)."""

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0, else α (e^x - 1) (``F.elu``)."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class SiLU(Module):
    """x σ(x) (``F.silu``)."""

    def forward(self, x):
        return F.silu(x)


class Softplus(Module):
    """log(1 + e^(βx)) / β, and x where βx > threshold (``F.softplus``)."""

    def __init__(self, beta=1.0, threshold=20.0):
        if not beta > 0:
            raise ValueError(f"Softplus needs beta > 0, got beta={beta}")
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """e^x / Σ e^x along ``axis`` (``F.softmax``)."""

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class Dropout(Module):
    """Inverted dropout with probability ``p`` in training mode, the identity in eval mode."""

    def __init__(self, p=0.5, rng=None):
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p
        self.rng = as_generator(rng)

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self):
        return f"p={self.p}"


class CrossEntropyLoss(Module):
    """``F.cross_entropy`` with its options fixed: class indices or probabilities as target."""

    def __init__(self, reduction="mean", weight=None, ignore_index=-100, label_smoothing=0.0):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")
        self.reduction, self.ignore_index = reduction, ignore_index
        self.weight, self.label_smoothing = weight, label_smoothing

    def forward(self, logits, target):
        return F.cross_entropy(logits, target, self.reduction, self.weight, self.ignore_index,
                               self.label_smoothing)


class MSELoss(Module):
    """``F.mse_loss``: the mean (or sum, or elementwise) squared error."""

    def __init__(self, reduction="mean"):
        self.reduction = reduction

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)
