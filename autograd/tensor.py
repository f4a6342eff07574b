"""Tensor: a numpy array that records the ops applied to it, for reverse-mode differentiation.

Every operator here is a one-line delegation to an op in ``autograd.ops`` (the methods of the
NumPy surface, ``t.exp()``, ``t.sum()``..., are inherited from ``autograd.tensor_methods``); the
gradient math lives there, the traversal in ``autograd.engine``.
"""
import operator

import numpy as np

from .tensor_methods import TensorMethods
from .versions import record_update

_NUMBER_KINDS = "fiub"  # float, int, unsigned, bool
_matmul = np.matmul


class Tensor(TensorMethods):
    """A numpy array with an optional gradient and the op that produced it.

    ``Tensor(data, requires_grad=False, dtype=None)``: Python numbers and lists become float64;
    numpy arrays keep their dtype and are shared, not copied. Only floating tensors can
    require grad.
    """
    # _updates is set by the first in-place update only, and _base (the tensor a view was taken
    # from, and the view's node) by view ops that record; both are read with getattr and a
    # default, so other results never pay for them (see autograd.inplace)
    __slots__ = ("data", "grad", "_requires_grad", "grad_fn", "_updates", "_base",
                 "__weakref__")

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if type(data) is np.ndarray and dtype is None:
            array = data  # what np.asarray returns for it (a batch wrapped each step)
        elif isinstance(data, np.ndarray) or isinstance(data, np.generic):
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
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def _set_requires_grad(self, flag):
        # only floating tensors can require grad, by any route (attribute, requires_grad_, init)
        if flag and self.data.dtype.kind != "f":
            raise TypeError(f"only floating tensors can require grad, got dtype {self.dtype}")
        self._requires_grad = bool(flag)

    # the engine reads the slot itself; the property's C getter keeps user reads cheap
    requires_grad = property(operator.attrgetter("_requires_grad"), _set_requires_grad,
                             doc="Whether gradients are computed for this tensor.")

    @staticmethod
    def _result(data, grad_fn):
        """An op's output: no validation, no copy (the hot path of every op)."""
        t = object.__new__(Tensor)
        t.data = data
        t.grad = None
        t.grad_fn = grad_fn
        t._requires_grad = grad_fn is not None
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
    # the data's own, read through C getters: no Python frame on reads that every layer makes
    shape = property(operator.attrgetter("data.shape"), doc="The data's shape, a tuple.")
    ndim = property(operator.attrgetter("data.ndim"), doc="The number of axes.")
    size = property(operator.attrgetter("data.size"), doc="The number of elements.")
    dtype = property(operator.attrgetter("data.dtype"), doc="The data's numpy dtype.")

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def T(self):
        return self.transpose()

    def numpy(self):
        """The data as a numpy array (shared, not copied): the explicit way out of the graph."""
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        """The data as nested Python lists."""
        return self.data.tolist()

    # NumPy functions on Tensors dispatch to autograd's ops (autograd.numpy_dispatch)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        op_class = _OP_OF_UFUNC.get(ufunc)
        if op_class is not None and method == "__call__" and not kwargs:
            # the common case, without a detour, and the inputs passed one by one: a call with
            # * runs the callee in an interpreter loop of its own (600 instructions a call)
            if len(inputs) == 1:
                return _apply(op_class(), inputs[0])
            x, y = inputs  # NumPy's differentiable ufuncs take one input or two
            return _apply(op_class(), x, y)
        if ufunc is _matmul and method == "__call__" and not kwargs:
            x, y = inputs
            return _ops.matmul(x, y)  # its shape check, not a bare op's
        return _dispatch.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        function = _DIFFERENTIABLE.get(func)
        if function is not None and "out" not in kwargs:
            return function(*args, **kwargs)
        return _dispatch.function(func, args, kwargs)

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

    def __format__(self, spec):
        if self.data.size == 1 and spec:
            return format(self.data.item(), spec)
        return format(str(self), spec)

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
        """Make this leaf require grad (or not); only floating tensors can. Returns self."""
        if not flag and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be turned off on a leaf; use detach()")
        self.requires_grad = bool(flag)
        return self

    def copy(self):
        """A differentiable copy with its own memory."""
        return _ops.apply(_ops.Copy(), self)

    # ---- in-place operators and item assignment (PyTorch's semantics; autograd.inplace) ----
    def __setitem__(self, index, value):
        _inplace.assign(self, index, value)

    def __iadd__(self, other):
        return _inplace.update(self, _ops.add, other, np.add, reads_self=False)

    def __isub__(self, other):
        return _inplace.update(self, _ops.sub, other, np.subtract, reads_self=False)

    def __imul__(self, other):
        return _inplace.update(self, _ops.mul, other, np.multiply, reads_self=True)

    def __itruediv__(self, other):
        return _inplace.update(self, _ops.div, other, np.true_divide, reads_self=True)

    # ---- operators ----------------------------------------------------------------------
    def __add__(self, other):
        return _apply(_ops.Add(), self, other)

    def __radd__(self, other):
        return _apply(_ops.Add(), other, self)

    def __sub__(self, other):
        return _apply(_ops.Sub(), self, other)

    def __rsub__(self, other):
        return _apply(_ops.Sub(), other, self)

    def __mul__(self, other):
        return _apply(_ops.Mul(), self, other)

    def __rmul__(self, other):
        return _apply(_ops.Mul(), other, self)

    def __truediv__(self, other):
        return _apply(_ops.Div(), self, other)

    def __rtruediv__(self, other):
        return _apply(_ops.Div(), other, self)

    def __pow__(self, other):
        return _apply(_ops.Pow(), self, other)

    def __rpow__(self, other):
        return _apply(_ops.Pow(), other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _apply(_ops.Neg(), self)

    def __pos__(self):
        return self

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        return _ops.mod(self, other)

    def __rmod__(self, other):
        return _ops.mod(other, self)

    def __abs__(self):
        return _ops.apply(_ops.Abs(), self)

    def __round__(self, ndigits=None):
        return _ops.round(self, 0 if ndigits is None else ndigits)

    def __invert__(self):
        return _ops.invert(self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

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


def _compare(ufunc, x, other):
    return Tensor._result(ufunc(x.data, other.data if isinstance(other, Tensor) else other), None)


from . import ops as _ops  # noqa: E402  (the ops import Tensor from this module)
from . import tensor_methods as _tensor_methods  # noqa: E402
from .ops.base import apply as _apply  # noqa: E402
from . import engine as _engine  # noqa: E402
from . import inplace as _inplace  # noqa: E402
from . import numpy_dispatch as _dispatch  # noqa: E402
from .numpy_dispatch import DIFFERENTIABLE as _DIFFERENTIABLE  # noqa: E402
from .numpy_dispatch import OP_OF_UFUNC as _OP_OF_UFUNC  # noqa: E402

_tensor_methods.bind(_ops)
