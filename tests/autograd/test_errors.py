"""Every error of API.md: the exception type, and a message that names the shapes, op or values."""
import re

import numpy as np
import pytest

from autograd import (Tensor, concatenate, detect_anomaly, grad, maximum, no_grad, stack,
                      where)
from autograd.ops import Op


def leaf(*shape):
    return Tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape), requires_grad=True)


def shape_pattern(*shape):
    """A regex for a shape as numpy or Python prints it: (2,3) or (2, 3)."""
    inner = r",\s?".join(str(n) for n in shape)
    return r"\(" + inner + (r",\)" if len(shape) == 1 else r"\)")


def assert_names(message, *patterns):
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in {message!r}"


# ---- shape mismatches: ValueError ------------------------------------------------------------

BROADCAST_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "maximum": maximum,
    "where": lambda a, b: where(np.ones((2, 3), dtype=bool), a, b),
}


@pytest.mark.parametrize("name", sorted(BROADCAST_OPS))
def test_broadcast_mismatch_names_both_shapes(name):
    with pytest.raises(ValueError) as info:
        BROADCAST_OPS[name](leaf(2, 3), leaf(4))
    assert_names(str(info.value), shape_pattern(2, 3), shape_pattern(4))


def test_broadcast_mismatch_with_an_ndarray_on_the_left():
    with pytest.raises(ValueError) as info:
        np.ones((2, 3)) + leaf(4)
    assert_names(str(info.value), shape_pattern(2, 3), shape_pattern(4))


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as info:
        leaf(2, 3) @ leaf(4, 5)
    assert_names(str(info.value), "matmul", shape_pattern(2, 3), shape_pattern(4, 5))
    with pytest.raises(ValueError) as info:
        leaf(3) @ leaf(4)
    assert_names(str(info.value), shape_pattern(3), shape_pattern(4))


def test_reshape_to_a_wrong_size_names_both_shapes():
    with pytest.raises(ValueError) as info:
        leaf(2, 3).reshape(4, 2)
    assert_names(str(info.value), shape_pattern(2, 3), shape_pattern(4, 2))
    with pytest.raises(ValueError) as info:
        leaf(2, 3).reshape((-1, 4))
    assert_names(str(info.value), shape_pattern(2, 3), shape_pattern(-1, 4))


def test_broadcast_to_an_incompatible_shape_names_both_shapes():
    with pytest.raises(ValueError) as info:
        leaf(2, 3).broadcast_to((4, 3))
    assert_names(str(info.value), shape_pattern(2, 3), shape_pattern(4, 3))


def test_concatenate_and_stack_mismatches_name_the_shapes():
    with pytest.raises(ValueError) as info:
        concatenate([leaf(2, 3), leaf(3, 2)], axis=1)
    assert_names(str(info.value), shape_pattern(2, 3), shape_pattern(3, 2))
    with pytest.raises(ValueError) as info:
        stack([leaf(2, 3), leaf(3, 3)])
    assert_names(str(info.value), shape_pattern(2, 3), shape_pattern(3, 3))


def test_bad_axes_name_the_axis_and_shape():
    with pytest.raises(ValueError, match="3"):
        leaf(2, 3).sum(axis=3)
    with pytest.raises(ValueError, match="-3"):
        leaf(2, 3).max(axis=(0, -3))
    with pytest.raises(ValueError) as info:
        leaf(2, 3).transpose(0, 0)
    assert_names(str(info.value), shape_pattern(2, 3))
    with pytest.raises(ValueError) as info:
        leaf(2, 3).squeeze(0)
    assert_names(str(info.value), shape_pattern(2, 3))
    with pytest.raises(ValueError, match="4"):
        leaf(2, 3).expand_dims(4)
    with pytest.raises(ValueError, match="2"):
        leaf(2, 3).softmax(axis=2)


def test_max_of_an_empty_tensor():
    with pytest.raises(ValueError) as info:
        Tensor(np.zeros((0, 3))).max()
    assert_names(str(info.value), shape_pattern(0, 3))


