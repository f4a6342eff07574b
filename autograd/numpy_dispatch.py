"""NumPy functions on Tensors: one table from NumPy callables to autograd's functions.

``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` land here. A NumPy function with
an autograd counterpart runs that counterpart (a Tensor on the graph, as ``autograd.<name>``
would give); a function that cannot carry a gradient (``np.shape``, ``np.allclose``,
``np.argmax``...) runs on the arrays and returns what NumPy returns; anything else raises
TypeError, so a gradient is never dropped silently.
"""
import numpy as np

from . import ops
from .ops import arithmetic, linalg as linalg_ops

# np.<name> -> autograd.<name> for every public op whose name NumPy shares ...
DIFFERENTIABLE = {getattr(np, name): function for name, function in ops.PUBLIC.items()
                  if callable(getattr(np, name, None))}
# ... and NumPy's other spellings of the same functions
DIFFERENTIABLE.update({np.true_divide: ops.div, np.round: ops.round})
# np.linalg's functions, which the top namespace does not hold
DIFFERENTIABLE.update({getattr(np.linalg, name): getattr(linalg_ops, name)
                       for name in ("norm", "inv", "det", "slogdet", "solve")})

# functions of shapes, values or truth that return NumPy's own result
NON_DIFFERENTIABLE = {
    np.shape, np.ndim, np.size, np.result_type, np.allclose, np.isclose, np.array_equal,
    np.array_equiv, np.argmax, np.argmin, np.argsort, np.argwhere, np.nonzero, np.flatnonzero,
    np.count_nonzero, np.isnan, np.isinf, np.isfinite, np.isneginf, np.isposinf, np.isreal,
    np.iscomplex, np.iscomplexobj, np.isrealobj, np.array_repr, np.array_str, np.array2string,
    np.unique, np.searchsorted, np.histogram, np.bincount, np.digitize, np.may_share_memory,
    np.shares_memory, np.can_cast, np.min_scalar_type, np.sort, np.copyto,
}
NON_DIFFERENTIABLE.discard(np.copyto)  # writes into its first argument: refused below
for _numpy_result in NON_DIFFERENTIABLE:  # e.g. np.argmax(t) returns NumPy's own result
    DIFFERENTIABLE.pop(_numpy_result, None)
# the hot path: a ufunc called plainly on Tensors runs its op class directly (``a + t``)
OP_OF_UFUNC = {np.add: ops.Add, np.subtract: ops.Sub, np.multiply: ops.Mul, np.divide: ops.Div,
               np.power: ops.Pow, np.negative: ops.Neg, np.exp: ops.Exp, np.log: ops.Log,
               np.sqrt: ops.Sqrt, np.tanh: ops.Tanh, np.absolute: ops.Abs}
OP_OF_UFUNC.update({uf: fn.op for uf, fn in DIFFERENTIABLE.items()
                    if isinstance(uf, np.ufunc) and hasattr(fn, "op")})
OP_OF_UFUNC.update({np.maximum: arithmetic.Maximum, np.minimum: arithmetic.Minimum})
# ufuncs whose results are bool or integer: computed on the arrays, as Tensors that need no grad
CONSTANT_UFUNCS = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal,
                   np.not_equal, np.logical_and, np.logical_or, np.logical_xor, np.logical_not,
                   np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert, np.floor,
                   np.ceil, np.trunc, np.sign, np.floor_divide, np.rint}


def ufunc(uf, method, inputs, kwargs):
    """``np.<ufunc>(...)`` with a Tensor among the operands."""
    if method != "__call__":
        raise TypeError(
            f"np.{uf.__name__}.{method} on a Tensor would lose its gradient; npgrad supports "
            f"calling ufuncs directly (for np.add.at use indexing: t[index] gathers and its "
            f"gradient scatters, or t[index] = value assigns in place)")
    if "out" in kwargs:
        raise TypeError(f"np.{uf.__name__}(..., out=...) on a Tensor would write outside the "
                        f"graph; use the result, or t[...] = np.{uf.__name__}(...) to update t "
                        f"in place")
    if kwargs:
        raise TypeError(f"np.{uf.__name__} on a Tensor takes no keyword arguments "
                        f"(got {sorted(kwargs)})")
    if uf in (np.isnan, np.isinf, np.isfinite):
        return uf(*[_raw(x) for x in inputs])
    target = DIFFERENTIABLE.get(uf)
    if target is None and uf in CONSTANT_UFUNCS:
        from .tensor import Tensor
        return Tensor._result(np.asarray(uf(*[_raw(x) for x in inputs])), None)
    if target is None:
        raise TypeError(f"np.{uf.__name__} has no differentiable counterpart in npgrad; apply "
                        f"it to np.asarray(t) (outside the graph) or build it from autograd's "
                        f"ops")
    return target(*inputs)


def function(func, args, kwargs):
    """``np.<function>(...)`` with a Tensor among the arguments."""
    target = DIFFERENTIABLE.get(func)
    if target is not None:
        if "out" in kwargs and kwargs["out"] is not None:
            raise TypeError(f"np.{func.__name__}(..., out=...) on a Tensor would write "
                            f"outside the graph; use the result")
        kwargs = {k: v for k, v in kwargs.items() if k != "out"}
        return target(*args, **kwargs)
    if func in NON_DIFFERENTIABLE:
        return func(*_raw_all(args), **_raw_all(kwargs))
    raise TypeError(
        f"{_qualified(func)} is not supported on Tensors: it would drop the gradient. Use "
        f"np.asarray(t) or t.numpy() to leave the graph explicitly, or autograd's ops")


def _raw(x):
    from .tensor import Tensor
    return x.data if isinstance(x, Tensor) else x


def _raw_all(x):
    """Tensors inside (nested) arguments replaced by their arrays."""
    from .tensor import Tensor
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(_raw_all(v) for v in x)
    if isinstance(x, dict):
        return {k: _raw_all(v) for k, v in x.items()}
    return x


def _qualified(func):
    """``np.fft.fft`` rather than ``fft``, as the user wrote it."""
    module = (getattr(func, "__module__", None) or "numpy").replace("numpy", "np", 1)
    if module in ("np.core.multiarray", "np._core.multiarray", "np.core.fromnumeric",
                  "np._core.fromnumeric") or module.startswith(("np._core", "np.core", "np.lib")):
        module = "np"
    return f"{module}.{func.__name__}"
