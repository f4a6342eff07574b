"""The backward pass: grad() and Tensor.backward(), each with its own pass, and fast paths."""
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tensor, concatenate, grad, gradcheck
from autograd.ops.helpers import column_sums, unbroadcast

rng = np.random.default_rng(3)


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# ---- grad() -------------------------------------------------------------------------------


def test_grad_returns_one_tensor_per_input_and_touches_no_grad():
    x, y = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    out = (x * y + x.exp()).sum()
    gx, gy = grad(out, [x, y])
    assert isinstance(gx, Tensor) and isinstance(gy, Tensor)
    np.testing.assert_allclose(gx.data, y.data + np.exp(x.data))
    np.testing.assert_allclose(gy.data, x.data)
    assert x.grad is None and y.grad is None
    assert not gx.requires_grad and gx.grad_fn is None


def test_grad_accepts_a_single_tensor_or_sequences():
    x = leaf([1.0, 2.0])
    (g,) = grad((x * x).sum(), x)
    np.testing.assert_array_equal(g.data, [2.0, 4.0])
    (g,) = grad([(x * x).sum()], (x,), retain_graph=False)
    np.testing.assert_array_equal(g.data, [2.0, 4.0])


def test_grad_of_several_outputs_sums_their_contributions():
    x = leaf([1.0, 2.0])
    a, b = x * 3, x * x
    (g,) = grad([a, b], x, grad_outputs=[np.ones(2), np.array([1.0, 10.0])])
    np.testing.assert_array_equal(g.data, [3.0 + 2.0, 3.0 + 40.0])


def test_grad_of_outputs_that_depend_on_each_other():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = (y * y).sum()
    (g,) = grad([y.sum(), z], x)
    np.testing.assert_allclose(g.data, 2 + 8 * x.data)


@pytest.mark.parametrize("kind", ["Tensor", "array", "number"])
def test_grad_outputs_as_tensor_array_number(kind):
    x = leaf([1.0, 2.0, 3.0])
    if kind == "number":
        out, seed, expected = (x * x).sum(), 2.5, 5.0 * x.data
    else:
        values = np.array([1.0, -1.0, 0.5])
        seed = Tensor(values) if kind == "Tensor" else values
        out, expected = x * x, 2 * x.data * values
    (g,) = grad(out, x, grad_outputs=seed)
    np.testing.assert_allclose(g.data, expected)
    x2 = leaf([1.0, 2.0, 3.0])
    (x2 * x2 if kind != "number" else (x2 * x2).sum()).backward(seed)
    np.testing.assert_allclose(x2.grad, expected)


def test_grad_with_create_graph_is_differentiable():
    x = leaf([0.5, -1.0, 2.0])
    (g,) = grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)


def test_grad_retains_the_graph_only_when_asked():
    x = leaf([0.5, 2.0])
    y = (x.exp() * x).sum()
    grad(y, x, retain_graph=True)
    (g,) = grad(y, x)  # still there
    np.testing.assert_allclose(g.data, np.exp(x.data) * (1 + x.data))
    with pytest.raises(RuntimeError, match="retain_graph"):
        grad(y, x)


def test_grad_of_an_input_with_respect_to_itself():
    x = leaf([1.0, 2.0])
    (g,) = grad(x, x, grad_outputs=np.array([3.0, 4.0]))
    np.testing.assert_array_equal(g.data, [3.0, 4.0])


def test_grad_for_an_intermediate_input():
    x = leaf([1.0, 2.0])
    y = x * 3
    z = (y * y).sum()
    gy, gx = grad(z, [y, x])
    np.testing.assert_allclose(gy.data, 2 * y.data)
    np.testing.assert_allclose(gx.data, 6 * y.data)


def test_grad_for_an_intermediate_leaves_its_history_usable():
    x = leaf([1.0, 2.0])
    h = x * 2
    (gh,) = grad((h * h).sum(), h)
    np.testing.assert_array_equal(gh.data, [4.0, 8.0])
    (h * 3).sum().backward()  # h's own node, x * 2, was not needed by grad above
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


# ---- backward() -----------------------------------------------------------------------------


