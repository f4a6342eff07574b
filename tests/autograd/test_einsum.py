"""einsum: NumPy's subscript forms and errors, where the gradient lands for repeated and
one-operand letters, and torch as an oracle for values and gradients."""
import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

rng = np.random.default_rng(5)
A, B = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
S = rng.normal(size=(3, 3))
X = rng.normal(size=(2, 3, 4))
V = rng.normal(size=4)

FORMS = {
    "matrix product": ("ij,jk->ik", [A, B]),
    "implicit matrix product": ("ij,jk", [A, B]),
    "implicit transpose": ("ji", [A]),
    "implicit order is ASCII, capitals first": ("bA", [A]),
    "trace": ("ii", [S]),
    "diagonal": ("ii->i", [S]),
    "repeated letter kept with another": ("iij->ij", [np.stack([S] * 2, -1)]),
    "sum of everything": ("ij->", [A]),
    "letter summed in one operand only": ("ij,k->k", [A, V]),
    "outer product": ("i,j->ij", [V, V]),
    "batched": ("bij,bjk->bik", [X, rng.normal(size=(2, 4, 5))]),
    "ellipsis": ("...ij,...jk->...ik", [X, B]),
    "ellipsis broadcast size 1": ("...j,...j->...", [rng.normal(size=(2, 1, 4)), X]),
    "implicit with ellipsis": ("...j,j", [X, V]),
    "ellipsis in the middle": ("i...j->j...i", [X]),
    "three operands": ("ij,jk,kl->il", [A, B, rng.normal(size=(2, 3))]),
    "0-d operand": (",ij->ij", [np.float64(2.5), A]),
    "spaces": ("i j , j k -> i k", [A, B]),
    "empty axis": ("ij,jk->ik", [np.zeros((3, 0)), np.zeros((0, 2))]),
}


@pytest.mark.parametrize("label", sorted(FORMS))
def test_einsum_equals_numpy(label):
    subscripts, operands = FORMS[label]
    expected = np.einsum(subscripts, *operands)
    for got in (ag.einsum(subscripts, *operands),
                np.einsum(subscripts, *[Tensor(o, requires_grad=True) for o in operands])):
        assert isinstance(got, Tensor) and got.shape == expected.shape
        np.testing.assert_allclose(got.data, expected, atol=1e-12)


def test_the_sublist_form_equals_the_string_form():
    got = ag.einsum(X, [0, Ellipsis, 2], B, [2, 3], [Ellipsis, 3, 0])
    np.testing.assert_allclose(got.data, np.einsum("a...c,cd->...da", X, B))


def test_dtype_and_optimize_are_numpy_s():
    a32 = A.astype(np.float32)
    assert ag.einsum("ij,jk", a32, B.astype(np.float32)).dtype == np.float32
    assert ag.einsum("ij,jk", a32, B, dtype=np.float32, casting="same_kind").dtype == np.float32
    x = Tensor(A, requires_grad=True)
    out = ag.einsum("ij,jk,kl->il", x, B, B.T, optimize=True)
    np.testing.assert_allclose(out.data, A @ B @ B.T)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, np.ones((3, 4)) @ (B @ B.T).T)


def test_a_repeated_letter_sends_the_gradient_onto_the_diagonal():
    x = Tensor(S, requires_grad=True)
    ag.einsum("ii", x).backward()
    np.testing.assert_array_equal(x.grad, np.eye(3))
    x.grad = None
    weights = np.array([1.0, 2.0, 3.0])
    (ag.einsum("ii->i", x) * weights).sum().backward()
    np.testing.assert_array_equal(x.grad, np.diag(weights))


def test_a_letter_summed_in_one_operand_broadcasts_its_gradient():
    x, v = Tensor(A, requires_grad=True), Tensor(V, requires_grad=True)
    ag.einsum("ij,k->k", x, v).sum().backward()
    np.testing.assert_allclose(x.grad, np.full(A.shape, V.sum()))
    np.testing.assert_allclose(v.grad, np.full(V.shape, A.sum()))


def test_a_broadcast_ellipsis_axis_gets_its_gradient_summed():
    small = Tensor(rng.normal(size=(1, 3, 4)), requires_grad=True)
    ag.einsum("...j,...j->...", small, X).sum().backward()
    np.testing.assert_allclose(small.grad, X.sum(axis=0, keepdims=True))


ERRORS = {
    "operand count": (lambda: ag.einsum("ij,jk", A), "2 operands, but 1"),
    "bad character": (lambda: ag.einsum("i1", A), "only letters"),
    "output letter not in inputs": (lambda: ag.einsum("ij->k", A), "output letter 'k'"),
    "output letter repeated": (lambda: ag.einsum("ij->ii", A), "output letter 'i'"),
    "output drops the ellipsis": (lambda: ag.einsum("...j->j", X), "add '...'"),
    "too many letters": (lambda: ag.einsum("ijk", A), "operand 0 has shape"),
    "too few letters": (lambda: ag.einsum("i", A), "operand 0 has shape"),
    "two arrows": (lambda: ag.einsum("i->i->i", V), "more than one"),
    "sizes differ": (lambda: ag.einsum("ij,ij", A, B), "shapes"),
    "no operands": (lambda: ag.einsum("ij"), "at least one operand"),
    "bad sublist": (lambda: ag.einsum(A, [0, "x"]), "sublists"),
}


@pytest.mark.parametrize("label", sorted(ERRORS))
def test_bad_subscripts_raise_value_error_naming_them(label):
    call, words = ERRORS[label]
    with pytest.raises(ValueError, match=words):
        call()


def test_out_and_a_bad_cast_are_type_errors():
    with pytest.raises(TypeError, match="out="):
        ag.einsum("ij", A, out=np.zeros_like(A))
    with pytest.raises(TypeError, match="cannot cast"):
        ag.einsum("ij", A, dtype=np.int64)


TORCH_FORMS = ["matrix product", "implicit matrix product", "trace", "diagonal",
               "letter summed in one operand only", "batched", "ellipsis",
               "ellipsis broadcast size 1", "three operands", "implicit with ellipsis"]


@pytest.mark.parametrize("label", TORCH_FORMS)
def test_values_and_gradients_match_torch(label):
    torch = pytest.importorskip("torch")
    subscripts, operands = FORMS[label]
    ours = [Tensor(o, requires_grad=True) for o in operands]
    theirs = [torch.tensor(o, requires_grad=True) for o in operands]
    out, tout = ag.einsum(subscripts, *ours), torch.einsum(subscripts, *theirs)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), atol=1e-12)
    weights = rng.normal(size=out.shape)
    (out * weights).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    for x, tx in zip(ours, theirs):
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-12)


def test_a_rearranging_einsum_does_not_share_memory_with_its_input():
    x = Tensor(S.copy())
    for subscripts in ("ij->ji", "ii->i"):
        out = ag.einsum(subscripts, x)
        assert not np.shares_memory(out.data, x.data)
