"""The shape, product and linalg part of the NumPy surface, table-driven: each function's value
equals NumPy's on the same data through ``autograd.<name>``, the Tensor method (where ndarray
has one) and ``np.<name>(tensor)``, which returns a Tensor on the graph. Dtypes follow NumPy.
Then bad arguments, and torch as an oracle for values and gradients of a few shape ops."""
import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

rng = np.random.default_rng(9)
A = rng.normal(size=(2, 3, 4))
M = rng.normal(size=(3, 3)) + 3 * np.eye(3)
V = rng.normal(size=4)
F32 = rng.normal(size=(3, 4)).astype(np.float32)
EMPTY = np.zeros((0, 3))
INTS = np.arange(12).reshape(3, 4)
W, W3 = rng.normal(size=(4, 2)), rng.normal(size=(4, 2, 5))

# label -> (call(namespace, *operands), operands, method(tensor, *others) or None)
ROWS = {
    "swapaxes": (lambda m, x: m.swapaxes(x, 0, -1), [A], lambda x: x.swapaxes(0, -1)),
    "moveaxis": (lambda m, x: m.moveaxis(x, [0, -1], [-1, 0]), [A], None),
    "ravel": (lambda m, x: m.ravel(x), [A], lambda x: x.ravel()),
    "ravel F": (lambda m, x: m.ravel(x, order="F"), [A], lambda x: x.ravel("F")),
    "ravel float32": (lambda m, x: m.ravel(x), [F32], lambda x: x.ravel()),
    "split sections": (lambda m, x: m.split(x, 2, axis=-1), [A], None),
    "split indices": (lambda m, x: m.split(x, [1, 5, -2], axis=2), [A], None),
    "split empty": (lambda m, x: m.split(x, 3, axis=1), [EMPTY], None),
    "flip all": (lambda m, x: m.flip(x), [A], None),
    "flip axes": (lambda m, x: m.flip(x, (0, -1)), [A], None),
    "roll flat": (lambda m, x: m.roll(x, 5), [A], None),
    "roll axes": (lambda m, x: m.roll(x, (1, -2), axis=(0, 2)), [A], None),
    "roll one axis twice": (lambda m, x: m.roll(x, 2, axis=(1, 1)), [A], None),
    "tile": (lambda m, x: m.tile(x, (2, 1, 1, 2)), [A], None),
    "tile int": (lambda m, x: m.tile(x, 3), [V], None),
    "tile float32": (lambda m, x: m.tile(x, (2, 1)), [F32], None),
    "repeat flat": (lambda m, x: m.repeat(x, 2), [A], lambda x: x.repeat(2)),
    "repeat axis": (lambda m, x: m.repeat(x, 3, axis=-2), [A], lambda x: x.repeat(3, -2)),
    "repeat per element": (lambda m, x: m.repeat(x, [1, 0, 2], axis=1), [A],
                           lambda x: x.repeat([1, 0, 2], axis=1)),
    "pad int": (lambda m, x: m.pad(x, 1), [A], None),
    "pad per axis": (lambda m, x: m.pad(x, ((1, 0), (0, 2), (1, 1)), constant_values=3), [A],
                     None),
    "pad values per axis": (lambda m, x: m.pad(x, 1, constant_values=((1, 2), (3, 4))), [M],
                            None),
    "pad reflect": (lambda m, x: m.pad(x, (1, 2), mode="reflect"), [A], None),
    "pad symmetric": (lambda m, x: m.pad(x, ((0, 0), (3, 1), (2, 2)), mode="symmetric"), [A],
                      None),
    "pad wrap": (lambda m, x: m.pad(x, 5, mode="wrap"), [V], None),
    "pad edge": (lambda m, x: m.pad(x, 2, mode="edge"), [A], None),
    "pad float32": (lambda m, x: m.pad(x, 1), [F32], None),
    "diagonal": (lambda m, x: m.diagonal(x, 1, 2, 0), [A], lambda x: x.diagonal(1, 2, 0)),
    "diagonal negative offset": (lambda m, x: m.diagonal(x, -1), [A], lambda x: x.diagonal(-1)),
    "diagonal past the edge": (lambda m, x: m.diagonal(x, 7), [M], lambda x: x.diagonal(7)),
    "diag of a vector": (lambda m, x: m.diag(x, 1), [V], None),
    "diag of a matrix": (lambda m, x: m.diag(x, -1), [M], None),
    "trace": (lambda m, x: m.trace(x), [M], lambda x: x.trace()),
    "trace axes": (lambda m, x: m.trace(x, 1, -1, 0), [A], lambda x: x.trace(1, -1, 0)),
    "trace of ints": (lambda m, x: m.trace(x), [INTS], lambda x: x.trace()),
    "tril": (lambda m, x: m.tril(x, -1), [A], None),
    "triu": (lambda m, x: m.triu(x, 1), [A], None),
    "triu of a vector": (lambda m, x: m.triu(x), [V], None),
    "tril float32": (lambda m, x: m.tril(x), [F32], None),
    "take_along_axis": (lambda m, x: m.take_along_axis(x, np.array([[[0, 0, 3]]]), axis=-1),
                        [A], None),
    "take_along_axis of argsort": (
        lambda m, x: m.take_along_axis(x, np.argsort(A, axis=1), axis=1), [A], None),
    "take_along_axis flat": (lambda m, x: m.take_along_axis(x, np.array([0, 0, 23]), None),
                             [A], None),
    "concatenate axis None": (lambda m, x, y: m.concatenate([x, y], axis=None), [A, M], None),
    "concatenate with an array": (lambda m, x: m.concatenate([x, M], 1), [M], None),
    "concatenate dtype": (lambda m, x, y: m.concatenate([x, y], dtype=np.float32), [M, M], None),
    "stack negative axis": (lambda m, x, y: m.stack([x, y], axis=-1), [M, M], None),
    "dot matrices": (lambda m, x, y: m.dot(x, y), [A[0], A[1].T], lambda x, y: x.dot(y)),
    "dot N-D": (lambda m, x, y: m.dot(x, y), [A, rng.normal(size=(5, 4, 2))],
                lambda x, y: x.dot(y)),
    "dot with a vector": (lambda m, x, y: m.dot(x, y), [A, V], lambda x, y: x.dot(y)),
    "dot of vectors": (lambda m, x, y: m.dot(x, y), [V, V], lambda x, y: x.dot(y)),
    "dot with a scalar": (lambda m, x: m.dot(x, 2.0), [A], lambda x: x.dot(2.0)),
    "dot float32": (lambda m, x, y: m.dot(x, y), [F32, F32.T], lambda x, y: x.dot(y)),
    "inner": (lambda m, x, y: m.inner(x, y), [A, rng.normal(size=(5, 4))], None),
    "outer": (lambda m, x, y: m.outer(x, y), [M, V], None),
    "tensordot int": (lambda m, x, y: m.tensordot(x, y, 1), [A, rng.normal(size=(4, 2))],
                      None),
    "tensordot pairs": (lambda m, x, y: m.tensordot(x, y, ([0, 2], [-1, 0])),
                        [A, rng.normal(size=(4, 3, 2))], None),
    "einsum": (lambda m, x, y: m.einsum("ijk,ilk->jl", x, y), [A, A], None),
    "einsum implicit": (lambda m, x, y: m.einsum("ij,jk", x, y), [M, M], None),
    "einsum trace": (lambda m, x: m.einsum("ii", x), [M], None),
    "einsum diagonal": (lambda m, x: m.einsum("ii->i", x), [M], None),
    "einsum ellipsis": (lambda m, x, y: m.einsum("...j,j->...", x, y), [A, V], None),
    "norm": (lambda m, x: m.linalg.norm(x), [A], None),
    "norm vector ord": (lambda m, x: m.linalg.norm(x, 3, axis=-1, keepdims=True), [A], None),
    "norm matrix nuc": (lambda m, x: m.linalg.norm(x, "nuc", axis=(0, 2)), [A], None),
    "norm matrix inf": (lambda m, x: m.linalg.norm(x, np.inf), [M], None),
    "norm float32": (lambda m, x: m.linalg.norm(x), [F32], None),
    "inv": (lambda m, x: m.linalg.inv(x), [M], None),
    "det batched": (lambda m, x: m.linalg.det(x), [A[:, :, :3]], None),
    "slogdet": (lambda m, x: m.linalg.slogdet(x)[1], [A[:, :, :3]], None),
    "solve vector": (lambda m, x, y: m.linalg.solve(x, y), [M, V[:3]], None),
    "solve batched": (lambda m, x, y: m.linalg.solve(x, y), [M, A[:, :, :2]], None),
}


