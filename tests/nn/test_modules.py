"""Layers and losses as Modules: Linear, the activations, Dropout, CrossEntropyLoss, MSELoss."""
import warnings

import numpy as np
import pytest
from scipy.special import expit

import nn
from autograd import Tensor


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


# ---- Linear ---------------------------------------------------------------------------------
def test_linear_parameters_have_shapes_in_out():
    layer = nn.Linear(5, 3, rng=np.random.default_rng(0))
    assert layer.weight.shape == (5, 3) and layer.bias.shape == (3,)
    assert isinstance(layer.weight, nn.Parameter) and isinstance(layer.bias, nn.Parameter)
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_linear_computes_x_at_weight_plus_bias():
    layer = nn.Linear(5, 3, rng=np.random.default_rng(0))
    x = normal(7, 5)
    out = layer(Tensor(x))
    assert out.shape == (7, 3)
    np.testing.assert_allclose(out.data, x @ layer.weight.data + layer.bias.data,
                               rtol=1e-13, atol=1e-13)


def test_linear_applies_to_the_last_axis_of_a_batch():
    layer = nn.Linear(4, 2, rng=np.random.default_rng(0))
    x = normal(3, 5, 4)
    out = layer(Tensor(x))
    assert out.shape == (3, 5, 2)
    np.testing.assert_allclose(out.data, x @ layer.weight.data + layer.bias.data,
                               rtol=1e-13, atol=1e-13)


def test_linear_default_init_is_uniform_within_one_over_sqrt_in():
    layer = nn.Linear(100, 300, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(100)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
    w = layer.weight.data
    # U(-b, b) fills its range: extremes near ±b, mean 0, variance b²/3
    assert w.max() > 0.99 * bound and w.min() < -0.99 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert w.var() == pytest.approx(bound ** 2 / 3, rel=0.03)
    assert layer.bias.data.max() > 0.8 * bound and layer.bias.data.min() < -0.8 * bound


def test_linear_init_is_reproducible_with_the_same_rng_seed():
    a = nn.Linear(6, 4, rng=np.random.default_rng(42))
    b = nn.Linear(6, 4, rng=np.random.default_rng(42))
    c = nn.Linear(6, 4, rng=np.random.default_rng(43))
    assert a.weight.data.tobytes() == b.weight.data.tobytes()
    assert a.bias.data.tobytes() == b.bias.data.tobytes()
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_linear_wrong_feature_count_names_both_shapes():
    layer = nn.Linear(4, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError) as error:
        layer(Tensor(np.ones((3, 5))))
    assert "(3, 5)" in str(error.value) and "(4, 2)" in str(error.value)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False, rng=np.random.default_rng(0))
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = normal(4, 3)
    np.testing.assert_allclose(layer(Tensor(x)).data, x @ layer.weight.data, rtol=1e-13)
    assert layer(Tensor(x)).grad_fn.name == "linear"


def test_linear_gradients_reach_weight_and_bias():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    x = normal(4, 3)
    g = normal(4, 2, seed=1)
    layer(Tensor(x)).backward(g)
    np.testing.assert_allclose(layer.weight.grad, x.T @ g, rtol=1e-13)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0), rtol=1e-13)


def test_linear_float32_stays_float32():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float32)
    out = layer(Tensor(normal(4, 3).astype(np.float32)))
    assert out.dtype == np.float32
    out.sum().backward()
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32


@pytest.mark.parametrize("sizes", [(0, 3), (3, 0), (-1, 2)])
def test_linear_rejects_non_positive_sizes(sizes):
    with pytest.raises(ValueError):
        nn.Linear(*sizes)


# ---- activations ------------------------------------------------------------------------------
def test_relu_values():
    x = np.array([-2.0, -0.0, 0.0, 1e-300, 3.5])
    np.testing.assert_array_equal(nn.ReLU()(Tensor(x)).data, [0, 0, 0, 1e-300, 3.5])


def test_tanh_values():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(nn.Tanh()(Tensor(x)).data, np.tanh(x), rtol=1e-15, atol=0)


