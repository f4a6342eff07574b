"""Arithmetic: + - * / ** and their relatives, max/min, where, clip, abs, casts.

Broadcasting is undone by the engine, so rules work at the output's shape.
"""
import numpy as np

from ..tensor import Tensor
from .base import Op, apply, as_tensor, elementwise
from .helpers import log, value, where as _where

__all__ = ["add", "sub", "mul", "div", "neg", "pow", "abs", "clip", "maximum", "minimum",
           "where", "subtract", "multiply", "divide", "true_divide", "negative", "power",
           "absolute", "mod", "fmod", "remainder"]


class Add(Op):
    """x + y;  dx = g, dy = g."""
    __slots__ = ()
    name = "add"
    reads_inputs = False

    def forward(self, x, y):
        return x + y

    def backward(self, g, x, y):
        return g, g


class Sub(Op):
    """x - y;  dx = g, dy = -g."""
    __slots__ = ()
    name = "sub"
    reads_inputs = False

    def forward(self, x, y):
        return x - y

    def backward(self, g, x, y):
        return g, -g


class Mul(Op):
    """x * y;  dx = g y, dy = g x."""
    __slots__ = ()
    name = "mul"
    bilinear = True

    def forward(self, x, y):
        return x * y

    def backward(self, g, x, y):
        need_x, need_y = self.needs_input_grad
        return (g * y if need_x else None), (g * x if need_y else None)


class Div(Op):
    """x / y;  dx = g / y, dy = -g x / y²."""
    __slots__ = ()
    name = "div"

    def forward(self, x, y):
        return x / y

    def backward(self, g, x, y):
        gx = g / y
        return gx, (-gx * x / y if self.needs_input_grad[1] else None)


class Neg(Op):
    """-x;  dx = -g."""
    __slots__ = ()
    name = "neg"
    reads_inputs = False

    def forward(self, x):
        return -x

    def backward(self, g, x):
        return -g


class Pow(Op):
    """x ** y;  dx = g y x^(y-1), dy = g x^y log x (taken as 0 where x == 0)."""
    __slots__ = ()
    name = "pow"
    saves_output = True

    def forward(self, x, y):
        out = x ** y
        self.saved = out
        return out

    def backward(self, g, x, y):
        need_x, need_y = self.needs_input_grad
        gx = None
        if need_x:
            if type(y) in (int, float) and y != 0:  # the common case: a nonzero constant
                gx = g * y * x ** (y - 1)
            else:  # d/dx x^0 is 0 everywhere, also at x = 0 where 0 * 0^-1 would be NaN
                with np.errstate(divide="ignore", invalid="ignore"):
                    gx = g * _where((value(y) == 0) & (value(x) == 0), 0, y * x ** (y - 1))
        gy = None
        if need_y:
            # d/dy x^y = x^y log x; at x == 0 that is 0 for y >= 0 and -inf below (as PyTorch)
            with np.errstate(invalid="ignore", divide="ignore"):
                gy = g * _where((value(x) == 0) & (value(y) >= 0), 0, self.output(g) * log(x))
        return gx, gy


class Abs(Op):
    """|x|;  dx = g sign(x)."""
    __slots__ = ()
    name = "abs"

    def forward(self, x):
        return np.abs(x)

    def backward(self, g, x):
        return g * np.sign(value(x))


class Clip(Op):
    """clip(x, lo, hi);  dx = g [lo <= x <= hi] (either bound may be None)."""
    __slots__ = ("lo", "hi")
    name = "clip"

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return np.clip(x, self.lo, self.hi)

    def backward(self, g, x):
        x = value(x)
        inside = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return g * inside


class Maximum(Op):
    """max(x, y) elementwise;  the gradient goes to the larger input, split evenly on ties."""
    __slots__ = ()
    name = "maximum"

    def forward(self, x, y):
        return np.maximum(x, y)

    def backward(self, g, x, y):
        x, y = value(x), value(y)
        to_x = (x > y) + 0.5 * (x == y)
        return g * to_x, g * (1 - to_x)


