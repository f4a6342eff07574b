"""Indexing: ints, slices (negative steps), None, Ellipsis, integer arrays, boolean masks; untake."""
import numpy as np
import pytest

from autograd import Tensor, grad, gradcheck
from autograd.ops import Untake, apply

rng = np.random.default_rng(5)
VALUES = rng.normal(size=(4, 3, 2))
MASK = VALUES[..., 0] > 0  # (4, 3)

INDICES = {
    "int": 2,
    "negative int": -1,
    "int tuple": (1, -2),
    "slice": slice(1, 3),
    "negative step": slice(None, None, -1),
    "negative step with bounds": (slice(3, 0, -2), slice(-1, None, -1)),
    "empty slice": slice(2, 1),
    "None": (None, 1),
    "Ellipsis": (Ellipsis, 1),
    "Ellipsis and None": (None, Ellipsis, None, -1),
    "repeated indices": np.array([0, 0, 3, 0]),
    "negative indices": np.array([-1, 1, -1]),
    "2-D integer array": np.array([[0, 1], [1, 1]]),
    "integer arrays on two axes": (np.array([0, 0, 2]), np.array([1, 1, -1])),
    "slice then integer array": (slice(None), np.array([2, 2, 0])),
    "Ellipsis then integer array": (Ellipsis, np.array([1, 1])),
    "int then integer array": (1, np.array([0, 2, 0])),
    "boolean mask over all axes": VALUES > 0,
    "boolean mask over leading axes": MASK,
    "boolean mask on axis 1": (slice(None), np.array([True, False, True])),
    "all-False mask": np.zeros(4, dtype=bool),
    "numpy integer": np.int64(-2),
    "0-d integer array": np.array(1),
    "empty integer array": np.array([], dtype=int),
    "integer arrays around Ellipsis": (np.array([0, 3, 0]), Ellipsis, np.array([1, 0, 1])),
}


def expected_gradient(index, weights):
    """What x[index] sends back for upstream ``weights``: np.add.at scatters, repeats add up."""
    out = np.zeros(VALUES.shape)
    np.add.at(out, index, weights)
    return out


@pytest.mark.parametrize("name", sorted(INDICES))
def test_getitem_values_and_gradient(name):
    index = INDICES[name]
    x = Tensor(VALUES, requires_grad=True)
    out = x[index]
    np.testing.assert_array_equal(out.data, VALUES[index])
    weights = rng.normal(size=out.shape)
    (out * weights).sum().backward()
    np.testing.assert_allclose(x.grad, expected_gradient(index, weights))
    assert gradcheck(lambda x: x[index], [Tensor(VALUES, requires_grad=True)])


def test_index_forms_users_write():
    x = Tensor(VALUES, requires_grad=True)
    # a list is an integer array; a bool Tensor is a mask; a Tensor of ints is an integer array
    np.testing.assert_array_equal(x[[0, 0, 1]].data, VALUES[[0, 0, 1]])
    np.testing.assert_array_equal(x[Tensor(MASK)].data, VALUES[MASK])
    np.testing.assert_array_equal(x[Tensor(np.array([2, 2]))].data, VALUES[[2, 2]])
    np.testing.assert_array_equal(x[x > 0].data, VALUES[VALUES > 0])
    (x[[0, 0, 1]].sum() + x[Tensor(MASK)].sum()).backward()
    expected = expected_gradient(np.array([0, 0, 1]), 1.0) + expected_gradient(MASK, 1.0)
    np.testing.assert_array_equal(x.grad, expected)


def test_indexing_does_not_modify_the_index():
    index = np.array([0, 0, -1])
    x = Tensor(VALUES, requires_grad=True)
    x[index].sum().backward()
    np.testing.assert_array_equal(index, [0, 0, -1])


def test_changing_the_index_array_after_the_forward_does_not_change_the_gradient():
    x = Tensor(np.zeros(3), requires_grad=True)
    index = np.array([0, 0, 1])
    y = x[index]
    index[:] = 2
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 1.0, 0.0])


def test_iterating_over_a_tensor_indexes_its_first_axis():
    x = Tensor(VALUES[:, 0, 0], requires_grad=True)
    rows = list(x)
    assert len(rows) == 4 and all(r.shape == () for r in rows)
    (rows[0] * 2 + rows[3]).backward()
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 0.0, 1.0])


# ---- untake: the transpose of getitem ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(INDICES))
def test_untake_scatters_and_its_gradient_gathers(name):
    index = INDICES[name]
    picked_shape = VALUES[index].shape
    g = Tensor(rng.normal(size=picked_shape), requires_grad=True)
    out = apply(Untake(index, VALUES.shape), g)
    assert out.grad_fn.name == "untake"
    np.testing.assert_allclose(out.data, expected_gradient(index, g.data))
    weights = rng.normal(size=VALUES.shape)
    (out * weights).sum().backward()
    np.testing.assert_allclose(g.grad, weights[index])
    assert gradcheck(lambda g: apply(Untake(index, VALUES.shape), g), [g])


def test_untake_is_reached_through_the_gradient_of_getitem():
    index = np.array([0, 0, 2])
    x = Tensor(VALUES, requires_grad=True)
    weights = Tensor(rng.normal(size=VALUES[index].shape), requires_grad=True)
    (gx,) = grad((x[index] * weights).sum(), x, create_graph=True)
    assert gx.grad_fn.name == "untake"
    np.testing.assert_allclose(gx.data, expected_gradient(index, weights.data))
    # d/dweights sum(gx * v) = v[index]
    v = rng.normal(size=VALUES.shape)
    (dw,) = grad((gx * v).sum(), weights)
    np.testing.assert_allclose(dw.data, v[index])
