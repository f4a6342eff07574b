"""nn.utils.clip_grad_norm_."""
import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.utils import clip_grad_norm_


def parameters_with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros(np.shape(g)))
        p.grad = np.array(g, dtype=p.dtype)
        params.append(p)
    return params


def test_returns_the_total_norm_before_clipping_and_scales_to_max_norm():
    params = parameters_with_grads([3.0, 0.0], [[4.0], [12.0]])  # total norm 13
    total = clip_grad_norm_(params, 1.0)
    assert isinstance(total, float)
    assert total == pytest.approx(13.0, rel=1e-15)
    np.testing.assert_allclose(params[0].grad, [3 / 13, 0.0], rtol=1e-6)
    np.testing.assert_allclose(params[1].grad, [[4 / 13], [12 / 13]], rtol=1e-6)
    norm_after = np.sqrt(sum((p.grad ** 2).sum() for p in params))
    assert norm_after == pytest.approx(1.0, rel=1e-6)
    assert norm_after <= 1.0


def test_no_change_when_the_norm_is_below_max_norm():
    params = parameters_with_grads([0.3, -0.4], [[0.1]])
    before = [p.grad.tobytes() for p in params]
    total = clip_grad_norm_(params, 5.0)
    assert total == pytest.approx(np.sqrt(0.26), rel=1e-15)
    assert [p.grad.tobytes() for p in params] == before


def test_clipping_preserves_the_direction():
    g = np.random.default_rng(0).normal(size=(10, 10)) * 100
    (p,) = parameters_with_grads(g)
    clip_grad_norm_([p], 2.0)
    np.testing.assert_allclose(p.grad / np.linalg.norm(p.grad), g / np.linalg.norm(g),
                               rtol=1e-12)


def test_skips_parameters_without_grad_and_takes_a_generator():
    model = nn.Sequential(nn.Linear(3, 4, rng=np.random.default_rng(0)), nn.ReLU(),
                          nn.Linear(4, 2, rng=np.random.default_rng(1)))
    (model(Tensor(np.ones((5, 3)) * 10)) ** 2).sum().backward()
    model[2].bias.grad = None
    grads = [p.grad.copy() for p in model.parameters() if p.grad is not None]
    expected = np.sqrt(sum((g ** 2).sum() for g in grads))
    total = clip_grad_norm_(model.parameters(), 0.5)
    assert total == pytest.approx(expected, rel=1e-12)
    assert model[2].bias.grad is None
    after = [p.grad for p in model.parameters() if p.grad is not None]
    for g, a in zip(grads, after):
        np.testing.assert_allclose(a, g * 0.5 / expected, rtol=1e-6)


def test_no_gradients_gives_zero():
    assert clip_grad_norm_([nn.Parameter(np.ones(3))], 1.0) == 0.0


def test_infinity_norm():
    params = parameters_with_grads([1.0, -8.0], [2.0])
    total = clip_grad_norm_(params, 2.0, norm_type=np.inf)
    assert total == 8.0
    np.testing.assert_allclose(params[0].grad, [0.25, -2.0], rtol=1e-6)


def test_float32_gradients_stay_float32():
    p = nn.Parameter(np.zeros(4, dtype=np.float32))
    p.grad = np.full(4, 10.0, dtype=np.float32)
    clip_grad_norm_([p], 1.0)
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad, np.full(4, 0.5), rtol=1e-5)


def test_accepts_a_single_tensor():
    (p,) = parameters_with_grads([3.0, 4.0])
    assert clip_grad_norm_(p, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad, [0.6, 0.8], rtol=1e-6)
