"""The seed notebook's layer checks, run on ``nn.layers`` and printed as the notebook prints them.

    python demos/gradcheck_layers.py [--seed 0]

The layer functions (``affine_forward``/``affine_backward``, ``relu_forward``/``relu_backward``,
``softmax_loss``) are the notebook's, with its signatures; their gradients come from the engine.
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
from nn.layers import (affine_backward, affine_forward, relu_backward,  # noqa: E402
                       relu_forward, softmax_loss)

# Pass marks. The forward checks compare with the notebook's numbers, rounded to 8 digits. A
# wrong gradient is off by 1e-2 or more; centred differences are good to about 1e-8 here.
LIMITS = {"softmax check_grad": 1e-6, "softmax rel_error": 1e-6, "affine_forward": 1e-8,
          "affine_backward": 1e-6, "relu_forward": 1e-7, "relu_backward": 1e-6}


def softmax_checks(rng):
    """The notebook's cells 3-6: the loss is a scalar, the gradient a 10x3 matrix, and checked."""
    y = rng.integers(0, 3, 10)
    dx = lambda x: softmax_loss(x.reshape((10, 3)), y)[1].reshape(-1)  # noqa: E731
    loss = lambda x: softmax_loss(x.reshape((10, 3)), y)[0]  # noqa: E731
    print("loss is a scalar")
    print(loss(rng.random((10, 3))))
    print()
    print("gradient is a matrix with shape 10x3")
    print(dx(rng.random((10, 3))))
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random inputs (default: 0)")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be non-negative, got {args.seed}")
    rng = np.random.default_rng(args.seed)
    errors = {**softmax_checks(rng), **affine_checks(rng), **relu_checks(rng)}
    failed = [f"{name} {errors[name]:.1e} > {LIMITS[name]:.0e}"
              for name in errors if not errors[name] < LIMITS[name]]
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    print(f"all {len(errors)} checks passed")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import cli  # demos/cli.py: a closed stdout ends the demo quietly
    cli.run_main(main)