def test_index_out_of_range_names_the_shape():
    with pytest.raises(IndexError) as info:
        leaf(2, 3)[5]
    assert_names(str(info.value), shape_pattern(2, 3), "5")


def test_item_and_bool_of_a_many_element_tensor_name_the_shape():
    with pytest.raises(ValueError) as info:
        leaf(2, 3).item()
    assert_names(str(info.value), shape_pattern(2, 3))
    with pytest.raises(ValueError) as info:
        bool(leaf(2, 3) > 0)
    assert_names(str(info.value), shape_pattern(2, 3))


# ---- wrong types: TypeError ----------------------------------------------------------------


@pytest.mark.parametrize("data", ["a", None, {"x": 1}, object()], ids=repr)
def test_tensor_of_a_non_number_is_a_type_error(data):
    with pytest.raises(TypeError) as info:
        Tensor(data)
    assert type(data).__name__ in str(info.value)


def test_tensor_of_a_non_numeric_array_is_a_type_error():
    with pytest.raises(TypeError, match="<U1|str|dtype"):
        Tensor(np.array(["a", "b"]))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_and_bool_tensors_cannot_require_grad(dtype):
    data = np.array([1, 0], dtype=dtype)
    with pytest.raises(TypeError) as info:
        Tensor(data, requires_grad=True)
    assert np.dtype(dtype).name in str(info.value)
    with pytest.raises(TypeError) as info:
        Tensor(data).requires_grad_()
    assert np.dtype(dtype).name in str(info.value)


def test_where_needs_a_boolean_condition():
    with pytest.raises(TypeError, match="int64"):
        where(np.array([1, 0]), leaf(2), leaf(2))


def test_len_of_a_0d_tensor():
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_grad_needs_tensors():
    with pytest.raises(TypeError, match="ndarray"):
        grad(leaf(2).sum(), [np.ones(2)])


# ---- backward and grad ------------------------------------------------------------------------


def test_backward_on_a_non_scalar_without_gradient_names_the_shape():
    with pytest.raises(RuntimeError) as info:
        (leaf(2, 3) * 2).backward()
    assert_names(str(info.value), shape_pattern(2, 3))


def test_backward_with_a_gradient_of_the_wrong_shape_names_both_shapes():
    with pytest.raises(ValueError) as info:
        (leaf(2, 3) * 2).backward(np.ones((3, 2)))
    assert_names(str(info.value), shape_pattern(3, 2), shape_pattern(2, 3))
    with pytest.raises(ValueError) as info:
        grad(leaf(2, 3) * 2, [leaf(1)], grad_outputs=Tensor(np.ones(6)))
    assert_names(str(info.value), shape_pattern(6), shape_pattern(2, 3))


def test_backward_twice_through_a_freed_graph_mentions_retain_graph():
    x = leaf(3)
    y = (x * x).sum()
    y.backward()
    grad_before = x.grad.copy()
    with pytest.raises(RuntimeError, match="retain_graph") as info:
        y.backward()
    assert "second time" in str(info.value) or "freed" in str(info.value)
    np.testing.assert_array_equal(x.grad, grad_before)  # a failed backward changes nothing


def test_grad_twice_through_a_freed_graph_mentions_retain_graph():
    x = leaf(3)
    y = (x.exp()).sum()
    grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph"):
        grad(y, x)


def test_grad_of_an_unused_input_names_it_unless_allow_unused():
    x, unused = leaf(2), leaf(3, 1)
    with pytest.raises(RuntimeError) as info:
        grad((x * 2).sum(), [x, unused])
    assert_names(str(info.value), "input 1", shape_pattern(3, 1), "allow_unused")
    gx, gu = grad((x * 2).sum(), [x, unused], allow_unused=True)
    np.testing.assert_array_equal(gx.data, [2.0, 2.0])
    assert gu is None


