"""nn.functional: the fused linear and cross_entropy ops, their first and second derivatives,
the losses, the softmax family and dropout."""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import log_softmax as scipy_log_softmax, softmax as scipy_softmax

import autograd
from autograd import Tensor, gradcheck
from nn import functional as F

# no deadline and no too_slow check: a loaded CI machine must not turn slowness into failures
gradient_settings = settings(max_examples=25, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])

# ---- strategies -----------------------------------------------------------------------------
sizes = st.integers(1, 4)
batch_shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)


def float64_arrays(shape, bound=3.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(-bound, bound, allow_nan=False,
                                                            allow_subnormal=False))


@st.composite
def linear_inputs(draw, bias=True):
    """(x of shape batch + (in,), w of shape (in, out), b of shape (out,) or None)."""
    batch, n_in, n_out = draw(batch_shapes), draw(sizes), draw(sizes)
    x = draw(float64_arrays(batch + (n_in,)))
    w = draw(float64_arrays((n_in, n_out)))
    b = draw(float64_arrays((n_out,))) if bias else None
    return x, w, b


@st.composite
def logits_and_labels(draw, bound=5.0):
    n, classes = draw(sizes), draw(st.integers(2, 5))
    logits = draw(float64_arrays((n, classes), bound))
    labels = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, classes - 1)))
    return logits, labels


def leaf(array):
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def numpy_cross_entropy(logits, labels):
    """-log softmax(logits)[labels], per row, written directly."""
    m = logits.max(axis=1, keepdims=True)
    logsumexp = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return logsumexp - logits[np.arange(len(labels)), labels]


REDUCE = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}


# ---- linear ---------------------------------------------------------------------------------
def test_linear_is_one_graph_node():
    x, w, b = leaf(np.ones((2, 3))), leaf(np.ones((3, 4))), leaf(np.ones(4))
    out = F.linear(x, w, b)
    assert out.grad_fn.name == "linear"
    assert len(out.grad_fn.inputs) == 3
    assert all(a is e for a, e in zip(out.grad_fn.inputs, (x, w, b)))
    assert all(t.grad_fn is None for t in out.grad_fn.inputs)


def test_linear_without_bias_is_one_graph_node_with_two_inputs():
    x, w = leaf(np.ones((2, 3))), leaf(np.ones((3, 4)))
    out = F.linear(x, w)
    assert out.grad_fn.name == "linear"
    assert len(out.grad_fn.inputs) == 2
    assert out.grad_fn.inputs[0] is x and out.grad_fn.inputs[1] is w


@given(linear_inputs())
@settings(gradient_settings, max_examples=40)
def test_linear_values(inputs):
    x, w, b = inputs
    np.testing.assert_allclose(F.linear(Tensor(x), Tensor(w), Tensor(b)).data, x @ w + b,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(F.linear(Tensor(x), Tensor(w)).data, x @ w,
                               rtol=1e-12, atol=1e-12)


def test_linear_does_not_modify_its_inputs():
    x, w, b = np.ones((2, 3)), np.full((3, 4), 2.0), np.arange(4.0)
    copies = [a.copy() for a in (x, w, b)]
    out = F.linear(Tensor(x, requires_grad=True), Tensor(w, requires_grad=True),
                   Tensor(b, requires_grad=True))
    out.backward(np.ones((2, 4)))
    for a, c in zip((x, w, b), copies):
        np.testing.assert_array_equal(a, c)


@given(linear_inputs(bias=True))
@gradient_settings
def test_linear_gradcheck_with_bias(inputs):
    assert gradcheck(F.linear, tuple(leaf(a) for a in inputs))


@given(linear_inputs(bias=False))
@gradient_settings
def test_linear_gradcheck_without_bias(inputs):
    x, w, _ = inputs
    assert gradcheck(F.linear, (leaf(x), leaf(w)))


def test_linear_gradients_for_a_batched_input_sum_over_the_batch():
    rng = np.random.default_rng(0)
    x, w, b = (leaf(rng.normal(size=shape)) for shape in ((2, 3, 4), (4, 5), (5,)))
    g = rng.normal(size=(2, 3, 5))
    F.linear(x, w, b).backward(g)
    np.testing.assert_allclose(x.grad, g @ w.data.T, rtol=1e-12)
    np.testing.assert_allclose(w.grad, np.einsum("abi,abo->io", x.data, g), rtol=1e-12)
    np.testing.assert_allclose(b.grad, g.sum(axis=(0, 1)), rtol=1e-12)


def test_linear_only_computes_gradients_that_are_needed():
    x, w = Tensor(np.ones((2, 3))), leaf(np.ones((3, 4)))
    F.linear(x, w).sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, np.full((3, 4), 2.0))


