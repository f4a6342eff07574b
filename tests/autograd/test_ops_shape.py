"""Shape ops: reshape, transpose, flatten, squeeze, expand_dims, broadcast_to, concatenate, stack."""
import numpy as np
import pytest

from autograd import Tensor, concatenate, grad, gradcheck, gradgradcheck, stack

rng = np.random.default_rng(99)
VALUES = rng.normal(size=(2, 3, 4))


def leaf(array=VALUES):
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def check(method, reference, values=VALUES):
    """Forward equals numpy's; the gradient of a weighted sum is the weights moved back."""
    x = leaf(values)
    out = method(x)
    expected = reference(values)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)
    weights = rng.normal(size=out.shape)
    (out * weights).sum().backward()
    assert x.grad.shape == values.shape
    assert gradcheck(method, [leaf(values)])
    return x.grad, weights


RESHAPES = {
    "varargs with -1": (lambda t: t.reshape(4, -1), lambda a: a.reshape(4, -1)),
    "tuple with -1": (lambda t: t.reshape((-1, 2, 3)), lambda a: a.reshape((-1, 2, 3))),
    "list": (lambda t: t.reshape([6, 4]), lambda a: a.reshape(6, 4)),
    "to 1-D": (lambda t: t.reshape(-1), lambda a: a.reshape(-1)),
    "flatten": (lambda t: t.flatten(), lambda a: a.flatten()),
}


@pytest.mark.parametrize("name", sorted(RESHAPES))
def test_reshape(name):
    grad, weights = check(*RESHAPES[name])
    np.testing.assert_array_equal(grad, weights.reshape(VALUES.shape))


def test_reshape_of_a_scalar_and_to_a_scalar():
    check(lambda t: t.reshape(1, 1), lambda a: a.reshape(1, 1), np.array(2.0))
    check(lambda t: t.reshape(()), lambda a: a.reshape(()), np.array([2.0]))


TRANSPOSES = {
    "no axes": (lambda t: t.transpose(), lambda a: a.transpose()),
    "T": (lambda t: t.T, lambda a: a.T),
    "varargs": (lambda t: t.transpose(1, 2, 0), lambda a: a.transpose(1, 2, 0)),
    "tuple": (lambda t: t.transpose((2, 0, 1)), lambda a: a.transpose((2, 0, 1))),
    "negative axes": (lambda t: t.transpose(-1, 0, -2), lambda a: a.transpose(-1, 0, -2)),
}


@pytest.mark.parametrize("name", sorted(TRANSPOSES))
def test_transpose(name):
    method, reference = TRANSPOSES[name]
    grad, weights = check(method, reference)
    np.testing.assert_array_equal(grad, moved_back(reference, weights, VALUES.shape))


def moved_back(reference, weights, shape):
    """Each input element gets the weight found where ``reference`` moves it."""
    positions = reference(np.arange(int(np.prod(shape))).reshape(shape))
    back = np.zeros(int(np.prod(shape)))
    back[positions.ravel()] = weights.ravel()
    return back.reshape(shape)


def test_transpose_of_a_matrix_gives_the_transposed_gradient():
    x = leaf(rng.normal(size=(2, 3)))
    weights = rng.normal(size=(3, 2))
    (x.T * weights).sum().backward()
    np.testing.assert_array_equal(x.grad, weights.T)


SQUEEZES = {
    "all": (lambda t: t.squeeze(), lambda a: a.squeeze()),
    "axis": (lambda t: t.squeeze(2), lambda a: a.squeeze(2)),
    "negative axis": (lambda t: t.squeeze(-2), lambda a: a.squeeze(-2)),
    "tuple": (lambda t: t.squeeze((0, 2)), lambda a: a.squeeze((0, 2))),
}


@pytest.mark.parametrize("name", sorted(SQUEEZES))
def test_squeeze(name):
    values = rng.normal(size=(1, 3, 1, 2))
    grad, weights = check(*SQUEEZES[name], values=values)
    np.testing.assert_array_equal(grad, weights.reshape(values.shape))


@pytest.mark.parametrize("axis", [0, 1, 3, -1, -4, (0, -1)])
def test_expand_dims(axis):
    grad, weights = check(lambda t: t.expand_dims(axis), lambda a: np.expand_dims(a, axis))
    np.testing.assert_array_equal(grad, weights.reshape(VALUES.shape))


@pytest.mark.parametrize("source, target", [((3,), (2, 3)), ((1, 3), (4, 3)),
                                            ((2, 1, 4), (3, 2, 5, 4)), ((), (2, 2))])
