"""Graphviz DOT text for the graph behind a tensor."""
from .inplace import as_recorded
from .tensor import Tensor


def to_dot(tensor, names=None):
    """One node per op result and per leaf, labelled with the op's name and the shape.

    ``names`` optionally maps tensors to labels (``{a: "a", w: "weight"}``). The graph behind
    a tensor is freed by ``backward()`` unless ``retain_graph=True``: draw it before.
    """
    names = names or {}
    ids, lines, edges, freed = {}, [], [], False
    stack = [tensor]
    ids[tensor] = 0
    while stack:
        t = stack.pop()
        node = t.grad_fn
        if node is not None and node.inputs is not None:
            as_recorded(node)  # inputs as they were, if an in-place update came since
        if node is None:
            kind = "leaf, requires_grad" if t.requires_grad else "constant"
            if t in names:
                kind = f"{names[t]} ({kind})"
            lines.append(f'  n{ids[t]} [shape=box, label="{kind}\\n{_shape(t)}"];')
            continue
        label = f"{names[t]} = {node.title}" if t in names else node.title
        if node.inputs is None:  # freed by backward: say so rather than draw one lone node
            lines.append(f'  n{ids[t]} [shape=ellipse, style=dashed, label="{label}\\n'
                         f'{_shape(t)}\\n(graph freed by backward)"];')
            freed = True
            continue
        lines.append(f'  n{ids[t]} [shape=ellipse, label="{label}\\n{_shape(t)}"];')
        for parent in node.inputs:
            if not isinstance(parent, Tensor):
                continue
            if parent not in ids:
                ids[parent] = len(ids)
                stack.append(parent)
            edges.append(f"  n{ids[parent]} -> n{ids[t]};")
    if freed:
        lines.insert(0, '  label="the graph was freed by backward(); call to_dot before it, or '
                        'pass retain_graph=True to backward";')
    return "digraph npgrad {\n  rankdir=LR;\n" + "\n".join(lines + edges) + "\n}\n"


def _shape(t):
    return "x".join(str(n) for n in t.shape) or "scalar"
