"""The NumPy surface: values equal NumPy's through autograd.<name>, the Tensor method and np.<name>;
NumPy's edge cases (empty axes, ddof >= n, 0-d axes); dispatch that never drops a gradient."""
import warnings

import numpy as np
import pytest

import autograd
from autograd import Tensor, numpy_dispatch
from autograd.ops import PUBLIC

rng = np.random.default_rng(7)
X = rng.uniform(0.2, 0.9, (2, 3))  # inside every domain below (arcsin, log, arccosh after +1)
Y = rng.uniform(0.5, 1.5, (3,))

# name -> (arguments built from arrays, keyword arguments)
UNARY = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
         "arctanh", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "cbrt",
         "square", "reciprocal", "abs", "sign", "floor", "ceil", "trunc", "round", "negative",
         "absolute", "isnan", "isinf", "isfinite"]
BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "power", "arctan2",
          "logaddexp", "hypot", "fmod", "mod", "remainder", "floor_divide", "maximum", "minimum",
          "less", "less_equal", "greater", "greater_equal", "equal", "not_equal"]
REDUCTIONS = ["sum", "mean", "prod", "max", "min", "amax", "amin", "var", "std", "argmax",
              "argmin", "any", "all"]


def numpy_and_autograd(name):
    return getattr(np, name), getattr(autograd, name)


@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_equal_numpy(name):
    np_fn, ag_fn = numpy_and_autograd(name)
    x = X + 1 if name == "arccosh" else X
    expected = np_fn(x)
    t = Tensor(x, requires_grad=True)
    for result in (ag_fn(t), np_fn(t)):
        assert isinstance(result, Tensor) or name in ("isnan", "isinf", "isfinite")
        np.testing.assert_allclose(np.asarray(result), expected)
        assert np.asarray(result).dtype == expected.dtype
    differentiable = expected.dtype.kind == "f" and name not in (
        "sign", "floor", "ceil", "trunc", "round")
    assert ag_fn(t).requires_grad == differentiable


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("sides", ["tensor-tensor", "tensor-ndarray", "ndarray-tensor"])
def test_binary_functions_equal_numpy_and_broadcast(name, sides):
    np_fn, ag_fn = numpy_and_autograd(name)
    expected = np_fn(X, Y)
    a = Tensor(X, requires_grad=True) if sides != "ndarray-tensor" else X
    b = Tensor(Y, requires_grad=True) if sides != "tensor-ndarray" else Y
    for result in (ag_fn(a, b), np_fn(a, b)):
        assert isinstance(result, Tensor)
        np.testing.assert_allclose(result.data, expected)
        assert result.dtype == expected.dtype


@pytest.mark.parametrize("uf", list(numpy_dispatch.OP_OF_UFUNC), ids=lambda uf: uf.__name__)
def test_a_ufunc_on_tensors_records_its_autograd_functions_op_and_gradient(uf):
    # the hot path of __array_ufunc__ applies the op class directly: the same node and the
    # same gradients (ties of maximum and minimum included) as the autograd function
    a = {np.maximum: np.where(X > 0.5, X, Y), np.minimum: np.where(X > 0.5, X, Y),  # ties
         np.arccosh: X + 1.0}.get(uf, X)
    args = [a] if uf.nin == 1 else [a, np.broadcast_to(Y, a.shape).copy()]
    grads = []
    for call in (uf, numpy_dispatch.DIFFERENTIABLE[uf]):
        leaves = [Tensor(v, requires_grad=True) for v in args]
        out = call(*leaves)
        (out * np.arange(1.0, out.size + 1).reshape(out.shape)).sum().backward()
        grads.append((type(out.grad_fn), [leaf.grad for leaf in leaves], out.data))
    (op_np, grads_np, out_np), (op_ag, grads_ag, out_ag) = grads
    assert op_np is op_ag
    np.testing.assert_array_equal(out_np, out_ag)
    for g_np, g_ag in zip(grads_np, grads_ag):
        np.testing.assert_array_equal(g_np, g_ag)
    if uf is np.maximum:
        assert 0.5 in grads_np[0] / np.arange(1.0, 7).reshape(2, 3)  # a tie was split