def test_linear_with_a_constant_bias_computes_no_bias_gradient():
    x, w, b = leaf(np.ones((2, 3))), leaf(np.ones((3, 4))), Tensor(np.arange(4.0))
    out = F.linear(x, w, b)
    g = np.arange(8.0).reshape(2, 4)
    gx, gw, gb = out.grad_fn.backward(g, x.data, w.data, b.data)
    assert gb is None  # the rule skips the sum: b needs no gradient
    np.testing.assert_array_equal(gx, g @ np.ones((4, 3)))
    np.testing.assert_array_equal(gw, np.ones((3, 2)) @ g)
    out.backward(Tensor(g))
    assert b.grad is None
    np.testing.assert_array_equal(w.grad, np.ones((3, 2)) @ g)


@pytest.mark.parametrize("x_shape, w_shape", [((2, 5), (4, 3)), ((4,), (3, 2)), ((2, 3), (3,))])
def test_linear_shape_mismatch_names_both_shapes(x_shape, w_shape):
    with pytest.raises(ValueError) as error:
        F.linear(Tensor(np.ones(x_shape)), Tensor(np.ones(w_shape)))
    assert str(x_shape) in str(error.value) and str(w_shape) in str(error.value)


def test_linear_follows_numpy_promotion():
    x, w = Tensor(np.ones((2, 3), np.float32)), Tensor(np.ones((3, 2), np.float32))
    b = Tensor(np.ones(2, np.float64))
    assert F.linear(x, w, b).dtype == (x.data @ w.data + b.data).dtype == np.float64


def test_linear_with_a_row_bias_differentiates_like_x_at_w_plus_b():
    rng = np.random.default_rng(0)
    x, w, b = leaf(rng.normal(size=(4, 3))), leaf(rng.normal(size=(3, 2))), leaf(np.ones((1, 2)))
    F.linear(x, w, b).sum().backward()
    np.testing.assert_allclose(b.grad, np.full((1, 2), 4.0))


# ---- second derivatives through linear --------------------------------------------------------
@given(linear_inputs(bias=True))
@settings(gradient_settings, max_examples=15)
def test_linear_second_derivative_of_weight_gradient(inputs):
    """dL/dw = xᵀ g depends on x: differentiate it again."""
    x, w, b = inputs
    upstream = Tensor(np.random.default_rng(0).normal(size=x.shape[:-1] + w.shape[1:]))

    def weight_gradient(x, w, b):
        return autograd.grad(F.linear(x, w, b), w, grad_outputs=upstream, create_graph=True)[0]

    assert gradcheck(weight_gradient, (leaf(x), leaf(w), leaf(b)))


@given(linear_inputs(bias=True))
@settings(gradient_settings, max_examples=15)
def test_linear_second_derivative_of_input_gradient(inputs):
    """dL/dx = g wᵀ depends on w: differentiate it again."""
    x, w, b = inputs
    upstream = Tensor(np.random.default_rng(0).normal(size=x.shape[:-1] + w.shape[1:]))

    def input_gradient(w, x, b):
        return autograd.grad(F.linear(x, w, b), x, grad_outputs=upstream, create_graph=True)[0]

    assert gradcheck(input_gradient, (leaf(w), leaf(x), leaf(b)))


@given(linear_inputs(bias=True))
@settings(gradient_settings, max_examples=15)
def test_linear_second_derivative_through_a_nonlinearity(inputs):
    x, w, b = inputs

    def weight_gradient(x, w, b):
        loss = F.linear(x, w, b).tanh().sum()
        return autograd.grad(loss, w, create_graph=True)[0]

    assert gradcheck(weight_gradient, (leaf(x), leaf(w), leaf(b)))


# ---- cross_entropy ----------------------------------------------------------------------------
def test_cross_entropy_is_one_graph_node():
    logits = leaf(np.zeros((3, 4)))
    out = F.cross_entropy(logits, np.array([0, 1, 3]))
    assert out.grad_fn.name == "cross_entropy"
    assert len(out.grad_fn.inputs) == 1 and out.grad_fn.inputs[0] is logits


@given(logits_and_labels(), st.sampled_from(["mean", "sum", "none"]))
@settings(gradient_settings, max_examples=40)
def test_cross_entropy_matches_the_numpy_formula(data, reduction):
    logits, labels = data
    out = F.cross_entropy(Tensor(logits), labels, reduction=reduction)
    expected = REDUCE[reduction](numpy_cross_entropy(logits, labels))
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