def _leaves(arrays):
    return [Tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]


def _assert_same(got, expected, label):
    if isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), label
        for g, e in zip(got, expected):
            _assert_same(g, e, label)
        return
    assert isinstance(got, Tensor), f"{label}: got {type(got).__name__}, not a Tensor"
    expected = np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype, \
        f"{label}: {got.shape} {got.dtype} vs NumPy's {expected.shape} {expected.dtype}"
    np.testing.assert_allclose(got.data, expected, rtol=1e-6 if got.dtype == np.float32
                               else 1e-12, atol=1e-6 if got.dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("label", sorted(ROWS))
def test_value_equals_numpy_through_every_route(label):
    call, operands, method = ROWS[label]
    expected = call(np, *operands)
    _assert_same(call(ag, *operands), expected, f"autograd {label}")
    if method is not None:
        _assert_same(method(*_leaves(operands)), expected, f"method {label}")
    leaves = _leaves(operands)
    through_numpy = call(np, *leaves)
    _assert_same(through_numpy, expected, f"np {label}")
    if any(t.requires_grad for t in leaves):
        for out in through_numpy if isinstance(through_numpy, list) else [through_numpy]:
            assert out.requires_grad and out.grad_fn is not None, f"np {label} left the graph"


def test_gradients_through_numpy_functions_reach_the_leaves():
    x = Tensor(A, requires_grad=True)
    out = np.sum(np.flip(np.roll(np.pad(x, 1), 2, axis=0), -1) ** 2) + np.trace(x[0, :, :3])
    out.backward()
    expected = 2 * A
    expected[0, range(3), range(3)] += 1
    np.testing.assert_allclose(x.grad, expected)


def test_take_along_axis_accumulates_repeated_indices():
    x = Tensor(V, requires_grad=True)
    ag.take_along_axis(x, np.array([1, 1, 1, 3]), axis=0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 3, 0, 1])


