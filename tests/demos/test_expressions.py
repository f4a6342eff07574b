"""demos/expressions.py: values, gradients checked numerically, and the graphs as DOT."""
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "demos", "expressions.py")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    dot_dir = tmp_path_factory.mktemp("dot")
    proc = subprocess.run([sys.executable, SCRIPT, "--dot-dir", str(dot_dir)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, dot_dir


def test_micrograd_example_gives_micrograd_numbers(demo):
    proc, _ = demo
    assert re.search(r"^  g = 24\.7041 ", proc.stdout, re.MULTILINE), proc.stdout
    assert re.search(r"^  dg/da = 138\.8338 ", proc.stdout, re.MULTILINE)
    assert re.search(r"^  dg/db = 645\.5773 ", proc.stdout, re.MULTILINE)


def test_every_gradient_is_checked_against_numerical_gradient(demo):
    proc, _ = demo
    errors = re.findall(r"^  (\S+(?: \S+)?) +rel_error vs numerical_gradient (\S+)  ok$",
                        proc.stdout, re.MULTILINE)
    assert [name for name, _ in errors] == ["dg/d(a, b)", "W1", "b1", "W2", "b2"], proc.stdout
    assert all(float(error) < 1e-6 for _, error in errors)
    assert "all gradients agree with numerical_gradient" in proc.stdout
    assert "MISMATCH" not in proc.stdout and "Traceback" not in proc.stderr


def test_scalar_graph_holds_micrograd_ops(demo):
    _, dot_dir = demo
    dot = (dot_dir / "scalar.dot").read_text()
    assert dot.startswith("digraph")
    labels = re.findall(r'label="([a-z_]+)', dot)
    for op in ("add", "mul", "pow", "neg", "sub", "div", "relu"):
        assert op in labels, op
    assert labels.count("leaf") == 2  # a and b
    assert dot.count("->") >= len(labels) - 1


def test_tensor_graph_holds_the_layers_with_their_shapes(demo):
    _, dot_dir = demo
    dot = (dot_dir / "tensor.dot").read_text()
    for op in ("matmul", "tanh", "getitem"):
        assert f'label="{op}' in dot, op
    for shape in ("4x3", "3x5", "4x5", "5x2", "4x2"):
        assert f"\\n{shape}\"" in dot, shape
    assert len(re.findall(r'label="leaf', dot)) == 4  # W1, b1, W2, b2; X is a constant


def test_svg_rendered_or_missing_graphviz_said(demo):
    proc, dot_dir = demo
    if shutil.which("dot"):
        assert (dot_dir / "scalar.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
        assert "rendered with Graphviz" in proc.stdout
    else:
        assert proc.stdout.count("Graphviz's dot program is not installed") == 2
        assert not (dot_dir / "scalar.svg").exists()


def test_unwritable_dot_dir_is_an_argparse_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = subprocess.run([sys.executable, SCRIPT, "--dot-dir", str(blocker / "sub")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--dot-dir" in proc.stderr