def test_sigmoid_values_and_no_overflow():
    x = np.concatenate([np.linspace(-40, 40, 81), [-1e4, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.Sigmoid()(Tensor(x)).data
    np.testing.assert_allclose(out, expit(x), rtol=1e-12, atol=1e-15)
    assert out[-2] == 0.0 and out[-1] == 1.0


def test_sigmoid_keeps_relative_precision_for_negative_inputs():
    x = np.array([-20.0, -30.0, -40.0, -100.0])
    np.testing.assert_allclose(nn.Sigmoid()(Tensor(x)).data, expit(x), rtol=1e-10, atol=0)


def test_activation_modules_have_no_parameters():
    for module in (nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Dropout()):
        assert list(module.parameters()) == []


# ---- Dropout ----------------------------------------------------------------------------------
def test_dropout_zeros_a_fraction_p_and_scales_the_rest():
    p = 0.3
    layer = nn.Dropout(p, rng=np.random.default_rng(0))
    x = Tensor(np.ones((400, 250)))
    out = layer(x).data
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / (1 - p), rtol=1e-15)
    assert kept.mean() == pytest.approx(1 - p, abs=0.005)
    # inverted dropout preserves the mean
    assert out.mean() == pytest.approx(1.0, abs=0.01)


def test_dropout_preserves_the_mean_of_arbitrary_inputs():
    x = np.random.default_rng(1).uniform(1, 2, size=(200, 500))
    out = nn.Dropout(0.5, rng=np.random.default_rng(2))(Tensor(x)).data
    assert out.mean() == pytest.approx(x.mean(), rel=0.01)
    kept = out != 0
    np.testing.assert_allclose(out[kept], 2 * x[kept], rtol=1e-15)


def test_dropout_gradient_is_the_same_mask_and_scale():
    x = Tensor(np.random.default_rng(1).normal(size=(20, 30)), requires_grad=True)
    out = nn.Dropout(0.25, rng=np.random.default_rng(2))(x)
    out.sum().backward()
    expected = np.where(out.data != 0, 1 / 0.75, 0.0)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-15)


def test_dropout_is_reproducible_with_the_same_rng_seed():
    x = Tensor(np.ones((10, 10)))
    a = nn.Dropout(0.5, rng=np.random.default_rng(7))(x).data
    b = nn.Dropout(0.5, rng=np.random.default_rng(7))(x).data
    c = nn.Dropout(0.5, rng=np.random.default_rng(8))(x).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dropout_draws_a_new_mask_each_call():
    layer = nn.Dropout(0.5, rng=np.random.default_rng(0))
    x = Tensor(np.ones((10, 10)))
    assert not np.array_equal(layer(x).data, layer(x).data)


def test_dropout_is_the_identity_in_eval_mode():
    layer = nn.Dropout(0.9, rng=np.random.default_rng(0)).eval()
    x = Tensor(np.random.default_rng(1).normal(size=(5, 5)))
    np.testing.assert_array_equal(layer(x).data, x.data)


def test_dropout_with_p_zero_is_the_identity():
    x = Tensor(np.random.default_rng(1).normal(size=(5, 5)))
    np.testing.assert_array_equal(nn.Dropout(0.0, rng=np.random.default_rng(0))(x).data, x.data)


def test_dropout_with_p_one_zeros_everything_without_nan():
    x = Tensor(np.random.default_rng(1).normal(size=(5, 5)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.Dropout(1.0, rng=np.random.default_rng(0))(x)
        out.sum().backward()
    np.testing.assert_array_equal(out.data, np.zeros((5, 5)))
    np.testing.assert_array_equal(x.grad, np.zeros((5, 5)))


def test_dropout_keeps_float32():
    x = Tensor(np.ones((4, 4), dtype=np.float32))
    assert nn.Dropout(0.5, rng=np.random.default_rng(0))(x).dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_p_outside_unit_interval(p):
    with pytest.raises(ValueError, match=str(p)):
        nn.Dropout(p)


# ---- losses -----------------------------------------------------------------------------------
def numpy_cross_entropy(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels]


@pytest.mark.parametrize("reduction, reduce", [("mean", np.mean), ("sum", np.sum),
                                               ("none", lambda a: a)])
def test_cross_entropy_loss_module(reduction, reduce):
    logits = normal(6, 4)
    labels = np.array([0, 3, 1, 1, 2, 3])
    out = nn.CrossEntropyLoss(reduction=reduction)(Tensor(logits), labels)
    np.testing.assert_allclose(out.data, reduce(numpy_cross_entropy(logits, labels)), rtol=1e-13)


def test_cross_entropy_loss_module_defaults_to_mean_and_gives_gradients():
    logits = Tensor(normal(5, 3), requires_grad=True)
    labels = np.array([2, 0, 1, 1, 0])
    loss = nn.CrossEntropyLoss()(logits, labels)
    assert loss.shape == ()
    loss.backward()
    probs = np.exp(logits.data) / np.exp(logits.data).sum(axis=1, keepdims=True)
    probs[np.arange(5), labels] -= 1
    np.testing.assert_allclose(logits.grad, probs / 5, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction, reduce", [("mean", np.mean), ("sum", np.sum),
                                               ("none", lambda a: a)])
def test_mse_loss_module(reduction, reduce):
    prediction, target = normal(4, 3), normal(4, 3, seed=1)
    out = nn.MSELoss(reduction=reduction)(Tensor(prediction), Tensor(target))
    np.testing.assert_allclose(out.data, reduce((prediction - target) ** 2), rtol=1e-13)


def test_mse_loss_module_gradient():
    prediction = Tensor(normal(4, 3), requires_grad=True)
    target = normal(4, 3, seed=1)
    nn.MSELoss()(prediction, target).backward()
    np.testing.assert_allclose(prediction.grad, 2 * (prediction.data - target) / 12, rtol=1e-13)


def test_cross_entropy_loss_module_passes_its_options_on():
    logits = normal(4, 3)
    labels = np.array([0, -1, 2, 1])
    options = dict(weight=np.array([1.0, 2.0, 0.5]), ignore_index=-1, label_smoothing=0.1)
    np.testing.assert_allclose(nn.CrossEntropyLoss("sum", **options)(Tensor(logits), labels).data,
                               nn.functional.cross_entropy(Tensor(logits), labels, "sum",
                                                           **options).data, rtol=0)
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss("avg")


# ---- the activation modules ---------------------------------------------------------------
ACTIVATION_MODULES = [
    (nn.LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x), "LeakyReLU(negative_slope=0.01)"),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x), "LeakyReLU(negative_slope=0.2)"),
    (nn.ELU(), lambda x: np.where(x > 0, x, np.expm1(x)), "ELU(alpha=1.0)"),
    (nn.ELU(alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), "ELU(alpha=0.5)"),
    (nn.SiLU(), lambda x: x * expit(x), "SiLU()"),
    (nn.Softplus(), lambda x: np.where(x > 20, x, np.logaddexp(0, x)),
     "Softplus(beta=1.0, threshold=20.0)"),
    (nn.Softplus(beta=2.0, threshold=1.0), lambda x: np.where(2 * x > 1, x,
                                                              np.logaddexp(0, 2 * x) / 2),
     "Softplus(beta=2.0, threshold=1.0)"),
    (nn.Softmax(), lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True),
     "Softmax(axis=-1)"),
    (nn.Softmax(axis=0), lambda x: np.exp(x) / np.exp(x).sum(axis=0, keepdims=True),
     "Softmax(axis=0)"),
]


@pytest.mark.parametrize("module, formula, text", ACTIVATION_MODULES,
                         ids=[text for _, _, text in ACTIVATION_MODULES])
def test_activation_modules_compute_their_formula_and_repr(module, formula, text):
    x = normal(3, 4) * 4
    x[0, 0] = 25.0  # past softplus's threshold
    np.testing.assert_allclose(module(Tensor(x)).data, formula(x), rtol=1e-12, atol=1e-15)
    assert repr(module) == text
    assert list(module.parameters()) == []


def test_activation_modules_train_inside_a_network():
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.SiLU(), nn.Linear(4, 4, rng=1),
                          nn.LeakyReLU(), nn.Linear(4, 2, rng=2), nn.Softmax())
    out = model(Tensor(normal(5, 3)))
    np.testing.assert_allclose(out.data.sum(axis=1), np.ones(5), rtol=1e-12)
    (out[:, 0].sum()).backward()
    assert all(p.grad is not None and np.isfinite(p.grad).all() for p in model.parameters())


def test_softplus_module_rejects_a_non_positive_beta():
    with pytest.raises(ValueError, match="beta > 0"):
        nn.Softplus(beta=-1.0)