def test_repeat_and_tile_gradients_add_up_over_the_copies():
    x = Tensor(V, requires_grad=True)
    (ag.repeat(x, [0, 1, 2, 3]).sum() + ag.tile(x, (2, 2)).sum()).backward()
    np.testing.assert_array_equal(x.grad, np.array([0, 1, 2, 3]) + 4)


def test_diag_round_trip_scatters_onto_the_diagonal():
    x = Tensor(M, requires_grad=True)
    ag.diag(ag.diag(x, 1), 1).sum().backward()
    np.testing.assert_array_equal(x.grad, np.eye(3, k=1))


def test_split_of_a_tensor_is_a_list_of_views_on_the_graph():
    x = Tensor(A, requires_grad=True)
    pieces = x.reshape(6, 4)
    first, second = ag.split(pieces, [2])
    (first.sum() * 2 + second.sum()).backward()
    np.testing.assert_array_equal(x.grad.reshape(6, 4)[:2], 2)
    np.testing.assert_array_equal(x.grad.reshape(6, 4)[2:], 1)


BAD_CALLS = {
    "split unequal": (lambda: ag.split(A, 5, axis=-1), ValueError, "equal sections"),
    "swapaxes out of range": (lambda: ag.swapaxes(A, 0, 3), ValueError, "axis2"),
    "moveaxis counts": (lambda: ag.moveaxis(A, [0, 1], [0]), ValueError, "same number"),
    "ravel order": (lambda: ag.ravel(A, order="K"), ValueError, "order"),
    "roll lengths": (lambda: ag.roll(A, (1, 2, 3), axis=(0, 1)), ValueError, "same length"),
    "tile negative": (lambda: ag.tile(A, -1), ValueError, "reps"),
    "repeat counts": (lambda: ag.repeat(A, [1, 2], axis=1), ValueError, "axis of size 3"),
    "repeat floats": (lambda: ag.repeat(A, 1.5), TypeError, "repeats"),
    "pad mode": (lambda: ag.pad(A, 1, mode="median"), ValueError, "modes"),
    "pad width": (lambda: ag.pad(A, ((1, 2), (3, 4))), ValueError, "pad_width"),
    "pad negative": (lambda: ag.pad(A, -1), ValueError, "non-negative"),
    "pad keyword": (lambda: ag.pad(A, 1, mode="edge", constant_values=1), TypeError, "keyword"),
    "diagonal of a vector": (lambda: ag.diagonal(V), ValueError, "at least 2"),
    "diagonal same axes": (lambda: ag.diagonal(A, 0, 1, -2), ValueError, "must differ"),
    "diag of 3-D": (lambda: ag.diag(A), ValueError, "1-D or 2-D"),
    "tril of 0-d": (lambda: ag.tril(np.float64(1)), ValueError, "0-d"),
    "take_along_axis floats": (lambda: ag.take_along_axis(A, np.zeros((1, 1, 1)), 0),
                               IndexError, "integer"),
    "take_along_axis ndim": (lambda: ag.take_along_axis(A, np.zeros(2, int), 0), ValueError,
                             "dimensions"),
    "concatenate 0-d": (lambda: ag.concatenate([np.float64(1), np.float64(2)]), ValueError,
                        "0-d"),
    "concatenate casting": (lambda: ag.concatenate([A], dtype=np.int64), TypeError, "cast"),
    "concatenate out": (lambda: ag.concatenate([A], out=np.zeros(A.shape)), TypeError, "out"),
    "dot alignment": (lambda: ag.dot(A, A), ValueError, "not aligned"),
    "inner last axes": (lambda: ag.inner(A, M), ValueError, "last axes"),
    "tensordot sizes": (lambda: ag.tensordot(A, A, 1), ValueError, "must match"),
    "tensordot axes type": (lambda: ag.tensordot(A, A, "ij"), TypeError, "pair"),
}


