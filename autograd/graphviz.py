"""Graphviz DOT text for the graph behind a tensor."""
from .tensor import Tensor


def to_dot(tensor, names=None):
    """One node per op result and per leaf, labelled with the op's name and the shape.

    ``names`` optionally maps tensors to labels (``{a: "a", w: "weight"}``). The graph behind
    a tensor is freed by ``backward()`` unless ``retain_graph=True``: draw it before.
    """
    names = names or {}
    ids, lines, edges = {}, [], []
    stack = [tensor]
    ids[tensor] = 0
    while stack:
        t = stack.pop()
        node = t.grad_fn
        if node is None:
            kind = "leaf, requires_grad" if t.requires_grad else "constant"
            if t in names:
                kind = f"{names[t]} ({kind})"
            lines.append(f'  n{ids[t]} [shape=box, label="{kind}\\n{_shape(t)}"];')
            continue
        label = f"{names[t]} = {node.name}" if t in names else node.name
        lines.append(f'  n{ids[t]} [shape=ellipse, label="{label}\\n{_shape(t)}"];')
        if node.inputs is None:
            continue  # freed by backward
        for parent in node.inputs:
            if not isinstance(parent, Tensor):
                continue
            if parent not in ids:
                ids[parent] = len(ids)
                stack.append(parent)
            edges.append(f"  n{ids[parent]} -> n{ids[t]};")
    return "digraph npgrad {\n  rankdir=LR;\n" + "\n".join(lines + edges) + "\n}\n"


def _shape(t):
    return "x".join(str(n) for n in t.shape) or "scalar"