class Minimum(Op):
    """min(x, y) elementwise;  the gradient goes to the smaller input, split evenly on ties."""
    __slots__ = ()
    name = "minimum"

    def forward(self, x, y):
        return np.minimum(x, y)

    def backward(self, g, x, y):
        x, y = value(x), value(y)
        to_x = (x < y) + 0.5 * (x == y)
        return g * to_x, g * (1 - to_x)


class Where(Op):
    """where(c, x, y) for a constant boolean c;  dx = where(c, g, 0), dy = where(c, 0, g)."""
    __slots__ = ("condition",)
    name = "where"
    reads_inputs = False

    def __init__(self, condition):
        self.condition = condition

    def forward(self, x, y):
        return np.where(self.condition, x, y)

    def backward(self, g, x, y):
        need_x, need_y = self.needs_input_grad
        return (_where(self.condition, g, 0) if need_x else None,
                _where(self.condition, 0, g) if need_y else None)


class Cast(Op):
    """x.astype(dtype);  dx = g, cast back to x's dtype by the engine."""
    __slots__ = ("dtype",)
    name = "cast"
    reads_inputs = False

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, g, x):
        return g


class Copy(Op):
    """a copy of x with its own memory;  dx = g."""
    __slots__ = ()
    name = "copy"
    reads_inputs = False

    def forward(self, x):
        return np.array(x)

    def backward(self, g, x):
        return g


def _binary(op_class, x, y):
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = Tensor(x)
    return apply(op_class(), x, y)


def add(x, y):
    """Elementwise x + y, broadcasting."""
    return _binary(Add, x, y)


def sub(x, y):
    """Elementwise x - y, broadcasting."""
    return _binary(Sub, x, y)


def mul(x, y):
    """Elementwise x * y, broadcasting."""
    return _binary(Mul, x, y)


def div(x, y):
    """Elementwise x / y (true division), broadcasting."""
    return _binary(Div, x, y)


def neg(x):
    """Elementwise -x."""
    return apply(Neg(), as_tensor(x))


def pow(x, y):
    """Elementwise x ** y, differentiable in both base and exponent."""
    return _binary(Pow, x, y)


def abs(x):
    """Elementwise |x|."""
    return apply(Abs(), as_tensor(x))


def clip(x, a_min=None, a_max=None):
    """x limited to [a_min, a_max] (either bound may be None); the gradient passes inside."""
    return apply(Clip(_bound(a_min), _bound(a_max)), as_tensor(x))


def _bound(b):
    if isinstance(b, Tensor):
        if b.requires_grad:
            raise TypeError("clip bounds must be constants; use maximum/minimum to "
                            "differentiate with respect to a bound")
        return b.data
    return b


subtract, multiply, divide, true_divide, negative, power, absolute = sub, mul, div, div, neg, \
    pow, abs

mod = elementwise("mod", np.mod, lambda g, x, y: (g, -g * np.floor(value(x) / value(y))),
                  "x mod y (the sign of y, as Python's %);  dx = g, dy = -g ⌊x / y⌋")
fmod = elementwise("fmod", np.fmod, lambda g, x, y: (g, -g * np.trunc(value(x) / value(y))),
                   "x mod y (the sign of x, as C's fmod);  dx = g, dy = -g trunc(x / y)")
remainder = mod


def maximum(x, y):
    """Elementwise maximum of tensors, numbers or arrays, broadcasting; ties split the gradient."""
    return _binary(Maximum, x, y)


def minimum(x, y):
    """Elementwise minimum of tensors, numbers or arrays, broadcasting; ties split the gradient."""
    return _binary(Minimum, x, y)


def where(condition, x=None, y=None):
    """``x`` where ``condition`` holds, else ``y`` (all three broadcast); condition is boolean.

    With the condition alone, the indices where it holds, as ``np.nonzero`` (no gradient).
    """
    if x is None and y is None:
        return np.nonzero(np.asarray(value(condition)))
    condition = np.asarray(value(condition))
    if condition.dtype != bool:
        raise TypeError(f"where() needs a boolean condition, got dtype {condition.dtype}")
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = Tensor(x)
    return apply(Where(condition), x, y)
