"""Item assignment and in-place operators, case by case as PyTorch behaves."""
import numpy as np
import pytest

from autograd import Tensor, gradcheck, no_grad


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_assignment_on_a_constant_tensor_writes_in_place():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    alias = t.detach()
    t[t < 2] = 0
    t[1, 2] = 50
    np.testing.assert_array_equal(alias.data, [[0, 0, 2], [3, 4, 50]])  # aliases see it
    assert t.grad_fn is None and not t.requires_grad


def test_assignment_is_differentiable_for_the_old_tensor_and_the_value():
    x, v = leaf([1.0, 2.0, 3.0, 4.0]), leaf([10.0, 20.0])
    y = x * 2
    y[1:3] = v
    (y * Tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 0.0, 8.0])
    np.testing.assert_array_equal(v.grad, [2.0, 3.0])


def test_assignment_broadcasts_the_value_and_sums_its_gradient():
    x, v = leaf(np.ones((2, 3))), leaf(5.0)
    y = x + 0
    y[:, 1] = v
    y.sum().backward()
    assert v.grad == 2.0
    np.testing.assert_array_equal(x.grad, [[1, 0, 1], [1, 0, 1]])


def test_repeated_indices_in_assignment_give_the_gradient_to_the_copy_that_lands():
    x, v = leaf(np.zeros(3)), leaf([1.0, 2.0, 3.0])
    y = x + 0
    y[np.array([0, 0, 2])] = v  # numpy keeps the last write to 0
    np.testing.assert_array_equal(y.data, [2.0, 0.0, 3.0])
    (y * Tensor([10.0, 20.0, 30.0])).sum().backward()
    np.testing.assert_array_equal(v.grad, [0.0, 10.0, 30.0])
    np.testing.assert_array_equal(x.grad, [0.0, 20.0, 0.0])


def test_assignment_with_a_boolean_mask_and_a_tensor_index():
    x = leaf([-1.0, 2.0, -3.0])
    y = x * 1
    y[y < 0] = 0
    y[Tensor(np.array([1]))] = y[Tensor(np.array([1]))] * 3
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(x.grad, [0.0, 3.0, 0.0])


def test_a_value_that_requires_grad_gives_a_constant_tensor_a_history():
    t = Tensor(np.zeros(3))
    w = leaf([2.0])
    t[1:2] = w
    assert t.requires_grad and t.grad_fn.name == "setitem"
    (t * t).sum().backward()
    np.testing.assert_array_equal(w.grad, [4.0])


def test_later_ops_use_the_new_values_and_earlier_ones_the_old_history():
    x = leaf([1.0, 2.0])
    y = x * 1
    before = y + 1  # recorded before the update: its gradient follows y's old history
    y += x  # y = 2x now
    after = y * 1
    (before + after).sum().backward()
    np.testing.assert_array_equal(after.data, [2.0, 4.0])
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_in_place_operators_on_tensors_with_history_match_their_out_of_place_gradients(op):
    def in_place(x, w):
        y = x * 1.5
        if op == "+=":
            y += w
        elif op == "-=":
            y -= w
        elif op == "*=":
            y *= w
        else:
            y /= w
        return y
    x, w = leaf([0.5, -1.0, 2.0]), leaf([1.5, 2.0, -0.5])
    assert gradcheck(in_place, [x, w])
    y = in_place(x, w)
    assert y.grad_fn.name in ("add", "sub", "mul", "div")


def test_in_place_operator_keeps_the_object_and_every_alias_sees_the_values():
    x = leaf([1.0, 2.0])
    y = x * 1
    same = y
    view = y[0:1]
    y *= 3
    assert same is y
    np.testing.assert_array_equal(view.data, [3.0])


def test_backward_through_an_op_that_saved_the_overwritten_values_raises():
    x = leaf([1.0, 2.0])
    y = x * 1
    z = y * y  # mul saved y
    y[0] = 5.0
    with pytest.raises(RuntimeError, match=r"'mul'.*shape \(2,\).*modified in place"):
        z.sum().backward()