def test_cross_entropy_known_value():
    # uniform logits: -log(1/C) per row
    out = F.cross_entropy(Tensor(np.zeros((4, 5))), np.array([0, 1, 2, 4]))
    assert out.item() == pytest.approx(np.log(5), rel=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@given(data=logits_and_labels())
@gradient_settings
def test_cross_entropy_gradcheck(reduction, data):
    logits, labels = data
    assert gradcheck(lambda z: F.cross_entropy(z, labels, reduction=reduction), (leaf(logits),))


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    logits = leaf(np.random.default_rng(0).normal(size=(5, 3)))
    labels = np.array([2, 0, 1, 1, 0])
    F.cross_entropy(logits, labels).backward()
    expected = scipy_softmax(logits.data, axis=1)
    expected[np.arange(5), labels] -= 1
    np.testing.assert_allclose(logits.grad, expected / 5, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@given(data=logits_and_labels())
@settings(gradient_settings, max_examples=15)
def test_cross_entropy_second_derivative(reduction, data):
    logits, labels = data
    weights = Tensor(np.linspace(0.5, 1.5, len(labels)))

    def gradient(x):
        loss = F.cross_entropy(x, labels, reduction=reduction)
        upstream = weights if reduction == "none" else None
        return autograd.grad(loss, x, grad_outputs=upstream, create_graph=True)[0]

    assert gradcheck(gradient, (leaf(logits),))


def test_cross_entropy_hessian_vector_product():
    """H v row by row is (p ⊙ v - p (p·v)) / N for the mean loss."""
    rng = np.random.default_rng(0)
    logits, v = leaf(rng.normal(size=(4, 3))), rng.normal(size=(4, 3))
    labels = np.array([0, 2, 1, 2])
    (g,) = autograd.grad(F.cross_entropy(logits, labels), logits, create_graph=True)
    (hv,) = autograd.grad((g * v).sum(), logits)
    p = scipy_softmax(logits.data, axis=1)
    expected = (p * v - p * (p * v).sum(axis=1, keepdims=True)) / 4
    np.testing.assert_allclose(hv.data, expected, rtol=1e-12, atol=1e-15)


@given(logits_and_labels())
@settings(gradient_settings, max_examples=10)
def test_cross_entropy_of_linear_second_derivative(data):
    """The weight gradient of a softmax classifier, differentiated again in x, w and b."""
    logits, labels = data
    rng = np.random.default_rng(0)
    x = leaf(rng.normal(size=(len(labels), 3)))
    w, b = leaf(rng.normal(size=(3, logits.shape[1]))), leaf(logits[0])

    def weight_gradient(x, w, b):
        loss = F.cross_entropy(F.linear(x, w, b), labels)
        return autograd.grad(loss, w, create_graph=True)[0]

    assert gradcheck(weight_gradient, (x, w, b))


def test_cross_entropy_labels_as_array_list_or_tensor_agree():
    logits = np.random.default_rng(0).normal(size=(3, 4))
    labels = np.array([3, 0, 2])
    expected = numpy_cross_entropy(logits, labels).mean()
    for target in (labels, labels.astype(np.int32), list(labels), Tensor(labels)):
        assert F.cross_entropy(Tensor(logits), target).item() == pytest.approx(expected,
                                                                               rel=1e-13)


def test_cross_entropy_accepts_a_label_tensor_and_differentiates_the_logits_only():
    logits = leaf(np.zeros((2, 3)))
    F.cross_entropy(logits, Tensor(np.array([1, 2]))).backward()
    np.testing.assert_allclose(logits.grad, [[1 / 6, -1 / 3, 1 / 6], [1 / 6, 1 / 6, -1 / 3]],
                               rtol=1e-14)


@pytest.mark.parametrize("bad", [3, 7, -1])
def test_cross_entropy_label_outside_range_names_it(bad):
    with pytest.raises(ValueError, match=rf"(?<![\d-]){bad}(?!\d)"):
        F.cross_entropy(Tensor(np.zeros((3, 3))), np.array([0, bad, 1]))


def test_cross_entropy_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as error:
        F.cross_entropy(Tensor(np.zeros((4, 3))), np.array([0, 1, 2, 0, 1]))
    assert "(4, 3)" in str(error.value) and "(5,)" in str(error.value)


def test_cross_entropy_rejects_unknown_reduction_and_non_2d_logits():
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1]), reduction="max")
    with pytest.raises(ValueError):
        F.cross_entropy(Tensor(np.zeros(3)), np.array([0]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_is_finite_for_huge_logits(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e4, -1e4, 0.0]])
    x = Tensor(logits.astype(dtype), requires_grad=True)
    labels = np.array([0, 2, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, labels)
        loss.backward()
    assert np.isfinite(loss.data) and np.isfinite(x.grad).all()
    # per row: 0, log 2, 2e4
    assert loss.item() == pytest.approx((0 + np.log(2) + 2e4) / 3, rel=1e-6)
    expected = np.array([[0, 0, 0], [0, 0.5, -0.5], [1, -1, 0]]) / 3
    np.testing.assert_allclose(x.grad, expected, atol=1e-7)
    assert x.grad.dtype == dtype


def test_cross_entropy_second_derivative_is_finite_for_huge_logits():
    x = leaf(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]]))
    (g,) = autograd.grad(F.cross_entropy(x, np.array([1, 2])), x, create_graph=True)
    (h,) = autograd.grad(g.sum(), x)
    assert np.isfinite(g.data).all() and np.isfinite(h.data).all()