def test_grad_of_an_input_that_does_not_require_grad():
    constant = Tensor([1.0, 2.0])
    with pytest.raises(RuntimeError) as info:
        grad((leaf(2) * constant).sum(), constant)
    assert_names(str(info.value), shape_pattern(2), "require")


def test_backward_of_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError) as info:
        Tensor([1.0, 2.0]).sum().backward()
    assert "require" in str(info.value)


def test_grad_with_a_wrong_number_of_grad_outputs():
    x = leaf(2)
    with pytest.raises(ValueError, match="2.*1|1.*2"):
        grad([x * 2], x, grad_outputs=[np.ones(2), np.ones(2)])


# ---- in-place updates and version counters -----------------------------------------------------


def test_in_place_change_of_a_saved_tensor_names_the_op():
    x = leaf(3)
    constant = Tensor([1.0, 2.0, 3.0])
    y = x * constant
    constant += 1
    with pytest.raises(RuntimeError, match="'mul'"):
        y.sum().backward()


def test_in_place_change_of_a_saved_intermediate_under_no_grad_names_the_op():
    x = leaf(3)
    h = x * 2
    y = (h * h).sum()
    with no_grad():
        h += 1
    with pytest.raises(RuntimeError, match="'mul'"):
        y.backward()


def test_in_place_change_of_an_input_that_is_not_read_is_allowed():
    # add never reads its inputs' values: changing one afterwards cannot corrupt the gradient
    x = leaf(3)
    constant = Tensor([1.0, 2.0, 3.0])
    y = x + constant
    constant += 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 1.0])


def test_in_place_change_of_a_0d_value_after_its_use_leaves_the_recorded_gradient():
    # a node holds a 0-d input as a numpy scalar, which no update can change: nothing to detect
    x = Tensor(3.0, requires_grad=True)
    h = x * 2.0  # 6.0
    y = h * h
    h += 1  # h is 7.0 from here on; y was computed, and is differentiated, with 6.0
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * 6.0 * 2.0)
    with no_grad():
        x[...] = 100.0  # the same for a leaf
    (g,) = grad(x * x, x)
    np.testing.assert_array_equal(g.data, 200.0)


def test_in_place_change_of_an_output_saved_by_its_op_is_detected():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    with no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="'exp'"):
        y.sum().backward()


def test_in_place_change_through_a_detached_alias_is_detected():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    alias = x.detach()
    alias += 1
    with pytest.raises(RuntimeError, match="'mul'"):
        y.sum().backward()


@pytest.mark.parametrize("view", ["slice", "reshape", "transpose"])
def test_in_place_change_through_a_view_of_a_saved_tensor_is_detected(view):
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = x * 2
    y = (h * h).sum()  # saves h
    alias = {"slice": lambda t: t[0:1], "reshape": lambda t: t.reshape(-1),
             "transpose": lambda t: t.T}[view](h)
    with no_grad():
        alias *= 0
    with pytest.raises(RuntimeError, match="'mul'"):
        y.backward()


def test_in_place_change_of_a_saved_output_through_a_view_is_detected():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    view = y[0:1]
    with no_grad():
        view += 1
    with pytest.raises(RuntimeError, match="'exp'"):
        y.sum().backward()


def test_in_place_change_of_the_base_of_a_saved_detached_alias_is_detected():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    alias = x.detach()
    y = (alias * w).sum()  # saves alias for w's gradient
    with no_grad():
        x += 1
    with pytest.raises(RuntimeError, match="'mul'"):
        y.backward()