@pytest.mark.parametrize("sides", ["tensor-tensor", "tensor-ndarray", "ndarray-tensor"])
def test_np_matmul_on_tensors_records_matmul_with_its_gradients_and_messages(sides):
    a_data, b_data = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    a = Tensor(a_data, requires_grad=True) if sides != "ndarray-tensor" else a_data
    b = Tensor(b_data, requires_grad=True) if sides != "tensor-ndarray" else b_data
    out = np.matmul(a, b)
    assert isinstance(out, Tensor) and out.grad_fn.name == "matmul"
    np.testing.assert_allclose(out.data, a_data @ b_data)
    g = np.arange(8.0).reshape(2, 4)
    (out * g).sum().backward()
    if isinstance(a, Tensor):
        np.testing.assert_allclose(a.grad, g @ b_data.T)
    if isinstance(b, Tensor):
        np.testing.assert_allclose(b.grad, a_data.T @ g)
    with pytest.raises(ValueError, match=r"matmul shapes do not match: \(3, 4\) @ \(2, 3\)"):
        np.matmul(b, a)
    with pytest.raises(TypeError, match="keyword"):
        np.matmul(a, b, axes=[(-2, -1), (-2, -1), (-2, -1)])


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_equal_numpy(name, axis, keepdims):
    np_fn, ag_fn = numpy_and_autograd(name)
    if name in ("argmax", "argmin") and isinstance(axis, tuple):
        return  # NumPy takes one axis for these
    expected = np_fn(X, axis=axis, keepdims=keepdims)
    t = Tensor(X, requires_grad=True)
    results = [ag_fn(t, axis=axis, keepdims=keepdims), np_fn(t, axis=axis, keepdims=keepdims)]
    if hasattr(np.ndarray, name):  # a Tensor method wherever ndarray has one
        results.append(getattr(t, name)(axis=axis, keepdims=keepdims))
    for result in results:
        value = np.asarray(result.data if isinstance(result, Tensor) else result)
        np.testing.assert_allclose(value, expected)
        assert value.shape == np.shape(expected)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumulative_functions_equal_numpy(name, axis):
    np_fn, ag_fn = numpy_and_autograd(name)
    t = Tensor(X, requires_grad=True)
    for result in (ag_fn(t, axis=axis), np_fn(t, axis=axis), getattr(t, name)(axis=axis)):
        assert isinstance(result, Tensor) and result.requires_grad
        np.testing.assert_allclose(result.data, np_fn(X, axis=axis))


def test_every_dispatched_numpy_callable_gives_a_tensor_equal_to_numpy():
    # every elementwise entry of the table, on data inside all their domains
    checked = 0
    for np_fn, ag_fn in numpy_dispatch.DIFFERENTIABLE.items():
        if not isinstance(np_fn, np.ufunc) or np_fn.nout != 1 or np_fn.signature:
            continue  # elementwise ufuncs only (matmul has its own tests)
        args = [X + 1.0] if np_fn is np.arccosh else [X] if np_fn.nin == 1 else [X, X[::-1] + .5]
        if np_fn in (np.invert, np.bitwise_and, np.bitwise_or, np.bitwise_xor):
            args = [a > 0.5 for a in args]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            expected = np_fn(*args)
            result = np_fn(*[Tensor(a) for a in args])
        assert isinstance(result, Tensor), np_fn
        np.testing.assert_allclose(result.data, expected, err_msg=str(np_fn))
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize("call", [
    lambda t: np.add.at(t, [0], 1.0),
    lambda t: np.add.reduce(t),
    lambda t: np.multiply.outer(t, t),
    lambda t: np.exp(t, out=np.empty(3)),
    lambda t: np.sum(t, out=np.empty(())),
    lambda t: np.fft.fft(t),
    lambda t: np.convolve(t, t),
    lambda t: np.gradient(t),
    lambda t: np.interp(t, [0, 1], [0, 1]),
    lambda t: np.polyval(t, 2.0),
    lambda t: np.spacing(t),
    lambda t: np.nanmean(t),
], ids=["add.at", "add.reduce", "multiply.outer", "exp out=", "sum out=", "fft", "convolve",
        "gradient", "interp", "polyval", "spacing", "nanmean"])
