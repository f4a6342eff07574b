"""Creating tensors, under NumPy's names and signatures, with ``dtype=`` and ``requires_grad=``."""
import numpy as np

from .tensor import Tensor

__all__ = ["zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "arange", "linspace",
           "eye"]


def _tensor(array, requires_grad):
    return Tensor(array, requires_grad=requires_grad)


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def zeros(shape, dtype=None, requires_grad=False):
    """A tensor of ``shape`` filled with 0 (float64 unless ``dtype`` says otherwise)."""
    return _tensor(np.zeros(shape, dtype=dtype), requires_grad)


def ones(shape, dtype=None, requires_grad=False):
    """A tensor of ``shape`` filled with 1."""
    return _tensor(np.ones(shape, dtype=dtype), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    """A tensor of ``shape`` filled with ``fill_value`` (NumPy's dtype rules)."""
    return _tensor(np.full(shape, _data(fill_value), dtype=dtype), requires_grad)


def zeros_like(x, dtype=None, requires_grad=False):
    """Zeros of ``x``'s shape and dtype (a new leaf, not on x's graph)."""
    return _tensor(np.zeros_like(_data(x), dtype=dtype), requires_grad)


def ones_like(x, dtype=None, requires_grad=False):
    """Ones of ``x``'s shape and dtype (a new leaf)."""
    return _tensor(np.ones_like(_data(x), dtype=dtype), requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False):
    """``fill_value`` in ``x``'s shape and dtype (a new leaf)."""
    return _tensor(np.full_like(_data(x), _data(fill_value), dtype=dtype), requires_grad)


def arange(start, stop=None, step=None, dtype=None, requires_grad=False):
    """Evenly spaced values in [start, stop), as ``np.arange`` (integers give an int tensor)."""
    args = [a for a in (start, stop, step) if a is not None]
    return _tensor(np.arange(*args, dtype=dtype), requires_grad)


def linspace(start, stop, num=50, endpoint=True, dtype=None, requires_grad=False):
    """``num`` evenly spaced values from start to stop, as ``np.linspace``."""
    return _tensor(np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype), requires_grad)


def eye(N, M=None, k=0, dtype=None, requires_grad=False):
    """A 2-D tensor with ones on the k-th diagonal, as ``np.eye``."""
    return _tensor(np.eye(N, M, k, dtype=dtype or float), requires_grad)
