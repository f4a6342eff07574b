"""nn.layers: the seed notebook's layer functions, checked with the seed's own numbers."""
import warnings

import numpy as np
import pytest
from scipy.optimize import check_grad

from autograd import numerical_gradient, rel_error
from autograd.ops import REGISTRY
from nn.layers import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss


def seed_softmax_loss(x, y):
    """The seed notebook's softmax_loss, run on a copy (it writes into its probabilities)."""
    n = len(y)
    exp_scores = np.exp(x)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -float(np.sum(np.log(probs[range(n), y]))) / n
    dx = probs
    dx[range(n), y] -= 1
    dx /= n
    return loss, dx


# ---- the seed's checks ----------------------------------------------------------------------
def test_affine_forward_matches_the_seed():
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, cache = affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297],
                            [3.25553199, 3.5141327, 3.77273342]])
    assert type(out) is np.ndarray and out.shape == (2, 3)
    assert rel_error(out, correct_out) < 1e-8
    assert all(a is b for a, b in zip(cache, (x, w, b)))


def test_affine_backward_matches_numerical_gradients():
    rng = np.random.default_rng(231)
    x = rng.normal(size=(10, 2, 3))
    w = rng.normal(size=(6, 5))
    b = rng.normal(size=5)
    dout = rng.normal(size=(10, 5))
    dx_num = numerical_gradient(lambda x: affine_forward(x, w, b)[0], x, dout)
    dw_num = numerical_gradient(lambda w: affine_forward(x, w, b)[0], w, dout)
    db_num = numerical_gradient(lambda b: affine_forward(x, w, b)[0], b, dout)
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert all(type(g) is np.ndarray for g in (dx, dw, db))
    assert rel_error(dx_num, dx) < 1e-7
    assert rel_error(dw_num, dw) < 1e-7
    assert rel_error(db_num, db) < 1e-7


def test_affine_backward_matches_the_seed_formulas():
    rng = np.random.default_rng(0)
    x, w, b, dout = (rng.normal(size=s) for s in ((4, 3, 2), (6, 5), (5,), (4, 5)))
    dx, dw, db = affine_backward(dout, affine_forward(x, w, b)[1])
    np.testing.assert_allclose(dx, (dout @ w.T).reshape(x.shape), rtol=1e-12)
    np.testing.assert_allclose(dw, x.reshape(4, -1).T @ dout, rtol=1e-12)
    np.testing.assert_allclose(db, dout.sum(axis=0), rtol=1e-12)


