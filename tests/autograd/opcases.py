"""Gradcheck cases: for each op name, a function that draws one case from hypothesis data.

A case is the function to check and its input leaves. ``OP_CASES`` holds the first round's
ops (and composites built from them); each family of later ops keeps its cases in a module
``opcases_<family>.py`` beside this one, as a dict named ``CASES``. ``test_ops_gradcheck``
gathers them all.
"""
import operator
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor, concatenate, maximum, minimum, stack, where
from autograd.ops import Untake, apply

from .strategies import (arrays, axes, broadcastable_shapes, distinct_arrays, grid_arrays,
                         indices, matmul_shapes, nonzero_arrays, positive_arrays, shapes)


@dataclass
class Case:
    fn: object
    inputs: list  # the leaves that gradcheck differentiates; constants live in ``fn``
    tolerances: dict = field(default_factory=dict)
    second_order_tolerances: dict = field(default_factory=dict)


def leaf(array):
    return Tensor(array, requires_grad=True)


# ---- case builders ------------------------------------------------------------------------

# Which side is a Tensor requiring grad, and what the other side is: a Python number, an
# ndarray, or a Tensor that needs no gradient. Both orders, so reflected operators run too.
OPERAND_KINDS = [
    ("tensor", "tensor"), ("tensor", "number"), ("number", "tensor"),
    ("tensor", "ndarray"), ("ndarray", "tensor"), ("tensor", "constant"), ("constant", "tensor"),
]


def _operands(data, kinds, shapes_, value_strategies):
    """Draw operands; a ``None`` placeholder marks a leaf, filled from ``fn``'s arguments."""
    operands, inputs = [], []
    for kind, shape, values in zip(kinds, shapes_, value_strategies):
        if kind == "number":
            operands.append(float(data.draw(values(()))))
            continue
        array = data.draw(values(shape))
        if kind == "tensor":
            operands.append(None)
            inputs.append(leaf(array))
        elif kind == "ndarray":
            operands.append(array)
        else:
            operands.append(Tensor(array))
    return operands, inputs


def _fill(operands, xs):
    leaves = iter(xs)
    return [next(leaves) if o is None else o for o in operands]


def binary(op, left, right):
    def case(data):
        shape_a, shape_b = data.draw(broadcastable_shapes(), label="shapes")
        kinds = data.draw(st.sampled_from(OPERAND_KINDS), label="operand kinds")
        operands, inputs = _operands(data, kinds, (shape_a, shape_b), (left, right))
        return Case(lambda *xs: op(*_fill(operands, xs)), inputs)
    return case


def unary(method, values=arrays):
    def case(data):
        x = leaf(data.draw(values(data.draw(shapes(), label="shape"))))
        return Case(method, [x])
    return case


def reduction(method, values=arrays):
    def case(data):
        shape = data.draw(shapes(), label="shape")
        axis = data.draw(axes(len(shape)), label="axis")
        keepdims = data.draw(st.booleans(), label="keepdims")
        x = leaf(data.draw(values(shape)))
        return Case(lambda x: getattr(x, method)(axis=axis, keepdims=keepdims), [x])
    return case


def clip_case(data):
    # x on a grid offset by 0.1 from the grid of the bounds: never within 0.1 of a corner
    x = leaf(data.draw(grid_arrays(data.draw(shapes()), offset=0.1)))
    lo, hi = sorted(data.draw(st.lists(st.integers(-8, 8), min_size=2, max_size=2, unique=True)))
    lo, hi = data.draw(st.sampled_from([(lo, hi), (lo, None), (None, hi)]), label="bounds")
    lo = None if lo is None else 0.2 * lo
    hi = None if hi is None else 0.2 * hi
    return Case(lambda x: x.clip(lo, hi), [x])


def where_case(data):
    cond_shape, shape_x, shape_y = data.draw(broadcastable_shapes(3), label="shapes")
    condition = data.draw(hnp.arrays(np.bool_, cond_shape), label="condition")
    as_tensor = data.draw(st.booleans(), label="condition is a Tensor")
    kinds = data.draw(st.sampled_from(OPERAND_KINDS), label="operand kinds")
    operands, inputs = _operands(data, kinds, (shape_x, shape_y), (arrays, arrays))
    cond = Tensor(condition) if as_tensor else condition
    return Case(lambda *xs: where(cond, *_fill(operands, xs)), inputs)