def test_backward_accumulates_into_grad_and_zeroing_is_by_none():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0 + 2.0, 3.0 + 4.0])
    assert x.grad.dtype == x.dtype and x.grad.shape == x.shape
    assert isinstance(x.grad, np.ndarray)
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_backward_reaches_only_leaves_that_require_grad():
    x, constant = leaf([1.0, 2.0]), Tensor([5.0, 6.0])
    y = x * constant
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, constant.data)
    assert constant.grad is None
    assert y.grad is None  # non-leaf tensors keep no .grad


def test_backward_of_a_one_element_non_scalar_needs_no_gradient():
    x = leaf([[2.0]])
    (x * 3).backward()
    np.testing.assert_array_equal(x.grad, [[3.0]])


def test_backward_on_a_leaf_itself():
    x = leaf(2.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_sums_a_node_reached_twice_along_a_chain():
    # e * e sends both gradients to e's node while the frontier is that one node
    x = leaf([0.1, 0.5, -0.3])
    e = x.exp()
    (e * e).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp(2 * x.data))


def test_backward_when_a_chain_widens_and_joins_again():
    # e * sin(e): e's node is the next of the chain until sin's node joins the frontier
    x = leaf([0.1, 0.5, -0.3])
    e = x.exp()
    (e * e.sin()).sum().backward()
    expected = (np.sin(np.exp(x.data)) + np.exp(x.data) * np.cos(np.exp(x.data))) \
        * np.exp(x.data)
    np.testing.assert_allclose(x.grad, expected)


def test_backward_keeps_no_leaf_gradient_that_aliases_another_array():
    # reshape's gradient is a view of its upstream, and add passes its upstream through: each
    # leaf gets an array of its own, which a second backward adds into without touching the other
    x, y = leaf([1.0, 2.0]), leaf([[3.0], [4.0]])
    seed = np.array([[1.0], [2.0]])
    (x.reshape(2, 1) + y).backward(seed)
    assert not np.shares_memory(x.grad, y.grad) and not np.shares_memory(y.grad, seed)
    (x.reshape(2, 1) + y).backward(seed)
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    np.testing.assert_array_equal(y.grad, [[2.0], [4.0]])
    np.testing.assert_array_equal(seed, [[1.0], [2.0]])


def test_backward_of_a_0d_graph_gives_0d_array_gradients():
    x, w = leaf(2.0), leaf(3.0)
    ((x * w) * x + w).backward()  # x reached twice, scalar gradients summed
    assert type(x.grad) is np.ndarray and x.grad.shape == () and x.grad == 2 * 2.0 * 3.0
    assert type(w.grad) is np.ndarray and w.grad == 4.0 + 1.0


def test_no_gradient_is_computed_for_inputs_that_need_none():
    x = leaf([1.0, 2.0])
    constant = Tensor([3.0, 4.0])
    y = x * constant
    assert y.grad_fn.needs_input_grad == (True, False)
    z = constant * constant  # nothing requires grad: no graph at all
    assert z.grad_fn is None and not z.requires_grad
    y.sum().backward()
    assert constant.grad is None


def test_a_diamond_graph_runs_each_node_once():
    x = leaf([1.0, -2.0])
    top = x.exp()
    left, right = top * 2, top * 3
    out = (left + right).sum()
    out.backward()
    np.testing.assert_allclose(x.grad, 5 * np.exp(x.data))


def test_a_node_waits_for_a_consumer_at_the_end_of_a_long_branch():
    x = leaf([0.5, -1.5])
    top = x.exp()
    long = top
    for _ in range(40):
        long = long * 1.01
    out = (long + top * 3 + top.sin()).sum()  # three consumers, one 40 nodes away
    out.backward()
    np.testing.assert_allclose(x.grad, (1.01 ** 40 + 3 + np.cos(np.exp(x.data))) * np.exp(x.data))
    with pytest.raises(RuntimeError, match="retain_graph"):  # each node ran once, then was freed
        out.backward()


def test_a_frontier_that_narrows_to_one_node_and_widens_again_keeps_the_order():
    # a chain runs its one-node frontier off the heap; a fork puts it back on
    x = leaf([0.5, -1.5])
    y = x
    for _ in range(10):
        y = y * 1.1
    forks = y.exp() + y.sin() * y  # y's node waits for three consumers
    z = forks
    for _ in range(10):
        z = z * 0.9
    out = (z + y).sum()  # and one more, at the end
    out.backward()
    yv = 1.1 ** 10 * x.data
    dy = 0.9 ** 10 * (np.exp(yv) + np.cos(yv) * yv + np.sin(yv)) + 1
    np.testing.assert_allclose(x.grad, dy * 1.1 ** 10, rtol=1e-12)


