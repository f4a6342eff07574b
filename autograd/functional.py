"""Functional transforms built on ``grad``: Jacobians, Hessians and their vector products.

PyTorch's ``torch.autograd.functional`` signatures, return nesting and ``strict`` semantics.
``inputs`` is a Tensor or a tuple of Tensors, and so is what ``func`` returns; a result has a
level of tuple for each of them that was a tuple, e.g. ``jacobian(f, (x, y))[j]`` for a
Tensor-valued ``f`` and ``jacobian(f, x)[i]`` for a tuple-valued one. The function runs once,
on copies of the inputs that require grad (differentiable views of them with
``create_graph=True``); every derivative is then a ``grad`` call on that one graph.
Without ``create_graph`` results carry no history. With it they can be differentiated again,
also with respect to the original inputs and ``v``.

``numerical_jacobian`` is the centred-difference counterpart of ``jacobian``, shared by
``gradcheck`` and ``gradgradcheck``.
"""
import numpy as np

from .engine import grad
from .grad_mode import enable_grad
from .ops import stack
from .tensor import Tensor

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp", "numerical_jacobian"]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), vᵀ J)``: the vector-Jacobian product, one backward pass.

    ``v`` has the outputs' shapes (None only for a one-element output); the product has the
    inputs' shapes and nesting.
    """
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph)
        outputs_tuple, outputs = _call(func, inputs, "vjp", strict)
        v = _vector(v, outputs, "vjp", "outputs", create_graph)
        products = _fill(_grad(outputs, inputs, v, create_graph), inputs, strict, create_graph,
                         "the output of the function is independent of input {i}")
    return _unpack(_finish(outputs, create_graph), outputs_tuple), \
        _unpack(_finish(products, create_graph), inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), J v)``: the Jacobian-vector product, by two backward passes.

    ``v`` has the inputs' shapes (None only for a one-element input); the product has the
    outputs' shapes and nesting. The double-vjp trick: ``g(u) = Jᵀ u`` is linear in ``u``, so
    the gradient of ``g(u) · v`` with respect to ``u`` is ``J v``.
    """
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph)
        v = _vector(v, inputs, "jvp", "inputs", create_graph)
        outputs_tuple, outputs = _call(func, inputs, "jvp", strict)
        u = tuple(Tensor(np.zeros(out.shape, out.dtype), requires_grad=True) for out in outputs)
        transposed = _grad(outputs, inputs, u, create_graph=True)
        if strict:
            _require(transposed, "the gradient with respect to input {i} is independent of the "
                                 "function's inputs", none="the output of the function is "
                                                           "independent of input {i}")
        products = _fill(_grad(transposed, u, v, create_graph), outputs, strict, create_graph,
                         "the gradient with respect to the inputs is independent of entry {i} "
                         "of the grad_outputs (the double-vjp trick needs it)")
    return _unpack(_finish(outputs, create_graph), outputs_tuple), \
        _unpack(_finish(products, create_graph), outputs_tuple)


def jacobian(func, inputs, create_graph=False, strict=False):
    """The Jacobian ``J[o][i]`` of each output ``o`` with respect to each input ``i``.

    ``J[o][i]`` has shape ``outputs[o].shape + inputs[i].shape``; the tuple levels of an output
    or input that is a single Tensor are dropped. One forward graph serves every row: row
    ``k`` is one backward pass from the one-hot gradient ``e_k`` of the output.
    """
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph)
        outputs_tuple, outputs = _call(func, inputs, "jacobian", strict)
        result = _jacobian(outputs, inputs, create_graph, strict)
    return _unpack(tuple(_finish(row, create_graph) for row in result),
                   (outputs_tuple, inputs_tuple))


def hessian(func, inputs, create_graph=False, strict=False):
    """The Hessian ``H[i][j]`` of a one-element ``func`` with respect to inputs ``i`` and ``j``.

    ``H[i][j]`` has shape ``inputs[i].shape + inputs[j].shape`` (without the tuple levels for a
    single Tensor input): the Jacobian of the gradient, whose graph is built once.
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*x):
        return _gradient(func, x, strict, "hessian")

    return _unpack(jacobian(gradient, inputs, create_graph, strict), (inputs_tuple, inputs_tuple))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), vᵀ H)`` for a one-element ``func``; ``v`` has the inputs' shapes."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), H v)`` for a one-element ``func``, by the double-vjp trick.

    Equal to ``vhp`` for functions with a symmetric Hessian (twice continuously
    differentiable); the gradient of ``(Hᵀ w) · v`` with respect to ``w`` is ``H v``.
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def numerical_jacobian(fn, inputs, eps=1e-6):
    """The Jacobian of ``fn`` at ``inputs`` by centred differences, nested as ``jacobian``'s.

    ``J[o][i][out_index + in_index] = (fn(x + eps e)[o] - fn(x - eps e)[o]) / (2 eps)``, as
    float64 numpy arrays of shape ``outputs[o].shape + inputs[i].shape``. ``fn`` is evaluated
    (with gradients recorded, so it may differentiate) on copies of the inputs that keep
    their ``requires_grad``; the inputs are never written. Needs float64 inputs to be accurate.
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "numerical_jacobian")
    outputs_tuple, result = _numerical_jacobian(fn, inputs, eps, "numerical_jacobian")
    return _unpack(result, (outputs_tuple, inputs_tuple))


