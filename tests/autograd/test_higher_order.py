"""Second and third derivatives through grad(create_graph=True), against hand-derived formulas."""
import numpy as np
import pytest

from autograd import Tensor, grad, gradcheck, numerical_gradient

rng = np.random.default_rng(17)


def hessian(f, x):
    """The full Hessian of scalar f at x, row by row: d/dx (d f / d x_i)."""
    x = Tensor(x, requires_grad=True)
    (g,) = grad(f(x), x, create_graph=True)
    g = g.reshape(-1)
    rows = []
    for i in range(g.shape[0]):
        (row,) = grad(g[i], x, retain_graph=True, allow_unused=True)
        rows.append(np.zeros(x.size) if row is None else row.data.reshape(-1))
    return np.stack(rows)


def test_hessian_of_sum_of_cubes_is_diag_6x():
    x = rng.normal(size=4)
    np.testing.assert_allclose(hessian(lambda t: (t ** 3).sum(), x), np.diag(6 * x), atol=1e-12)


def test_hessian_of_logsumexp_is_diag_p_minus_p_pT():
    x = rng.normal(size=5)
    p = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    np.testing.assert_allclose(hessian(lambda t: t.logsumexp(), x), np.diag(p) - np.outer(p, p),
                               atol=1e-12)


def test_hessian_of_x3y_plus_exp_xy():
    # f = x³y + e^{xy}: f_xx = 6xy + y² e^{xy}, f_xy = 3x² + e^{xy}(1 + xy), f_yy = x² e^{xy}
    x0, y0 = 0.7, -1.3
    xy = Tensor([x0, y0], requires_grad=True)

    def f(v):
        x, y = v[0], v[1]
        return x ** 3 * y + (x * y).exp()

    e = np.exp(x0 * y0)
    expected = np.array([[6 * x0 * y0 + y0 ** 2 * e, 3 * x0 ** 2 + e * (1 + x0 * y0)],
                         [3 * x0 ** 2 + e * (1 + x0 * y0), x0 ** 2 * e]])
    np.testing.assert_allclose(hessian(f, xy.data), expected, rtol=1e-12)


def test_hessian_of_two_separate_scalars():
    x, y = Tensor(0.7, requires_grad=True), Tensor(-1.3, requires_grad=True)
    f = x ** 3 * y + (x * y).exp()
    gx, gy = grad(f, [x, y], create_graph=True)
    fxx, fxy = grad(gx, [x, y], retain_graph=True)
    fyx, fyy = grad(gy, [x, y])
    e = np.exp(0.7 * -1.3)
    assert fxx.item() == pytest.approx(6 * 0.7 * -1.3 + 1.3 ** 2 * e, rel=1e-12)
    assert fxy.item() == pytest.approx(3 * 0.7 ** 2 + e * (1 + 0.7 * -1.3), rel=1e-12)
    assert fyx.item() == pytest.approx(fxy.item(), rel=1e-12)
    assert fyy.item() == pytest.approx(0.7 ** 2 * e, rel=1e-12)


def test_third_derivative_of_a_scalar_composition():
    # f = x² e^x: f''' = e^x (x² + 6x + 6)
    for x0 in (-1.5, 0.8, 2.0):
        x = Tensor(x0, requires_grad=True)
        f = x ** 2 * x.exp()
        (d1,) = grad(f, x, create_graph=True)
        (d2,) = grad(d1, x, create_graph=True)
        (d3,) = grad(d2, x)
        assert d1.item() == pytest.approx(np.exp(x0) * (x0 ** 2 + 2 * x0), abs=1e-12)
        assert d2.item() == pytest.approx(np.exp(x0) * (x0 ** 2 + 4 * x0 + 2), abs=1e-12)
        assert d3.item() == pytest.approx(np.exp(x0) * (x0 ** 2 + 6 * x0 + 6), abs=1e-12)


