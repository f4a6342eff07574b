"""demos/numpy_cnn.py, the hand-written im2col CNN of benchmark W6: its gradients against
npgrad's autograd (W6 itself is tested in test_benchmark.py)."""
import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "demos"))

import numpy_cnn  # noqa: E402
import nn  # noqa: E402
from nn import functional as F  # noqa: E402


def npgrad_twin(params, channels):
    """The same network in nn modules, holding copies of ``params``."""
    c1, c2 = channels
    model = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(c2 * 16, 10))
    names = ("0.weight", "0.bias", "2.weight", "2.bias", "6.weight", "6.bias")
    model.load_state_dict({name: p.copy() for name, p in zip(names, params)})
    return model, names


def test_loss_and_every_gradient_match_npgrads_autograd():
    rng = np.random.default_rng(0)
    params = numpy_cnn.init_params((3, 5), rng, np.float64)
    X, y = rng.normal(size=(6, 1, 8, 8)), rng.integers(0, 10, 6)
    net = numpy_cnn.CNN([p.copy() for p in params])
    loss = net.loss_and_grad(X, y)
    model, names = npgrad_twin(params, (3, 5))
    reference = F.cross_entropy(model(X), y)
    reference.backward()
    assert loss == pytest.approx(reference.item(), rel=1e-12)
    grads = dict(model.named_parameters())
    for name, grad in zip(names, net.gradients()):
        np.testing.assert_allclose(grad, grads[name].grad.data, rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    np.testing.assert_array_equal(net.predict(X), model(X).data.argmax(axis=1))


def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 4, 3))  # (N, H, W, C)
    cols = rng.normal(size=numpy_cnn.im2col(x).shape)
    # <im2col(x), cols> == <x, col2im(cols)> for every x and cols
    assert np.sum(numpy_cnn.im2col(x) * cols) == pytest.approx(
        np.sum(x * numpy_cnn.col2im(cols, x.shape)), rel=1e-12)


def test_maxpool_ties_share_the_gradient_evenly():
    x = np.zeros((1, 2, 2, 1))  # (N, H, W, C)
    x[0, 0, 0, 0] = x[0, 1, 1, 0] = 1.0
    dx = numpy_cnn.maxpool_backward(np.ones((1, 1, 1, 1)), x, numpy_cnn.maxpool_forward(x))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0.5, 0.0], [0.0, 0.5]])
