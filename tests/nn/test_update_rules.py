"""nn.update_rules: the course's functional update rules, against their formulas for two steps."""
import numpy as np
import pytest

import nn
from nn.update_rules import adam, rmsprop, sgd, sgd_momentum

W = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.25]])
DW1 = np.array([[0.1, -0.2, 0.3], [1.0, 0.0, -2.0]])
DW2 = np.array([[-0.4, 0.5, 0.05], [0.2, 1.0, 0.6]])


def two_steps(rule, config):
    """Apply ``rule`` twice, checking no input is written; returns both (w, config) pairs."""
    frozen = [W.copy(), DW1.copy(), DW2.copy()]
    snapshot = None if config is None else {k: np.copy(v) for k, v in config.items()}
    w1, config1 = rule(W, DW1, config)
    kept = {k: np.copy(v) for k, v in config1.items()}
    w2, config2 = rule(w1, DW2, config1)
    for array, was in zip((W, DW1, DW2), frozen):
        np.testing.assert_array_equal(array, was)
    if config is not None:
        assert set(config) == set(snapshot)
        for key in snapshot:
            np.testing.assert_array_equal(config[key], snapshot[key])
    for key in kept:  # the first call's returned config is not written by the second call
        np.testing.assert_array_equal(config1[key], kept[key])
    return (w1, config1), (w2, config2)


def test_sgd_default_rate_by_formula():
    (w1, c1), (w2, c2) = two_steps(sgd, None)
    np.testing.assert_allclose(w1, W - 1e-2 * DW1, rtol=1e-15)
    np.testing.assert_allclose(w2, W - 1e-2 * DW1 - 1e-2 * DW2, rtol=1e-15)
    assert c2 == {"learning_rate": 1e-2}


def test_sgd_momentum_by_formula():
    lr, mu = 0.1, 0.5
    (w1, c1), (w2, c2) = two_steps(sgd_momentum, {"learning_rate": lr, "momentum": mu})
    v1 = -lr * DW1                  # v = mu 0 - lr dw
    v2 = mu * v1 - lr * DW2
    np.testing.assert_allclose(w1, W + v1, rtol=1e-15)
    np.testing.assert_allclose(c1["velocity"], v1, rtol=1e-15)
    np.testing.assert_allclose(w2, W + v1 + v2, rtol=1e-15)
    np.testing.assert_allclose(c2["velocity"], v2, rtol=1e-15)


def test_sgd_momentum_defaults():
    (w1, c1), (w2, c2) = two_steps(sgd_momentum, None)
    assert c1["learning_rate"] == 1e-2 and c1["momentum"] == 0.9
    v2 = 0.9 * (-1e-2 * DW1) - 1e-2 * DW2
    np.testing.assert_allclose(w2, W - 1e-2 * DW1 + v2, rtol=1e-15)


def test_rmsprop_by_formula():
    lr, rho, eps = 0.01, 0.9, 1e-3
    config = {"learning_rate": lr, "decay_rate": rho, "epsilon": eps}
    (w1, c1), (w2, c2) = two_steps(rmsprop, config)
    cache1 = (1 - rho) * DW1 ** 2
    cache2 = rho * cache1 + (1 - rho) * DW2 ** 2
    want1 = W - lr * DW1 / (np.sqrt(cache1) + eps)
    np.testing.assert_allclose(w1, want1, rtol=1e-14)
    np.testing.assert_allclose(w2, want1 - lr * DW2 / (np.sqrt(cache2) + eps), rtol=1e-14)
    np.testing.assert_allclose(c2["cache"], cache2, rtol=1e-15)


def test_rmsprop_defaults():
    _, (w2, c2) = two_steps(rmsprop, None)
    assert (c2["learning_rate"], c2["decay_rate"], c2["epsilon"]) == (1e-2, 0.99, 1e-8)