def test_numpy_functions_without_a_counterpart_raise_type_error(call):
    t = Tensor([0.5, 1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"np\.|npgrad"):
        call(t)


@pytest.mark.parametrize("call, expected", [
    (lambda t: np.shape(t), (3,)),
    (lambda t: np.ndim(t), 1),
    (lambda t: np.allclose(t, [0.5, 1.0, 2.0]), True),
    (lambda t: np.argmax(t), 2),
    (lambda t: np.isnan(t).tolist(), [False, False, False]),
    (lambda t: np.array_equal(t, t), True),
])
def test_non_differentiable_numpy_functions_return_numpys_results(call, expected):
    t = Tensor([0.5, 1.0, 2.0], requires_grad=True)
    assert call(t) == expected


def test_the_issue_example_keeps_the_gradient_through_np_concatenate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3))
    w1 = Tensor(rng.normal(size=(3, 5)), requires_grad=True)
    w2 = Tensor(rng.normal(size=(8, 2)), requires_grad=True)
    h = np.maximum(x @ w1, 0)
    out = np.concatenate([h, x], 1) @ w2
    assert isinstance(out, Tensor)
    np.sum(out).backward()
    assert w1.grad is not None and np.abs(w1.grad).sum() > 0


def test_the_seed_numpy_affine_forward_runs_on_tensors():
    def affine_forward(x, w, b):  # the seed notebook's numpy code, unchanged
        out = x.reshape(x.shape[0], -1).dot(w) + b
        return out, (x, w, b)
    x = Tensor(rng.normal(size=(2, 3, 2)), requires_grad=True)
    w = Tensor(rng.normal(size=(6, 4)), requires_grad=True)
    b = Tensor(rng.normal(size=4), requires_grad=True)
    if not hasattr(Tensor, "dot") or Tensor.dot is None:
        pytest.skip("Tensor.dot is not in yet")
    out, _ = affine_forward(x, w, b)
    out.sum().backward()
    np.testing.assert_allclose(b.grad, [2.0] * 4)
    np.testing.assert_allclose(w.grad, x.data.reshape(2, 6).sum(0)[:, None] * np.ones(4))


def test_python_numbers_never_promote_float32_and_numpy_scalars_follow_numpy():
    t = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    assert (t * 2.0).dtype == np.float32
    assert np.sin(t).dtype == np.float32
    assert (np.ones(2, dtype=np.float32) * t).dtype == np.float32
    assert (np.float64(2.0) * t).dtype == np.float64  # as NumPy 2: a numpy scalar has a dtype


# ---- NumPy's values at the edges ------------------------------------------------------------

def test_mean_over_an_empty_axis_is_nan_as_numpy():
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for axis in (None, 0):
            expected = np.mean(np.zeros((0, 3)), axis=axis)
            result = Tensor(np.zeros((0, 3)), requires_grad=True).mean(axis=axis)
            np.testing.assert_array_equal(result.data, expected)


@pytest.mark.parametrize("values, ddof", [([1.0], 1), ([1.0, 2.0], 2), ([1.0, 2.0], 3),
                                          ([3.0, 3.0], 3)])
def test_var_and_std_with_ddof_at_least_n_give_numpys_inf_or_nan(values, ddof):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("var", "std"):
            expected = getattr(np, name)(values, ddof=ddof)
            result = getattr(Tensor(values), name)(ddof=ddof)
            np.testing.assert_array_equal(result.data, expected)
            assert not (result.data == 0 and np.signbit(result.data))  # never -0.0


def test_zero_d_tensors_take_axis_0_and_minus_1_as_numpy():
    t = Tensor(1.5, requires_grad=True)
    assert t.sum(0).item() == 1.5 and t.sum(-1).item() == 1.5
    assert t.softmax().item() == 1.0
    assert t.mean(axis=0).item() == 1.5
    with pytest.raises(ValueError, match="axis 1"):
        t.sum(1)


