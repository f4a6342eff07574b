"""Tensor: construction and dtype rules, attributes, conversions, numpy interop, hashing."""
import numpy as np
import pytest

from autograd import Tensor, grad, maximum, where

# ---- construction ---------------------------------------------------------------------------


@pytest.mark.parametrize("data", [3, 3.5, True, [1, 2], [[1.0, 2.0], [3.0, 4.0]], (1, 2)],
                         ids=repr)
def test_numbers_and_lists_become_float64(data):
    t = Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


def test_a_python_int_is_a_float64_scalar():
    t = Tensor(3)
    assert t.shape == () and t.dtype == np.float64 and t.item() == 3.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_floating_arrays_keep_their_dtype_and_are_shared(dtype):
    array = np.array([1.0, 2.0], dtype=dtype)
    t = Tensor(array)
    assert t.dtype == dtype
    assert np.shares_memory(t.data, array)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_integer_and_bool_arrays_stay_integer_and_bool(dtype):
    array = np.array([1, 0, 1], dtype=dtype)
    t = Tensor(array)
    assert t.dtype == dtype and not t.requires_grad
    assert np.shares_memory(t.data, array)


def test_explicit_dtype_and_numpy_scalars():
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert Tensor(np.array([1.0, 2.0]), dtype=np.float32).dtype == np.float32
    assert Tensor(np.float32(2.5)).dtype == np.float32
    assert Tensor(np.float32(2.5)).shape == ()


def test_tensor_of_a_tensor_shares_its_data_without_history():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor(x * 2)
    assert y.grad_fn is None and not y.requires_grad
    np.testing.assert_array_equal(y.data, [2.0, 4.0])
    z = Tensor(x)
    assert np.shares_memory(z.data, x.data)


# ---- attributes and conversions ----------------------------------------------------------------


def test_attributes():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.dtype == np.float64
    assert x.is_leaf and x.requires_grad and x.grad is None and x.grad_fn is None
    assert isinstance(x.data, np.ndarray)
    np.testing.assert_array_equal(x.T.data, x.data.T)
    assert x.T.shape == (3, 2)
    y = x * 2
    assert not y.is_leaf and y.requires_grad and y.grad_fn.name == "mul"
    c = Tensor([1.0])
    assert c.is_leaf and not c.requires_grad


def test_T_of_a_3d_tensor_reverses_the_axes():
    x = Tensor(np.zeros((2, 3, 4)))
    assert x.T.shape == (4, 3, 2)


def test_numpy_item_tolist():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.numpy() is x.data
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert Tensor(2.5).item() == 2.5 and isinstance(Tensor(2.5).item(), float)
    assert Tensor([[7.0]]).item() == 7.0
    assert float(Tensor(1.5)) == 1.5 and int(Tensor(2.0)) == 2


def test_np_asarray_of_a_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    array = np.asarray(x)
    assert type(array) is np.ndarray and array.dtype == np.float64
    np.testing.assert_array_equal(array, [1.0, 2.0])
    assert np.asarray(x, dtype=np.float32).dtype == np.float32
    assert np.array(x).dtype != object


def test_len_and_iteration():
    x = Tensor(np.zeros((4, 2)))
    assert len(x) == 4
    assert [row.shape for row in x] == [(2,)] * 4


def test_repr():
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(Tensor([1.0], requires_grad=True)) == "Tensor([1.], requires_grad=True)"
    assert "dtype=float32" in repr(Tensor(np.array([1.0], dtype=np.float32)))
    assert "grad_fn=mul" in repr(Tensor([1.0], requires_grad=True) * 2)
    assert repr(Tensor(2.0)) == "Tensor(2.)"


# ---- comparisons, hashing --------------------------------------------------------------------


