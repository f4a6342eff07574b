"""Elementwise ops. Broadcasting is undone by the engine, so rules work at the output's shape."""
import numpy as np

from .base import Op, apply
from .helpers import log, value, where as _where


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
            safe_x = _where(value(x) == 0, 1, x)
            with np.errstate(invalid="ignore", divide="ignore"):
                gy = g * self.output(g) * log(safe_x)
        return gx, gy


class Exp(Op):
    """e^x;  dx = g e^x."""
    __slots__ = ()
    name = "exp"
    saves_output = True

    def forward(self, x):
        self.saved = out = np.exp(x)
        return out

    def backward(self, g, x):
        return g * self.output(g)


class Log(Op):
    """log x;  dx = g / x."""
    __slots__ = ()
    name = "log"

    def forward(self, x):
        return np.log(x)

    def backward(self, g, x):
        return g / x


class Sqrt(Op):
    """√x;  dx = g / (2 √x)."""
    __slots__ = ()
    name = "sqrt"
    saves_output = True

    def forward(self, x):
        self.saved = out = np.sqrt(x)
        return out

    def backward(self, g, x):
        return g / (2 * self.output(g))


class Abs(Op):
    """|x|;  dx = g sign(x)."""
    __slots__ = ()
    name = "abs"

    def forward(self, x):
        return np.abs(x)

    def backward(self, g, x):
        return g * np.sign(value(x))


class Tanh(Op):
    """tanh x;  dx = g (1 - tanh² x)."""
    __slots__ = ()
    name = "tanh"
    saves_output = True

    def forward(self, x):
        self.saved = out = np.tanh(x)
        return out

    def backward(self, g, x):
        out = self.output(g)
        return g * (1 - out * out)


class Sigmoid(Op):
    """σ(x) = 1 / (1 + e^-x);  dx = g σ (1 - σ).

    Computed from z = e^-|x|, which never overflows: 1 / (1 + z) for x >= 0, z / (1 + z) below,
    so tiny values keep their relative precision.
    """
    __slots__ = ()
    name = "sigmoid"
    saves_output = True

    def forward(self, x):
        z = np.exp(-np.abs(x))
        d = 1 / (1 + z)
        self.saved = out = np.where(x >= 0, d, z * d)
        return out

    def backward(self, g, x):
        out = self.output(g)
        return g * out * (1 - out)


class ReLU(Op):
    """max(x, 0);  dx = g [x > 0]."""
    __slots__ = ()
    name = "relu"

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, g, x):
        return g * (value(x) > 0)


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


def add(x, y):
    return apply(Add(), x, y)


def sub(x, y):
    return apply(Sub(), x, y)


def mul(x, y):
    return apply(Mul(), x, y)


def div(x, y):
    return apply(Div(), x, y)


def neg(x):
    return apply(Neg(), x)


def pow(x, y):
    return apply(Pow(), x, y)


def maximum(x, y):
    """Elementwise maximum of two tensors (or numbers/arrays), broadcasting; ties split the gradient."""
    return apply(Maximum(), x, y)


def minimum(x, y):
    """Elementwise minimum of two tensors (or numbers/arrays), broadcasting; ties split the gradient."""
    return apply(Minimum(), x, y)


def where(condition, x, y):
    """``x`` where ``condition`` holds, else ``y`` (all three broadcast); condition is boolean."""
    condition = np.asarray(value(condition))
    if condition.dtype != bool:
        raise TypeError(f"where() needs a boolean condition, got dtype {condition.dtype}")
    return apply(Where(condition), x, y)