def _numerical_jacobian(fn, inputs, eps, name):
    """(fn returned a tuple, ``J[o][i]`` as a tuple of tuples of float64 arrays)."""
    copies = tuple(Tensor(t.data.copy(), requires_grad=t.requires_grad) for t in inputs)
    with enable_grad():
        outputs_tuple, outputs = _as_tuple(fn(*copies), "outputs of the function", name)
        shapes = [out.shape for out in outputs]
        result = [[np.zeros(shape + t.shape) for t in inputs] for shape in shapes]
        for i, t in enumerate(copies):
            data = t.data
            for index in np.ndindex(*data.shape):
                original = data[index].copy()
                data[index] = original + eps
                plus = _evaluate(fn, copies, shapes, name)
                data[index] = original - eps
                minus = _evaluate(fn, copies, shapes, name)
                data[index] = original
                for o, (p, m) in enumerate(zip(plus, minus)):
                    # subtract before dividing: the difference is all that is left of p and m
                    result[o][i][(Ellipsis,) + index] = (p - m) / (2 * eps)
    return outputs_tuple, tuple(tuple(row) for row in result)


def _evaluate(fn, inputs, shapes, name):
    """fn's outputs as float64 arrays (copies: fn may return one buffer twice)."""
    _, outputs = _as_tuple(fn(*inputs), "outputs of the function", name)
    if [out.shape for out in outputs] != shapes:
        raise ValueError(f"the function's outputs changed shape from {shapes} to "
                         f"{[out.shape for out in outputs]} when its inputs moved by eps")
    return [np.array(out.data, dtype=np.float64) for out in outputs]


# ---- the shared steps --------------------------------------------------------------------
def _as_tuple(x, what, name):
    """(was it a tuple, the tuple of Tensors); TypeError for anything else."""
    if isinstance(x, Tensor):
        return False, (x,)
    if not isinstance(x, tuple):
        raise TypeError(f"the {what} given to {name} must be a Tensor or a tuple of Tensors, "
                        f"got {type(x).__name__}")
    for i, t in enumerate(x):
        if not isinstance(t, Tensor):
            raise TypeError(f"the {what} given to {name} must be a Tensor or a tuple of "
                            f"Tensors, but entry {i} is a {type(t).__name__}")
    return True, x


def _unpack(result, was_tuple):
    """Drop the tuple levels the caller did not use: ``was_tuple`` is one flag or (outer, inner)."""
    outer, inner = was_tuple if isinstance(was_tuple, tuple) else (was_tuple, True)
    if not inner:
        result = tuple(row[0] for row in result)
    return result if outer else result[0]


def _prepare(tensors, create_graph):
    """New Tensor objects to differentiate with respect to: differentiable views of inputs that
    require grad when ``create_graph`` (results then lead back to them), else detached copies
    sharing the data. New objects, so that tensors ``func`` captures stay apart."""
    return tuple(t.reshape(t.shape) if create_graph and t.requires_grad
                 else Tensor._result(t.data, None).requires_grad_() for t in tensors)


def _call(func, inputs, name, strict):
    was_tuple, outputs = _as_tuple(func(*inputs), "outputs of the function", name)
    if strict:
        for o, out in enumerate(outputs):
            if not out.requires_grad:
                raise RuntimeError(f"output {o} of the function does not require grad: it must "
                                   f"be computed differentiably from the inputs in strict mode")
    return was_tuple, outputs


def _vector(v, like, name, what, create_graph):
    """``v`` as a tuple of Tensors of the shapes of ``like``; None only for one element."""
    if v is None:
        if len(like) != 1 or like[0].size != 1:
            raise RuntimeError(f"{name}: v can be None only when the {what} are a single "
                               f"one-element Tensor; got shapes {[t.shape for t in like]}")
        return None
    _, v = _as_tuple(v, "v", name)
    if len(v) != len(like):
        raise ValueError(f"{name}: v has {len(v)} entries, the {what} {len(like)}")
    for i, (a, b) in enumerate(zip(v, like)):
        if a.shape != b.shape:
            raise ValueError(f"{name}: entry {i} of v has shape {a.shape}, but {what[:-1]} {i} "
                             f"has shape {b.shape}")
    return tuple(t.reshape(t.shape) if create_graph and t.requires_grad else t.detach()
                 for t in v)