def test_comparisons_give_bool_tensors_without_grad():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    other = np.array([2.0, 2.0, 2.0])
    results = {
        "<": (x < 2, [True, False, False]), "<=": (x <= 2, [True, True, False]),
        ">": (x > 2, [False, False, True]), ">=": (x >= 2, [False, True, True]),
        "==": (x == 2, [False, True, False]), "!=": (x != 2, [True, False, True]),
        "ndarray <": (other < x, [False, False, True]),
        "Tensor >": (x > Tensor(other), [False, False, True]),
        "number on the left": (2.0 >= x, [True, True, False]),
    }
    for name, (result, expected) in results.items():
        assert isinstance(result, Tensor), name
        assert result.dtype == np.bool_, name
        assert not result.requires_grad and result.grad_fn is None, name
        np.testing.assert_array_equal(result.data, expected, err_msg=name)


def test_tensors_are_hashable_by_identity_despite_elementwise_eq():
    a, b = Tensor([1.0, 2.0]), Tensor([1.0, 2.0])
    assert len({a, b}) == 2
    assert len({a, a}) == 1
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    assert a in {a} and b not in {a}


# ---- numpy interop ---------------------------------------------------------------------------


@pytest.mark.parametrize("symbol", ["+", "-", "*", "/", "**", "@"])
def test_ndarray_op_tensor_returns_a_tensor_not_an_object_array(symbol):
    import operator
    op = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "**": operator.pow, "@": operator.matmul}[symbol]
    array = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = Tensor([[0.5, 1.5], [2.0, 0.25]], requires_grad=True)
    out = op(array, t)
    assert type(out) is Tensor
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, op(array, t.data))
    assert out.requires_grad
    scalar_out = op(np.float64(2.0), t) if symbol != "@" else None
    if scalar_out is not None:
        assert type(scalar_out) is Tensor


def test_python_numbers_never_promote():
    x = Tensor(np.ones(2, dtype=np.float32))
    for out in (x * 2.0, 2.0 * x, x + 1, x / 3.0, 3.0 - x, x ** 2.0, 2.0 ** x, maximum(x, 0.0),
                where(x.data > 0, x, 0.0)):
        assert out.dtype == np.float32


# ---- no op writes into its inputs ---------------------------------------------------------


def test_no_op_writes_into_its_inputs_arrays():
    rng = np.random.default_rng(0)
    a_values = rng.uniform(0.5, 2.0, size=(3, 4))
    b_values = rng.uniform(0.5, 2.0, size=(4,))
    index = np.array([0, 0, 2])
    a_copy, b_copy, index_copy = a_values.copy(), b_values.copy(), index.copy()
    a = Tensor(a_values, requires_grad=True)
    b = Tensor(b_values, requires_grad=True)
    outputs = [
        a + b, a - b, a * b, a / b, a ** b, -a, a.exp(), a.log(), a.sqrt(), a.abs(), a.tanh(),
        a.sigmoid(), a.relu(), a.clip(0.8, 1.2), maximum(a, b), where(a.data > 1, a, b),
        a.sum(axis=0), a.mean(), a.max(axis=1), a.min(), a.var(), a.logsumexp(axis=1),
        a.softmax(), a.log_softmax(axis=0), a.reshape(-1), a.T, a.transpose(1, 0), a.flatten(),
        a.expand_dims(0).squeeze(), a.broadcast_to((2, 3, 4)), a[index], a[a.data > 1],
        a[::-1], a @ b, b @ a.T, a.astype(np.float32),
    ]
    total = outputs[0].sum()
    for out in outputs[1:]:
        total = total + out.sum()
    np.testing.assert_array_equal(a_values, a_copy)
    np.testing.assert_array_equal(b_values, b_copy)
    g = np.ones(())
    total.backward(g, retain_graph=True)
    (gx,) = grad(total, a, create_graph=True)
    np.testing.assert_array_equal(a_values, a_copy)
    np.testing.assert_array_equal(b_values, b_copy)
    np.testing.assert_array_equal(index, index_copy)
    np.testing.assert_array_equal(g, 1.0)
    assert a.data is a_values and b.data is b_values


# ---- detach, requires_grad_ ------------------------------------------------------------------


def test_detach_shares_data_and_has_no_history():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    assert np.shares_memory(d.data, y.data)
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # d is a constant


def test_requires_grad_():
    x = Tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    x.requires_grad_(False)
    assert not x.requires_grad
    assert not (x * 2).requires_grad
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)