def test_adam_by_formula_with_t_incremented_before_use():
    lr, b1, b2, eps = 0.1, 0.8, 0.9, 1e-4
    config = {"learning_rate": lr, "beta1": b1, "beta2": b2, "epsilon": eps}
    (w1, c1), (w2, c2) = two_steps(adam, config)
    m1, v1 = (1 - b1) * DW1, (1 - b2) * DW1 ** 2
    m2, v2 = b1 * m1 + (1 - b1) * DW2, b2 * v1 + (1 - b2) * DW2 ** 2
    want1 = W - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)          # t = 1
    want2 = want1 - lr * (m2 / (1 - b1 ** 2)) / (np.sqrt(v2 / (1 - b2 ** 2)) + eps)  # t = 2
    np.testing.assert_allclose(w1, want1, rtol=1e-14)
    np.testing.assert_allclose(w2, want2, rtol=1e-14)
    assert (c1["t"], c2["t"]) == (1, 2)
    np.testing.assert_allclose(c2["m"], m2, rtol=1e-15)
    np.testing.assert_allclose(c2["v"], v2, rtol=1e-15)


def test_adam_defaults_and_first_step_size():
    w1, config = adam(W, DW1)
    assert {k: config[k] for k in ("learning_rate", "beta1", "beta2", "epsilon", "t")} == {
        "learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 1}
    # The bias-corrected first step is lr * sign(dw) (up to epsilon), zero where dw is zero.
    np.testing.assert_allclose(w1, W - 1e-3 * np.sign(DW1), atol=1e-10)


@pytest.mark.parametrize("rule, config", [
    (sgd_momentum, {"learning_rate": 0.05, "momentum": 0.9}),
    (rmsprop, {"learning_rate": 0.05, "decay_rate": 0.9}),
    (adam, {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6}),
], ids=["sgd_momentum", "rmsprop", "adam"])
def test_same_weights_as_nn_optim_at_a_constant_rate(rule, config):
    from autograd import Tensor
    p = Tensor(W.copy(), requires_grad=True)
    if rule is sgd_momentum:
        opt = nn.optim.SGD([p], lr=config["learning_rate"], momentum=config["momentum"])
    elif rule is rmsprop:
        opt = nn.optim.RMSprop([p], lr=config["learning_rate"], alpha=config["decay_rate"])
    else:
        opt = nn.optim.Adam([p], lr=config["learning_rate"], eps=config["epsilon"],
                            betas=(config["beta1"], config["beta2"]))
    w = W
    for dw in (DW1, DW2, DW1 * 3, -DW2):
        w, config = rule(w, dw, config)
        p.grad = dw.copy()
        opt.step()
    np.testing.assert_allclose(w, p.data, rtol=1e-12, atol=1e-15)


def test_float32_stays_float32():
    w32, dw32 = W.astype(np.float32), DW1.astype(np.float32)
    for rule in (sgd, sgd_momentum, rmsprop, adam):
        w, config = rule(w32, dw32)
        assert w.dtype == np.float32, rule.__name__


def test_unknown_config_keys_are_kept():
    _, config = sgd_momentum(W, DW1, {"learning_rate": 0.1, "note": "mine"})
    assert config["note"] == "mine"


@pytest.mark.parametrize("rule", [sgd, sgd_momentum, rmsprop, adam])
def test_shape_mismatch_raises_naming_both_shapes(rule):
    with pytest.raises(ValueError, match=r"dw of shape \(3,\).*w of shape \(2, 3\)"):
        rule(W, np.zeros(3))


@pytest.mark.parametrize("rule, key", [(sgd_momentum, "velocity"), (rmsprop, "cache"),
                                       (adam, "m")])
def test_state_of_the_wrong_shape_raises(rule, key):
    with pytest.raises(ValueError, match=rf"config\['{key}'\] has shape \(4,\).*\(2, 3\)"):
        rule(W, DW1, {key: np.zeros(4)})


def test_config_must_be_a_dict():
    with pytest.raises(TypeError, match="config must be a dict"):
        sgd(W, DW1, [("learning_rate", 0.1)])


def test_exported_from_nn():
    assert nn.update_rules.adam is adam
