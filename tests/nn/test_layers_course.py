"""nn.layers, the course's next exercises: batchnorm, layernorm, dropout, conv and max-pool pairs.

Forward passes against the course's own numbers (checked independently against PyTorch) and
formulas; every backward against ``numerical_gradient``, as the course checks them.
"""
import numpy as np
import pytest

from autograd import numerical_gradient, rel_error
from autograd.ops import REGISTRY
from nn import layers
from nn.layers import (batchnorm_backward, batchnorm_forward, conv_backward_naive,
                       conv_forward_naive, dropout_backward, dropout_forward, layernorm_backward,
                       layernorm_forward, max_pool_backward_naive, max_pool_forward_naive,
                       spatial_batchnorm_backward, spatial_batchnorm_forward)

# ---- the course's forward checks -----------------------------------------------------------------
CONV_CORRECT_OUT = np.array([
    [[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
     [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
     [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
    [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
     [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
     [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]])

POOL_CORRECT_OUT = np.array([
    [[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
     [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
     [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
    [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
     [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
     [[0.32631579, 0.34105263], [0.38526316, 0.4]]]])


def test_conv_forward_naive_matches_the_course():
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    assert type(out) is np.ndarray and out.shape == (2, 3, 2, 2)
    assert rel_error(out, CONV_CORRECT_OUT) < 1e-7  # the course expects ~2e-8


def test_max_pool_forward_naive_matches_the_course():
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    out, _ = max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    assert rel_error(out, POOL_CORRECT_OUT) < 1e-7  # the course expects ~4e-8


def test_batchnorm_train_forward_normalises_then_scales_and_shifts():
    rng = np.random.default_rng(231)
    x = 5 * rng.normal(size=(200, 3)) + 12
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), beta, rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-5)


def test_batchnorm_running_statistics_follow_the_course_formula_then_test_mode():
    rng = np.random.default_rng(0)
    bn_param = {"mode": "train", "momentum": 0.8}
    gamma, beta = np.ones(4), np.zeros(4)
    mean, var = np.zeros(4), np.zeros(4)  # the course's defaults
    for _ in range(5):
        x = rng.normal(size=(16, 4)) * 2 + 3
        before = bn_param.get("running_mean")
        batchnorm_forward(x, gamma, beta, bn_param)
        mean = 0.8 * mean + 0.2 * x.mean(axis=0)
        var = 0.8 * var + 0.2 * x.var(axis=0)  # the course keeps the biased variance
        np.testing.assert_allclose(bn_param["running_mean"], mean, rtol=1e-13)
        np.testing.assert_allclose(bn_param["running_var"], var, rtol=1e-13)
        assert before is None or bn_param["running_mean"] is not before  # new arrays
    bn_param["mode"] = "test"
    x = rng.normal(size=(3, 4))
    out, _ = batchnorm_forward(x, 2 * gamma, beta + 1, bn_param)
    np.testing.assert_allclose(out, 2 * (x - mean) / np.sqrt(var + 1e-5) + 1, rtol=1e-13)
    np.testing.assert_allclose(bn_param["running_mean"], mean, rtol=1e-13)


@pytest.mark.parametrize("mode", ["train", "test"])
def test_batchnorm_backward_matches_numerical_gradients(mode):
    rng = np.random.default_rng(231)
    x = 5 * rng.normal(size=(4, 5)) + 12
    gamma, beta, dout = rng.normal(size=5), rng.normal(size=5), rng.normal(size=(4, 5))
    bn_param = {"mode": mode, "running_mean": rng.normal(size=5),
                "running_var": rng.uniform(1, 2, size=5)}
    forward = lambda x, g, b: batchnorm_forward(x, g, b, dict(bn_param))[0]  # noqa: E731
    dx_num = numerical_gradient(lambda a: forward(a, gamma, beta), x, dout)
    dg_num = numerical_gradient(lambda a: forward(x, a, beta), gamma, dout)
    db_num = numerical_gradient(lambda a: forward(x, gamma, a), beta, dout)
    dx, dgamma, dbeta = batchnorm_backward(dout, batchnorm_forward(x, gamma, beta,
                                                                   dict(bn_param))[1])
    assert rel_error(dx_num, dx) < 1e-7
    assert rel_error(dg_num, dgamma) < 1e-7
    assert rel_error(db_num, dbeta) < 1e-7
    assert layers.batchnorm_backward_alt is batchnorm_backward


def test_spatial_batchnorm_normalises_each_channel_and_matches_numerical_gradients():
    rng = np.random.default_rng(0)
    x = 4 * rng.normal(size=(2, 3, 4, 5)) + 10
    gamma, beta, dout = rng.normal(size=3), rng.normal(size=3), rng.normal(size=x.shape)
    out, cache = spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    forward = lambda a: spatial_batchnorm_forward(a, gamma, beta, {"mode": "train"})[0]  # noqa
    dx_num = numerical_gradient(forward, x, dout)
    dx, dgamma, _ = spatial_batchnorm_backward(dout, spatial_batchnorm_forward(
        x, gamma, beta, {"mode": "train"})[1])
    assert rel_error(dx_num, dx) < 1e-6 and dgamma.shape == (3,)


def test_layernorm_forward_and_backward():
    rng = np.random.default_rng(231)
    x = 5 * rng.normal(size=(4, 5)) + 12
    gamma, beta, dout = rng.normal(size=5), rng.normal(size=5), rng.normal(size=(4, 5))
    out, cache = layernorm_forward(x, np.ones(5), np.zeros(5), {})
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1, rtol=1e-5)
    forward = lambda x, g, b: layernorm_forward(x, g, b, {"eps": 1e-5})[0]  # noqa: E731
    dx_num = numerical_gradient(lambda a: forward(a, gamma, beta), x, dout)
    dg_num = numerical_gradient(lambda a: forward(x, a, beta), gamma, dout)
    db_num = numerical_gradient(lambda a: forward(x, gamma, a), beta, dout)
    dx, dgamma, dbeta = layernorm_backward(dout, layernorm_forward(x, gamma, beta, {})[1])
    assert rel_error(dx_num, dx) < 1e-7
    assert rel_error(dg_num, dgamma) < 1e-7
    assert rel_error(db_num, dbeta) < 1e-7


@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_dropout_keeps_a_fraction_p_and_keeps_the_mean(p):
    x = np.random.default_rng(231).normal(size=(300, 300)) + 10
    out, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 123})
    assert np.mean(out != 0) == pytest.approx(p, abs=0.01)
    assert out.mean() == pytest.approx(x.mean(), rel=0.02)
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / p, rtol=1e-14)
    test_out, _ = dropout_forward(x, {"mode": "test", "p": p})
    np.testing.assert_array_equal(test_out, x)
    assert not np.shares_memory(test_out, x)


def test_dropout_seed_gives_the_course_mask():
    x = np.ones((4, 6))
    out, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    np.random.seed(7)  # the course seeds numpy's global generator, then draws rand
    expected = (np.random.rand(4, 6) < 0.5) / 0.5
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("mode", ["train", "test"])
def test_dropout_backward_matches_numerical_gradient(mode):
    rng = np.random.default_rng(231)
    x, dout = rng.normal(size=(10, 10)) + 10, rng.normal(size=(10, 10))
    dropout_param = {"mode": mode, "p": 0.2, "seed": 123}
    dx_num = numerical_gradient(lambda a: dropout_forward(a, dropout_param)[0], x, dout)
    dx = dropout_backward(dout, dropout_forward(x, dropout_param)[1])
    assert rel_error(dx_num, dx) < 1e-9


def test_conv_backward_naive_matches_numerical_gradients():
    rng = np.random.default_rng(231)
    x, w, b = rng.normal(size=(4, 3, 5, 5)), rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    dout = rng.normal(size=(4, 2, 5, 5))
    conv_param = {"stride": 1, "pad": 1}
    forward = lambda x, w, b: conv_forward_naive(x, w, b, conv_param)[0]  # noqa: E731
    dx_num = numerical_gradient(lambda a: forward(a, w, b), x, dout)
    dw_num = numerical_gradient(lambda a: forward(x, a, b), w, dout)
    db_num = numerical_gradient(lambda a: forward(x, w, a), b, dout)
    dx, dw, db = conv_backward_naive(dout, conv_forward_naive(x, w, b, conv_param)[1])
    assert rel_error(dx_num, dx) < 1e-8
    assert rel_error(dw_num, dw) < 1e-8
    assert rel_error(db_num, db) < 1e-8


def test_max_pool_backward_naive_matches_numerical_gradient():
    rng = np.random.default_rng(231)
    x, dout = rng.normal(size=(3, 2, 8, 8)), rng.normal(size=(3, 2, 4, 4))
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    dx_num = numerical_gradient(lambda a: max_pool_forward_naive(a, pool_param)[0], x, dout)
    dx = max_pool_backward_naive(dout, max_pool_forward_naive(x, pool_param)[1])
    assert rel_error(dx_num, dx) < 1e-10


def test_max_pool_backward_splits_ties_evenly():
    x = np.zeros((1, 1, 2, 2))
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    _, cache = max_pool_forward_naive(x, pool_param)
    dx = max_pool_backward_naive(np.full((1, 1, 1, 1), 8.0), cache)
    np.testing.assert_array_equal(dx, 2.0)


def test_the_fast_layers_are_the_same_functions():
    assert layers.conv_forward_fast is conv_forward_naive
    assert layers.conv_backward_fast is conv_backward_naive
    assert layers.max_pool_forward_fast is max_pool_forward_naive
    assert layers.max_pool_backward_fast is max_pool_backward_naive


# ---- conventions: inputs unchanged, gradients from the engine, bad modes ------------------------
def unchanged_after(function, *arrays):
    copies = [a.copy() for a in arrays]
    result = function(*arrays)
    for a, c in zip(arrays, copies):
        assert a.tobytes() == c.tobytes()
    return result


def test_no_layer_modifies_its_inputs():
    rng = np.random.default_rng(0)
    x, g, b, d = rng.normal(size=(6, 4)), rng.normal(size=4), rng.normal(size=4), rng.normal(
        size=(6, 4))
    mean, var = rng.normal(size=4), rng.uniform(1, 2, size=4)
    for mode in ("train", "test"):
        bn_param = {"mode": mode, "running_mean": mean, "running_var": var}
        _, cache = unchanged_after(lambda *a: batchnorm_forward(*a, bn_param), x, g, b)
        unchanged_after(lambda *a: batchnorm_backward(a[0], cache), d, x, g, b, mean, var)
    _, cache = unchanged_after(lambda *a: layernorm_forward(*a, {}), x, g, b)
    unchanged_after(lambda *a: layernorm_backward(a[0], cache), d, x, g, b)
    _, cache = unchanged_after(lambda a: dropout_forward(a, {"mode": "train", "p": 0.5}), x)
    unchanged_after(lambda *a: dropout_backward(a[0], cache), d, x)
    xi, w, bias = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    _, cache = unchanged_after(lambda *a: conv_forward_naive(*a, {"stride": 2, "pad": 1}),
                               xi, w, bias)
    unchanged_after(lambda *a: conv_backward_naive(a[0], cache), rng.normal(size=(2, 2, 3, 3)),
                    xi, w, bias)
    pool = {"pool_height": 2, "pool_width": 2, "stride": 1}
    _, cache = unchanged_after(lambda a: max_pool_forward_naive(a, pool), xi)
    unchanged_after(lambda *a: max_pool_backward_naive(a[0], cache),
                    rng.normal(size=(2, 3, 4, 4)), xi)


def test_conv_and_pool_gradients_come_from_the_engine_rules(monkeypatch):
    calls = []
    for name in ("conv2d", "windows", "max", "strided_max"):
        original = REGISTRY[name].backward

        def counted(self, *args, _name=name, _original=original):
            calls.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(REGISTRY[name], "backward", counted)
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(1, 1, 4, 4)), rng.normal(size=(1, 1, 3, 3)), rng.normal(size=1)
    conv_backward_naive(np.ones((1, 1, 2, 2)), conv_forward_naive(x, w, b, {"stride": 1})[1])
    pool = {"pool_height": 2, "pool_width": 2, "stride": 2}
    max_pool_backward_naive(np.ones((1, 1, 2, 2)), max_pool_forward_naive(x, pool)[1])
    overlapping = {"pool_height": 2, "pool_width": 2, "stride": 1}
    max_pool_backward_naive(np.ones((1, 1, 3, 3)), max_pool_forward_naive(x, overlapping)[1])
    # a max pool is one op, over strided slices of the image, with windows that tile it or not
    assert calls == ["conv2d", "strided_max", "strided_max"]


@pytest.mark.parametrize("call", [
    lambda: batchnorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), {"mode": "eval"}),
    lambda: dropout_forward(np.ones(3), {"mode": "training", "p": 0.5}),
    lambda: dropout_forward(np.ones(3), {"mode": "train", "p": 0.0}),
])
def test_bad_modes_and_probabilities_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
