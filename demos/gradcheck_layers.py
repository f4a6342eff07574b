"""The seed notebook's layer checks, run on ``nn.layers`` and printed as the notebook prints them.

    python demos/gradcheck_layers.py [--seed 0]

The layer functions (``affine_forward``/``affine_backward``, ``relu_forward``/``relu_backward``,
``softmax_loss``) are the notebook's, with its signatures; their gradients come from the engine.
Then the course's next exercises, checked and printed as their notebooks do: batch and layer
normalisation, dropout, and the convolution and max-pool pairs.
The notebook's ``eval_numerical_gradient_array`` is ``autograd.numerical_gradient(f, x, dout)``.
The softmax gradient is checked with ``scipy.optimize.check_grad`` as in the notebook when
scipy is installed, and with ``numerical_gradient`` always. Exits 1 if a check fails.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograd import numerical_gradient, rel_error  # noqa: E402
from nn.layers import (affine_backward, affine_forward, batchnorm_backward,  # noqa: E402
                       batchnorm_forward, conv_backward_naive, conv_forward_naive,
                       dropout_backward, dropout_forward, layernorm_backward,
                       layernorm_forward, max_pool_backward_naive, max_pool_forward_naive,
                       relu_backward, relu_forward, softmax_loss)

# Pass marks. The forward checks compare with the notebook's numbers, rounded to 8 digits. A
# wrong gradient is off by 1e-2 or more; centred differences are good to about 1e-8 here.
LIMITS = {"softmax check_grad": 1e-6, "softmax rel_error": 1e-6, "affine_forward": 1e-8,
          "affine_backward": 1e-6, "relu_forward": 1e-7, "relu_backward": 1e-6}
# The next exercises' checks. Normalised means and stds are exact up to eps at training time;
# at test time they come from running averages, so they are only near 0 and 1 (as the course
# says: "noisier"). Dropout's fractions are of 250,000 draws: within 0.01 of 1 - p.
LIMITS.update({"batchnorm train": 1e-6, "batchnorm test": 0.35, "batchnorm_backward": 1e-6,
               "layernorm forward": 1e-6, "layernorm_backward": 1e-6, "dropout_forward": 0.01,
               "dropout_backward": 1e-8, "conv_forward_naive": 1e-7,
               "conv_backward_naive": 1e-6, "max_pool_forward_naive": 1e-7,
               "max_pool_backward_naive": 1e-6})


def softmax_checks(rng):
    """The notebook's cells 3-6: the loss is a scalar, the gradient a 10x3 matrix, and checked."""
    y = rng.integers(0, 3, 10)
    dx = lambda x: softmax_loss(x.reshape((10, 3)), y)[1].reshape(-1)  # noqa: E731
    loss = lambda x: softmax_loss(x.reshape((10, 3)), y)[0]  # noqa: E731
    print("loss is a scalar")
    print(loss(rng.random((10, 3))))
    print()
    print("gradient is a matrix with shape 10x3")
    print(dx(rng.random((10, 3))).reshape(10, 3))
    print()
    errors = {}
    x0 = rng.random((10, 3)).reshape(-1)
    try:
        from scipy.optimize import check_grad
    except ImportError:
        print("(scipy is not installed: no scipy.optimize.check_grad; numerical_gradient only)")
    else:
        errors["softmax check_grad"] = check_grad(loss, dx, x0)
        print("difference should be ~10e-8", errors["softmax check_grad"])
    errors["softmax rel_error"] = rel_error(dx(x0), numerical_gradient(loss, x0))
    print("relative error against numerical_gradient:", errors["softmax rel_error"])
    print()
    return errors


def affine_checks(rng):
    """The notebook's cells 8 and 10: affine forward against known numbers, backward numerically."""
    num_inputs = 2
    input_shape = (4, 5, 6)
    output_dim = 3

    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)

    x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)

    out, _ = affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297],
                            [3.25553199, 3.5141327, 3.77273342]])
    errors = {"affine_forward": rel_error(out, correct_out)}
    print("Testing affine_forward function:")
    print("difference: ", errors["affine_forward"])
    print()

    x = rng.standard_normal((10, 2, 3))
    w = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    dout = rng.standard_normal((10, 5))

    dx_num = numerical_gradient(lambda x: affine_forward(x, w, b)[0], x, dout)
    dw_num = numerical_gradient(lambda w: affine_forward(x, w, b)[0], w, dout)
    db_num = numerical_gradient(lambda b: affine_forward(x, w, b)[0], b, dout)

    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    # dx has x's shape (10, 2, 3) here; the notebook flattened both sides to (10, 6).
    errors["affine_backward"] = max(rel_error(dx_num, dx), rel_error(dw_num, dw),
                                    rel_error(db_num, db))
    print("Testing affine_backward function:")
    print("dx error: ", rel_error(dx_num, dx))
    print("dw error: ", rel_error(dw_num, dw))
    print("db error: ", rel_error(db_num, db))
    print()
    return errors