@pytest.mark.parametrize("update", ["+=", "-=", "*=", "/="])
def test_in_place_update_of_a_leaf_that_requires_grad(update):
    x = Tensor([2.0, 4.0], requires_grad=True)
    apply_update = {"+=": lambda t: t.__iadd__(2.0), "-=": lambda t: t.__isub__(2.0),
                    "*=": lambda t: t.__imul__(2.0), "/=": lambda t: t.__itruediv__(2.0)}[update]
    with pytest.raises(RuntimeError) as info:
        apply_update(x)
    assert_names(str(info.value), shape_pattern(2), "no_grad")
    np.testing.assert_array_equal(x.data, [2.0, 4.0])
    data, version = x.data, x._version
    with no_grad():
        result = apply_update(x)
    assert result is x and x.data is data  # in place: same tensor, same buffer
    expected = {"+=": [4.0, 6.0], "-=": [0.0, 2.0], "*=": [4.0, 8.0], "/=": [1.0, 2.0]}[update]
    np.testing.assert_array_equal(x.data, expected)
    assert x._version == version + 1


def test_in_place_update_of_a_leaf_by_a_tensor_requiring_grad_is_refused():
    w = Tensor([2.0, 4.0], requires_grad=True)
    delta = Tensor([1.0, 1.0], requires_grad=True)
    original = w
    with pytest.raises(RuntimeError) as info:
        w += delta
    assert_names(str(info.value), shape_pattern(2), "no_grad")
    assert original.is_leaf
    np.testing.assert_array_equal(original.data, [2.0, 4.0])


def test_in_place_update_of_a_non_leaf_keeps_the_gradient_right():
    x = leaf(2)
    y = x * 2
    y += x
    y *= 3
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [9.0, 9.0])


def test_in_place_add_of_a_tensor_requiring_grad_into_a_constant_keeps_the_gradient():
    x = leaf(2)
    total = Tensor([0.0, 0.0])
    total += x * 3
    assert total.requires_grad
    total.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


# ---- anomaly detection --------------------------------------------------------------------------


def test_detect_anomaly_in_a_forward_names_the_op_and_input_shapes():
    x = Tensor([[0.0, 1.0]], requires_grad=True)
    with np.errstate(divide="ignore"), detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            x.log()
    assert_names(str(info.value), "'log'", shape_pattern(1, 2))
    with np.errstate(divide="ignore"), detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            Tensor([1.0, 2.0], requires_grad=True) / Tensor(0.0)
    assert_names(str(info.value), "'div'", shape_pattern(2), r"\(\)")


def test_detect_anomaly_in_a_backward_names_the_op_that_produced_it():
    x = Tensor([0.0, 4.0], requires_grad=True)
    y = x.sqrt() * 3  # sqrt(0) is fine; its derivative 1 / (2 sqrt(0)) is not
    with np.errstate(divide="ignore"), detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            y.sum().backward()
    assert_names(str(info.value), "'sqrt'", shape_pattern(2))
    assert "'mul'" not in str(info.value)


def test_detect_anomaly_names_the_input_when_a_leaf_comes_before_an_op_result():
    # the input's index is found by identity: a leaf compared with == would give a Tensor
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([1.0, 4.0], requires_grad=True)
    with np.errstate(divide="ignore"), detect_anomaly():
        (w * x.sqrt()).sum().backward()  # finite everywhere: quiet
        np.testing.assert_allclose(w.grad, [1.0, 2.0])
        x = Tensor([0.0, 4.0], requires_grad=True)
        with pytest.raises(FloatingPointError, match=r"'sqrt'.*input 0"):
            (w * x.sqrt()).sum().backward()


def test_without_detect_anomaly_nan_passes_silently():
    with np.errstate(divide="ignore"):
        y = Tensor([0.0], requires_grad=True).log()
    assert np.isneginf(y.data).all()


def test_detect_anomaly_is_quiet_on_finite_values():
    x = Tensor([0.5, 2.0], requires_grad=True)
    with detect_anomaly():
        (x.log() * x.sqrt()).sum().backward()
    assert np.isfinite(x.grad).all()


# ---- the registry ----------------------------------------------------------------------------


def test_two_ops_with_one_name_are_refused():
    with pytest.raises(RuntimeError, match="'mul'"):
        class AnotherMul(Op):  # noqa: F841
            __slots__ = ()
            name = "mul"
