"""Gradcheck cases for autograd.linalg (inv, det, slogdet, solve, norm) and the ops behind it
(euclidean_norm, svd), batched; matrices are drawn well-conditioned, and with distinct
singular values where the rule divides by their gaps."""
import numpy as np
from hypothesis import strategies as st

from autograd import concatenate, linalg
from autograd.ops.svd import factors

from .opcases import Case, leaf
from .strategies import arrays, nonzero_arrays, shapes


def _batch(data):
    return data.draw(shapes(max_dims=2, max_side=2), label="batch")


def conditioned(data, shape):
    """2I + E with |E| <= 0.3 entrywise, rows negated at random: det of either sign, far from 0."""
    n = shape[-1]
    noise = data.draw(arrays(shape, -0.3, 0.3), label="noise")
    signs = np.array(data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)))
    return signs[:, None] * (2 * np.eye(n) + noise)


def separated(data, shape):
    """diag(3, 2, 1) padded to (m, n) plus |E| <= 0.1: singular values >= 0.7, gaps >= 0.4."""
    m, n = shape[-2:]
    base = np.zeros((m, n))
    k = min(m, n)
    base[range(k), range(k)] = [3.0, 2.0, 1.0][:k]
    return base + data.draw(arrays(shape, -0.1, 0.1), label="noise")


def _square(data, max_side=3):
    n = data.draw(st.integers(1, max_side), label="n")
    return _batch(data) + (n, n)


def inv_case(data):
    return Case(linalg.inv, [leaf(conditioned(data, _square(data)))])


def det_case(data):
    return Case(linalg.det, [leaf(conditioned(data, _square(data)))])


def slogdet_case(data):
    return Case(lambda a: linalg.slogdet(a)[1], [leaf(conditioned(data, _square(data)))])


def solve_case(data):
    shape_a = _square(data)
    n = shape_a[-1]
    if data.draw(st.booleans(), label="b a vector"):
        shape_b = (n,)
    else:
        shape_b = shape_a[len(shape_a) - 2 - data.draw(st.integers(0, len(shape_a) - 2)):-2] \
            + (n, data.draw(st.integers(1, 2), label="k"))
    a, b = conditioned(data, shape_a), data.draw(arrays(shape_b), label="b")
    kind = data.draw(st.sampled_from(["both", "a", "b"]), label="leaves")
    if kind == "a":
        return Case(lambda a: linalg.solve(a, b), [leaf(a)])
    if kind == "b":
        return Case(lambda b: linalg.solve(a, b), [leaf(b)])
    return Case(linalg.solve, [leaf(a), leaf(b)])


def euclidean_norm_case(data):
    shape = data.draw(shapes(), label="shape")
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, max(len(shape) - 1, 0)),
                                          max_size=len(shape)), label="axes")))
    keepdims = data.draw(st.booleans(), label="keepdims")
    from autograd.ops.linalg import euclidean_norm
    x = leaf(data.draw(nonzero_arrays(shape), label="x"))  # not 0: a kink (subgradient 0)
    return Case(lambda x: euclidean_norm(x, axes, keepdims), [x])


def svd_case(data):
    m, n = data.draw(st.integers(1, 3), label="m"), data.draw(st.integers(1, 3), label="n")
    a = leaf(separated(data, _batch(data) + (m, n)))

    def fn(a):
        # functions of the factors that do not depend on the sign LAPACK picks for a pair
        u, s, vh = factors(a)
        return concatenate([(u * u).reshape(-1), s.reshape(-1), (vh * vh).reshape(-1),
                            (u @ vh).reshape(-1)])
    return Case(fn, [a])


def _untied(data, shape):
    """Magnitudes 2^-k (distinct k) with random signs: no ties in maxima or in column sums."""
    size = int(np.prod(shape))
    powers = np.array(data.draw(st.permutations(range(size)), label="order"), dtype=float)
    signs = np.array(data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=size,
                                        max_size=size), label="signs"))
    return (signs * 2.0 ** (1 - powers)).reshape(shape)


VECTOR_ORDS = [None, 2, 1, 3, 0.5, np.inf, -np.inf]
MATRIX_ORDS = [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]


def norm_case(data):
    if data.draw(st.booleans(), label="vector norm"):
        shape = data.draw(shapes(min_dims=1, max_dims=2), label="shape")
        ord_ = data.draw(st.sampled_from(VECTOR_ORDS), label="ord")
        axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
        if len(shape) == 1 and data.draw(st.booleans(), label="axis None"):
            axis = None
        values = _untied(data, shape) if ord_ in (np.inf, -np.inf) else \
            data.draw(nonzero_arrays(shape), label="x")
    else:
        m, n = data.draw(st.integers(1, 3), label="m"), data.draw(st.integers(1, 3), label="n")
        batch = data.draw(shapes(max_dims=1, max_side=2), label="batch")
        position = data.draw(st.integers(0, len(batch)), label="batch position")
        shape = batch[:position] + (m, n) + batch[position:]
        ord_ = data.draw(st.sampled_from(MATRIX_ORDS), label="ord")
        axis = (position, position + 1)
        if data.draw(st.booleans(), label="axes swapped"):
            axis = (axis[1] - len(shape), axis[0])
        if not batch and data.draw(st.booleans(), label="axis None"):
            axis = None
        if ord_ in (2, -2, "nuc"):
            values = np.moveaxis(separated(data, batch + (m, n)), (-2, -1),
                                 (position, position + 1))
            if axis is not None and axis[0] > axis[1] % len(shape):
                values = np.swapaxes(values, position, position + 1)
        elif ord_ in (None, "fro"):
            values = data.draw(nonzero_arrays(shape), label="x")
        else:
            values = _untied(data, shape)
    keepdims = data.draw(st.booleans(), label="keepdims")
    return Case(lambda x: linalg.norm(x, ord_, axis, keepdims), [leaf(values)])


CASES = {
    "inv": inv_case,
    "det": det_case,
    "slogdet": slogdet_case,
    "solve": solve_case,
    "euclidean_norm": euclidean_norm_case,
    "svd": svd_case,
    "norm": norm_case,
}
