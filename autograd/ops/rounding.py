"""Functions whose gradient is zero or undefined: rounding, sign, predicates, comparisons, logic.

They are not ops: each computes its numpy counterpart on the data and returns a Tensor that
never requires grad (as NumPy, the result's dtype is the input's for rounding, bool for
predicates and comparisons, integer for ``floor_divide`` of integers).
"""
import numpy as np

from ..tensor import Tensor

__all__ = ["floor", "ceil", "trunc", "sign", "round", "around", "floor_divide", "isnan",
           "isinf", "isfinite", "less", "less_equal", "greater", "greater_equal", "equal",
           "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "invert"]


def constant(fn, name, doc):
    """A function applying ``fn`` to the data of its arguments, returning a constant Tensor."""
    def function(*args, **kwargs):
        out = fn(*[a.data if isinstance(a, Tensor) else a for a in args], **kwargs)
        return Tensor._result(np.asarray(out), None)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc + " Its result never requires grad."
    return function


floor = constant(np.floor, "floor", "Elementwise ⌊x⌋.")
ceil = constant(np.ceil, "ceil", "Elementwise ⌈x⌉.")
trunc = constant(np.trunc, "trunc", "Elementwise x rounded towards zero.")
sign = constant(np.sign, "sign", "Elementwise sign of x: -1, 0 or 1.")
floor_divide = constant(np.floor_divide, "floor_divide", "Elementwise ⌊x / y⌋, as Python's //.")
isnan = constant(np.isnan, "isnan", "Elementwise test for NaN.")
isinf = constant(np.isinf, "isinf", "Elementwise test for ±inf.")
isfinite = constant(np.isfinite, "isfinite", "Elementwise test for finite values.")
less = constant(np.less, "less", "Elementwise x < y.")
less_equal = constant(np.less_equal, "less_equal", "Elementwise x <= y.")
greater = constant(np.greater, "greater", "Elementwise x > y.")
greater_equal = constant(np.greater_equal, "greater_equal", "Elementwise x >= y.")
equal = constant(np.equal, "equal", "Elementwise x == y.")
not_equal = constant(np.not_equal, "not_equal", "Elementwise x != y.")
logical_and = constant(np.logical_and, "logical_and", "Elementwise x and y.")
logical_or = constant(np.logical_or, "logical_or", "Elementwise x or y.")
logical_xor = constant(np.logical_xor, "logical_xor", "Elementwise x xor y.")
logical_not = constant(np.logical_not, "logical_not", "Elementwise not x.")
bitwise_and = constant(np.bitwise_and, "bitwise_and", "Elementwise x & y (bool or integer).")
bitwise_or = constant(np.bitwise_or, "bitwise_or", "Elementwise x | y (bool or integer).")
bitwise_xor = constant(np.bitwise_xor, "bitwise_xor", "Elementwise x ^ y (bool or integer).")
invert = constant(np.invert, "invert", "Elementwise ~x (bool or integer).")


def round(x, decimals=0):
    """x rounded to ``decimals`` places, halves to even (as NumPy). Never requires grad."""
    return Tensor._result(np.asarray(np.round(x.data if isinstance(x, Tensor) else x,
                                              decimals)), None)


around = round
