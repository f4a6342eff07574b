"""autograd.functional against closed-form Jacobians and Hessians, centred differences, torch."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Tensor, grad, no_grad
from autograd.functional import hessian, hvp, jacobian, jvp, numerical_jacobian, vhp, vjp

RNG = np.random.default_rng(7)
A = RNG.normal(size=(2, 3))
S = RNG.normal(size=(3, 3))


def leaf(values):
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


# Closed forms: f, its Jacobian (or Hessian) at x.
def test_jacobian_of_a_vector_function():
    x = Tensor(RNG.normal(size=3))
    J = jacobian(lambda x: Tensor(A) @ x.tanh(), x)  # A diag(1 - tanh²x)
    np.testing.assert_allclose(J.data, A * (1 - np.tanh(x.data) ** 2), rtol=1e-12)
    assert J.shape == (2, 3) and not J.requires_grad


def test_jacobian_of_matrix_valued_functions_has_output_then_input_axes():
    x = Tensor(RNG.normal(size=(2, 2)))
    J = jacobian(lambda x: x * x, x)  # d (x²)[a, b] / d x[c, d] = 2 x[a, b] δac δbd
    expected = np.zeros((2, 2, 2, 2))
    for a, b in np.ndindex(2, 2):
        expected[a, b, a, b] = 2 * x.data[a, b]
    np.testing.assert_allclose(J.data, expected)
    np.testing.assert_allclose(jacobian(lambda x: x.sum(), x).data, np.ones((2, 2)))


def test_jacobian_with_tuple_inputs_and_outputs():
    x, y = Tensor([1.0, 2.0, 3.0]), Tensor(0.5)
    (Jxx, Jxy), (Jsx, Jsy), (Jzx, Jzy) = jacobian(
        lambda x, y: (x * y, (x ** 2).sum(), y * 3.0), (x, y))
    np.testing.assert_allclose(Jxx.data, 0.5 * np.eye(3))
    np.testing.assert_allclose(Jxy.data, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(Jsx.data, [2.0, 4.0, 6.0])
    assert Jsy.shape == () and Jsy.item() == 0.0  # independent of y: zeros
    np.testing.assert_array_equal(Jzx.data, np.zeros(3))
    assert Jzy.item() == 3.0
    # one Tensor input, tuple output: J[o]; tuple input, one output: J[i]
    Jx, Js = jacobian(lambda x: (x * 2, x.sum()), x)
    assert Jx.shape == (3, 3) and Js.shape == (3,)
    Jx, Jy = jacobian(lambda x, y: x * y, (x, y))
    assert Jx.shape == (3, 3) and Jy.shape == (3,)


def test_jacobian_runs_the_function_once():
    calls = []

    def f(x):
        calls.append(1)
        return x.exp()

    J = jacobian(f, Tensor([0.0, 1.0, 2.0, 3.0]))
    assert len(calls) == 1
    np.testing.assert_allclose(J.data, np.diag(np.exp([0.0, 1.0, 2.0, 3.0])))


def test_hessians_in_closed_form():
    x = Tensor(RNG.normal(size=3))
    # ½ xᵀ S x: (S + Sᵀ) / 2
    np.testing.assert_allclose(hessian(lambda x: 0.5 * (x @ (Tensor(S) @ x)), x).data,
                               (S + S.T) / 2, rtol=1e-12)
    # log Σ exp x: diag(p) - p pᵀ, p = softmax(x)
    p = softmax(x.data)
    np.testing.assert_allclose(hessian(lambda x: x.logsumexp(), x).data,
                               np.diag(p) - np.outer(p, p), rtol=1e-10, atol=1e-14)


def test_hessian_with_tuple_inputs():
    x, y = Tensor([1.0, -2.0]), Tensor(3.0)
    (Hxx, Hxy), (Hyx, Hyy) = hessian(lambda x, y: (x * x * y).sum() + y ** 3, (x, y))
    np.testing.assert_allclose(Hxx.data, 2 * 3.0 * np.eye(2))  # 2y I
    np.testing.assert_allclose(Hxy.data, [2.0, -4.0])  # 2x
    np.testing.assert_allclose(Hyx.data, [2.0, -4.0])
    assert Hyy.shape == () and Hyy.item() == pytest.approx(18.0)  # 6y


def test_vector_products_equal_the_closed_form_matrices():
    x = Tensor(RNG.normal(size=3))
    v3, v2 = Tensor(RNG.normal(size=3)), Tensor(RNG.normal(size=2))
    J = A * (1 - np.tanh(x.data) ** 2)

    def f(x):
        return Tensor(A) @ x.tanh()

    out, product = vjp(f, x, v2)
    np.testing.assert_allclose(out.data, A @ np.tanh(x.data))
    np.testing.assert_allclose(product.data, v2.data @ J, rtol=1e-12)
    out, product = jvp(f, x, v3)
    np.testing.assert_allclose(product.data, J @ v3.data, rtol=1e-12)
    p = softmax(x.data)
    H = np.diag(p) - np.outer(p, p)
    for transform in (hvp, vhp):
        out, product = transform(lambda x: x.logsumexp(), x, v3)
        assert out.shape == () and out.item() == pytest.approx(np.log(np.exp(x.data).sum()))
        np.testing.assert_allclose(product.data, H @ v3.data, rtol=1e-10, atol=1e-14)
        assert not product.requires_grad and not out.requires_grad


def test_vector_products_with_tuple_inputs_and_outputs():
    x, y = Tensor([1.0, 2.0]), Tensor(3.0)
    vx, vy = Tensor([0.5, -1.0]), Tensor(2.0)
    (o1, o2), (px, py) = vjp(lambda x, y: (x * y, y * y), (x, y), (vx, vy))
    np.testing.assert_allclose(px.data, vx.data * 3.0)  # vᵀ J
    assert py.item() == pytest.approx(vx.data @ x.data + 2 * 3.0 * 2.0)
    (o1, o2), (t1, t2) = jvp(lambda x, y: (x * y, y * y), (x, y), (vx, vy))
    np.testing.assert_allclose(t1.data, 3.0 * vx.data + x.data * 2.0)  # J v
    assert t2.item() == pytest.approx(2 * 3.0 * 2.0)
    for transform in (hvp, vhp):
        out, (hx, hy) = transform(lambda x, y: (x * x * y).sum(), (x, y), (vx, vy))
        np.testing.assert_allclose(hx.data, 2 * 3.0 * vx.data + 2 * x.data * 2.0)
        assert hy.item() == pytest.approx(2 * x.data @ vx.data)


def test_v_may_be_omitted_for_one_element_tensors_only():
    out, g = vjp(lambda x: (x * x).sum(), Tensor([1.0, 2.0]))
    np.testing.assert_allclose(g.data, [2.0, 4.0])
    out, t = jvp(lambda x: x * x, Tensor(3.0))
    assert t.shape == () and t.item() == 6.0
    assert hvp(lambda x: x ** 3, Tensor(2.0))[1].item() == 12.0
    with pytest.raises(RuntimeError, match="v can be None only"):
        vjp(lambda x: x * x, Tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="v can be None only"):
        jvp(lambda x: x.sum(), Tensor([1.0, 2.0]))


def test_create_graph_results_can_be_differentiated_again():
    x = leaf([0.5, -1.0, 2.0])
    J = jacobian(lambda x: x ** 3, x, create_graph=True)  # diag(3x²)
    assert J.requires_grad
    (g,) = grad(J.sum(), x)  # d/dx Σ 3x² = 6x
    np.testing.assert_allclose(g.data, 6 * x.data)
    H = hessian(lambda x: (x ** 4).sum(), x, create_graph=True)  # diag(12x²)
    (g,) = grad(H.sum(), x)
    np.testing.assert_allclose(g.data, 24 * x.data)
    v = leaf([1.0, 2.0, 3.0])
    out, product = vjp(lambda x: x * x, x, v, create_graph=True)  # 2 x v
    gx, gv = grad(product.sum(), (x, v))
    np.testing.assert_allclose(gx.data, 2 * v.data)
    np.testing.assert_allclose(gv.data, 2 * x.data)
    assert out.requires_grad
    _, product = hvp(lambda x: (x ** 3).sum(), x, v, create_graph=True)  # 6 x v
    gx, gv = grad(product.sum(), (x, v))
    np.testing.assert_allclose(gx.data, 6 * v.data)
    np.testing.assert_allclose(gv.data, 6 * x.data)
    _, product = jvp(lambda x: x.exp(), x, v, create_graph=True)  # eˣ v
    (gx,) = grad(product.sum(), x)
    np.testing.assert_allclose(gx.data, np.exp(x.data) * v.data)
    assert x.grad is None and v.grad is None


def test_strict_mode_refuses_independent_outputs_and_otherwise_gives_zeros():
    x, y = Tensor([1.0, 2.0]), Tensor([3.0])

    def uses_x(x, y):
        return x * 2

    assert np.all(jacobian(uses_x, (x, y))[1].data == 0)
    with pytest.raises(RuntimeError, match="output 0 .* independent of input 1.*strict"):
        jacobian(uses_x, (x, y), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1.*strict"):
        vjp(uses_x, (x, y), Tensor([1.0, 1.0]), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1.*strict"):
        jvp(uses_x, (x, y), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        jacobian(lambda x: Tensor([1.0]), x, strict=True)
    assert np.all(jacobian(lambda x: Tensor([1.0]), x).data == 0)
    # a linear function's Hessian is independent of the inputs
    assert np.all(hessian(lambda x: (x * 3.0).sum(), x).data == 0)
    with pytest.raises(RuntimeError, match="independent of the inputs.*strict"):
        hessian(lambda x: (x * 3.0).sum(), x, strict=True)
    with pytest.raises(RuntimeError, match="strict mode with create_graph=True"):
        jacobian(lambda x: x * 3.0, x, create_graph=True, strict=True)


def test_bad_arguments():
    x = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="Tensor or a tuple of Tensors, got list"):
        jacobian(lambda x: x, [x])
    with pytest.raises(TypeError, match="entry 1 is a float"):
        vjp(lambda x, y: x, (x, 2.0), x)
    with pytest.raises(TypeError, match="outputs of the function .* got float"):
        jacobian(lambda x: 1.0, x)
    with pytest.raises(ValueError, match=r"entry 0 of v has shape \(3,\), but output 0 has "
                                         r"shape \(2,\)"):
        vjp(lambda x: x * 2, x, Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="v has 2 entries, the inputs 1"):
        jvp(lambda x: x * 2, x, (x, x))
    with pytest.raises(RuntimeError, match="must return a single Tensor"):
        hessian(lambda x: (x.sum(),), x)
    with pytest.raises(RuntimeError, match=r"one element, got shape \(2,\)"):
        hvp(lambda x: x * x, x, x)


def test_transforms_work_inside_no_grad_and_leave_the_inputs_alone():
    x = leaf([1.0, 2.0])
    with no_grad():
        J = jacobian(lambda x: x * x, x)
        H = hessian(lambda x: (x ** 3).sum(), x)
    np.testing.assert_allclose(J.data, np.diag([2.0, 4.0]))
    np.testing.assert_allclose(H.data, np.diag([6.0, 12.0]))
    assert x.grad is None and x.grad_fn is None and x._version == 0


@given(st.lists(st.integers(0, 3), min_size=0, max_size=2).map(tuple), st.integers(0, 2 ** 31))
def test_jacobian_equals_centred_differences(shape, seed):
    rng = np.random.default_rng(seed)
    x, y = Tensor(rng.normal(size=shape)), Tensor(rng.normal(size=shape))

    def f(x, y):
        return ((x * y).tanh() + x ** 2, (x.exp() * y).sum())

    analytical, numerical = jacobian(f, (x, y)), numerical_jacobian(f, (x, y))
    for row_a, row_n in zip(analytical, numerical):
        for a, n in zip(row_a, row_n):
            assert a.shape == n.shape
            np.testing.assert_allclose(a.data, n, rtol=1e-6, atol=1e-8)


def test_numerical_jacobian_nesting_and_inputs_untouched():
    x = leaf([0.3, -0.4])
    before = x.data.copy()
    J = numerical_jacobian(lambda x: x ** 2, x)
    assert isinstance(J, np.ndarray) and J.dtype == np.float64
    np.testing.assert_allclose(J, np.diag(2 * before), rtol=1e-8)
    ((Jx,),) = numerical_jacobian(lambda x: (x.sum(),), (x,))  # tuple out, tuple in
    np.testing.assert_allclose(Jx, [1.0, 1.0])
    assert np.array_equal(x.data, before) and x._version == 0 and x.grad is None
    # the function may differentiate: the copies keep requires_grad
    J = numerical_jacobian(lambda x: grad((x ** 3).sum(), x, create_graph=True)[0], x)
    np.testing.assert_allclose(J, np.diag(6 * before), rtol=1e-6)


# ---- torch as an oracle: the same values and the same nesting ----------------------------
def _structure(result):
    """Nested tuples of shapes, for Tensors of either library."""
    if isinstance(result, tuple):
        return tuple(_structure(r) for r in result)
    return tuple(result.shape)


def _values(result):
    if isinstance(result, tuple):
        return [v for r in result for v in _values(r)]
    return [np.asarray(result.detach().numpy() if hasattr(result, "detach") else result.data)]


CASES = {  # name: (transform, function, number of inputs, v given as "inputs"/"outputs"/None)
    "jacobian T->T": ("jacobian", lambda x: (x * x).tanh(), 1, None),
    "jacobian T->tuple": ("jacobian", lambda x: (x.exp(), (x * x).sum()), 1, None),
    "jacobian tuple->T": ("jacobian", lambda x, y: x * y.sum(), 2, None),
    "jacobian tuple->tuple": ("jacobian", lambda x, y: (x * y, y.exp()), 2, None),
    "hessian T": ("hessian", lambda x: (x ** 3).sum(), 1, None),
    "hessian tuple": ("hessian", lambda x, y: (x * x * y).sum(), 2, None),
    "vjp T->T": ("vjp", lambda x: x.tanh() * 2, 1, "outputs"),
    "vjp tuple->tuple": ("vjp", lambda x, y: (x * y, y.sum()), 2, "outputs"),
    "jvp T->tuple": ("jvp", lambda x: (x.exp(), x.sum()), 1, "inputs"),
    "jvp tuple->T": ("jvp", lambda x, y: x * y, 2, "inputs"),
    "hvp T": ("hvp", lambda x: (x.exp() * x).sum(), 1, "inputs"),
    "hvp tuple": ("hvp", lambda x, y: (x * x * y).sum(), 2, "inputs"),
    "vhp tuple": ("vhp", lambda x, y: (x.tanh() * y).sum(), 2, "inputs"),
}


@pytest.mark.parametrize("name", CASES)
def test_values_and_nesting_equal_torch(name):
    torch = pytest.importorskip("torch")
    import autograd.functional as ours
    transform, func, n_inputs, v_like = CASES[name]
    rng = np.random.default_rng(len(name))
    arrays = [rng.normal(size=3) for _ in range(n_inputs)]

    def call(library, wrap):
        inputs = tuple(wrap(a) for a in arrays)
        inputs = inputs if n_inputs > 1 else inputs[0]
        args = {}
        if v_like == "inputs":
            args["v"] = inputs
        elif v_like == "outputs":
            outputs = func(*(inputs if n_inputs > 1 else (inputs,)))
            args["v"] = tuple(o * 0 + 0.5 for o in outputs) if isinstance(outputs, tuple) \
                else outputs * 0 + 0.5
            args["v"] = _detach(args["v"])
        return getattr(library, transform)(func, inputs, **args)

    mine = call(ours, Tensor)
    theirs = call(torch.autograd.functional, torch.from_numpy)
    assert _structure(mine) == _structure(theirs)
    for a, b in zip(_values(mine), _values(theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def _detach(v):
    return tuple(t.detach() for t in v) if isinstance(v, tuple) else v.detach()