def test_broadcast_to_sums_the_gradient_back(source, target):
    values = rng.normal(size=source)
    grad, weights = check(lambda t: t.broadcast_to(target),
                          lambda a: np.broadcast_to(a, target), values=values)
    lead = len(target) - len(source)
    expected = weights.sum(axis=tuple(range(lead)))
    expected = expected.sum(axis=tuple(i for i, n in enumerate(source) if n == 1),
                            keepdims=True).reshape(source)
    np.testing.assert_allclose(grad, expected)


@pytest.mark.parametrize("axis", [0, 1, -1, -3])
def test_concatenate_gives_each_input_its_slice(axis):
    shapes = []
    for n in (1, 2, 3):
        shape = list(VALUES.shape)
        shape[axis] = n
        shapes.append(tuple(shape))
    parts = [leaf(rng.normal(size=s)) for s in shapes]
    out = concatenate(parts, axis=axis)
    np.testing.assert_array_equal(out.data, np.concatenate([p.data for p in parts], axis=axis))
    weights = rng.normal(size=out.shape)
    (out * weights).sum().backward()
    bounds = np.cumsum([0] + [s[axis] for s in shapes])
    for part, start, stop in zip(parts, bounds[:-1], bounds[1:]):
        np.testing.assert_array_equal(part.grad, np.take(weights, range(start, stop), axis=axis))
    assert gradcheck(lambda *xs: concatenate(xs, axis=axis), parts)


def test_concatenate_with_constants_and_arrays():
    x = leaf(rng.normal(size=(2, 2)))
    constant = Tensor(np.ones((1, 2)))
    out = concatenate([np.zeros((1, 2)), x, constant])
    assert out.shape == (4, 2)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 2)))
    assert constant.grad is None


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_stack(axis):
    parts = [leaf(rng.normal(size=(2, 3))) for _ in range(3)]
    out = stack(parts, axis=axis)
    np.testing.assert_array_equal(out.data, np.stack([p.data for p in parts], axis=axis))
    weights = rng.normal(size=out.shape)
    (out * weights).sum().backward()
    for i, part in enumerate(parts):
        np.testing.assert_array_equal(part.grad, np.take(weights, i, axis=axis))
    assert gradcheck(lambda *xs: stack(xs, axis=axis), parts)


def test_concatenate_of_one_tensor():
    x = leaf(rng.normal(size=(2, 3)))
    concatenate([x]).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_stack_of_one_tensor():
    x = leaf(rng.normal(size=(2, 3)))
    stack([x], axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def channels_last(shape):
    """Values of ``shape`` (N, C, H, W) laid out in memory as (N, H, W, C)."""
    n, c, h, w = shape
    return rng.normal(size=(n, h, w, c)).transpose(0, 3, 1, 2)


def test_reshape_gives_the_gradient_in_the_memory_order_of_its_input():
    # flattening a channels-last image copies it; its gradient goes back channels last
    x = leaf(channels_last((2, 3, 4, 5)))
    scaled = x * 2.0  # an op result in x's layout
    weights = rng.normal(size=(2, 60))
    g_scaled, g_x = grad((scaled.reshape(2, -1) * weights).sum(), [scaled, x])
    expected = weights.reshape(2, 3, 4, 5)
    np.testing.assert_array_equal(g_scaled.data, expected)
    np.testing.assert_array_equal(g_x.data, 2.0 * expected)
    for g in (g_scaled.data, g_x.data):
        assert np.argsort(g.strides)[::-1].tolist() == [0, 2, 3, 1]  # N, H, W, C


@pytest.mark.parametrize("values", [
    channels_last((2, 3, 4, 5)),  # a layout of its own
    rng.normal(size=(2, 3, 8, 5))[:, :, ::2],  # C-ordered with gaps: no layout to follow
    np.broadcast_to(rng.normal(size=(3, 1, 5)), (2, 3, 4, 5)),  # stride-0 axes
], ids=["channels last", "gapped", "broadcast"])
def test_reshape_of_a_non_contiguous_input_has_the_right_gradients(values):
    x = Tensor(values, requires_grad=True)
    weights = rng.normal(size=(6, 20))
    (x.reshape(6, 20) * weights).sum().backward()
    np.testing.assert_array_equal(x.grad, weights.reshape(2, 3, 4, 5))
    x = Tensor(values, requires_grad=True)
    assert gradcheck(lambda t: t.reshape(6, 20) * weights, [x])
    assert gradgradcheck(lambda t: (t * t).reshape(6, 20) * weights, [x])