def test_zero_to_a_negative_power_has_minus_inf_gradient_in_the_exponent():
    y = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        (Tensor(0.0) ** y).sum().backward()
    np.testing.assert_array_equal(y.grad, [-np.inf, 0.0, 0.0])  # PyTorch's values
    x = Tensor([0.0, 0.0, 0.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        (x ** Tensor([-1.0, 0.0, 2.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [-np.inf, 0.0, 0.0])


def test_max_with_a_nan_sends_the_gradient_to_the_nan():
    x = Tensor([1.0, np.nan, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    x = Tensor([[1.0, np.nan, 3.0], [1.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [0, 0.5, 0.5]])


@pytest.mark.parametrize("route", ["attribute", "method", "constructor", "creation"])
def test_integer_tensors_cannot_require_grad_by_any_route(route):
    with pytest.raises(TypeError, match="floating"):
        if route == "attribute":
            Tensor(np.arange(3)).requires_grad = True
        elif route == "method":
            Tensor(np.arange(3)).requires_grad_()
        elif route == "constructor":
            Tensor(np.arange(3), requires_grad=True)
        else:
            autograd.arange(3, requires_grad=True)


def test_prod_with_zeros_has_exact_gradients():
    for values, expected in [([0.0, 2.0, 3.0], [6.0, 0.0, 0.0]),
                             ([0.0, 2.0, 0.0], [0.0, 0.0, 0.0]),
                             ([1.0, 2.0, 3.0], [6.0, 3.0, 2.0])]:
        x = Tensor(values, requires_grad=True)
        x.prod().backward()
        np.testing.assert_array_equal(x.grad, expected)


def test_cumprod_with_zeros_has_exact_gradients():
    x = Tensor([2.0, 0.0, 3.0, 0.0, 5.0], requires_grad=True)
    x.cumprod().sum().backward()
    # d/dx_i Σ_k Π_{j<=k} x_j, by hand: only x0 and the first zero get gradient
    np.testing.assert_array_equal(x.grad, [1.0, 2.0 + 6.0, 0.0, 0.0, 0.0])


def test_creation_functions_follow_numpy_and_take_requires_grad():
    assert autograd.zeros((2, 3)).shape == (2, 3)
    assert autograd.ones(2, dtype=np.float32).dtype == np.float32
    assert autograd.full((2,), 3.0, requires_grad=True).requires_grad
    assert autograd.arange(5).dtype.kind == "i"
    np.testing.assert_array_equal(autograd.linspace(0, 1, 5).data, np.linspace(0, 1, 5))
    np.testing.assert_array_equal(autograd.eye(3, k=1).data, np.eye(3, k=1))
    like = autograd.zeros_like(Tensor(np.ones((2, 2), dtype=np.float32)))
    assert like.dtype == np.float32 and not like.requires_grad


def test_every_public_function_and_tensor_method_has_a_docstring():
    missing = [name for name, fn in PUBLIC.items() if not (fn.__doc__ or "").strip()]
    missing += [f"Tensor.{name}" for name, member in vars(Tensor).items()
                if callable(member) and not name.startswith("_") and not (member.__doc__ or "").strip()]
    assert not missing, f"no docstring: {missing}"


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"isnan", "isinf", "isfinite"}))
@pytest.mark.parametrize("shape", [(0,), (2, 0), ()], ids=str)
def test_unary_functions_on_empty_and_zero_d_inputs_match_numpy(name, shape):
    x = np.full(shape, 0.5)
    t = Tensor(x, requires_grad=True)
    result = getattr(autograd, name)(t)
    np.testing.assert_array_equal(result.data, getattr(np, name)(x))
    if result.requires_grad:
        result.sum().backward()
        assert t.grad.shape == shape and t.grad.dtype == np.float64


@pytest.mark.parametrize("name", REDUCTIONS + ["cumsum", "cumprod"])
@pytest.mark.parametrize("shape, axis", [((0, 3), 0), ((0, 3), 1), ((2, 0), None), ((), None),
                                         ((), 0)], ids=str)
def test_reductions_on_empty_and_zero_d_inputs_match_numpy(name, shape, axis):
    x = np.full(shape, 0.5)
    cumulative = name in ("cumsum", "cumprod")
    kwargs = {"axis": axis} if cumulative else {"axis": axis, "keepdims": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = getattr(np, name)(x, **kwargs)
        except ValueError:  # e.g. the max of an empty axis: npgrad raises too
            if shape == ():  # np.mean refuses axis 0 of a 0-d array, np.sum takes it: npgrad
                expected = getattr(np, name)(x)  # takes it for every reduction, as PyTorch
                np.testing.assert_array_equal(getattr(autograd, name)(Tensor(x), **kwargs).data,
                                              expected)
                return
            with pytest.raises(ValueError):
                getattr(autograd, name)(Tensor(x), **kwargs)
            return
        t = Tensor(x, requires_grad=True)
        result = getattr(autograd, name)(t, **kwargs)
        np.testing.assert_array_equal(np.asarray(result.data), expected)
        if result.requires_grad:
            result.sum().backward()
            assert t.grad.shape == shape


def test_where_with_only_a_condition_gives_numpys_indices():
    t = Tensor([0.0, 2.0, 0.0, 3.0])
    (indices,) = autograd.where(t > 1)
    np.testing.assert_array_equal(indices, [1, 3])
