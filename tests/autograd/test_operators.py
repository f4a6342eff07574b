"""The Python operators the NumPy surface adds: // % abs round ~ & | ^, format and copy."""
import numpy as np
import pytest

from autograd import Tensor, gradcheck


def test_floor_divide_and_mod_follow_python_and_numpy_on_either_side():
    a = np.array([7.0, -7.0, 5.5])
    t = Tensor(a, requires_grad=True)
    np.testing.assert_array_equal((t // 2).data, a // 2)
    np.testing.assert_array_equal((t % 3).data, a % 3)
    np.testing.assert_array_equal((10 // t).data, 10 // a)
    np.testing.assert_array_equal((10.0 % t).data, 10.0 % a)
    assert not (t // 2).requires_grad  # a zero gradient: never requires grad
    (t % 3).sum().backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0, 1.0])


def test_mod_is_differentiable_in_both_operands():
    x, y = Tensor([1.25, -2.6], requires_grad=True), Tensor([0.7, 1.1], requires_grad=True)
    assert gradcheck(lambda x, y: x % y, [x, y])


def test_abs_and_round_builtins():
    t = Tensor([-1.5, 2.25], requires_grad=True)
    assert isinstance(abs(t), Tensor) and abs(t).requires_grad
    np.testing.assert_array_equal(abs(t).data, [1.5, 2.25])
    np.testing.assert_array_equal(round(t).data, [-2.0, 2.0])  # halves to even, as NumPy
    np.testing.assert_array_equal(round(t, 1).data, [-1.5, 2.2])
    assert not round(t).requires_grad


def test_logical_operators_on_bool_and_integer_tensors():
    m1, m2 = Tensor(np.array([True, False, True])), Tensor(np.array([True, True, False]))
    assert (~m1).tolist() == [False, True, False]
    assert (m1 & m2).tolist() == [True, False, False]
    assert (m1 | m2).tolist() == [True, True, True]
    assert (m1 ^ m2).tolist() == [False, True, True]
    assert (m1 & np.array([False, True, True])).tolist() == [False, False, True]
    assert (Tensor(np.array([6, 3])) & 5).tolist() == [4, 1]
    t = Tensor([1.0, -2.0])
    assert ((t > 0) | (t < -1)).tolist() == [True, True]


def test_format_of_one_element_tensors():
    loss = Tensor(0.123456, requires_grad=True) * 1
    assert f"{loss:.4f}" == "0.1235"
    assert f"{Tensor([2.5]):.1f}" == "2.5"
    assert f"{Tensor([1.0, 2.0])}" == str(Tensor([1.0, 2.0]))
    with pytest.raises((TypeError, ValueError)):
        f"{Tensor([1.0, 2.0]):.2f}"


def test_copy_is_differentiable_and_owns_its_memory():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = x.copy()
    assert c.data is not x.data and not np.shares_memory(c.data, x.data)
    (c * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
