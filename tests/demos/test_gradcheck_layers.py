"""demos/gradcheck_layers.py prints the seed notebook's checks, in its words, and they pass."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "demos", "gradcheck_layers.py")

# The notebook's lines, in its order.
NOTEBOOK_LINES = [
    "loss is a scalar",
    "gradient is a matrix with shape 10x3",
    "Testing affine_forward function:",
    "difference: ",
    "Testing affine_backward function:",
    "dx error: ",
    "dw error: ",
    "db error: ",
    "Testing relu_forward function:",
    "difference: ",
    "Testing relu_backward function:",
    "dx error: ",
]


def run(code=None, *args):
    command = [sys.executable, SCRIPT, *args] if code is None else [sys.executable, "-c", code]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def number_after(label, text, which=0):
    return float(re.findall(rf"^{re.escape(label)}\s*(\S+)$", text, re.MULTILINE)[which])


def test_prints_the_notebook_checks_in_order():
    out = run()
    position = 0
    for line in NOTEBOOK_LINES:
        position = out.index(line, position) + len(line)
    assert out.rstrip().endswith("all 6 checks passed")


def test_errors_are_as_small_as_the_notebook_says():
    out = run()
    assert number_after("difference: ", out, 0) < 1e-8   # affine_forward, notebook ~1e-9
    assert number_after("difference: ", out, 1) < 1e-7   # relu_forward, notebook ~5e-8
    for label in ("dx error: ", "dw error: ", "db error: "):
        assert number_after(label, out) < 1e-7
    assert number_after("dx error: ", out, 1) < 1e-7    # relu_backward
    assert number_after("relative error against numerical_gradient:", out) < 1e-7
    if "difference should be ~10e-8" in out:  # scipy's check_grad
        assert number_after("difference should be ~10e-8", out) < 1e-6


def test_without_scipy_it_checks_with_numerical_gradient_only():
    pytest.importorskip("scipy")  # else the plain run already covers this
    code = (f"import runpy, sys; sys.modules['scipy'] = None; sys.argv = [{SCRIPT!r}]; "
            f"runpy.run_path({SCRIPT!r}, run_name='__main__')")
    out = run(code)
    assert "scipy is not installed" in out
    assert "difference should be ~10e-8" not in out
    assert "relative error against numerical_gradient" in out
    assert out.rstrip().endswith("all 5 checks passed")
