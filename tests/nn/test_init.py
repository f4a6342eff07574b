"""nn.init: kaiming and xavier, uniform and normal, for weights laid out (in, out)."""
import numpy as np
import pytest

import nn
from nn import init


def weight(fan_in, fan_out, dtype=np.float64):
    return nn.Parameter(np.zeros((fan_in, fan_out), dtype=dtype))


def rng(seed=0):
    return np.random.default_rng(seed)


def assert_uniform(values, bound):
    assert np.abs(values).max() <= bound
    assert values.max() > 0.98 * bound and values.min() < -0.98 * bound
    assert abs(values.mean()) < 0.02 * bound
    assert values.var() == pytest.approx(bound ** 2 / 3, rel=0.04)


def assert_normal(values, std):
    assert abs(values.mean()) < 0.03 * std
    assert values.std() == pytest.approx(std, rel=0.03)
    # a normal, not a uniform, of that std: about 0.27% of draws lie beyond 3 std
    assert 0.001 < (np.abs(values) > 3 * std).mean() < 0.006


# fan_in is shape[0]: a (200, 50) and a (50, 200) weight get different scales
@pytest.mark.parametrize("fan_in, fan_out", [(200, 50), (50, 200)])
def test_kaiming_uniform_bound_uses_fan_in_shape_0(fan_in, fan_out):
    w = init.kaiming_uniform_(weight(fan_in, fan_out), rng=rng())
    assert_uniform(w.data, np.sqrt(2.0) * np.sqrt(3.0 / fan_in))


@pytest.mark.parametrize("fan_in, fan_out", [(200, 50), (50, 200)])
def test_kaiming_normal_std_uses_fan_in_shape_0(fan_in, fan_out):
    w = init.kaiming_normal_(weight(fan_in, fan_out), rng=rng())
    assert_normal(w.data, np.sqrt(2.0 / fan_in))


def test_kaiming_fan_out_mode_uses_shape_1():
    w = init.kaiming_uniform_(weight(40, 250), mode="fan_out", rng=rng())
    assert_uniform(w.data, np.sqrt(6.0 / 250))
    w = init.kaiming_normal_(weight(40, 250), mode="fan_out", rng=rng())
    assert_normal(w.data, np.sqrt(2.0 / 250))


def test_kaiming_with_tanh_gain_and_leaky_slope():
    w = init.kaiming_normal_(weight(100, 100), nonlinearity="tanh", rng=rng())
    assert_normal(w.data, (5.0 / 3) / np.sqrt(100))
    w = init.kaiming_uniform_(weight(100, 100), a=0.5, rng=rng())
    assert_uniform(w.data, np.sqrt(2.0 / 1.25) * np.sqrt(3.0 / 100))


@pytest.mark.parametrize("fan_in, fan_out", [(200, 50), (50, 200)])
def test_xavier_uniform_bound(fan_in, fan_out):
    w = init.xavier_uniform_(weight(fan_in, fan_out), rng=rng())
    assert_uniform(w.data, np.sqrt(6.0 / 250))
    w = init.xavier_uniform_(weight(fan_in, fan_out), gain=2.0, rng=rng())
    assert_uniform(w.data, 2.0 * np.sqrt(6.0 / 250))


@pytest.mark.parametrize("fan_in, fan_out", [(200, 50), (50, 200)])
def test_xavier_normal_std(fan_in, fan_out):
    w = init.xavier_normal_(weight(fan_in, fan_out), rng=rng())
    assert_normal(w.data, np.sqrt(2.0 / 250))
    w = init.xavier_normal_(weight(fan_in, fan_out), gain=0.5, rng=rng())
    assert_normal(w.data, 0.5 * np.sqrt(2.0 / 250))


INITIALISERS = [init.kaiming_uniform_, init.kaiming_normal_, init.xavier_uniform_,
                init.xavier_normal_]


@pytest.mark.parametrize("initialiser", INITIALISERS)
def test_reproducible_with_the_same_rng_seed(initialiser):
    a = initialiser(weight(8, 5), rng=rng(3)).data
    b = initialiser(weight(8, 5), rng=rng(3)).data
    c = initialiser(weight(8, 5), rng=rng(4)).data
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("initialiser", INITIALISERS)
def test_fills_in_place_and_records_no_graph(initialiser):
    p = weight(6, 4, dtype=np.float32)
    data = p.data
    out = initialiser(p, rng=rng())
    assert out is p and p.data is data
    assert p.dtype == np.float32 and p.data.any()
    assert p.requires_grad and p.grad_fn is None and p.grad is None


@pytest.mark.parametrize("initialiser", INITIALISERS)
def test_needs_a_two_dimensional_weight(initialiser):
    with pytest.raises(ValueError, match=r"\(5,\)"):
        initialiser(nn.Parameter(np.zeros(5)), rng=rng())


def test_calculate_gain_matches_pytorch():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5.0 / 3)
    assert init.calculate_gain("relu") == pytest.approx(np.sqrt(2.0))
    assert init.calculate_gain("leaky_relu") == pytest.approx(np.sqrt(2.0 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(np.sqrt(2.0 / 1.04))
    with pytest.raises(ValueError, match="softsign"):
        init.calculate_gain("softsign")


def test_reinitialising_after_a_forward_is_caught_by_backward():
    w = weight(3, 2)
    out = (nn.functional.linear(nn.Parameter(np.ones((4, 3))), w)).sum()
    init.xavier_uniform_(w, rng=rng())
    with pytest.raises(RuntimeError, match="linear"):
        out.backward()
