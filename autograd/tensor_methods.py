"""The NumPy surface as Tensor methods: ``t.exp()``, ``t.sum(axis)``, ``t.reshape(2, 3)``...

Each method is a one-line delegation to the autograd function of the same name in
``autograd.ops``; ``Tensor`` inherits them. The ops import ``Tensor``, so ``autograd.tensor``
hands this module the ops with ``bind`` once both are loaded.
"""
import numpy as np

_ops = None  # autograd.ops, set by bind()


class TensorMethods:
    """The methods a Tensor shares with numpy arrays (see ``autograd.tensor.Tensor``)."""
    __slots__ = ()

    def exp(self):
        """Elementwise e^x."""
        return _ops.apply(_ops.Exp(), self)

    def log(self):
        """Elementwise natural logarithm."""
        return _ops.apply(_ops.Log(), self)

    def sqrt(self):
        """Elementwise square root."""
        return _ops.apply(_ops.Sqrt(), self)

    def abs(self):
        """Elementwise |x|."""
        return _ops.apply(_ops.Abs(), self)

    def tanh(self):
        """Elementwise hyperbolic tangent."""
        return _ops.apply(_ops.Tanh(), self)

    def sigmoid(self):
        """Elementwise 1 / (1 + e^-x)."""
        return _ops.apply(_ops.Sigmoid(), self)

    def relu(self):
        """Elementwise max(x, 0)."""
        return _ops.apply(_ops.ReLU(), self)

    def clip(self, lo=None, hi=None):
        """Values limited to [lo, hi] (either may be None); the gradient passes inside."""
        return _ops.clip(self, lo, hi)

    def astype(self, dtype):
        """This tensor cast to ``dtype`` (itself when the dtype already matches); differentiable."""
        dtype = np.dtype(dtype)
        return self if dtype == self.dtype else _ops.apply(_ops.Cast(dtype), self)

    def sum(self, axis=None, keepdims=False):
        """Σ over ``axis`` (None: all; an int or a tuple), keeping reduced axes if ``keepdims``."""
        return _ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """The mean over ``axis``; nan over an empty axis, as NumPy."""
        return _ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        """The largest element over ``axis``; tied maxima share the gradient evenly."""
        return _ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """The smallest element over ``axis``; tied minima share the gradient evenly."""
        return _ops.min(self, axis, keepdims)

    def var(self, axis=None, keepdims=False, ddof=0):
        """The variance over ``axis`` with ``ddof`` delta degrees of freedom."""
        return _ops.var(self, axis, keepdims, ddof)

    def std(self, axis=None, keepdims=False, ddof=0):
        """The standard deviation over ``axis`` (√var)."""
        return _ops.std(self, axis, keepdims, ddof)

    def logsumexp(self, axis=None, keepdims=False):
        """log Σ e^x over ``axis``, stable for any input."""
        return _ops.logsumexp(self, axis, keepdims)

    def softmax(self, axis=-1):
        """e^x / Σ e^x along ``axis``."""
        return _ops.softmax(self, axis)

    def log_softmax(self, axis=-1):
        """x - logsumexp(x) along ``axis``."""
        return _ops.log_softmax(self, axis)

    def reshape(self, *shape):
        """This tensor with a new shape: ``reshape(2, 3)`` or ``reshape((2, 3))``."""
        return _ops.reshape(self, *shape)

    def transpose(self, *axes):
        """This tensor with permuted axes: ``transpose(1, 0)``, ``transpose((1, 0))``; reversed."""
        return _ops.transpose(self, *axes)

    def flatten(self):
        """This tensor as 1-D."""
        return _ops.flatten(self)

    def squeeze(self, axis=None):
        """This tensor without size-1 axes (all, or ``axis``)."""
        return _ops.squeeze(self, axis)

    def expand_dims(self, axis):
        """This tensor with a size-1 axis inserted at ``axis``."""
        return _ops.expand_dims(self, axis)

    def broadcast_to(self, shape):
        """This tensor broadcast to ``shape``."""
        return _ops.broadcast_to(self, shape)

    # the rest of the NumPy surface, as methods: each the autograd function of the same name
    sin = cos = tan = arcsin = arccos = arctan = sinh = cosh = arcsinh = arccosh = arctanh = None
    exp2 = expm1 = log2 = log10 = log1p = cbrt = square = reciprocal = None
    floor = ceil = trunc = sign = round = isnan = isinf = isfinite = None
    prod = cumsum = cumprod = argmax = argmin = any = all = None
    swapaxes = ravel = repeat = diagonal = trace = dot = None


def bind(ops):
    """Give the methods their ops, and fill each placeholder above with its autograd function."""
    global _ops
    _ops = ops
    for name, value in list(vars(TensorMethods).items()):
        if value is None and not name.startswith("_"):
            setattr(TensorMethods, name, _method(getattr(ops, name)))


def _method(function):
    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = function.__name__
    method.__doc__ = function.__doc__
    return method
