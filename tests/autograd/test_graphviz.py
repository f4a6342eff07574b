"""to_dot: the graph behind a tensor as Graphviz DOT text."""
import re

import numpy as np

from autograd import Tensor, to_dot


def test_to_dot_names_the_ops_and_shapes():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    w = Tensor(np.ones((3, 4)), requires_grad=True)
    b = Tensor(np.zeros(4))
    out = ((x @ w + b) * 2.0).sum()
    text = to_dot(out)
    assert text.startswith("digraph")
    assert text.rstrip().endswith("}")
    for name in ("matmul", "add", "mul", "sum"):
        assert re.search(rf'label="{name}\b', text), name
    for shape in ("2x3", "3x4", "2x4"):
        assert shape in text
    assert "4" in text  # the constant bias, shape (4,)


def test_to_dot_has_one_node_per_op_and_leaf_and_an_edge_per_input():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * x  # x is used twice but is one node
    z = y + x
    text = to_dot(z)
    nodes = re.findall(r"^\s*(n\d+) \[", text, flags=re.M)
    edges = re.findall(r"^\s*(n\d+) -> (n\d+);", text, flags=re.M)
    assert len(nodes) == len(set(nodes)) == 3  # add, mul, x
    assert len(edges) == 4  # x->mul twice, mul->add, x->add
    assert all(a in nodes and b in nodes for a, b in edges)


def test_to_dot_of_a_leaf_and_after_backward():
    x = Tensor(3.0, requires_grad=True)
    assert to_dot(x).startswith("digraph") and "scalar" in to_dot(x)
    y = (x * x).exp()
    y.backward()
    text = to_dot(y)  # the freed graph still draws its output node
    assert text.startswith("digraph") and "exp" in text


def test_to_dot_labels_the_tensors_it_is_given_names_for():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor([1.0, 2.0])
    c = a * b
    text = to_dot(c, names={a: "a", b: "b", c: "c"})
    assert '"c = mul\\n2"' in text
    assert '"a (leaf, requires_grad)\\nscalar"' in text
    assert '"b (constant)\\n2"' in text


def test_to_dot_after_backward_says_the_graph_was_freed():
    x = Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    text = to_dot(loss)
    assert "graph was freed by backward" in text and "retain_graph=True" in text
    kept = (x * x).sum()
    kept.backward(retain_graph=True)
    assert "freed" not in to_dot(kept) and 'label="mul' in to_dot(kept)


def test_to_dot_labels_composites_by_what_the_user_called():
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    text = to_dot(x.mean() + x.var() + x.std() + x.log_softmax().sum())
    for name in ("mean", "var", "std", "log_softmax"):
        assert re.search(rf'label="{name}\\n', text), name


def test_to_dot_draws_the_graph_as_it_was_before_an_in_place_update():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y + 1
    y[0] = 5.0
    text = to_dot(z)
    assert 'label="add' in text and 'label="mul' in text and "setitem" not in text
