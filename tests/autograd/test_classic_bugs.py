"""The classic autograd bugs, each with a test named for it."""
import gc
import weakref

import numpy as np
import pytest

from autograd import Tensor, grad, maximum, minimum, where


def test_reused_node_b_equals_a_plus_a_then_c_equals_b_plus_b_gives_4():
    a = Tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert c.item() == 12.0


def test_reused_node_in_a_vector_graph():
    a = Tensor([1.0, -2.0, 0.5], requires_grad=True)
    b = a * 2
    c = b * b + b  # b feeds two ops, one of them twice
    c.sum().backward()
    np.testing.assert_allclose(a.grad, 2 * (2 * b.data + 1))


def test_x_times_x_gives_2x():
    x = Tensor([1.5, -2.0, 0.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)


def test_x_squared_by_pow_and_by_product_agree():
    x = Tensor([1.5, -2.0, 3.0], requires_grad=True)
    (x ** 2).sum().backward()
    by_pow = x.grad.copy()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(by_pow, x.grad)


def test_gradient_aliasing():
    # b = a + 1; c = b + 1.5; d = a + b; e = d + c, with a second leaf p inside b
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    p = Tensor([0.5, 0.5, 0.5], requires_grad=True)
    b = a + 1 + p
    c = b + 1.5
    d = a + b
    e = d + c
    np.testing.assert_array_equal(e.data, 3 * a.data + 2 * p.data + 3.5)
    upstream = np.ones(3)
    e.backward(upstream, retain_graph=True)
    np.testing.assert_array_equal(a.grad, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(p.grad, [2.0, 2.0, 2.0])
    # add passes its upstream gradient through unchanged; no two buffers may be shared
    assert not np.shares_memory(a.grad, p.grad)
    assert not np.shares_memory(a.grad, upstream) and not np.shares_memory(p.grad, upstream)
    # so a second backward accumulates into each buffer exactly once
    e.backward(upstream)
    np.testing.assert_array_equal(a.grad, [6.0, 6.0, 6.0])
    np.testing.assert_array_equal(p.grad, [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(upstream, [1.0, 1.0, 1.0])


def test_gradient_aliasing_between_leaves_fed_by_one_add():
    x, y = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad, y.grad)
    x.grad += 10  # writing one gradient leaves the other alone
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])


def test_gradient_aliasing_in_grad_results():
    x, y = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    seed = np.array([1.0, 1.0])
    gx, gy = grad(x + y, [x, y], grad_outputs=seed)
    assert not np.shares_memory(gx.data, gy.data)
    assert not np.shares_memory(gx.data, seed) and not np.shares_memory(gy.data, seed)
    assert x.grad is None and y.grad is None


def test_two_equal_constants_each_get_gradient_1():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(2.0, requires_grad=True)
    (a + b).backward()
    assert a.grad == 1.0 and b.grad == 1.0
    a.grad = b.grad = None
    (a * b).backward()
    assert a.grad == 2.0 and b.grad == 2.0


def test_repeated_indices_x_0_0_1_sum_gives_2_1_0():
    x = Tensor(np.zeros(5), requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 1.0, 0.0, 0.0, 0.0])


def test_repeated_indices_with_negative_and_2d_indices():
    x = Tensor(np.zeros((3, 2)), requires_grad=True)
    x[np.array([-1, 2, 0, -3])].sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0], [0.0, 0.0], [2.0, 2.0]])
    y = Tensor(np.zeros((3, 2)), requires_grad=True)
    y[[0, 0, 2], [1, 1, 1]].sum().backward()
    np.testing.assert_array_equal(y.grad, [[0.0, 2.0], [0.0, 0.0], [0.0, 1.0]])


def test_ties_split_evenly_in_max_and_min():
    x = Tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])
    y = Tensor([[1.0, 1.0, 1.0], [0.0, -1.0, -1.0]], requires_grad=True)
    y.min(axis=1).backward(np.array([3.0, 1.0]))
    np.testing.assert_array_equal(y.grad, [[1.0, 1.0, 1.0], [0.0, 0.5, 0.5]])
    z = Tensor([[2.0, 2.0], [2.0, 1.0]], requires_grad=True)
    z.max(axis=(0, 1), keepdims=True).sum().backward()
    np.testing.assert_allclose(z.grad, [[1 / 3, 1 / 3], [1 / 3, 0.0]])


