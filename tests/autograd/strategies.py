"""Hypothesis strategies shared by the engine's tests: shapes, values away from kinks, axes, indices.

Values are drawn on purpose-built grids where an op has a kink or ties (relu, abs, clip, max,
maximum), so that centred differences never straddle a corner (minitorch-style shifting).
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 3
MAX_DIMS = 3

# ---- shapes -------------------------------------------------------------------------------


def shapes(min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=MAX_SIDE):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=MAX_DIMS, max_side=MAX_SIDE):
    """A tuple of shapes that broadcast together, of possibly different ranks, e.g. (3,1,4), (4,)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda b: b.input_shapes)


def matmul_shapes():
    """Operand shapes for np.matmul: 1-D, 2-D and batched with broadcast batch dimensions."""
    return hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=2, max_side=MAX_SIDE
    ).map(lambda b: b.input_shapes)


# Named pairs from the engine issue, used as explicit parametrized cases.
NAMED_BROADCAST_PAIRS = [
    ((3, 1, 4), (4,)),
    ((2, 3), (1, 3)),
    ((2, 1), (1, 3)),
    ((2, 3), ()),
    ((4, 1, 2), (3, 1)),
]

# ---- values -------------------------------------------------------------------------------


def _floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays(shape, lo=-2.0, hi=2.0):
    """float64 arrays with values in [lo, hi] (for smooth ops)."""
    return hnp.arrays(np.float64, shape, elements=_floats(lo, hi))


def positive_arrays(shape, lo=0.5, hi=2.0):
    """Values away from 0 and from the poles of log, sqrt, division and pow."""
    return arrays(shape, lo, hi)


def nonzero_arrays(shape, lo=0.5, hi=2.0):
    """Either sign, magnitude in [lo, hi]: a denominator, or an input for relu/abs off the kink."""
    signed = st.tuples(st.sampled_from([-1.0, 1.0]), _floats(lo, hi)).map(lambda p: p[0] * p[1])
    return hnp.arrays(np.float64, shape, elements=signed)


def distinct_arrays(shape, step=0.2, offset=0.0):
    """Values ``offset + step * k`` for distinct integers k: no ties, ``step`` apart (max, min)."""
    size = int(np.prod(shape))
    return hnp.arrays(np.int64, shape, elements=st.integers(-3 * size - 5, 3 * size + 5),
                      unique=True).map(lambda a: offset + step * a)


def grid_arrays(shape, step=0.2, offset=0.0):
    """Values ``offset + step * k`` (k may repeat): two grids with different offsets never tie."""
    return hnp.arrays(np.int64, shape, elements=st.integers(-8, 8)).map(
        lambda a: offset + step * a)


def numbers(lo=0.5, hi=2.0):
    """A Python float operand (for the reflected operators)."""
    return _floats(lo, hi)


# ---- reductions ---------------------------------------------------------------------------


@st.composite
def axes(draw, ndim, allow_empty_tuple=False):
    """``axis`` for a reduction: None, an int or a tuple, each axis possibly negative."""
    kinds = ["none"]
    if ndim > 0:
        kinds += ["int", "tuple"]
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True,
                           min_size=0 if allow_empty_tuple else 1, max_size=ndim))
    negate = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    return tuple(a - ndim if neg else a for a, neg in zip(chosen, negate))


def all_axes(ndim):
    """Every axis argument for a tensor of ``ndim`` dims: None, each int (both signs), each
    non-empty tuple of distinct axes (all positive, and all negative)."""
    import itertools
    result = [None]
    for a in range(ndim):
        result += [a, a - ndim]
    for k in range(1, ndim + 1):
        for combo in itertools.combinations(range(ndim), k):
            result.append(combo)
            result.append(tuple(a - ndim for a in combo))
    return result


# ---- indexing -----------------------------------------------------------------------------


@st.composite
def slices(draw, size):
    """A slice over an axis of ``size``, with any sign of start/stop and negative steps."""
    bound = st.none() | st.integers(-size - 1, size + 1)
    step = draw(st.sampled_from([None, 1, 2, -1, -2]))
    return slice(draw(bound), draw(bound), step)


@st.composite
def basic_indices(draw, shape):
    """Ints, slices (negative steps), None and Ellipsis: numpy's basic indexing."""
    items = []
    for size in shape:
        kind = draw(st.sampled_from(["int", "slice", "slice"]))
        if kind == "int":
            items.append(draw(st.integers(-size, size - 1)))
        else:
            items.append(draw(slices(size)))
    # drop a trailing run (implicit full slices), or replace a run by Ellipsis
    cut = draw(st.integers(0, len(items)))
    if draw(st.booleans()):
        start = draw(st.integers(0, cut))
        items = items[:start] + [Ellipsis] + items[cut:]
    else:
        items = items[:cut]
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items)


@st.composite
def integer_array_indices(draw, shape):
    """An integer array (repeated and negative entries) on one axis, slices elsewhere."""
    axis = draw(st.integers(0, len(shape) - 1))
    size = shape[axis]
    picks = draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=5))
    if draw(st.booleans()):
        picks = picks + [picks[0]]  # a guaranteed repeat
    index = np.array(picks)
    if draw(st.booleans()) and len(picks) % 2 == 0:
        index = index.reshape(2, -1)
    return (slice(None),) * axis + (index,)


@st.composite
def boolean_mask_indices(draw, shape):
    """A boolean mask over the leading ``k`` axes."""
    k = draw(st.integers(1, len(shape)))
    return draw(hnp.arrays(np.bool_, shape[:k]))


def indices(shape):
    """Any index expression for a tensor of ``shape`` (ndim >= 1)."""
    return st.one_of(basic_indices(shape), integer_array_indices(shape),
                     boolean_mask_indices(shape))
