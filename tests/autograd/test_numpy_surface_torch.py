"""The NumPy surface's values and gradients against torch (an oracle only: skipped without it)."""
import numpy as np
import pytest

import autograd
from autograd import Tensor

torch = pytest.importorskip("torch")

rng = np.random.default_rng(3)
X = rng.uniform(0.2, 0.9, (3, 4))
Y = rng.uniform(0.5, 1.5, (4,))

UNARY = {  # npgrad name -> torch function
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "arcsin": torch.asin,
    "arccos": torch.acos, "arctan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh,
    "arcsinh": torch.asinh, "arctanh": torch.atanh, "exp2": torch.exp2, "expm1": torch.expm1,
    "log2": torch.log2, "log10": torch.log10, "log1p": torch.log1p,
    "square": torch.square, "reciprocal": torch.reciprocal,
    "cbrt": lambda t: torch.sign(t) * torch.abs(t) ** (1 / 3),
    "arccosh": lambda t: torch.acosh(t + 1), "copy": torch.clone,
}
BINARY = {
    "arctan2": torch.atan2, "logaddexp": torch.logaddexp, "hypot": torch.hypot,
    "fmod": torch.fmod, "mod": torch.remainder,
}
REDUCTIONS = {  # name -> torch call with (tensor, axis, keepdims)
    "prod": lambda t, axis, keep: t.prod(axis, keepdim=keep),
    "std": lambda t, axis, keep: t.std(axis, keepdim=keep, correction=0),
    "amax": lambda t, axis, keep: t.amax(axis, keepdim=keep),
    "cumsum": lambda t, axis, keep: t.cumsum(axis),
    "cumprod": lambda t, axis, keep: t.cumprod(axis),
}


def compare(ours_fn, theirs_fn, *arrays):
    ours_in = [Tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = ours_fn(*ours_in), theirs_fn(*theirs_in)
    weights = rng.normal(size=ours.shape)
    (ours * weights).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    for a, b in zip(ours_in, theirs_in):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_match_torch(name):
    ours = (lambda t: autograd.arccosh(t + 1)) if name == "arccosh" else (
        Tensor.copy if name == "copy" else getattr(autograd, name))
    compare(ours, UNARY[name], X)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_match_torch_with_broadcasting(name):
    compare(getattr(autograd, name), BINARY[name], X * 3 - 1, Y)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("with_zeros", [False, True])
def test_reductions_and_running_products_match_torch(name, axis, with_zeros):
    x = X.copy()
    if with_zeros:
        x[1, 2] = x[2, 1] = x[2, 3] = 0.0  # one zero in some slices, two in another
    keep = name in ("prod", "std")
    if name in ("cumsum", "cumprod"):
        ours = lambda t: getattr(autograd, name)(t, axis=axis)  # noqa: E731
    else:
        ours = lambda t: getattr(autograd, name)(t, axis=axis, keepdims=keep)  # noqa: E731
    compare(ours, lambda t: REDUCTIONS[name](t, axis, keep), x)


def test_second_derivatives_of_prod_with_zeros_match_torch():
    x = np.array([0.0, 2.0, 3.0, 0.5])
    ours = Tensor(x, requires_grad=True)
    (g,) = autograd.grad(ours.prod(), ours, create_graph=True)
    hessian = np.stack([autograd.grad(g[i], ours, retain_graph=True)[0].data for i in range(4)])
    theirs = torch.autograd.functional.hessian(lambda t: t.prod(), torch.tensor(x))
    np.testing.assert_allclose(hessian, theirs.numpy())


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 0.0, 5.0], [0.0, 2.0, 3.0, 0.5], [1.0, 2.0, 0.0]])
def test_second_derivatives_of_cumprod_with_zeros_match_torch(x):
    x = np.array(x)
    weights = np.arange(1.0, len(x) + 1)
    ours = Tensor(x, requires_grad=True)
    (g,) = autograd.grad((ours.cumprod() * weights).sum(), ours, create_graph=True)
    hessian = np.stack([autograd.grad(g[i], ours, retain_graph=True)[0].data
                        for i in range(len(x))])
    theirs = torch.autograd.functional.hessian(
        lambda t: (t.cumprod(0) * torch.tensor(weights)).sum(), torch.tensor(x))
    np.testing.assert_allclose(hessian, theirs.numpy())
