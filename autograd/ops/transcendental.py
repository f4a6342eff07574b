"""Exponentials, logarithms, roots, trigonometric and hyperbolic functions, activations.

Most are declared compactly: a numpy ufunc and a one-line rule (``elementwise``). Rules call
numpy functions, which Tensors dispatch to their ops, so each rule is itself differentiable.
"""
import numpy as np

from .base import Op, apply, as_tensor, elementwise
from .helpers import value

__all__ = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "tan", "arcsin",
           "arccos", "arctan", "arctan2", "sinh", "cosh", "arcsinh", "arccosh", "arctanh",
           "exp2", "expm1", "log2", "log10", "log1p", "logaddexp", "cbrt", "square",
           "reciprocal", "hypot"]


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
    conforms = True  # g (the output's shape and dtype, which are x's) times a mask

    def forward(self, x):
        zero = _SCALAR_ZERO.get(type(x))
        if zero is not None:  # a 0-d input, as a numpy scalar: np.maximum costs 7x more on it
            return x if x > 0 or x != x else zero  # NaN stays NaN, -0.0 gives 0.0, as np.maximum
        return np.maximum(x, 0)

    def backward(self, g, x):
        return g * (value(x) > 0)


_SCALAR_ZERO = {np.float64: np.float64(0.0), np.float32: np.float32(0.0)}


def exp(x):
    """Elementwise e^x."""
    return apply(Exp(), as_tensor(x))


def log(x):
    """Elementwise natural logarithm."""
    return apply(Log(), as_tensor(x))


def sqrt(x):
    """Elementwise square root."""
    return apply(Sqrt(), as_tensor(x))


def tanh(x):
    """Elementwise hyperbolic tangent."""
    return apply(Tanh(), as_tensor(x))


def sigmoid(x):
    """Elementwise logistic function 1 / (1 + e^-x), stable for any x."""
    return apply(Sigmoid(), as_tensor(x))


def relu(x):
    """Elementwise max(x, 0)."""
    return apply(ReLU(), as_tensor(x))


_LN2, _LN10 = np.log(2.0), np.log(10.0)

# ---- declared compactly: name, forward, rule, math -------------------------------------------
sin = elementwise("sin", np.sin, lambda g, x: g * np.cos(x), "sin x;  dx = g cos x")
cos = elementwise("cos", np.cos, lambda g, x: -g * np.sin(x), "cos x;  dx = -g sin x")
tan = elementwise("tan", np.tan, lambda g, x, out: g * (1 + out * out),
                  "tan x;  dx = g (1 + tan² x)", saves_output=True)
arcsin = elementwise("arcsin", np.arcsin, lambda g, x: g / np.sqrt(1 - x * x),
                     "arcsin x;  dx = g / √(1 - x²)")
arccos = elementwise("arccos", np.arccos, lambda g, x: -g / np.sqrt(1 - x * x),
                     "arccos x;  dx = -g / √(1 - x²)")
arctan = elementwise("arctan", np.arctan, lambda g, x: g / (1 + x * x),
                     "arctan x;  dx = g / (1 + x²)")
arctan2 = elementwise("arctan2", np.arctan2,
                      lambda g, y, x: (g * x / (x * x + y * y), -g * y / (x * x + y * y)),
                      "arctan2(y, x);  dy = g x / (x² + y²), dx = -g y / (x² + y²)")
sinh = elementwise("sinh", np.sinh, lambda g, x: g * np.cosh(x), "sinh x;  dx = g cosh x")
cosh = elementwise("cosh", np.cosh, lambda g, x: g * np.sinh(x), "cosh x;  dx = g sinh x")
arcsinh = elementwise("arcsinh", np.arcsinh, lambda g, x: g / np.sqrt(x * x + 1),
                      "arcsinh x;  dx = g / √(x² + 1)")
arccosh = elementwise("arccosh", np.arccosh, lambda g, x: g / np.sqrt(x * x - 1),
                      "arccosh x;  dx = g / √(x² - 1)")
arctanh = elementwise("arctanh", np.arctanh, lambda g, x: g / (1 - x * x),
                      "arctanh x;  dx = g / (1 - x²)")
exp2 = elementwise("exp2", np.exp2, lambda g, x, out: g * out * _LN2,
                   "2^x;  dx = g 2^x ln 2", saves_output=True)
expm1 = elementwise("expm1", np.expm1, lambda g, x, out: g * (out + 1),
                    "e^x - 1;  dx = g e^x", saves_output=True)
log2 = elementwise("log2", np.log2, lambda g, x: g / (x * _LN2), "log₂ x;  dx = g / (x ln 2)")
log10 = elementwise("log10", np.log10, lambda g, x: g / (x * _LN10),
                    "log₁₀ x;  dx = g / (x ln 10)")
log1p = elementwise("log1p", np.log1p, lambda g, x: g / (1 + x), "log(1 + x);  dx = g / (1 + x)")
logaddexp = elementwise(
    "logaddexp", np.logaddexp,
    lambda g, x, y, out: (g * np.exp(x - out), g * np.exp(y - out)),
    "log(e^x + e^y);  dx = g e^(x - out), dy = g e^(y - out)", saves_output=True)
cbrt = elementwise("cbrt", np.cbrt, lambda g, x, out: g / (3 * out * out),
                   "∛x;  dx = g / (3 ∛x²)", saves_output=True)
square = elementwise("square", np.square, lambda g, x: 2 * g * x, "x²;  dx = 2 g x")
reciprocal = elementwise("reciprocal", np.reciprocal, lambda g, x, out: -g * out * out,
                         "1 / x;  dx = -g / x²", saves_output=True)
hypot = elementwise("hypot", np.hypot, lambda g, x, y, out: (g * x / out, g * y / out),
                    "√(x² + y²);  dx = g x / out, dy = g y / out", saves_output=True)
