"""demos/gradcheck_layers.py prints the seed notebook's checks and the course's next ones,
in their words, and they pass."""
import functools
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

# The next exercises' lines, after the seed's, in their notebooks' order.
COURSE_LINES = [
    "Before batch normalization:",
    "After batch normalization (gamma=1, beta=0)",
    "After batch normalization (gamma= [1. 2. 3.] , beta= [11. 12. 13.] )",
    "After batch normalization (test-time):",
    "dx error: ", "dgamma error: ", "dbeta error: ",
    "Before layer normalization:",
    "After layer normalization (gamma=1, beta=0)",
    "After layer normalization (gamma= [3. 3. 3.] , beta= [5. 5. 5.] )",
    "dx error: ", "dgamma error: ", "dbeta error: ",
    "Running tests with p =  0.25", "Running tests with p =  0.4", "Running tests with p =  0.7",
    "dx relative error: ",
    "Testing conv_forward_naive",
    "difference: ",
    "Testing conv_backward_naive function",
    "dx error: ", "dw error: ", "db error: ",
    "Testing max_pool_forward_naive function:",
    "difference: ",
    "Testing max_pool_backward_naive function:",
    "dx error: ",
]
CHECKS = 17


@functools.lru_cache(maxsize=None)  # one run of the demo serves every test that reads it
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
    for line in NOTEBOOK_LINES + COURSE_LINES:
        position = out.index(line, position) + len(line)
    assert out.rstrip().endswith(f"all {CHECKS} checks passed")


def test_the_softmax_gradient_prints_as_a_10_by_3_matrix():
    out = run()
    block = out.split("gradient is a matrix with shape 10x3\n", 1)[1].split("\n\n", 1)[0]
    rows = block.splitlines()
    assert len(rows) == 10
    assert rows[0].startswith("[[") and rows[-1].endswith("]]")
    assert all(len(row.strip("[] ").split()) == 3 for row in rows)


def test_the_course_checks_are_as_small_as_its_notebooks_say():
    out = run()
    course = out[out.index("Before batch normalization:"):]
    # the convolution's and max pool's forwards, against the notebook's 8-digit numbers
    assert number_after("difference: ", course, 0) < 1e-7  # notebook ~2e-8
    assert number_after("difference: ", course, 1) < 1e-7  # notebook ~4e-8
    for label in ("dx error: ", "dgamma error: ", "dbeta error: ", "dw error: ", "db error: "):
        for value in re.findall(rf"^{re.escape(label)}\s*(\S+)$", course, re.MULTILINE):
            assert float(value) < 1e-6, (label, value)
    assert number_after("dx relative error: ", course) < 1e-9
    fractions = [float(v) for v in re.findall(
        r"^Fraction of train-time output set to zero:\s+(\S+)$", course, re.MULTILINE)]
    assert [round(f, 2) for f in fractions] == [0.75, 0.6, 0.3]
    means = re.search(r"After batch normalization \(gamma=1, beta=0\)\n  means:\s+\[(.*)\]",
                      course).group(1).split()
    assert max(abs(float(m)) for m in means) < 1e-12


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
    assert out.rstrip().endswith(f"all {CHECKS - 1} checks passed")