def test_a_failed_backward_leaves_every_grad_as_it_was():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.sum().backward(retain_graph=False)
    before = x.grad.copy()
    z = (h.exp() * 2).sum()  # reaches h's node, freed by the first backward
    with pytest.raises(RuntimeError, match="retain_graph"):
        z.backward()
    np.testing.assert_array_equal(x.grad, before)


def test_deep_chain_without_recursion_limit():
    x = leaf([1.0])
    y = x
    for _ in range(5000):  # far past Python's recursion limit
        y = y + 0.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0])


# ---- fast paths give the same numbers as the general paths -----------------------------------


def test_unbroadcast_fast_path_when_shapes_match_returns_the_gradient_itself():
    g = rng.normal(size=(2, 3))
    assert unbroadcast(g, (2, 3)) is g
    np.testing.assert_allclose(unbroadcast(rng.normal(size=(4, 2, 3)) * 0 + g, (2, 3)), 4 * g)
    np.testing.assert_allclose(unbroadcast(g, (1, 3)), g.sum(axis=0, keepdims=True))
    np.testing.assert_allclose(unbroadcast(g, (3,)), g.sum(axis=0))
    np.testing.assert_allclose(unbroadcast(g, ()), g.sum())


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(0, 1100), columns=st.integers(0, 80),
       dtype=st.sampled_from([np.float32, np.float64]), transposed=st.booleans())
def test_column_sums_are_the_sums_over_axis_0_in_the_same_dtype(rows, columns, dtype,
                                                                  transposed):
    a = rng.normal(size=(columns, rows) if transposed else (rows, columns)).astype(dtype)
    a = a.T if transposed else a  # F order takes numpy's own sum
    total = column_sums(a)
    assert total.dtype == dtype and total.shape == (columns,)
    exact = a.astype(np.float64).sum(axis=0)
    # a blocked sum: within a few roundings of each partial sum's size
    bound = 4 * np.finfo(dtype).eps * np.sqrt(max(rows, 1)) * np.abs(a).astype(np.float64).sum(
        axis=0)
    assert np.all(np.abs(total - exact) <= bound + np.finfo(dtype).tiny)


def test_column_sums_take_every_row_when_blocks_leave_a_remainder():
    # 1,000 rows: 31 blocks of 32 rows, and 8 rows after them; integers add exactly
    a = np.arange(1000 * 3, dtype=np.float64).reshape(1000, 3)
    np.testing.assert_array_equal(column_sums(a), a.sum(axis=0))
    np.testing.assert_array_equal(column_sums(a[:997]), a[:997].sum(axis=0))


