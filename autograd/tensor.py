"""Tensor: a numpy array that records the ops applied to it, for reverse-mode differentiation.

Every operator and method here is a one-line delegation to an op in ``autograd.ops``; the
gradient math lives there, the traversal in ``autograd.engine``.
"""
import numpy as np

from .grad_mode import is_grad_enabled
from .versions import record_update

_NUMBER_KINDS = "fiub"  # float, int, unsigned, bool


class Tensor:
    """A numpy array with an optional gradient and the op that produced it.

    ``Tensor(data, requires_grad=False, dtype=None)``: Python numbers and lists become float64;
    numpy arrays keep their dtype and are shared, not copied. Only floating tensors can
    require grad.
    """
    # _updates is set by the first in-place update only (read with getattr and a default,
    # so op results never pay for it)
    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_updates", "__weakref__")
    __array_ufunc__ = None  # ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if isinstance(data, np.ndarray) or isinstance(data, np.generic):
            array = np.asarray(data, dtype=dtype)
        elif isinstance(data, (bool, int, float, list, tuple)):
            array = np.asarray(data, dtype=np.float64 if dtype is None else dtype)
        else:
            raise TypeError(f"Tensor data must be a number, list, numpy array or Tensor, "
                            f"not {type(data).__name__}")
        if array.dtype.kind not in _NUMBER_KINDS:
            raise TypeError(f"Tensor data must be numeric, got dtype {array.dtype}")
        self.data = array
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _result(data, grad_fn):
        """An op's output: no validation, no copy (the hot path of every op)."""
        t = object.__new__(Tensor)
        t.data = data
        t.grad = None
        t.grad_fn = grad_fn
        t.requires_grad = grad_fn is not None
        return t

    @property
    def _version(self):
        """How many in-place updates this tensor has had."""
        return getattr(self, "_updates", 0)

    @_version.setter
    def _version(self, count):
        # bumped after every in-place update of .data; see autograd.versions for the check
        self._updates = count
        record_update(self.data)

    # ---- attributes -------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def T(self):
        return self.transpose()

    def numpy(self):
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return np.asarray(self.data, dtype=dtype)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    __hash__ = object.__hash__  # hashable by identity although == is elementwise

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn={self.grad_fn.name}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    # ---- graph --------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=False):
        """Accumulate d self / d leaf into the ``.grad`` of every leaf that requires grad."""
        _engine.backward(self, gradient, retain_graph)

    def detach(self):
        """Same data, no history; an in-place update of either is seen by the other's graph."""
        return Tensor._result(self.data, None)

    def requires_grad_(self, flag=True):
        if flag and self.data.dtype.kind != "f":
            raise TypeError(f"only floating tensors can require grad, got dtype {self.dtype}")
        if not flag and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be turned off on a leaf; use detach()")
        self.requires_grad = bool(flag)
        return self

    # ---- in-place operators -------------------------------------------------------------
    def _inplace(self, ufunc, op, other):
        if is_grad_enabled():
            if self.requires_grad and self.grad_fn is None:
                raise RuntimeError(
                    f"a leaf tensor of shape {self.shape} that requires grad cannot be updated "
                    f"in place while gradients are recorded; wrap the update in no_grad()")
            if self.grad_fn is not None or getattr(other, "requires_grad", False):
                # history is involved: rebind the name to a new node instead of rewriting the past
                return op(self, other)
        ufunc(self.data, other.data if isinstance(other, Tensor) else other, out=self.data)
        self._version += 1
        return self

    def __iadd__(self, other):
        return self._inplace(np.add, _ops.add, other)

    def __isub__(self, other):
        return self._inplace(np.subtract, _ops.sub, other)

    def __imul__(self, other):
        return self._inplace(np.multiply, _ops.mul, other)

    def __itruediv__(self, other):
        return self._inplace(np.true_divide, _ops.div, other)

    # ---- operators ----------------------------------------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    # comparisons give constant boolean tensors
    def __lt__(self, other):
        return _compare(np.less, self, other)

    def __le__(self, other):
        return _compare(np.less_equal, self, other)

    def __gt__(self, other):
        return _compare(np.greater, self, other)

    def __ge__(self, other):
        return _compare(np.greater_equal, self, other)

    def __eq__(self, other):
        return _compare(np.equal, self, other)

    def __ne__(self, other):
        return _compare(np.not_equal, self, other)

    # ---- methods ------------------------------------------------------------------------
    def exp(self):
        return _ops.apply(_ops.Exp(), self)

    def log(self):
        return _ops.apply(_ops.Log(), self)

    def sqrt(self):
        return _ops.apply(_ops.Sqrt(), self)

    def abs(self):
        return _ops.apply(_ops.Abs(), self)

    def tanh(self):
        return _ops.apply(_ops.Tanh(), self)

    def sigmoid(self):
        return _ops.apply(_ops.Sigmoid(), self)

    def relu(self):
        return _ops.apply(_ops.ReLU(), self)

    def clip(self, lo=None, hi=None):
        return _ops.apply(_ops.Clip(lo, hi), self)

    def astype(self, dtype):
        dtype = np.dtype(dtype)
        return self if dtype == self.dtype else _ops.apply(_ops.Cast(dtype), self)

    def sum(self, axis=None, keepdims=False):
        return _ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return _ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return _ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return _ops.min(self, axis, keepdims)

    def var(self, axis=None, keepdims=False, ddof=0):
        return _ops.var(self, axis, keepdims, ddof)

    def logsumexp(self, axis=None, keepdims=False):
        return _ops.logsumexp(self, axis, keepdims)

    def softmax(self, axis=-1):
        return _ops.softmax(self, axis)

    def log_softmax(self, axis=-1):
        return _ops.log_softmax(self, axis)

    def reshape(self, *shape):
        return _ops.reshape(self, *shape)

    def transpose(self, *axes):
        return _ops.transpose(self, *axes)

    def flatten(self):
        return _ops.flatten(self)

    def squeeze(self, axis=None):
        return _ops.squeeze(self, axis)

    def expand_dims(self, axis):
        return _ops.expand_dims(self, axis)

    def broadcast_to(self, shape):
        return _ops.broadcast_to(self, shape)


def _compare(ufunc, x, other):
    return Tensor._result(ufunc(x.data, other.data if isinstance(other, Tensor) else other), None)


from . import ops as _ops  # noqa: E402  (the ops import Tensor from this module)
from . import engine as _engine  # noqa: E402