def test_relu_forward_matches_the_seed():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, cache = relu_forward(x)
    correct_out = np.array([[0., 0., 0., 0.],
                            [0., 0., 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    assert type(out) is np.ndarray and out.shape == x.shape
    assert rel_error(out, correct_out) < 1e-7
    np.testing.assert_array_equal(out, np.maximum(0, x))
    assert cache is x


def test_relu_backward_matches_numerical_gradient():
    rng = np.random.default_rng(231)
    x = rng.normal(size=(10, 10))
    dout = rng.normal(size=x.shape)
    dx_num = numerical_gradient(lambda x: relu_forward(x)[0], x, dout)
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    assert type(dx) is np.ndarray and dx.shape == x.shape
    assert rel_error(dx_num, dx) < 1e-7
    np.testing.assert_array_equal(dx, np.where(x > 0, dout, 0.0))


def test_relu_backward_is_zero_where_x_is_not_positive():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(relu_backward(np.array([5.0, 6.0, 7.0]), x), [0.0, 0.0, 7.0])


def test_softmax_loss_passes_scipy_check_grad():
    rng = np.random.default_rng(231)
    y = rng.integers(0, 3, 10)
    x0 = rng.random((10, 3))

    def loss(x):
        return softmax_loss(x.reshape(10, 3), y)[0]

    def dx(x):
        return softmax_loss(x.reshape(10, 3), y)[1].reshape(-1)

    assert isinstance(loss(x0.ravel()), float)
    assert dx(x0.ravel()).shape == (30,)
    assert check_grad(loss, dx, x0.reshape(-1)) < 1e-6


def test_softmax_loss_matches_the_seed_formula():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 5)), rng.integers(0, 5, 8)
    loss, dx = softmax_loss(x, y)
    seed_loss, seed_dx = seed_softmax_loss(x.copy(), y)
    assert loss == pytest.approx(seed_loss, rel=1e-13)
    np.testing.assert_allclose(dx, seed_dx, rtol=1e-12, atol=1e-16)
    assert dx.shape == x.shape


def test_softmax_loss_is_finite_for_huge_scores():
    x = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]])
    y = np.array([0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dx = softmax_loss(x, y)
    assert np.isfinite(loss) and np.isfinite(dx).all()
    assert loss == pytest.approx(5000.0, rel=1e-15)
    np.testing.assert_allclose(dx, [[0, 0, 0], [-0.5, 0.5, 0]], atol=1e-15)


# ---- inputs are never modified ----------------------------------------------------------------
def call_and_check_unchanged(function, *arrays):
    copies = [a.copy() for a in arrays]
    result = function(*arrays)
    for a, c in zip(arrays, copies):
        assert a.tobytes() == c.tobytes()
    return result


def test_affine_forward_and_backward_leave_inputs_unchanged():
    rng = np.random.default_rng(0)
    x, w, b, dout = (rng.normal(size=s) for s in ((4, 3, 2), (6, 5), (5,), (4, 5)))
    out, cache = call_and_check_unchanged(affine_forward, x, w, b)
    grads = call_and_check_unchanged(lambda d, x, w, b: affine_backward(d, (x, w, b)),
                                     dout, x, w, b)
    for g in grads:
        assert not any(np.shares_memory(g, a) for a in (x, w, b, dout))


def test_relu_forward_and_backward_leave_inputs_unchanged():
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(6, 7)), rng.normal(size=(6, 7))
    assert (x <= 0).any()  # the seed's relu_backward zeroed dout there
    out, _ = call_and_check_unchanged(relu_forward, x)
    dx = call_and_check_unchanged(relu_backward, dout, x)
    assert not np.shares_memory(dx, dout) and not np.shares_memory(out, x)


def test_softmax_loss_leaves_inputs_unchanged():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 4)), rng.integers(0, 4, 6)
    _, dx = call_and_check_unchanged(softmax_loss, x, y)
    assert not np.shares_memory(dx, x)


# ---- one set of gradient formulas: the engine's -----------------------------------------------
def test_layer_gradients_come_from_the_engine_rules(monkeypatch):
    calls = []
    for name in ("linear", "relu", "cross_entropy"):
        op = REGISTRY[name]
        original = op.backward

        def counted(self, *args, _name=name, _original=original):
            calls.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(op, "backward", counted)
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    affine_backward(np.ones((3, 2)), affine_forward(x, w, b)[1])
    relu_backward(np.ones(4), np.array([-1.0, 1.0, 2.0, -3.0]))
    softmax_loss(x, np.array([0, 1, 3]))
    assert calls == ["linear", "relu", "cross_entropy"]


# ---- the seed's training loop, on these functions ---------------------------------------------
def test_the_seed_two_layer_loop_learns_digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=0.7, stratify=y,
                                                        random_state=0)
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(scale=0.1, size=(64, 100)), np.zeros(100)
    W2, b2 = rng.normal(scale=0.1, size=(100, 10)), np.zeros(10)
    lr = 0.5
    for _ in range(200):
        index = rng.integers(0, len(X_train), 32)
        out1, cache1 = affine_forward(X_train[index], W1, b1)
        out2, cache2 = relu_forward(out1)
        out3, cache3 = affine_forward(out2, W2, b2)
        _, dscores = softmax_loss(out3, y_train[index])
        dout2, dW2, db2 = affine_backward(dscores, cache3)
        drelu = relu_backward(dout2, cache2)
        _, dW1, db1 = affine_backward(drelu, cache1)
        W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2
    scores = np.maximum(0, X_test @ W1 + b1) @ W2 + b2
    assert (scores.argmax(axis=1) == y_test).mean() >= 0.9