def test_an_op_that_does_not_need_the_overwritten_values_still_backpropagates():
    x = leaf([1.0, 2.0])
    y = x * 1
    z = y * 3.0  # mul reads y only for the gradient of 3.0, which needs none (as PyTorch)
    s = y + 1
    y[0] = 5.0
    (z + s).sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])


def test_writing_through_a_reshaped_view_names_the_op_and_shape_in_the_error():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    y = x.exp()
    view = y.reshape(2, 2)
    with no_grad():
        view[0, 0] = 0.0
    with pytest.raises(RuntimeError, match=r"'exp'.*shape \(4,\).*modified in place"):
        y.sum().backward()


def test_an_update_through_a_view_rewrites_the_bases_history():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    a = x * 1
    b = a[:2]
    b *= 5
    a.sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0, 1.0, 1.0])  # PyTorch's values


def test_every_write_through_a_view_reaches_the_base_not_only_the_first():
    x = leaf([1.0, 1.0, 1.0])
    a = x * 1
    b = a[0:2]
    b *= 2
    b *= 3  # b's node is now the first update's, not the view's: the base is still reached
    b[0] = b[0] * 4
    (a * Tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(a.data, [24.0, 6.0, 1.0])
    np.testing.assert_array_equal(x.grad, [24.0, 12.0, 3.0])  # PyTorch's values


def test_a_view_of_a_view_passes_a_write_down_to_the_root():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    a = x * 1
    c = a.reshape(2, 2)[1]  # a view of a view; the middle one is no longer referenced
    c *= 10
    c *= 2
    (a * a).sum().backward()
    np.testing.assert_array_equal(a.data, [1.0, 2.0, 60.0, 80.0])
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 2400.0, 3200.0])


def test_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf tensor of shape \\(2,\\).*no_grad"):
        w[0] = 3.0
    with pytest.raises(RuntimeError, match="leaf"):
        w += 1
    np.testing.assert_array_equal(w.data, [1.0, 2.0])  # nothing half-changed
    with no_grad():
        w[0] = 3.0
        w += 1
    np.testing.assert_array_equal(w.data, [4.0, 3.0])


def test_a_view_of_a_leaf_that_requires_grad_is_refused():
    w = leaf([1.0, 2.0])
    view = w[0:1]
    with pytest.raises(RuntimeError, match="view of a leaf"):
        view += 1
    np.testing.assert_array_equal(w.data, [1.0, 2.0])


def test_a_view_without_history_cannot_take_a_value_that_requires_grad():
    base = Tensor(np.zeros(4))
    view = base[:2]  # not recorded: base needs no gradient
    with pytest.raises(RuntimeError, match="view of another array"):
        view[0] = leaf(1.0)


def test_a_value_that_requires_grad_cannot_go_into_an_integer_tensor():
    with pytest.raises(TypeError, match="int64"):
        Tensor(np.arange(3))[0] = leaf(1.0)


def test_a_bad_assignment_names_both_shapes():
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        (leaf([1.0, 2.0, 3.0]) * 1)[:] = leaf([1.0, 2.0])


def test_matches_torch_on_a_mixed_sequence_of_updates():
    torch = pytest.importorskip("torch")
    values, v_values = np.array([0.5, -1.5, 2.0, 3.0]), np.array([0.25, -2.0])

    def run(T, requires, no_grad_ctx):
        x = T(values.copy(), **requires)
        v = T(v_values.copy(), **requires)
        y = x * 2
        z = y + 1
        y[1:3] = v
        y *= x
        view = y[0:2]
        view += v
        w = (y * z).sum() + (y ** 2).sum()
        w.backward()
        return np.asarray(x.grad), np.asarray(v.grad), float(w.item() if hasattr(w, "item") else w)

    ours = run(lambda a, **k: Tensor(a, requires_grad=True), {}, no_grad)
    theirs = run(lambda a, **k: torch.tensor(a, dtype=torch.float64, requires_grad=True), {}, None)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)