@pytest.mark.parametrize("label", sorted(BAD_CALLS))
def test_bad_arguments_raise_a_clear_error(label):
    call, error, words = BAD_CALLS[label]
    with pytest.raises(error, match=words):
        call()


# ---- torch as an oracle, for values and gradients ----------------------------------------

TORCH_ROWS = {
    "flip": (lambda x: ag.flip(x, (0, 2)), lambda t, x: t.flip(x, (0, 2))),
    "roll": (lambda x: ag.roll(x, (1, -2), axis=(0, 2)),
             lambda t, x: t.roll(x, (1, -2), dims=(0, 2))),
    "tile": (lambda x: ag.tile(x, (2, 1, 3)), lambda t, x: t.tile(x, (2, 1, 3))),
    "repeat": (lambda x: ag.repeat(x, [1, 0, 3], axis=1),
               lambda t, x: t.repeat_interleave(x, t.tensor([1, 0, 3]), dim=1)),
    "pad": (lambda x: ag.pad(x, ((0, 0), (1, 2), (2, 0)), mode="reflect"),
            lambda t, x: t.nn.functional.pad(x, (2, 0, 1, 2), mode="reflect")),
    "diagonal": (lambda x: ag.diagonal(x, 1, 1, 2),
                 lambda t, x: t.diagonal(x, 1, 1, 2)),
    "tril": (lambda x: ag.tril(x, -1), lambda t, x: t.tril(x, -1)),
    "take_along_axis": (lambda x: ag.take_along_axis(x, np.array([[[3, 3, 0]]]), 2),
                        lambda t, x: t.take_along_dim(x, t.tensor([[[3, 3, 0]]]), 2)),
    "moveaxis": (lambda x: ag.moveaxis(x, 0, -1), lambda t, x: t.movedim(x, 0, -1)),
    "swapaxes": (lambda x: ag.swapaxes(x, 0, 2), lambda t, x: t.swapaxes(x, 0, 2)),
    "ravel": (lambda x: ag.ravel(x), lambda t, x: t.ravel(x)),
    "split": (lambda x: ag.concatenate([p * (i + 1) for i, p in enumerate(
                  ag.split(x, [1, 3], axis=2))], axis=2),
              lambda t, x: t.cat([p * (i + 1) for i, p in enumerate(
                  t.tensor_split(x, [1, 3], dim=2))], 2)),
    "triu": (lambda x: ag.triu(x, 1), lambda t, x: t.triu(x, 1)),
    "diag of a matrix": (lambda x: ag.diag(x[0], 1), lambda t, x: t.diag(x[0], 1)),
    "diag of a vector": (lambda x: ag.diag(x[0, 0], -1), lambda t, x: t.diag(x[0, 0], -1)),
    "trace": (lambda x: ag.trace(x[1]), lambda t, x: t.trace(x[1])),
    "pad constant": (lambda x: ag.pad(x, ((0, 0), (0, 1), (1, 2)), constant_values=3.0),
                     lambda t, x: t.nn.functional.pad(x, (1, 2, 0, 1), value=3.0)),
    "concatenate": (lambda x: ag.concatenate([x, x * 2], axis=1),
                    lambda t, x: t.cat([x, x * 2], 1)),
    "dot": (lambda x: ag.dot(x, W), lambda t, x: t.matmul(x, t.tensor(W))),
    "tensordot": (lambda x: ag.tensordot(x, W3, ([0, 2], [1, 0])),
                  lambda t, x: t.tensordot(x, t.tensor(W3), ([0, 2], [1, 0]))),
    "inner": (lambda x: ag.inner(x, W.T), lambda t, x: t.inner(x, t.tensor(W.T))),
    "outer": (lambda x: ag.outer(x[0, 0], x[1, 1]), lambda t, x: t.outer(x[0, 0], x[1, 1])),
}


@pytest.mark.parametrize("label", sorted(TORCH_ROWS))
def test_values_and_gradients_match_torch(label):
    torch = pytest.importorskip("torch")
    ours, theirs = TORCH_ROWS[label]
    weights = None
    x = Tensor(A, requires_grad=True)
    out = ours(x)
    tx = torch.tensor(A, requires_grad=True)
    tout = theirs(torch, tx)
    np.testing.assert_allclose(out.data, tout.detach().numpy())
    weights = rng.normal(size=out.shape)
    (out * weights).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