def _grad(outputs, inputs, grad_outputs, create_graph):
    """``grad`` over the outputs that require grad (None for every input if none does)."""
    grad_outputs = grad_outputs or (None,) * len(outputs)
    kept = [(out, g) for out, g in zip(outputs, grad_outputs)
            if out is not None and out.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return grad([out for out, _ in kept], inputs, [g for _, g in kept], retain_graph=True,
                create_graph=create_graph, allow_unused=True)


def _fill(grads, like, strict, create_graph, independent):
    """Zeros (of ``like[i]``'s shape) for the None entries; in strict mode raise instead."""
    filled = []
    for i, (g, t) in enumerate(zip(grads, like)):
        if g is None:
            if strict:
                raise RuntimeError(f"{independent.format(i=i)}: not allowed in strict mode")
            g = Tensor(np.zeros(t.shape, t.dtype))
        elif strict and create_graph and not g.requires_grad:
            raise RuntimeError(f"the derivative with respect to entry {i} is independent of the "
                               f"inputs: not allowed in strict mode with create_graph=True")
        filled.append(g)
    return tuple(filled)


def _require(tensors, message, none):
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"{none.format(i=i)}: not allowed in strict mode")
        if not t.requires_grad:
            raise RuntimeError(f"{message.format(i=i)}: not allowed in strict mode")


def _finish(tensors, create_graph):
    return tensors if create_graph else tuple(t.detach() for t in tensors)


def _jacobian(outputs, inputs, create_graph, strict):
    """``J[o][i]`` as a tuple (outputs) of tuples (inputs) of Tensors, a row per backward pass."""
    result = []
    for o, out in enumerate(outputs):
        rows = [[] for _ in inputs]
        for k in range(out.size if out.requires_grad else 0):
            seed = np.zeros(out.size, out.dtype)
            seed[k] = 1
            grads = grad(out, inputs, seed.reshape(out.shape), retain_graph=True,
                         create_graph=create_graph, allow_unused=True)
            for i, g in enumerate(grads):
                if g is None and strict:
                    raise RuntimeError(f"output {o} of the function is independent of input "
                                       f"{i}: not allowed in strict mode")
                if g is not None and strict and create_graph and not g.requires_grad:
                    raise RuntimeError(f"the Jacobian of output {o} is independent of input "
                                       f"{i}: not allowed in strict mode with create_graph=True")
                rows[i].append(g)
        result.append(tuple(_assemble(r, out, t, create_graph) for r, t in zip(rows, inputs)))
    return tuple(result)


def _assemble(rows, out, t, create_graph):
    """Stack one Jacobian block's rows (None: a zero row) into shape out.shape + t.shape."""
    shape = out.shape + t.shape
    if any(g is not None and g.requires_grad for g in rows):
        zero = Tensor(np.zeros(t.shape, t.dtype))
        return stack([zero if g is None else g for g in rows]).reshape(shape)
    block = np.zeros((out.size,) + t.shape, t.dtype)
    for k, g in enumerate(rows):
        if g is not None:
            block[k] = g.data
    return Tensor(block.reshape(shape))


def _gradient(func, inputs, strict, name, output=None):
    """The gradient (a tuple, with its graph) of the one-element ``func`` at ``inputs``, which
    require grad; ``output`` (a list) receives func's output."""
    was_tuple, outputs = _call(func, inputs, name, strict)
    if was_tuple:
        raise RuntimeError(f"the function given to {name} must return a single Tensor, "
                           f"got a tuple of {len(outputs)}")
    if outputs[0].size != 1:
        raise RuntimeError(f"the Tensor returned by the function given to {name} must have one "
                           f"element, got shape {outputs[0].shape}")
    if output is not None:
        output.append(outputs[0])
    grads = _grad(outputs, inputs, None, create_graph=True)
    if strict:
        _require(grads, "the Jacobian of the function with respect to input {i} is independent "
                        "of the inputs (is the function linear?)",
                 none="the output of the function is independent of input {i}")
    return tuple(Tensor(np.zeros(t.shape, t.dtype)) if g is None else g
                 for g, t in zip(grads, inputs))


def _hessian_product(func, inputs, v, create_graph, strict, name):
    """vhp: the gradient of ``∇f · v``; hvp: of ``(Hᵀ w) · v`` with respect to ``w``."""
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
        inputs = _prepare(inputs, create_graph)
        v = _vector(v, inputs, name, "inputs", create_graph)
        output = []
        gradient = _gradient(func, inputs, strict, name, output)
        if name == "vhp":
            products = _grad(gradient, inputs, v, create_graph)
            independent = "the Jacobian of the function is independent of input {i}"
        else:
            w = tuple(Tensor(np.zeros(t.shape, t.dtype), requires_grad=True) for t in inputs)
            transposed = _grad(gradient, inputs, w, create_graph=True)
            products = _grad(transposed, w, v, create_graph)
            independent = ("the Hessian of the function is independent of entry {i} of the "
                           "gradient (the double-vjp trick needs it)")
        products = _fill(products, inputs, strict, create_graph, independent)
    return _finish(tuple(output), create_graph)[0], \
        _unpack(_finish(products, create_graph), inputs_tuple)
