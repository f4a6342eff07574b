"""Gradcheck cases for the rearranging, diagonal and gather ops (autograd.ops.rearrange,
diagonals, indexing.take_along_axis): every axis form NumPy takes, negative axes, 0-d and
empty inputs where NumPy accepts them."""
import numpy as np
from hypothesis import strategies as st

import autograd as ag

from .opcases import Case, leaf
from .strategies import arrays, shapes


def _axis(data, ndim, label="axis"):
    return data.draw(st.integers(-ndim, ndim - 1), label=label)


def _leaf(data, shape):
    return leaf(data.draw(arrays(shape), label="x"))


def swapaxes_case(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    i, j = _axis(data, len(shape), "axis1"), _axis(data, len(shape), "axis2")
    return Case(lambda x: ag.swapaxes(x, i, j), [_leaf(data, shape)])


def moveaxis_case(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    ndim = len(shape)
    k = data.draw(st.integers(1, ndim), label="count")
    source = data.draw(st.permutations(range(ndim)), label="source")[:k]
    dest = data.draw(st.permutations(range(-ndim, 0)), label="destination")[:k]
    if k == 1 and data.draw(st.booleans(), label="as ints"):
        source, dest = source[0], dest[0]
    return Case(lambda x: ag.moveaxis(x, source, dest), [_leaf(data, shape)])


def ravel_case(data):
    shape = data.draw(shapes(min_side=0), label="shape")
    order = data.draw(st.sampled_from(["C", "F"]), label="order")
    return Case(lambda x: x.ravel(order), [_leaf(data, shape)])


def split_case(data):
    shape = data.draw(shapes(min_dims=1, max_side=4), label="shape")
    axis = _axis(data, len(shape))
    n = shape[axis]
    if data.draw(st.booleans(), label="sections"):
        parts = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    else:
        parts = data.draw(st.lists(st.integers(-n - 1, n + 1), max_size=3), label="indices")

    def fn(x):
        pieces = ag.split(x, parts, axis=axis)
        # weigh the pieces differently, so a piece's gradient landing in the wrong place shows
        return ag.concatenate([p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)])
    return Case(fn, [_leaf(data, shape)])


def flip_case(data):
    shape = data.draw(shapes(min_side=0), label="shape")
    ndim = len(shape)
    kind = data.draw(st.sampled_from(["none", "int", "tuple"] if ndim else ["none"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = _axis(data, ndim)
    else:
        axes = data.draw(st.permutations(range(-ndim, 0)), label="axes")
        axis = tuple(axes[:data.draw(st.integers(1, ndim))])
    return Case(lambda x: ag.flip(x, axis), [_leaf(data, shape)])


def roll_case(data):
    shape = data.draw(shapes(min_side=0), label="shape")
    ndim = len(shape)
    shift = data.draw(st.integers(-5, 5), label="shift")
    if ndim == 0 or data.draw(st.booleans(), label="axis None"):
        axis = None
    elif data.draw(st.booleans(), label="several axes"):
        axis = tuple(data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=3)))
        shift = tuple(data.draw(st.lists(st.integers(-4, 4), min_size=len(axis),
                                         max_size=len(axis))))
    else:
        axis = _axis(data, ndim)
    return Case(lambda x: ag.roll(x, shift, axis), [_leaf(data, shape)])


def tile_case(data):
    shape = data.draw(shapes(max_dims=2, max_side=2), label="shape")
    reps = data.draw(st.lists(st.integers(0, 2), min_size=0, max_size=3), label="reps")
    reps = reps[0] if len(reps) == 1 and data.draw(st.booleans(), label="int") else tuple(reps)
    return Case(lambda x: ag.tile(x, reps), [_leaf(data, shape)])


def repeat_case(data):
    shape = data.draw(shapes(max_side=3), label="shape")
    axis = None if not shape or data.draw(st.booleans(), label="axis None") else \
        _axis(data, len(shape))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    if data.draw(st.booleans(), label="one count"):
        repeats = data.draw(st.integers(0, 3), label="repeats")
    else:
        repeats = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    return Case(lambda x: x.repeat(repeats, axis), [_leaf(data, shape)])


def pad_case(data):
    shape = data.draw(shapes(max_side=3), label="shape")
    ndim = len(shape)
    mode = data.draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    width = st.integers(0, 4 if mode != "constant" else 2)
    form = data.draw(st.sampled_from(["int", "pair", "per axis"] if ndim else ["int", "pair"]),
                     label="pad_width form")
    pad_width = {"int": lambda: data.draw(width),
                 "pair": lambda: (data.draw(width), data.draw(width)),
                 "per axis": lambda: tuple((data.draw(width), data.draw(width))
                                           for _ in range(ndim))}[form]()
    kwargs = {"constant_values": data.draw(st.sampled_from([0, 1.5, (1, -2)]))} \
        if mode == "constant" else {}
    return Case(lambda x: ag.pad(x, pad_width, mode, **kwargs), [_leaf(data, shape)])


def _matrix_axes(data, shape):
    i = _axis(data, len(shape), "axis1")
    j = data.draw(st.sampled_from([a for a in range(-len(shape), len(shape))
                                   if a % len(shape) != i % len(shape)]), label="axis2")
    return i, j


def diagonal_case(data):
    shape = data.draw(shapes(min_dims=2, min_side=0), label="shape")
    offset = data.draw(st.integers(-3, 3), label="offset")
    i, j = _matrix_axes(data, shape)
    return Case(lambda x: x.diagonal(offset, i, j), [_leaf(data, shape)])


def trace_case(data):
    shape = data.draw(shapes(min_dims=2), label="shape")
    offset = data.draw(st.integers(-2, 2), label="offset")
    i, j = _matrix_axes(data, shape)
    return Case(lambda x: x.trace(offset, i, j), [_leaf(data, shape)])


def diag_case(data):
    shape = data.draw(shapes(min_dims=1, max_dims=2, min_side=0), label="shape")
    k = data.draw(st.integers(-2, 2), label="k")
    return Case(lambda x: ag.diag(x, k), [_leaf(data, shape)])


def triangle_case(function):
    def case(data):
        shape = data.draw(shapes(min_dims=1, min_side=0), label="shape")
        k = data.draw(st.integers(-3, 3), label="k")
        return Case(lambda x: function(x, k), [_leaf(data, shape)])
    return case


def take_along_axis_case(data):
    shape = data.draw(shapes(min_dims=1), label="shape")
    if data.draw(st.booleans(), label="axis None"):
        size = int(np.prod(shape))
        index = np.array(data.draw(st.lists(st.integers(-size, size - 1), max_size=6)),
                         dtype=np.int64)
        return Case(lambda x: ag.take_along_axis(x, index, None), [_leaf(data, shape)])
    axis = _axis(data, len(shape))
    n = shape[axis]
    # indices of the same rank: size 1 elsewhere (broadcast) or the same size; repeats likely
    index_shape = tuple(data.draw(st.integers(0, 4), label="picks") if d == axis % len(shape)
                        else data.draw(st.sampled_from([1, s])) for d, s in enumerate(shape))
    index = data.draw(st.lists(st.integers(-n, n - 1), min_size=int(np.prod(index_shape)),
                               max_size=int(np.prod(index_shape))), label="indices")
    index = np.array(index, dtype=np.int64).reshape(index_shape)
    return Case(lambda x: ag.take_along_axis(x, index, axis), [_leaf(data, shape)])


CASES = {
    "swapaxes": swapaxes_case,
    "moveaxis": moveaxis_case,
    "ravel": ravel_case,
    "split": split_case,
    "flip": flip_case,
    "roll": roll_case,
    "tile": tile_case,
    "repeat": repeat_case,
    "pad": pad_case,
    "diagonal": diagonal_case,
    "trace": trace_case,
    "diag": diag_case,
    "tril": triangle_case(ag.tril),
    "triu": triangle_case(ag.triu),
    "take_along_axis": take_along_axis_case,
}