def relu_checks(rng):
    """The notebook's cells 12 and 14: relu forward against known numbers, backward numerically."""
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)

    out, _ = relu_forward(x)
    correct_out = np.array([[0., 0., 0., 0.],
                            [0., 0., 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    errors = {"relu_forward": rel_error(out, correct_out)}
    print("Testing relu_forward function:")
    print("difference: ", errors["relu_forward"])
    print()

    x = rng.standard_normal((10, 10))
    dout = rng.standard_normal(x.shape)

    dx_num = numerical_gradient(lambda x: relu_forward(x)[0], x, dout)
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    errors["relu_backward"] = rel_error(dx_num, dx)
    print("Testing relu_backward function:")
    print("dx error: ", errors["relu_backward"])
    print()
    return errors


def print_mean_std(x, axis=0):
    """The course's helper: the means and standard deviations along ``axis``."""
    print("  means: ", x.mean(axis=axis))
    print("  stds:  ", x.std(axis=axis))
    print()


def gradient_errors(forward, arrays, dout, backward, cache, names):
    """Print and return the course's "<name> error:" lines: backward against centred differences."""
    worst = 0.0
    analytic = backward(dout, cache)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)
    for i, (name, grad) in enumerate(zip(names, analytic)):
        def f(a, i=i):
            return forward(*arrays[:i], a, *arrays[i + 1:])
        error = rel_error(numerical_gradient(f, arrays[i].copy(), dout), grad)
        print(f"{name} error: ", error)
        worst = max(worst, error)
    print()
    return worst


def relu_net_activations(rng, n, w1, w2):
    """The course's test input: a two-layer ReLU net's outputs on a fresh standard batch."""
    return np.maximum(0, rng.standard_normal((n, w1.shape[0])) @ w1) @ w2


def statistics_error(a, axis, mean, std):
    """How far ``a``'s means and standard deviations along ``axis`` are from the targets."""
    return max(np.abs(a.mean(axis=axis) - mean).max(), np.abs(a.std(axis=axis) / std - 1).max())


def normalization_backward_error(rng, forward, backward, param):
    """The course's backward cell for batchnorm and layernorm: x, gamma and beta checked."""
    n, d = 4, 5
    x = 5 * rng.standard_normal((n, d)) + 12
    gamma, beta, dout = rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal((n, d))
    _, cache = forward(x, gamma, beta, param)
    return gradient_errors(lambda x, gamma, beta: forward(x, gamma, beta, param)[0],
                           (x, gamma, beta), dout, backward, cache, ("dx", "dgamma", "dbeta"))


def batchnorm_checks(rng):
    """The course's batch-normalisation cells: statistics at train and test time, backward."""
    n, d1, d2, d3 = 200, 50, 60, 3
    w1, w2 = rng.standard_normal((d1, d2)), rng.standard_normal((d2, d3))
    a = relu_net_activations(rng, n, w1, w2)
    print("Before batch normalization:")
    print_mean_std(a, axis=0)
    gamma, beta = np.ones(d3), np.zeros(d3)
    print("After batch normalization (gamma=1, beta=0)")
    a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
    print_mean_std(a_norm, axis=0)
    train_error = statistics_error(a_norm, 0, beta, gamma)
    gamma, beta = np.asarray([1.0, 2.0, 3.0]), np.asarray([11.0, 12.0, 13.0])
    a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
    print("After batch normalization (gamma=", gamma, ", beta=", beta, ")")
    print_mean_std(a_norm, axis=0)
    errors = {"batchnorm train": max(train_error, statistics_error(a_norm, 0, beta, gamma))}

    bn_param, gamma, beta = {"mode": "train"}, np.ones(d3), np.zeros(d3)
    for _ in range(50):
        batchnorm_forward(relu_net_activations(rng, n, w1, w2), gamma, beta, bn_param)
    bn_param["mode"] = "test"
    a_norm, _ = batchnorm_forward(relu_net_activations(rng, n, w1, w2), gamma, beta, bn_param)
    print("After batch normalization (test-time):")
    print_mean_std(a_norm, axis=0)
    errors["batchnorm test"] = statistics_error(a_norm, 0, beta, gamma)
    errors["batchnorm_backward"] = normalization_backward_error(
        rng, batchnorm_forward, batchnorm_backward, {"mode": "train"})
    return errors


def layernorm_checks(rng):
    """The course's layer-normalisation cells: per-sample statistics, then the backward."""
    n, d1, d2, d3 = 4, 50, 60, 3
    w1, w2 = rng.standard_normal((d1, d2)), rng.standard_normal((d2, d3))
    a = relu_net_activations(rng, n, w1, w2)
    print("Before layer normalization:")
    print_mean_std(a, axis=1)
    gamma, beta = np.ones(d3), np.zeros(d3)
    print("After layer normalization (gamma=1, beta=0)")
    a_norm, _ = layernorm_forward(a, gamma, beta, {})
    print_mean_std(a_norm, axis=1)
    errors = {"layernorm forward": statistics_error(a_norm, 1, 0.0, 1.0)}
    gamma, beta = np.asarray([3.0, 3.0, 3.0]), np.asarray([5.0, 5.0, 5.0])
    print("After layer normalization (gamma=", gamma, ", beta=", beta, ")")
    a_norm, _ = layernorm_forward(a, gamma, beta, {})
    print_mean_std(a_norm, axis=1)
    errors["layernorm forward"] = max(errors["layernorm forward"],
                                      statistics_error(a_norm, 1, 5.0, 3.0))
    errors["layernorm_backward"] = normalization_backward_error(
        rng, layernorm_forward, layernorm_backward, {})
    return errors


def dropout_checks(rng):
    """The course's dropout cells: kept fractions and means for three p, then the backward."""
    x = rng.standard_normal((500, 500)) + 10
    worst = 0.0
    for p in [0.25, 0.4, 0.7]:
        out, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": int(rng.integers(2**31))})
        out_test, _ = dropout_forward(x, {"mode": "test", "p": p})
        print("Running tests with p = ", p)
        print("Mean of input: ", x.mean())
        print("Mean of train-time output: ", out.mean())
        print("Mean of test-time output: ", out_test.mean())
        print("Fraction of train-time output set to zero: ", (out == 0).mean())
        print("Fraction of test-time output set to zero: ", (out_test == 0).mean())
        print()
        worst = max(worst, abs((out == 0).mean() - (1 - p)), abs(out.mean() / x.mean() - 1),
                    (out_test == 0).mean(), abs(out_test - x).max())
    x = rng.standard_normal((10, 10)) + 10
    dout = rng.standard_normal(x.shape)
    dropout_param = {"mode": "train", "p": 0.2, "seed": 123}
    _, cache = dropout_forward(x, dropout_param)
    dx = dropout_backward(dout, cache)
    dx_num = numerical_gradient(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)
    errors = {"dropout_forward": worst, "dropout_backward": rel_error(dx, dx_num)}
    print("dx relative error: ", errors["dropout_backward"])
    print()
    return errors


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


def conv_checks(rng):
    """The course's convolution and max-pool cells: forwards against its numbers, backwards
    against centred differences."""
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    errors = {"conv_forward_naive": rel_error(out, CONV_CORRECT_OUT)}
    print("Testing conv_forward_naive")
    print("difference: ", errors["conv_forward_naive"])
    print()

    x, w = rng.standard_normal((4, 3, 5, 5)), rng.standard_normal((2, 3, 3, 3))
    b, dout = rng.standard_normal(2), rng.standard_normal((4, 2, 5, 5))
    conv_param = {"stride": 1, "pad": 1}
    _, cache = conv_forward_naive(x, w, b, conv_param)
    print("Testing conv_backward_naive function")
    errors["conv_backward_naive"] = gradient_errors(
        lambda x, w, b: conv_forward_naive(x, w, b, conv_param)[0], (x, w, b), dout,
        conv_backward_naive, cache, ("dx", "dw", "db"))

    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    pool_param = {"pool_width": 2, "pool_height": 2, "stride": 2}
    out, _ = max_pool_forward_naive(x, pool_param)
    errors["max_pool_forward_naive"] = rel_error(out, POOL_CORRECT_OUT)
    print("Testing max_pool_forward_naive function:")
    print("difference: ", errors["max_pool_forward_naive"])
    print()

    x, dout = rng.standard_normal((3, 2, 8, 8)), rng.standard_normal((3, 2, 4, 4))
    _, cache = max_pool_forward_naive(x, pool_param)
    print("Testing max_pool_backward_naive function:")
    errors["max_pool_backward_naive"] = gradient_errors(
        lambda x: max_pool_forward_naive(x, pool_param)[0], (x,), dout,
        max_pool_backward_naive, cache, ("dx",))
    return errors


def course_layer_checks(rng):
    """The checks of the course's next exercises, in their order."""
    return {**batchnorm_checks(rng), **layernorm_checks(rng), **dropout_checks(rng),
            **conv_checks(rng)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random inputs (default: 0)")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be non-negative, got {args.seed}")
    rng = np.random.default_rng(args.seed)
    errors = {**softmax_checks(rng), **affine_checks(rng), **relu_checks(rng),
              **course_layer_checks(rng)}
    failed = [f"{name} {errors[name]:.1e} > {LIMITS[name]:.0e}"
              for name in errors if not errors[name] < LIMITS[name]]
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    print(f"all {len(errors)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