def test_unbroadcast_over_leading_axes_sums_a_batch_of_any_rank():
    g = np.arange(16 * 20 * 5, dtype=np.float64).reshape(16, 20, 5)  # 320 rows of 5
    np.testing.assert_array_equal(unbroadcast(g, (5,)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(unbroadcast(g, (1, 5)), g.sum(axis=(0, 1)).reshape(1, 5))
    np.testing.assert_array_equal(unbroadcast(g, (1, 1, 5)), g.sum(axis=(0, 1), keepdims=True))
    np.testing.assert_array_equal(unbroadcast(g, (20, 5)), g.sum(axis=0))
    np.testing.assert_array_equal(unbroadcast(g, (20, 1)), g.sum(axis=(0, 2)).reshape(20, 1))
    for empty in (np.zeros((0, 3)), np.zeros((4, 0)), np.zeros((2, 0, 3))):  # no -1 to infer
        leading = tuple(range(empty.ndim - 1))
        np.testing.assert_array_equal(unbroadcast(empty, empty.shape[-1:]), empty.sum(leading))
    x, b = leaf(rng.normal(size=(300, 4))), leaf(rng.normal(size=4))
    (x + b).sum().backward()
    np.testing.assert_array_equal(b.grad, np.full(4, 300.0))


def test_same_shape_and_broadcast_operands_get_the_same_gradients():
    values = rng.normal(size=(2, 3))
    other = rng.normal(size=(2, 3))
    same = leaf(values)
    (same * other).sum().backward()
    # the same numbers, but reaching x through a broadcast (3,) -> (2, 3) path
    rows = [leaf(values[i]) for i in range(2)]
    for i, r in enumerate(rows):
        (r * other[i:i + 1]).sum().backward()
    for i, r in enumerate(rows):
        np.testing.assert_allclose(r.grad, same.grad[i])
    stretched = leaf(values[:1])  # (1, 3) broadcast against (2, 3)
    (stretched * other).sum().backward()
    np.testing.assert_allclose(stretched.grad[0], other.sum(axis=0))


@pytest.mark.parametrize("uses", [2, 3, 4, 7])
def test_in_place_and_out_of_place_accumulation_agree(uses):
    # a tensor used many times: the engine may add into a buffer it owns in place
    values = rng.normal(size=(3,))
    x = leaf(values)
    h = x * 1.5
    terms = [h * float(k + 1) for k in range(uses)] + [h.exp(), h[[0, 0]].sum() * h]
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    total.sum().backward()
    h_values = values * 1.5
    # by hand: d/dh sum(h[[0,0]].sum() * h) = 2 h[0] + [2 sum(h), 0, 0]
    expected = (sum(k + 1 for k in range(uses)) + np.exp(h_values)
                + 2 * h_values[0] + np.array([2 * h_values.sum(), 0.0, 0.0]))
    np.testing.assert_allclose(x.grad, 1.5 * expected)
    assert gradcheck(lambda x: sum_of_uses(x, uses), [leaf(values)])


def sum_of_uses(x, uses):
    h = x * 1.5
    total = h.exp()
    for k in range(uses):
        total = total + h * float(k + 1)
    return total + h[[0, 0]].sum() * h


def test_grad_and_backward_agree():
    values = rng.normal(size=(3, 2))
    x = leaf(values)
    out = ((x @ x.T).tanh() * x.sum(axis=1)).sum()
    (g,) = grad(out, x, retain_graph=True)
    out.backward()
    np.testing.assert_allclose(g.data, x.grad)
    assert not np.shares_memory(g.data, x.grad)


# ---- how a node holds its inputs --------------------------------------------------------------

def test_a_node_holds_an_op_results_node_and_values_not_the_tensor():
    x = leaf([1.0, 2.0])
    h = x.exp()
    out = h * h
    node, h_node, h_values = out.grad_fn, h.grad_fn, h.data
    h_ref = weakref.ref(h)
    del h
    assert h_ref() is None  # the graph keeps no intermediate Tensor alive
    assert node.origins() == (h_node, h_node)
    assert node.input_values()[0] is h_values
    first, second = node.inputs  # op results come back as Tensors of their values, on their node
    assert first.grad_fn is h_node and first.data is h_values and first.requires_grad
    (g,) = grad(out.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 2 * np.exp(2 * x.data))
    (gg,) = grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, 4 * np.exp(2 * x.data))


@pytest.mark.parametrize("arity", [1, 2, 3])
def test_a_node_gives_its_inputs_as_recorded_and_none_once_freed(arity):
    x, y, z = leaf([1.0, 2.0]), leaf([3.0, 4.0]), leaf([5.0, 6.0])
    out, expected = {1: (x.exp(), (x,)), 2: (x * 2.5, (x, 2.5)),
                     3: (concatenate([x, y, z]), (x, y, z))}[arity]
    node = out.grad_fn
    assert type(node.inputs) is tuple and len(node.inputs) == arity
    assert all(a is e for a, e in zip(node.inputs, expected))  # leaves come back as themselves
    assert node.origins() == tuple(e if isinstance(e, Tensor) else None for e in expected)
    assert all(v is (e.data if isinstance(e, Tensor) else e)
               for v, e in zip(node.input_values(), expected))
    out.sum().backward()
    assert node.inputs is None and node.freed
    assert node.origins() is None and node.input_values() is None
    np.testing.assert_allclose(x.grad, {1: np.exp([1.0, 2.0]), 2: [2.5, 2.5], 3: [1, 1]}[arity])
    with pytest.raises(RuntimeError, match="retain_graph"):
        out.sum().backward()
