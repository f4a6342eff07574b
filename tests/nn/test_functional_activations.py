"""nn.functional's activations beyond the seed's: leaky_relu, elu, silu, softplus, logsigmoid.

Hand-computed values, gradients at the kinks, first and second order gradchecks in float64,
stability in the tails, dtype, and torch.nn.functional as an oracle when it is installed."""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from autograd import Tensor, gradcheck
from nn import functional as F

gradient_settings = settings(max_examples=15, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])

E = np.e
SIG1 = 1 / (1 + np.exp(-1.0))
# name -> (function with its options, inputs, expected outputs, expected derivatives)
CASES = {
    "leaky_relu": (F.leaky_relu, [-2.0, 0.0, 3.0], [-0.02, 0.0, 3.0], [0.01, 0.01, 1.0]),
    "leaky_relu_0.2": (lambda x: F.leaky_relu(x, 0.2), [-2.0, 1.0], [-0.4, 1.0], [0.2, 1.0]),
    "elu": (F.elu, [-1.0, 0.0, 2.0], [1 / E - 1, 0.0, 2.0], [1 / E, 1.0, 1.0]),
    "elu_2": (lambda x: F.elu(x, alpha=2.0), [-1.0, 0.5], [2 / E - 2, 0.5], [2 / E, 1.0]),
    "silu": (F.silu, [0.0, 1.0], [0.0, SIG1], [0.5, SIG1 * (2 - SIG1)]),
    "softplus": (F.softplus, [0.0, 30.0, -30.0], [np.log(2), 30.0, np.exp(-30.0)],
                 [0.5, 1.0, np.exp(-30.0)]),
    "softplus_beta2": (lambda x: F.softplus(x, beta=2.0), [1.0, 11.0],
                       [np.log1p(np.exp(2.0)) / 2, 11.0], [1 / (1 + np.exp(-2.0)), 1.0]),
    "softplus_threshold1": (lambda x: F.softplus(x, threshold=1.0), [0.5, 2.0],
                            [np.log1p(np.exp(0.5)), 2.0], [1 / (1 + np.exp(-0.5)), 1.0]),
    "logsigmoid": (F.logsigmoid, [0.0, -800.0, 800.0], [-np.log(2), -800.0, 0.0],
                   [0.5, 1.0, 0.0]),
}
# the same functions, for the property tests (kinks at 0 are kept away from by the strategy)
FUNCTIONS = {"leaky_relu": lambda x: F.leaky_relu(x, 0.1), "elu": lambda x: F.elu(x, 1.5),
             "silu": F.silu, "softplus": lambda x: F.softplus(x, beta=1.5, threshold=4.0),
             "logsigmoid": F.logsigmoid}


@pytest.mark.parametrize("name", CASES)
def test_hand_computed_values_and_derivatives(name):
    fn, inputs, expected, slopes = CASES[name]
    x = Tensor(np.array(inputs), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in the tails
        out = fn(x)
        out.sum().backward()
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(x.grad, slopes, rtol=1e-12, atol=0)


away_from_kinks = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
    elements=st.floats(-6, 6, allow_nan=False).map(lambda v: v if abs(v) > 0.05 else 0.5))


@pytest.mark.parametrize("name", FUNCTIONS)
@given(x=away_from_kinks)
@gradient_settings
def test_first_and_second_order_gradcheck(name, x):
    fn = FUNCTIONS[name]
    upstream = Tensor(np.random.default_rng(0).normal(size=x.shape))

    def derivative(t):
        # + t keeps a piecewise-constant derivative (leaky_relu's) on the graph
        return autograd.grad(fn(t), t, grad_outputs=upstream, create_graph=True)[0] + t

    assert gradcheck(fn, (Tensor(x, requires_grad=True),))
    assert gradcheck(derivative, (Tensor(x, requires_grad=True),))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_keeps_float32_and_takes_arrays(name):
    x = Tensor(np.linspace(-3, 3, 7, dtype=np.float32), requires_grad=True)
    out = FUNCTIONS[name](x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_allclose(FUNCTIONS[name](np.linspace(-3, 3, 7)).data, out.data,
                               rtol=1e-6)


def test_softplus_and_logsigmoid_are_exact_in_the_tails():
    x = Tensor(np.array([-745.0, -40.0, 40.0, 1e5]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.softplus(x, threshold=np.inf)
        (g,) = autograd.grad(out.sum(), x, create_graph=True)
        (h,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(out.data, [np.exp(-745.0), np.exp(-40.0), 40.0, 1e5],
                               rtol=1e-12)
    np.testing.assert_allclose(g.data, [np.exp(-745.0), np.exp(-40.0), 1.0, 1.0], rtol=1e-12)
    # σ'(40) = 4e-18 is below 1 - σ(40)'s resolution: only its size is asserted there
    np.testing.assert_allclose(h.data, [np.exp(-745.0), np.exp(-40.0), 0.0, 0.0],
                               rtol=1e-6, atol=1e-17)


def test_softplus_rejects_a_non_positive_beta():
    with pytest.raises(ValueError, match="beta > 0.*beta=0"):
        F.softplus(Tensor(np.ones(2)), beta=0)


# ---- torch as an oracle -------------------------------------------------------------------------
TORCH_NAMES = {"leaky_relu": ("leaky_relu", {"negative_slope": 0.1}),
               "elu": ("elu", {"alpha": 1.5}), "silu": ("silu", {}),
               "softplus": ("softplus", {"beta": 1.5, "threshold": 4.0}),
               "logsigmoid": ("logsigmoid", {})}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_values_first_and_second_derivatives_agree_with_torch(name):
    torch = pytest.importorskip("torch")
    x = np.concatenate([np.linspace(-30, 30, 40), [-1e-3, 1e-3, 2.6, 2.7]])  # 0: see below
    torch_name, options = TORCH_NAMES[name]
    tx = torch.tensor(x, requires_grad=True)
    ty = getattr(torch.nn.functional, torch_name)(tx, **options)
    (tg,) = torch.autograd.grad(ty.sum(), tx, create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), tx)
    ax = Tensor(x, requires_grad=True)
    ay = FUNCTIONS[name](ax)
    (ag,) = autograd.grad(ay.sum(), ax, create_graph=True)
    ah = autograd.grad(ag.sum(), ax)[0].data if ag.requires_grad else np.zeros_like(x)
    for ours, theirs in ((ay.data, ty), (ag.data, tg), (ah, th)):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_elu_second_derivative_at_zero_is_the_left_sides():
    # the first derivative at 0 is α, as in PyTorch; the second follows that same branch
    # (α e^0) where PyTorch's gives 0: the one point where the two differ
    x = Tensor(np.array([0.0]), requires_grad=True)
    (g,) = autograd.grad(F.elu(x, alpha=1.5).sum(), x, create_graph=True)
    (h,) = autograd.grad(g.sum(), x)
    assert g.item() == 1.5 and h.item() == 1.5
