"""Build expressions from Tensors, run backward, check the gradients, and draw the graph.

    python demos/expressions.py                 # writes out/scalar.dot and out/tensor.dot
    python demos/expressions.py --dot-dir /tmp  # somewhere else

1. micrograd's README example, on 0-d Tensors: the same value and gradients as micrograd.
2. A two-layer network's loss on a batch of 4 samples with 3 features, as one expression.

Each gradient from ``backward()`` is compared with centred differences
(``autograd.numerical_gradient``) and the relative error printed. Each graph is written in
Graphviz DOT (``autograd.to_dot``) and rendered to SVG when Graphviz's ``dot`` program is
installed. Exits 1 if a gradient disagrees.
"""
import os
import shutil
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # run from a checkout without installing
sys.path.insert(0, os.path.join(ROOT, "demos"))

import cli  # noqa: E402
from autograd import Tensor, numerical_gradient, rel_error, to_dot  # noqa: E402

TOLERANCE = 1e-6  # rel_error above this is reported as a mismatch


def micrograd_example(a, b):
    """micrograd's README expression. Its ``c += ...`` rebinds a new Value, so here: c = c + ..."""
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def two_layer_loss(X, y, W1, b1, W2, b2):
    """Mean cross-entropy of tanh(X W1 + b1) W2 + b2: X (4, 3), W1 (3, 5), W2 (5, 2), y (4,)."""
    hidden = (X @ W1 + b1).tanh()                   # (4, 5)
    logits = hidden @ W2 + b2                       # (4, 2)
    log_probs = logits.log_softmax(axis=1)          # (4, 2)
    return -log_probs[np.arange(len(y)), y].mean()  # scalar


def check(name, analytic, numeric):
    """Print the gradient's relative error against the numerical one; True when they agree."""
    error = rel_error(analytic, numeric)
    verdict = "ok" if error < TOLERANCE else "MISMATCH"
    print(f"  {name:<10} rel_error vs numerical_gradient {error:.2e}  {verdict}")
    return error < TOLERANCE


def write_graph(dot_text, name, dot_dir):
    """Write DOT text to ``dot_dir/name.dot`` (and .svg with Graphviz); return the path."""
    path = os.path.join(dot_dir, f"{name}.dot")
    with open(path, "w") as f:
        f.write(dot_text)
    ops = dot_text.count("shape=ellipse")
    leaves = dot_text.count("shape=box")
    print(f"  graph: {ops} op nodes and {leaves} leaves, written to {path}")
    dot_program = shutil.which("dot")
    if dot_program is None:
        print("  no SVG: Graphviz's dot program is not installed (apt install graphviz, or "
              f"brew install graphviz);\n  then draw it with: dot -Tsvg {path} -o {path[:-4]}.svg")
        return path
    svg = path[:-4] + ".svg"
    result = subprocess.run([dot_program, "-Tsvg", path, "-o", svg],
                            capture_output=True, text=True, timeout=60)
    if result.returncode == 0:
        print(f"  rendered with Graphviz to {svg}")
    else:
        print(f"  Graphviz's dot failed on {path}: {result.stderr.strip()}")
    return path


def scalar_demo(dot_dir):
    print("1. A scalar expression: micrograd's README example")
    a = Tensor(-4.0, requires_grad=True)
    b = Tensor(2.0, requires_grad=True)
    g = micrograd_example(a, b)
    dot_text = to_dot(g)  # before backward, which frees the graph
    g.backward()
    print(f"  g = {g.item():.4f}      (micrograd prints 24.7041)")
    print(f"  dg/da = {a.grad.item():.4f}  (micrograd prints 138.8338)")
    print(f"  dg/db = {b.grad.item():.4f}  (micrograd prints 645.5773)")
    numeric = numerical_gradient(
        lambda ab: micrograd_example(Tensor(ab[0]), Tensor(ab[1])).item(), np.array([-4.0, 2.0]))
    print(f"  numerical: dg/da = {numeric[0]:.4f}, dg/db = {numeric[1]:.4f}")
    agree = check("dg/d(a, b)", np.array([a.grad.item(), b.grad.item()]), numeric)
    write_graph(dot_text, "scalar", dot_dir)
    return agree


def tensor_demo(dot_dir):
    print("\n2. A tensor expression: a two-layer network's loss on a (4, 3) batch")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 3))
    y = np.array([0, 1, 1, 0])
    arrays = {"W1": rng.normal(size=(3, 5)), "b1": rng.normal(size=5),
              "W2": rng.normal(size=(5, 2)), "b2": rng.normal(size=2)}
    params = {name: Tensor(array, requires_grad=True) for name, array in arrays.items()}
    loss = two_layer_loss(Tensor(X), y, **params)
    print(f"  loss = {loss.item():.6f}")
    dot_text = to_dot(loss)
    loss.backward()
    agree = True
    for name, param in params.items():
        print(f"  d loss / d {name}, shape {param.grad.shape}:")
        with np.printoptions(precision=4, suppress=True):
            print("    " + str(param.grad).replace("\n", "\n    "))

        def loss_at(value, name=name):
            return two_layer_loss(Tensor(X), y, **{**arrays, name: value}).item()

        agree &= check(name, param.grad, numerical_gradient(loss_at, arrays[name].copy()))
    write_graph(dot_text, "tensor", dot_dir)
    return agree


def main(argv=None):
    parser = cli.Parser(description=__doc__.split("\n")[0])
    parser.add_argument("--dot-dir", default=os.path.join(ROOT, "out"), metavar="DIR",
                        help="where to write the .dot (and .svg) files (default: out/ in the "
                        "repository, which git ignores)")
    args = parser.parse_args(argv)
    try:
        os.makedirs(args.dot_dir, exist_ok=True)
    except OSError as error:
        parser.error(f"cannot create --dot-dir {args.dot_dir}: {error.strerror}")
    if not os.access(args.dot_dir, os.W_OK):
        parser.error(f"cannot write into --dot-dir {args.dot_dir}")
    agree = scalar_demo(args.dot_dir)
    agree &= tensor_demo(args.dot_dir)
    print("\nall gradients agree with numerical_gradient" if agree
          else "\nsome gradients DISAGREE with numerical_gradient")
    return 0 if agree else 1


if __name__ == "__main__":
    cli.run_main(main)
