"""Graphviz DOT text for the graph behind a tensor."""
import numpy as np

from .ops.base import origin
from .tensor import Tensor


def to_dot(tensor, names=None):
    """One node per op result and per leaf, labelled with the op's name and the shape.

    ``names`` optionally maps tensors to labels (``{a: "a", w: "weight"}``). The graph behind
    a tensor is freed by ``backward()`` unless ``retain_graph=True``: draw it before.
    """
    # the graph's nodes are ops and leaves: a tensor is drawn as its origin (see Op)
    names = {origin(t): label for t, label in (names or {}).items()}
    root = origin(tensor)
    ids, lines, edges, freed = {root: 0}, [], [], False
    stack = [(root, tensor.data)]
    while stack:
        key, value = stack.pop()
        n = ids[key]
        if isinstance(key, Tensor):
            kind = "leaf, requires_grad" if key.requires_grad else "constant"
            if key in names:
                kind = f"{names[key]} ({kind})"
            lines.append(f'  n{n} [shape=box, label="{kind}\\n{_shape(value)}"];')
            continue
        label = f"{names[key]} = {key.title}" if key in names else key.title
        if key.freed:  # freed by backward: say so rather than draw one lone node
            lines.append(f'  n{n} [shape=ellipse, style=dashed, label="{label}\\n'
                         f'{_shape(value)}\\n(graph freed by backward)"];')
            freed = True
            continue
        lines.append(f'  n{n} [shape=ellipse, label="{label}\\n{_shape(value)}"];')
        for parent_value, parent in zip(key.input_values(), key.origins()):
            if parent is None:
                continue  # a constant operand
            if parent not in ids:
                ids[parent] = len(ids)
                stack.append((parent, parent_value))
            edges.append(f"  n{ids[parent]} -> n{n};")
    if freed:
        lines.insert(0, '  label="the graph was freed by backward(); call to_dot before it, or '
                        'pass retain_graph=True to backward";')
    return "digraph npgrad {\n  rankdir=LR;\n" + "\n".join(lines + edges) + "\n}\n"


def _shape(value):
    return "x".join(str(n) for n in np.shape(value)) or "scalar"