def cast_case(data):
    # float32 -> float64; centred differences of a quadratic are exact, so a coarse step
    # (needed in float32) loses nothing
    x = leaf(data.draw(positive_arrays(data.draw(shapes()))).astype(np.float32))
    return Case(lambda x: x.astype(np.float64) ** 2, [x],
                tolerances=dict(eps=1e-2),
                second_order_tolerances=dict(eps=1e-3, atol=1e-2, rtol=1e-2))


def broadcast_to_case(data):
    shape, other = data.draw(broadcastable_shapes(), label="shapes")
    target = np.broadcast_shapes(shape, other)
    x = leaf(data.draw(arrays(shape)))
    return Case(lambda x: x.broadcast_to(target), [x])


def concatenate_case(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3), label="sizes")
    kinds = ["tensor"] + data.draw(st.lists(st.sampled_from(["tensor", "constant", "ndarray"]),
                                            min_size=len(sizes) - 1, max_size=len(sizes) - 1))
    parts = []
    for n in sizes:
        part_shape = list(shape)
        part_shape[axis] = n
        parts.append(tuple(part_shape))
    operands, inputs = _operands(data, kinds, parts, [arrays] * len(parts))
    return Case(lambda *xs: concatenate(_fill(operands, xs), axis=axis), inputs)


def reshape_case(data):
    shape = data.draw(shapes(), label="shape")
    size = int(np.prod(shape))
    target = data.draw(st.sampled_from([(size,), (-1,), (1, size), (size, 1), shape[::-1],
                                        (1,) + shape + (1,)]), label="target")
    target = tuple(target)
    if target and data.draw(st.booleans(), label="one dim as -1"):
        i = data.draw(st.integers(0, len(target) - 1))
        target = target[:i] + (-1,) + target[i + 1:]
    as_tuple = data.draw(st.booleans(), label="tuple form")
    x = leaf(data.draw(arrays(shape)))
    return Case(lambda x: x.reshape(target) if as_tuple else x.reshape(*target), [x])


def transpose_case(data):
    shape = data.draw(shapes(), label="shape")
    ndim = len(shape)
    perm = data.draw(st.permutations(range(ndim)), label="permutation")
    perm = tuple(a - ndim if data.draw(st.booleans()) else a for a in perm)
    form = data.draw(st.sampled_from(["varargs", "tuple", "reverse", "T"]), label="form")
    calls = {
        "varargs": lambda x: x.transpose(*perm),
        "tuple": lambda x: x.transpose(perm),
        "reverse": lambda x: x.transpose(),
        "T": lambda x: x.T,
    }
    return Case(calls[form], [leaf(data.draw(arrays(shape)))])


def _index_argument(data, index):
    """Sometimes pass integer arrays as lists and masks as bool Tensors, as users do."""
    if isinstance(index, np.ndarray):
        if index.dtype == bool and data.draw(st.booleans(), label="mask as Tensor"):
            return Tensor(index)
        if index.dtype != bool and data.draw(st.booleans(), label="array as list"):
            return index.tolist()
    return index