def test_ties_split_evenly_in_maximum_and_minimum():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = Tensor([1.0, 3.0, 2.0], requires_grad=True)
    maximum(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(y.grad, [0.5, 1.0, 0.0])
    x.grad = y.grad = None
    minimum(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(y.grad, [0.5, 0.0, 1.0])
    z = Tensor([1.0, -1.0], requires_grad=True)
    maximum(z, z).sum().backward()  # both halves reach the same leaf
    np.testing.assert_array_equal(z.grad, [1.0, 1.0])
    w = Tensor([0.0, 2.0], requires_grad=True)
    maximum(w, 0.0).sum().backward()  # a tie with a number: half the gradient
    np.testing.assert_array_equal(w.grad, [0.5, 1.0])


def test_float32_stays_float32_through_forward_backward_and_grad():
    x = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32), requires_grad=True)
    w = Tensor(np.array([[1.0], [-2.0]], dtype=np.float32), requires_grad=True)
    steps = [
        x * 2.0, 2.0 * x, x + 1, 1 - x, x / 3.0, 3.0 / (x + 5), x ** 2, 2.0 ** x, -x,
        x.exp(), (x + 5).log(), (x + 5).sqrt(), x.abs(), x.tanh(), x.sigmoid(), x.relu(),
        x.clip(-0.5, 0.5), maximum(x, 0.0), minimum(x, 1.0), where(x.data > 0, x, 0.0),
        x.sum(axis=0), x.mean(), x.max(axis=1), x.min(), x.var(axis=0), x.logsumexp(axis=1),
        x.softmax(), x.log_softmax(axis=0), x @ w, x.T, x.reshape(-1), x[[0, 0]], x[x > 0],
        x.broadcast_to((3, 2, 2)), x.expand_dims(0).squeeze(0),
    ]
    for i, out in enumerate(steps):
        assert out.dtype == np.float32, f"step {i}: {out.dtype}"
    total = steps[0].sum()
    for out in steps[1:]:
        total = total + out.sum()
    assert total.dtype == np.float32
    total.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    (gx,) = grad(x.sum() * 2.0, x)
    assert gx.dtype == np.float32


def test_float32_plus_a_float64_array_promotes_but_the_leaf_grad_stays_float32():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    out = x + np.ones(3, dtype=np.float64)
    assert out.dtype == np.float64  # numpy's promotion between arrays
    (out * np.array([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])
    y = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    (y * 2).backward(np.array([1.0, 1.0]))  # a float64 gradient for a float32 output
    assert y.grad.dtype == np.float32


@pytest.mark.slow
def test_a_million_op_chain_backward_works():
    # not timed; iterative traversal only (a recursive one dies at ~1000 deep)
    enabled = gc.isenabled()
    gc.disable()  # also proves the chain is freed by reference counting alone
    try:
        x = Tensor(np.ones(4), requires_grad=True)
        y = x
        for _ in range(1_000_000):
            y = y * 1.0000001
        y.sum().backward()
        del y
    finally:
        if enabled:
            gc.enable()
    np.testing.assert_allclose(x.grad, np.full(4, 1.0000001 ** 1_000_000), rtol=1e-9)


def test_a_weakref_to_an_intermediate_dies_after_backward_without_gc():
    enabled = gc.isenabled()
    gc.disable()
    try:
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()  # saves its output: a cycle here would keep its values alive
        intermediate, values = weakref.ref(y), weakref.ref(y.data)
        z = (y * y).sum()
        del y
        assert intermediate() is None  # the graph holds the nodes and values, not the tensor
        assert values() is not None  # until backward
        z.backward()
        assert values() is None  # freed by backward, though z is still alive
        np.testing.assert_allclose(x.grad, 2 * np.exp(2 * x.data))
    finally:
        if enabled:
            gc.enable()


def test_a_graph_dies_with_its_output_without_gc_even_after_create_graph():
    enabled = gc.isenabled()
    gc.disable()
    try:
        x = Tensor([0.5, -1.0], requires_grad=True)
        y = x.tanh()
        intermediate = weakref.ref(y.data)  # the graph holds the values, not the tensor
        out = (y * y.sigmoid()).sum()
        del y
        (g,) = grad(out, x, create_graph=True)
        first_order = weakref.ref(g)
        del out, g
        assert intermediate() is None and first_order() is None
    finally:
        if enabled:
            gc.enable()


def test_a_detached_output_does_not_keep_its_graph_alive():
    enabled = gc.isenabled()
    gc.disable()
    try:
        x = Tensor(np.ones(3), requires_grad=True)
        h = x.exp()
        intermediate = weakref.ref(h.data)  # the graph holds the values, not the tensor
        y = (h * 2).sum()
        kept = y.detach()
        del h, y
        assert kept.item() == pytest.approx(6 * np.e)
        assert intermediate() is None
    finally:
        if enabled:
            gc.enable()


def test_backward_twice_with_retain_graph_accumulates_exactly_2x():
    x = Tensor([0.3, -1.2, 2.0], requires_grad=True)
    y = (x.exp() * x.tanh() + x ** 3).sum()
    y.backward(retain_graph=True)
    once = x.grad.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * once)
