"""The backward pass: ``backward`` (what ``Tensor.backward`` runs) and ``grad``, the functional
form, each with a pass of its own: backward's, the one of every training step, is on arrays
and goes to every leaf; grad's reaches chosen inputs and can record its own ops.

The traversal is iterative and runs each node's rule once every consumer has sent its
gradient: nodes carry the stamp of a clock shared with in-place updates, so taking them latest
first (a heap over the frontier) is a topological order. Each node's saved values are freed
right after its rule runs (unless ``retain_graph``). ``grad`` first finds the nodes that lead
to its inputs, and runs no other (and checks them all before it runs any). A backward that
meets a freed node or an overwritten value raises there, as PyTorch's does; no ``.grad`` has
been touched by then, since gradients reach the leaves only once the pass is through.
"""
from heapq import heappop, heappush
from operator import attrgetter

import numpy as np

from .grad_mode import _Mode, is_anomaly_enabled
from .ops.base import _FREED, _UNARY, _VARIADIC, as_input, input_shapes, origin
from .ops.helpers import unbroadcast
from .tensor import Tensor
from .versions import updated_after


def backward(tensor, gradient=None, retain_graph=False):
    """Accumulate (``+=``) d tensor / d leaf into the ``.grad`` of every leaf that requires grad."""
    data = tensor.data
    if gradient is None and tensor._requires_grad and data.size == 1:  # a scalar loss
        # 0-d: a numpy scalar, as rules get 0-d values (numpy computes on them ten times faster)
        seed = np.ones(data.shape, data.dtype) if data.ndim else data.dtype.type(1)
    else:
        (seed,) = _seeds((tensor,), (gradient,), create_graph=False)
    node = tensor.grad_fn
    if node is None:  # a leaf: its gradient is the seed, which may be the caller's array
        leaf_grads = {tensor: seed.copy()}
    else:
        leaf_grads = _to_leaves(node, seed, retain_graph)
    for leaf, g in leaf_grads.items():  # each g is the engine's own: kept, or added in place
        if leaf.grad is None:
            leaf.grad = g if type(g) is _ndarray else np.array(g, dtype=leaf.dtype)
        else:
            leaf.grad += g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple of Tensors.

    No ``.grad`` is touched. With ``create_graph=True`` the gradients are themselves
    differentiable (second and higher derivatives).
    """
    outputs = _as_tuple(outputs, "outputs")
    inputs = _as_tuple(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs, "grad_outputs", allow_any=True)
        if len(grad_outputs) != len(outputs):
            raise ValueError(f"got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"input {i} (shape {t.shape}) does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = _seeds(outputs, grad_outputs, create_graph)
    owned = set()
    keys = [origin(t) for t in inputs]  # a leaf's gradient is its own; an op result's its node's
    captured = _run(outputs, seeds, retain_graph, create_graph, set(keys), owned)
    results = []
    for i, (t, key) in enumerate(zip(inputs, keys)):
        g = captured.get(key)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"input {i} (shape {t.shape}) is not used to compute the outputs; "
                    f"pass allow_unused=True to get None for it")
            results.append(None)
        elif isinstance(g, Tensor):
            results.append(g)
        else:
            results.append(Tensor._result(g if key in owned else np.array(g, dtype=t.dtype),
                                          None))
    return tuple(results)


def reachable(roots):
    """Every node reachable from ``roots`` through inputs that need a gradient.

    Raises RuntimeError for a node freed by an earlier backward, or one whose saved input
    was modified in place since the forward; so a failed ``grad`` changes nothing.
    """
    seen = set()
    stack = []
    for root in roots:
        node = root.grad_fn
        if node is not None and node not in seen:
            seen.add(node)
            stack.append(node)
    updates = _Mode.last_update
    while stack:
        node = stack.pop()
        if node.recorded_at < updates or node.second is _FREED:
            _check_inputs(node)
        for parent, needed in zip(node.origins(), node.needs_input_grad):
            if needed and not isinstance(parent, Tensor) and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _leading_to(targets, nodes):
    """The nodes with a path to a target: ``grad`` runs (and frees) no other."""
    kept = set()
    for node in sorted(nodes, key=attrgetter("recorded_at")):  # inputs before their consumers
        for parent, needed in zip(node.origins(), node.needs_input_grad):
            if needed and (parent in targets or parent in kept):
                kept.add(node)
                break
    return kept


def _to_leaves(node, upstream, retain_graph):
    """``backward``'s pass: propagate ``upstream`` from ``node`` to every leaf that requires
    grad, on arrays, and return ``{leaf: gradient}``, each gradient in the leaf's dtype and held
    by no one else (a rule's fresh array, a copy, or a numpy scalar), to be kept or added into.

    Nodes run latest first: a node is stamped when it is recorded, after its inputs, so all
    its consumers have run when it comes off the heap, and the pass needs no count of them.
    The heap and ``pending`` hold only the frontier, not the whole graph; while the frontier is
    one node (all along a chain), that node and its gradient are carried in locals instead.
    """
    captured, pending, heap, by_stamp, summed = {}, {}, [], {}, set()
    anomaly = is_anomaly_enabled()
    updates = _Mode.last_update
    while True:
        if node.recorded_at < updates:  # an in-place update since it was recorded
            _check_inputs(node)
        second = node.second
        if second is _UNARY:  # its input needs a gradient, or the node would not be recorded
            first = node.first
            result = node.backward(upstream, first)
            if type(result) is tuple:
                (result,) = result
            edges = ((first, node.first_origin, result, True),)
        elif second is _VARIADIC:
            arrays = node.first
            edges = zip(arrays, node.first_origin, node.backward(upstream, *arrays),
                        node.needs_input_grad)
        elif second is _FREED:
            _check_inputs(node)  # raises: freed by an earlier backward
        else:
            first = node.first
            edges = zip((first, second), (node.first_origin, node.second_origin),
                        node.backward(upstream, first, second), node.needs_input_grad)
        conform = not node.conforms  # else its rule gave its inputs' shapes and dtypes
        following = None  # the next node, while it is the whole frontier
        for value, parent, g, needed in edges:
            if not needed or g is None:
                continue
            if conform:  # _misfits inline (grad's pass calls it): once per edge of every step
                kind = type(g)
                if (kind is _ndarray or kind is not type(value)) and (
                        g.shape != value.shape or g.dtype is not value.dtype):
                    g = _conform(g, value)
            if anomaly:
                _check_gradient(node, parent, g)
            if isinstance(parent, Tensor):  # a leaf
                previous = captured.get(parent)
                if previous is None:  # kept if no one else holds it (or a scalar: immutable)
                    if type(g) is _ndarray and (g.base is not None or g is upstream):
                        g = g.copy()
                    captured[parent] = g
                elif type(previous) is _ndarray:
                    previous += g
                else:
                    captured[parent] = previous + g
            elif parent in pending:
                _accumulate(pending, parent, g, False, summed)
            elif following is None and not heap:
                following, following_g = parent, g
            else:  # the frontier grows past one node: all of it on the heap
                if following is not None:
                    if parent is following:  # the one node, reached twice
                        following_g = following_g + g
                        continue
                    pending[following] = following_g
                    by_stamp[following.recorded_at] = following
                    heappush(heap, -following.recorded_at)
                    following = None
                pending[parent] = g
                by_stamp[parent.recorded_at] = parent
                heappush(heap, -parent.recorded_at)
        if not retain_graph:  # free the node's inputs and saved values (one slot unused if unary)
            node.first = node.first_origin = node.second_origin = node.saved = None
            node.second = _FREED
        if following is not None:
            node, upstream = following, following_g
        elif heap:
            node = by_stamp.pop(-heappop(heap))  # the latest recorded: its consumers have run
            upstream = pending.pop(node)
        else:
            return captured


def _run(roots, seeds, retain_graph, create_graph, targets, owned):
    """``grad``'s pass: propagate ``seeds`` from ``roots`` and return the gradients reaching
    ``targets``, which hold origins (leaf Tensors, and the nodes of op results), as do the keys
    of what is returned. ``owned`` collects the keys whose gradient buffer the engine allocated
    itself, the only ones it may add into in place. Only the nodes with a path to a target run.
    """
    kept = _leading_to(targets, reachable(roots))
    # the heap holds the frontier's negated stamps (ints compare fast), ``by_stamp`` its nodes
    captured, pending, heap, by_stamp, summed = {}, {}, [], {}, set()
    for root, seed in zip(roots, seeds):
        node = root.grad_fn
        if origin(root) in targets:
            _accumulate(captured, origin(root), seed, False, owned)
        if node is not None and node in kept:
            if node not in pending:
                by_stamp[node.recorded_at] = node
                heappush(heap, -node.recorded_at)
            _accumulate(pending, node, seed, False, summed)
    anomaly = is_anomaly_enabled()
    updates = _Mode.last_update
    single = None  # the frontier when it is one node (all along a chain): it skips the heap
    while heap or single is not None:
        if single is not None:
            node, single = single, None
        else:
            node = by_stamp.pop(-heappop(heap))  # the latest recorded: its consumers have run
        upstream = pending.pop(node)
        if node.recorded_at < updates:  # an in-place update since it was recorded
            _check_inputs(node)
        second = node.second
        if second is _UNARY:  # its input needs a gradient, or the node would not be recorded
            first = node.first
            result = node.backward(upstream, as_input(first, node.first_origin)
                                   if create_graph else first)
            if type(result) is tuple:
                (result,) = result
            edges = ((first, node.first_origin, result, True),)
        elif second is _VARIADIC:
            arrays = node.first
            if create_graph:
                result = node.backward(upstream, *map(as_input, arrays, node.first_origin))
            else:
                result = node.backward(upstream, *arrays)
            edges = zip(arrays, node.first_origin, result, node.needs_input_grad)
        elif second is _FREED:
            _check_inputs(node)  # raises: freed by an earlier backward
        else:
            first = node.first
            if create_graph:
                result = node.backward(upstream, as_input(first, node.first_origin),
                                       as_input(second, node.second_origin))
            else:
                result = node.backward(upstream, first, second)
            edges = zip((first, second), (node.first_origin, node.second_origin), result,
                        node.needs_input_grad)
        # Tensors under create_graph: conformed whatever the rule (a rule's Tensor ops may
        # broadcast), and never added into in place
        conform = create_graph or not node.conforms
        for value, parent, g, needed in edges:
            if not needed or g is None:
                continue
            if conform and _misfits(g, value):
                g = _conform(g, value)
            if anomaly:
                _check_gradient(node, parent, g)
            if parent in targets:  # a leaf's gradient may be its own; a node's goes on below
                fresh = (isinstance(parent, Tensor) and type(g) is _ndarray and g.base is None
                         and g is not upstream)
                _accumulate(captured, parent, g, fresh, owned)
            if parent not in kept:
                continue  # a leaf, or a node that leads to no target
            if parent in pending:
                _accumulate(pending, parent, g, False, summed)
            else:
                pending[parent] = g
                if single is None and not heap:
                    single = parent
                else:
                    if single is not None:  # the frontier grows past one node: all on the heap
                        by_stamp[single.recorded_at] = single
                        heappush(heap, -single.recorded_at)
                        single = None
                    by_stamp[parent.recorded_at] = parent
                    heappush(heap, -parent.recorded_at)
        if not retain_graph:  # free the node's inputs and saved values (one slot unused if unary)
            node.first = node.first_origin = node.second_origin = node.saved = None
            node.second = _FREED
    return captured


_ndarray = np.ndarray


def _misfits(g, value):
    """Whether ``g`` lacks ``value``'s shape or dtype: mostly it has them, and dtypes are mostly
    singletons; two numpy scalars of one type have one shape, (), and one dtype (no look-up)."""
    kind = type(g)
    return (kind is _ndarray or kind is not type(value)) and (
        g.shape != value.shape or g.dtype is not value.dtype)


def _conform(g, value):
    """``g`` summed to ``value``'s shape (undoing broadcasting) and cast to its dtype."""
    g = unbroadcast(g, value.shape)  # g itself when the shapes agree
    if g.dtype != value.dtype:
        g = g.astype(value.dtype)
    return g


def _check_inputs(node):
    """Raise if ``node`` was freed or reads a value updated in place since it was recorded."""
    if node.second is _FREED:
        raise RuntimeError(
            f"trying to backward through the graph a second time: the saved values of "
            f"'{node.title}' were freed after the first backward; pass retain_graph=True "
            f"to the first backward (or grad) to keep them")
    if node.reads_inputs or node.saves_output:
        _check_versions(node)


def _accumulate(store, key, g, fresh, owned):
    previous = store.get(key)
    if previous is None:
        store[key] = g
        if fresh:
            owned.add(key)
    elif key in owned:
        previous += g
    else:
        total = previous + g
        store[key] = total
        if type(total) is np.ndarray:
            owned.add(key)


def _check_versions(node):
    """Raise if a value this node's rule reads was updated in place after it was recorded."""
    if node.saves_output:
        out = node.saved[0] if type(node.saved) is tuple else node.saved
        if updated_after(out, node.recorded_at):
            raise RuntimeError(
                f"'{node.title}' needs its output (shape {np.shape(out)}) to compute its "
                f"gradient, but that output's memory was modified in place after the forward; "
                f"update a copy() instead, or update after the backward")
    if not node.reads_inputs:
        return
    needs = node.needs_input_grad
    for i, value in enumerate(node.input_values()):
        if node.bilinear and not any(n for j, n in enumerate(needs) if j != i):
            continue  # its value is read only for the gradients of inputs that need none
        if updated_after(value, node.recorded_at):
            raise RuntimeError(
                f"'{node.title}' needs the values of its input {i} (a tensor of shape "
                f"{np.shape(value)}) to compute its gradient, but that tensor's memory was "
                f"modified in place after the forward (by an in-place op on it or on a view "
                f"sharing its memory); update a copy() instead, or update after the backward")


def _check_gradient(node, parent, g):
    if not np.isfinite(g.data if isinstance(g, Tensor) else g).all():
        i = next(k for k, o in enumerate(node.origins()) if o is parent)  # by identity
        shapes = input_shapes(node.input_values())
        raise FloatingPointError(
            f"the backward of '{node.title}' produced NaN or inf in the gradient of input {i} "
            f"(input shapes {shapes})")


def _seeds(outputs, grad_outputs, create_graph):
    seeds = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(t, Tensor):
            raise TypeError(f"output {i} must be a Tensor, not {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(
                f"output {i} (shape {t.shape}) does not require grad and has no grad_fn")
        if g is None:
            if t.size != 1:
                raise RuntimeError(
                    f"a gradient can be implied only for a one-element output; output {i} has "
                    f"shape {t.shape}: pass its gradient explicitly")
            g = np.ones(t.shape, dtype=t.dtype)
        if isinstance(g, Tensor):
            array = g.data
        else:
            array = np.asarray(g, dtype=t.dtype)
        if array.shape != t.shape:
            raise ValueError(
                f"the gradient for output {i} has shape {array.shape}, but the output has "
                f"shape {t.shape}")
        if create_graph:
            seed = g if isinstance(g, Tensor) else Tensor._result(array, None)
            seeds.append(seed.astype(t.dtype))
        else:
            seeds.append(array if array.dtype == t.dtype else array.astype(t.dtype))
    return seeds


def _as_tuple(x, what, allow_any=False):
    if isinstance(x, Tensor) or (allow_any and not isinstance(x, (list, tuple))):
        return (x,)
    x = tuple(x)
    if not allow_any:
        for i, t in enumerate(x):
            if not isinstance(t, Tensor):
                raise TypeError(f"{what}[{i}] must be a Tensor, not {type(t).__name__}")
    return x