def getitem_case(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    index = data.draw(indices(shape), label="index")
    if isinstance(index, tuple) and len(index) == 1:
        index = _index_argument(data, index[0])
    else:
        index = _index_argument(data, index)
    return Case(lambda x: x[index], [leaf(data.draw(arrays(shape)))])


def untake_case(data):
    # untake is the transpose of getitem (its backward); reached here directly
    shape = data.draw(shapes(min_dims=1), label="shape")
    index = data.draw(indices(shape), label="index")
    g = leaf(data.draw(arrays(np.zeros(shape)[index].shape)))
    return Case(lambda g: apply(Untake(index, shape), g), [g])


def matmul_case(data):
    shape_a, shape_b = data.draw(matmul_shapes(), label="shapes")
    kinds = data.draw(st.sampled_from([("tensor", "tensor"), ("ndarray", "tensor"),
                                       ("tensor", "ndarray"), ("constant", "tensor")]))
    operands, inputs = _operands(data, kinds, (shape_a, shape_b), (arrays, arrays))
    return Case(lambda *xs: operator.matmul(*_fill(operands, xs)), inputs)


def softmax_family(method):
    def case(data):
        shape = data.draw(shapes(min_dims=1), label="shape")
        axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
        x = leaf(data.draw(arrays(shape, -4.0, 4.0)))
        return Case(lambda x: getattr(x, method)(axis=axis), [x])
    return case


def var_case(data):
    shape = data.draw(shapes(), label="shape")
    axis = data.draw(axes(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    kept = [shape[a] for a in range(len(shape))] if axis is None else (
        [shape[axis]] if isinstance(axis, int) else [shape[a] for a in axis])
    n = int(np.prod(kept))
    ddof = data.draw(st.integers(0, max(0, min(2, n - 1))), label="ddof")
    x = leaf(data.draw(arrays(shape)))
    return Case(lambda x: x.var(axis=axis, keepdims=keepdims, ddof=ddof), [x])


def stack_case(data):
    shape = data.draw(shapes(max_dims=2), label="shape")
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    count = data.draw(st.integers(1, 3), label="count")
    xs = [leaf(data.draw(arrays(shape))) for _ in range(count)]
    return Case(lambda *xs: stack(list(xs), axis=axis), xs)


def squeeze_case(data):
    shape = data.draw(shapes(max_side=2), label="shape")
    ones = [i for i, n in enumerate(shape) if n == 1]
    choices = [None] + ones + [i - len(shape) for i in ones]
    if ones:
        choices.append(tuple(ones))
    axis = data.draw(st.sampled_from(choices), label="axis")
    return Case(lambda x: x.squeeze(axis), [leaf(data.draw(arrays(shape)))])


def expand_dims_case(data):
    shape = data.draw(shapes(), label="shape")
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    return Case(lambda x: x.expand_dims(axis), [leaf(data.draw(arrays(shape)))])


OP_CASES = {
    # elementwise
    "add": binary(operator.add, arrays, arrays),
    "sub": binary(operator.sub, arrays, arrays),
    "mul": binary(operator.mul, arrays, arrays),
    "div": binary(operator.truediv, arrays, nonzero_arrays),
    "pow": binary(operator.pow, positive_arrays, arrays),  # base > 0: differentiable in both
    "neg": unary(operator.neg),
    "exp": unary(Tensor.exp),
    "log": unary(Tensor.log, positive_arrays),
    "sqrt": unary(Tensor.sqrt, positive_arrays),
    "abs": unary(Tensor.abs, lambda s: nonzero_arrays(s, lo=0.1)),
    "tanh": unary(Tensor.tanh),
    "sigmoid": unary(Tensor.sigmoid, lambda s: arrays(s, -5.0, 5.0)),
    "relu": unary(Tensor.relu, lambda s: nonzero_arrays(s, lo=0.1)),
    "clip": clip_case,
    # two grids 0.1 apart: the operands never tie
    "maximum": binary(maximum, grid_arrays, lambda s: grid_arrays(s, offset=0.1)),
    "minimum": binary(minimum, grid_arrays, lambda s: grid_arrays(s, offset=0.1)),
    "where": where_case,
    "cast": cast_case,
    # reductions
    "sum": reduction("sum"),
    "max": reduction("max", distinct_arrays),
    "min": reduction("min", distinct_arrays),
    "logsumexp": reduction("logsumexp"),
    # shape
    "reshape": reshape_case,
    "transpose": transpose_case,
    "broadcast_to": broadcast_to_case,
    "concatenate": concatenate_case,
    # indexing
    "getitem": getitem_case,
    "untake": untake_case,
    # matmul, softmax
    "matmul": matmul_case,
    "softmax": softmax_family("softmax"),
    # composites built from the primitives
    "mean": reduction("mean"),
    "var": var_case,
    "log_softmax": softmax_family("log_softmax"),
    "stack": stack_case,
    "squeeze": squeeze_case,
    "expand_dims": expand_dims_case,
    "flatten": unary(Tensor.flatten),
}
