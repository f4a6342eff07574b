"""Gradcheck cases for the products: dot, outer, inner, tensordot (autograd.ops.products) and
einsum over random subscripts (every form: explicit and implicit output, ``...``, repeated
letters within an operand, letters summed in one operand only, one to three operands, the
sublist form)."""
from hypothesis import strategies as st

import autograd as ag

from .opcases import Case, leaf
from .strategies import arrays, broadcastable_shapes, shapes

SIZES = {"i": 2, "j": 3, "k": 1, "l": 2}


def _operand_pair(data, shape_a, shape_b):
    """Both leaves, or one leaf and an ndarray constant (either side)."""
    a, b = data.draw(arrays(shape_a), label="a"), data.draw(arrays(shape_b), label="b")
    kind = data.draw(st.sampled_from(["both", "a", "b"]), label="leaves")
    if kind == "both":
        return (lambda f: lambda x, y: f(x, y)), [leaf(a), leaf(b)]
    if kind == "a":
        return (lambda f: lambda x: f(x, b)), [leaf(a)]
    return (lambda f: lambda y: f(a, y)), [leaf(b)]


def dot_case(data):
    kind = data.draw(st.sampled_from(["0-d", "vector", "matrix", "N-D"]), label="form")
    n = data.draw(st.integers(0, 3), label="contracted size")
    lead = data.draw(shapes(max_dims=2), label="a's other axes")
    if kind == "0-d":
        shape_a, shape_b = data.draw(st.sampled_from([((), lead), (lead, ())]))
    elif kind == "vector":
        shape_a, shape_b = lead + (n,), (n,)
    else:
        m = data.draw(st.integers(1, 3))
        batch = data.draw(shapes(max_dims=1 if kind == "N-D" else 0, max_side=2))
        shape_a, shape_b = lead + (n,), batch + (n, m)
    wrap, inputs = _operand_pair(data, shape_a, shape_b)
    return Case(wrap(ag.dot), inputs)


def outer_case(data):
    shape_a = data.draw(shapes(max_dims=2, min_side=0), label="a")
    shape_b = data.draw(shapes(max_dims=2), label="b")
    wrap, inputs = _operand_pair(data, shape_a, shape_b)
    return Case(wrap(ag.outer), inputs)


def inner_case(data):
    n = data.draw(st.integers(0, 3), label="last size")
    shape_a = data.draw(shapes(max_dims=2), label="a") + (n,)
    shape_b = data.draw(shapes(max_dims=1), label="b") + (n,)
    if data.draw(st.booleans(), label="one 0-d"):
        shape_b = ()
    wrap, inputs = _operand_pair(data, shape_a, shape_b)
    return Case(wrap(ag.inner), inputs)


def tensordot_case(data):
    shape_a = data.draw(shapes(min_dims=0, max_dims=3), label="a")
    k = data.draw(st.integers(0, len(shape_a)), label="contracted count")
    if data.draw(st.booleans(), label="int axes"):
        shape_b = shape_a[len(shape_a) - k:] + data.draw(shapes(max_dims=1))
        axes = k
    else:
        axes_a = data.draw(st.permutations(range(len(shape_a))), label="axes of a")[:k]
        extra = data.draw(shapes(max_dims=1))
        ndim_b = k + len(extra)
        axes_b = data.draw(st.permutations(range(ndim_b)), label="axes of b")[:k]
        shape_b = [None] * ndim_b
        for pa, pb in zip(axes_a, axes_b):
            shape_b[pb] = shape_a[pa]
        rest = iter(extra)
        shape_b = tuple(next(rest) if s is None else s for s in shape_b)
        axes = ([a - len(shape_a) for a in axes_a], list(axes_b))
    wrap, inputs = _operand_pair(data, shape_a, shape_b)
    return Case(wrap(lambda a, b: ag.tensordot(a, b, axes)), inputs)


@st.composite
def einsum_problems(draw):
    """(subscripts, operand shapes), or the sublist form's argument list builder."""
    count = draw(st.integers(1, 3), label="operands")
    letters = st.sampled_from(sorted(SIZES))
    terms = [draw(st.lists(letters, max_size=3), label="term") for _ in range(count)]
    ellipsis = draw(st.booleans(), label="with ...")
    extra_shapes = draw(broadcastable_shapes(count, max_dims=2, max_side=2)) if ellipsis \
        else [()] * count
    shapes_, strings = [], []
    for term, extra in zip(terms, extra_shapes):
        at = draw(st.integers(0, len(term)))
        named = [SIZES[c] for c in term]
        if ellipsis:
            shapes_.append(tuple(named[:at]) + tuple(extra) + tuple(named[at:]))
            strings.append("".join(term[:at]) + "..." + "".join(term[at:]))
        else:
            shapes_.append(tuple(named))
            strings.append("".join(term))
    subscripts = ",".join(strings)
    if draw(st.booleans(), label="explicit output"):
        used = sorted(set("".join(strings).replace(".", "")))
        output = "".join(draw(st.permutations(used))[:draw(st.integers(0, len(used)))])
        if ellipsis:
            at = draw(st.integers(0, len(output)))
            output = output[:at] + "..." + output[at:]
        subscripts += "->" + output
    return subscripts, shapes_


def _sublists(subscripts, tensors):
    """The same problem in the sublist form: einsum(x0, [ids], x1, [ids], ..., [out ids])."""
    def ids(term):
        out, rest = [], term
        while rest:
            if rest.startswith("..."):
                out.append(Ellipsis)
                rest = rest[3:]
            else:
                out.append("ijkl".index(rest[0]))
                rest = rest[1:]
        return out
    inputs, arrow, output = subscripts.partition("->")
    args = []
    for term, t in zip(inputs.split(","), tensors):
        args += [t, ids(term)]
    if arrow:
        args.append(ids(output))
    return args


def einsum_case(data):
    subscripts, shapes_ = data.draw(einsum_problems(), label="problem")
    arrays_ = [data.draw(arrays(s), label="operand") for s in shapes_]
    kinds = data.draw(st.lists(st.booleans(), min_size=len(shapes_), max_size=len(shapes_)),
                      label="leaves")
    if not any(kinds):
        kinds[0] = True
    sublist_form = data.draw(st.booleans(), label="sublist form")
    inputs = [leaf(a) for a, k in zip(arrays_, kinds) if k]

    def fn(*xs):
        leaves = iter(xs)
        operands = [next(leaves) if k else a for a, k in zip(arrays_, kinds)]
        if sublist_form:
            return ag.einsum(*_sublists(subscripts, operands))
        return ag.einsum(subscripts, *operands)
    return Case(fn, inputs)


CASES = {
    "dot": dot_case,
    "outer": outer_case,
    "inner": inner_case,
    "tensordot": tensordot_case,
    "einsum": einsum_case,
}
