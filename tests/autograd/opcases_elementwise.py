"""Gradcheck cases for the NumPy surface's elementwise, reduction, cumulative and in-place ops."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from autograd import Tensor

from .opcases import Case, binary, leaf, unary
from .strategies import (arrays, axes, basic_indices, distinct_arrays, indices, nonzero_arrays,
                         positive_arrays, shapes)


def within(lo, hi):
    return lambda shape: arrays(shape, lo, hi)


def sampled(*values):
    """Arrays of the given values only: zeros for prod, denominators away from a kink."""
    return lambda shape: hnp.arrays(np.float64, shape, elements=st.sampled_from(values))


# numerators on a grid that no multiple of the denominators below ever meets (mod's jumps)
off_grid = sampled(-1.95, -1.15, -0.35, 0.05, 0.45, 1.25, 1.65)
denominators = sampled(-0.7, 0.3, 0.7, 1.3)


def reduction_of(function, values):
    """A reduction called as a function, autograd.prod(x, axis, keepdims)."""
    def case(data):
        shape = data.draw(shapes(), label="shape")
        axis = data.draw(axes(len(shape)), label="axis")
        keepdims = data.draw(st.booleans(), label="keepdims")
        x = leaf(data.draw(values(shape)))
        return Case(lambda x: function(x, axis=axis, keepdims=keepdims), [x])
    return case


def cumulative(function, values):
    def case(data):
        shape = data.draw(shapes(), label="shape")
        axis = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))
                                         if shape else [None, 0, -1]), label="axis")
        x = leaf(data.draw(values(shape)))
        return Case(lambda x: function(x, axis=axis), [x])
    return case


def setitem_case(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    index = data.draw(indices(shape), label="index")
    written = np.zeros(shape)[index].shape
    cut = data.draw(st.integers(0, len(written)), label="value rank")
    x = leaf(data.draw(arrays(shape)))
    v = leaf(data.draw(arrays(written[cut:])))

    def fn(x, v):
        y = x * 1.0  # a non-leaf: the history that the assignment rewrites
        y[index] = v
        return y
    return Case(fn, [x, v])


def view_write_case(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    index = data.draw(basic_indices(shape), label="view")
    x = leaf(data.draw(arrays(shape)))
    v = leaf(data.draw(arrays(np.zeros(shape)[index].shape)))

    def fn(x, v):
        base = x * 1.0
        view = base[index]
        view *= v  # written through the view: the base's history is rewritten too
        return base
    return Case(fn, [x, v])


def std_case(data):
    # every reduced slice holds two or more distinct values: std is differentiable there
    shape = data.draw(shapes(min_dims=1, min_side=2), label="shape")
    axis = data.draw(axes(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    ddof = data.draw(st.integers(0, 1), label="ddof")
    x = leaf(data.draw(distinct_arrays(shape)))
    return Case(lambda x: x.std(axis=axis, keepdims=keepdims, ddof=ddof), [x])


CASES = {
    "sin": unary(autograd.sin),
    "cos": unary(autograd.cos),
    "tan": unary(autograd.tan, within(-1.2, 1.2)),
    "arcsin": unary(autograd.arcsin, within(-0.9, 0.9)),
    "arccos": unary(autograd.arccos, within(-0.9, 0.9)),
    "arctan": unary(autograd.arctan),
    "arctan2": binary(autograd.arctan2, arrays, positive_arrays),  # off the branch cut
    "sinh": unary(autograd.sinh),
    "cosh": unary(autograd.cosh),
    "arcsinh": unary(autograd.arcsinh),
    "arccosh": unary(autograd.arccosh, within(1.2, 3.0)),
    "arctanh": unary(autograd.arctanh, within(-0.9, 0.9)),
    "exp2": unary(autograd.exp2),
    "expm1": unary(autograd.expm1),
    "log2": unary(autograd.log2, positive_arrays),
    "log10": unary(autograd.log10, positive_arrays),
    "log1p": unary(autograd.log1p, within(-0.5, 2.0)),
    "logaddexp": binary(autograd.logaddexp, arrays, arrays),
    "cbrt": unary(autograd.cbrt, lambda s: nonzero_arrays(s, lo=0.3)),
    "square": unary(autograd.square),
    "reciprocal": unary(autograd.reciprocal, nonzero_arrays),
    "hypot": binary(autograd.hypot, nonzero_arrays, nonzero_arrays),
    "mod": binary(autograd.mod, off_grid, denominators),
    "fmod": binary(autograd.fmod, off_grid, denominators),
    "copy": unary(Tensor.copy),
    "prod": reduction_of(autograd.prod, sampled(0.0, 0.5, -1.5, 2.0)),  # zeros: one, several
    "cumsum": cumulative(autograd.cumsum, arrays),
    "cumprod": cumulative(autograd.cumprod, sampled(0.0, 0.5, -1.5, 2.0)),
    "setitem": setitem_case,
    "view_write": view_write_case,
    # composites
    "std": std_case,
}
