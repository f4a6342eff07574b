"""einsum: every subscript form NumPy accepts, one op whose rule is einsum itself.

The subscripts are first made explicit: ``...`` becomes letters of its own (right-aligned
across operands, as broadcasting aligns them), and an implicit output becomes NumPy's (the
broadcast axes, then the letters used once, in ASCII order). The gradient of operand k is the
einsum of the upstream gradient with the other operands, onto operand k's letters, where
- a letter repeated in operand k (``ii``) gets a fresh letter joined to it by an identity
  matrix, which scatters the gradient back onto the diagonal;
- a letter found only in operand k (summed there) comes from a vector of ones, which broadcasts
  the gradient along it;
- an axis of size 1 that broadcast against the others is summed back by the engine.
"""
import string

import numpy as np

from ..tensor import Tensor
from .base import Op, apply, as_tensor
from .shape import cast_all

__all__ = ["einsum"]

LETTERS = string.ascii_uppercase + string.ascii_lowercase  # NumPy's labels, in ASCII order


class Einsum(Op):
    """einsum(terms -> output, *xs);  dx_k = einsum(g, the other xs -> term k)."""
    __slots__ = ("terms", "output", "optimize", "spare")
    name = "einsum"
    bilinear = True  # multilinear: x_k's value is read only for the other operands' gradients

    def __init__(self, terms, output, optimize=False):
        self.terms, self.output, self.optimize = terms, output, optimize
        used = set("".join(terms))
        self.spare = [c for c in LETTERS if c not in used]  # fresh letters for the rules

    def forward(self, *xs):
        out = np.einsum(",".join(self.terms) + "->" + self.output, *xs, optimize=self.optimize)
        # NumPy returns a view of the input for pure rearrangements ('ij->ji', 'ii->i'); an
        # in-place write into the result must not reach the input behind the graph's back
        return out.copy() if getattr(out, "base", None) is not None else out

    def backward(self, g, *xs):
        return tuple(self._gradient(k, g, xs) if needed else None
                     for k, needed in enumerate(self.needs_input_grad))

    def _gradient(self, k, g, xs):
        terms = [self.output] + [t for j, t in enumerate(self.terms) if j != k]
        operands = [g] + [x for j, x in enumerate(xs) if j != k]
        dtype = (g.data if isinstance(g, Tensor) else np.asarray(g)).dtype
        shape = np.shape(xs[k].data if isinstance(xs[k], Tensor) else xs[k])
        spare = iter(self.spare)
        target, seen = [], set()
        for letter, size in zip(self.terms[k], shape):
            if letter in seen:  # a diagonal: a fresh letter, tied to this one by an identity
                fresh = next(spare)
                terms.append(letter + fresh)
                operands.append(np.eye(size, dtype=dtype))
                letter = fresh
            seen.add(letter)
            target.append(letter)
        present = set("".join(terms))
        for letter, size in zip(self.terms[k], shape):
            if letter not in present:  # summed in operand k alone: broadcast back along it
                terms.append(letter)
                operands.append(np.ones(size, dtype=dtype))
                present.add(letter)
        spec = ",".join(terms) + "->" + "".join(target)
        if isinstance(g, Tensor):
            return apply(Einsum(terms, "".join(target), self.optimize), *operands)
        return np.einsum(spec, *operands, optimize=self.optimize)


def einsum(*operands, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    """Einstein summation, as ``np.einsum``: ``einsum("ij,jk->ik", a, b)``, implicit output
    (``"ij,jk"``), ``...`` broadcasting, repeated letters (``"ii->i"``, ``"ii"``), any number
    of operands, and the sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

    ``optimize`` is passed to NumPy (for the forward and the rule); ``dtype`` casts the operands
    first, under ``casting``.
    """
    if out is not None:
        raise TypeError("einsum(..., out=...) would write outside the graph; use the result")
    if not operands:
        raise TypeError("einsum needs subscripts and at least one operand")
    if isinstance(operands[0], str):
        subscripts, tensors = operands[0], [as_tensor(x) for x in operands[1:]]
    else:
        subscripts, tensors = _from_sublists(operands)
    if not tensors:
        raise ValueError("einsum needs at least one operand after the subscripts")
    tensors = cast_all("einsum", tensors, dtype, casting)
    terms, output = parse(subscripts, [t.shape for t in tensors])
    try:
        return apply(Einsum(terms, output, optimize), *tensors)
    except ValueError as error:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"einsum {subscripts!r} on operands of shapes {shapes}: {error}") from None


def parse(subscripts, shapes):
    """Explicit terms (one string of letters per operand) and output letters."""
    spec = subscripts.replace(" ", "")
    if spec.count("->") > 1:
        raise ValueError(f"einsum subscripts {subscripts!r} have more than one '->'")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(terms)} operands, "
                         f"but {len(shapes)} were given")
    for term in terms + ([output] if arrow else []):
        letters = term.replace("...", "", 1)
        if any(c not in LETTERS for c in letters):
            raise ValueError(f"einsum subscripts {subscripts!r}: {term!r} may hold only letters "
                             f"a-z, A-Z and one '...'")
    # how many axes each operand's '...' covers
    covered = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        extra = len(shape) - named
        if extra < 0 or (extra and "..." not in term):
            raise ValueError(f"einsum subscripts {subscripts!r}: operand {i} has shape {shape}, "
                             f"{len(shape)} axes for the {named} letters in {term!r}")
        covered.append(extra)
    used = set(spec)
    free = [c for c in LETTERS if c not in used]
    if max(covered) > len(free):
        raise ValueError(f"einsum {subscripts!r}: too many axes under '...' for the letters left")
    broadcast = "".join(free[:max(covered)])  # the letters of the broadcast axes
    terms = [t.replace("...", broadcast[len(broadcast) - n:]) for t, n in zip(terms, covered)]
    if arrow:
        if broadcast and "..." not in output:
            raise ValueError(f"einsum {subscripts!r}: the operands' '...' covers axes that the "
                             f"output must keep: add '...' to the output")
        output = output.replace("...", broadcast)
        for c in output:
            if output.count(c) > 1 or not any(c in t for t in terms):
                raise ValueError(f"einsum {subscripts!r}: output letter {c!r} is repeated or "
                                 f"names no operand's axis")
    else:
        joined = "".join(terms)
        output = broadcast + "".join(c for c in LETTERS
                                     if c not in broadcast and joined.count(c) == 1)
    return terms, output


def _from_sublists(operands):
    """The sublist form (operand, [axis ids], operand, [axis ids], ..., [output ids])."""
    def letters(sublist):
        out = []
        for item in sublist:
            if item is Ellipsis:
                out.append("...")
            elif isinstance(item, (int, np.integer)) and 0 <= item < len(LETTERS):
                out.append(LETTERS[item])
            else:
                raise ValueError(f"einsum sublists hold ints in [0, 52) and Ellipsis, got {item!r}")
        return "".join(out)
    pairs = operands[:len(operands) // 2 * 2]
    tensors = [as_tensor(x) for x in pairs[0::2]]
    subscripts = ",".join(letters(s) for s in pairs[1::2])
    if len(operands) % 2:
        subscripts += "->" + letters(operands[-1])
    return subscripts, tensors