def test_third_derivative_of_x_squared_at_zero_is_zero():
    x = Tensor(0.0, requires_grad=True)
    (d1,) = grad(x ** 2, x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (0.0, 2.0, 0.0)


def test_third_derivative_of_tanh_and_sigmoid():
    # tanh''' = -2 (1 - t²)(1 - 3t²);  σ''' = σ(1-σ)(1 - 6σ + 6σ²)
    x0 = np.array([-0.9, 0.3, 1.7])
    for method, expected in [
        (Tensor.tanh, -2 * (1 - np.tanh(x0) ** 2) * (1 - 3 * np.tanh(x0) ** 2)),
        (Tensor.sigmoid, (lambda s: s * (1 - s) * (1 - 6 * s + 6 * s ** 2))(
            1 / (1 + np.exp(-x0)))),
    ]:
        x = Tensor(x0, requires_grad=True)
        (d1,) = grad(method(x).sum(), x, create_graph=True)
        (d2,) = grad(d1.sum(), x, create_graph=True)
        (d3,) = grad(d2.sum(), x)
        np.testing.assert_allclose(d3.data, expected, rtol=1e-10)


def test_second_derivatives_of_0d_ops_that_save_their_output():
    for method, second in [(Tensor.exp, np.exp), (Tensor.sqrt, lambda v: -0.25 * v ** -1.5),
                           (Tensor.sigmoid, lambda v: (lambda s: s * (1 - s) * (1 - 2 * s))(
                               1 / (1 + np.exp(-v))))]:
        x = Tensor(0.6, requires_grad=True)
        (d1,) = grad(method(x), x, create_graph=True)
        (d2,) = grad(d1, x)
        assert d2.item() == pytest.approx(second(0.6), rel=1e-12)


def test_hessian_vector_product():
    # f = ½ xᵀAx + Σ e^x:  H = (A + Aᵀ)/2 + diag(e^x)
    n = 4
    a = rng.normal(size=(n, n))
    x0, v = rng.normal(size=n), rng.normal(size=n)
    x = Tensor(x0, requires_grad=True)
    f = 0.5 * (x @ (a @ x)) + x.exp().sum()
    (g,) = grad(f, x, create_graph=True)
    (hv,) = grad((g * Tensor(v)).sum(), x)
    expected = ((a + a.T) / 2 + np.diag(np.exp(x0))) @ v
    np.testing.assert_allclose(hv.data, expected, rtol=1e-12)


def test_hessian_vector_product_of_a_small_network_matches_finite_differences():
    w1, w2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    inputs = rng.normal(size=(5, 3))
    labels = np.eye(2)[[0, 1, 1, 0, 1]]

    def loss(w):
        hidden = (Tensor(inputs) @ w).tanh()
        return -((hidden @ Tensor(w2)).log_softmax(axis=1) * labels).sum()

    def gradient(w_array):
        w = Tensor(w_array, requires_grad=True)
        return grad(loss(w), w)[0].data

    v = rng.normal(size=w1.shape)
    w = Tensor(w1, requires_grad=True)
    (g,) = grad(loss(w), w, create_graph=True)
    (hv,) = grad((g * v).sum(), w)
    h = 1e-6
    finite = (gradient(w1 + h * v) - gradient(w1 - h * v)) / (2 * h)
    np.testing.assert_allclose(hv.data, finite, rtol=1e-5, atol=1e-7)


def test_jacobian_vector_product_by_the_double_backward_trick():
    # u(v) = Jᵀv is linear in v; differentiating <u, w> with respect to v gives J w
    x0 = np.array([0.5, 1.0, -0.3])
    x = Tensor(x0, requires_grad=True)
    y = x.exp() * x[::-1]  # y_i = e^{x_i} x_{2-i}
    v = Tensor(np.zeros(3), requires_grad=True)
    (u,) = grad(y, x, grad_outputs=v, create_graph=True)
    w = np.array([1.0, -2.0, 0.5])
    (jw,) = grad(u, v, grad_outputs=w)
    jacobian = np.diag(np.exp(x0) * x0[::-1])
    jacobian[np.arange(3), np.arange(3)[::-1]] += np.exp(x0)
    np.testing.assert_allclose(jw.data, jacobian @ w, rtol=1e-12)


def test_gradient_of_a_gradient_passes_gradcheck():
    def gradient_of(x):
        (g,) = grad((x.tanh() * x.exp() + x ** 3).sum(), x, create_graph=True)
        return g

    assert gradcheck(gradient_of, [Tensor(rng.normal(size=(2, 3)), requires_grad=True)])


def test_numerical_hessian_agrees_on_a_mixed_expression():
    x0 = rng.uniform(0.5, 1.5, size=3)

    def f(t):
        return ((t.log() * t.sqrt()).sum() * t.softmax(axis=0)).sum() + t.var() * t.max()

    def gradient(array):
        t = Tensor(array, requires_grad=True)
        return grad(f(t), t)[0].data

    analytic = hessian(f, x0)
    numeric = np.stack([numerical_gradient(lambda a, i=i: gradient(a)[i], x0.copy())
                        for i in range(3)])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_create_graph_keeps_the_first_graph_for_another_backward():
    x = Tensor([0.4, -0.3], requires_grad=True)
    y = (x.exp() * x).sum()
    (g,) = grad(y, x, create_graph=True)
    y.backward()  # retain_graph defaults to create_graph
    np.testing.assert_allclose(x.grad, g.data)


def test_mixed_second_derivative_of_pow_at_a_zero_exponent():
    # d/dy (d/dx x^y) = x^(y-1) (1 + y log x), which is 1/x at y = 0
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Tensor([0.0, 0.0], requires_grad=True)
    (gx,) = grad((x ** y).sum(), x, create_graph=True)
    np.testing.assert_array_equal(gx.data, [0.0, 0.0])
    (gxy,) = grad(gx.sum(), y)
    np.testing.assert_allclose(gxy.data, [1.0, 0.5])