def test_cross_entropy_keeps_float32():
    x = Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 1]))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


# ---- mse_loss ---------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_values_and_gradients(reduction):
    rng = np.random.default_rng(0)
    prediction, target = leaf(rng.normal(size=(3, 4))), leaf(rng.normal(size=(3, 4)))
    out = F.mse_loss(prediction, target, reduction=reduction)
    diff = prediction.data - target.data
    np.testing.assert_allclose(out.data, REDUCE[reduction](diff ** 2), rtol=1e-13)
    assert gradcheck(lambda p, t: F.mse_loss(p, t, reduction=reduction), (prediction, target))


def test_mse_loss_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as error:
        F.mse_loss(Tensor(np.ones((3, 1))), np.ones(3))
    assert "(3, 1)" in str(error.value) and "(3,)" in str(error.value)


def test_mse_loss_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(Tensor(np.ones(2)), np.ones(2), reduction="avg")


# ---- softmax family and activations ----------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_values(axis):
    x = np.random.default_rng(0).normal(size=(3, 4, 5)) * 3
    np.testing.assert_allclose(F.softmax(Tensor(x), axis=axis).data,
                               scipy_softmax(x, axis=axis), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(F.log_softmax(Tensor(x), axis=axis).data,
                               scipy_log_softmax(x, axis=axis), rtol=1e-13, atol=1e-13)


def test_softmax_default_axis_is_last_and_rows_sum_to_one():
    x = np.random.default_rng(0).normal(size=(4, 6))
    out = F.softmax(Tensor(x)).data
    np.testing.assert_allclose(out.sum(axis=-1), np.ones(4), rtol=1e-15)
    np.testing.assert_allclose(out, scipy_softmax(x, axis=-1), rtol=1e-13)


def test_softmax_family_is_stable_for_huge_inputs():
    x = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = F.softmax(Tensor(x)).data
        ls = F.log_softmax(Tensor(x)).data
    np.testing.assert_allclose(s, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)
    np.testing.assert_allclose(ls, [[0, -1e4, -2e4], [-np.log(3)] * 3], rtol=1e-12)


@given(float64_arrays((3, 4)))
@gradient_settings
def test_softmax_and_log_softmax_gradcheck(x):
    assert gradcheck(lambda t: F.softmax(t, axis=0), (leaf(x),))
    assert gradcheck(F.log_softmax, (leaf(x),))


def test_functional_activations_match_numpy():
    x = np.linspace(-5, 5, 21)
    np.testing.assert_array_equal(F.relu(Tensor(x)).data, np.maximum(x, 0))
    np.testing.assert_allclose(F.tanh(Tensor(x)).data, np.tanh(x), rtol=1e-15)
    np.testing.assert_allclose(F.sigmoid(Tensor(x)).data, 1 / (1 + np.exp(-x)), rtol=1e-14)


# ---- dropout ----------------------------------------------------------------------------------
def test_dropout_scales_kept_elements():
    x = Tensor(np.full((100, 100), 2.0))
    out = F.dropout(x, 0.2, training=True, rng=np.random.default_rng(0)).data
    kept = out != 0
    np.testing.assert_allclose(out[kept], 2.0 / 0.8, rtol=1e-15)
    assert kept.mean() == pytest.approx(0.8, abs=0.01)


def test_dropout_is_the_identity_when_not_training_or_p_zero():
    x = Tensor(np.random.default_rng(0).normal(size=(4, 4)))
    np.testing.assert_array_equal(F.dropout(x, 0.7, training=False).data, x.data)
    np.testing.assert_array_equal(F.dropout(x, 0.0, rng=np.random.default_rng(0)).data, x.data)


def test_dropout_with_p_one_gives_zeros():
    x = Tensor(np.ones((3, 3)))
    np.testing.assert_array_equal(F.dropout(x, 1.0, rng=np.random.default_rng(0)).data,
                                  np.zeros((3, 3)))


def test_dropout_is_reproducible_with_rng():
    x = Tensor(np.ones((8, 8)))
    a = F.dropout(x, 0.5, rng=np.random.default_rng(3)).data
    b = F.dropout(x, 0.5, rng=np.random.default_rng(3)).data
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("p", [-0.5, 1.01])
def test_dropout_rejects_p_outside_unit_interval(p):
    with pytest.raises(ValueError):
        F.dropout(Tensor(np.ones(3)), p)
