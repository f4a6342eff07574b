#!/usr/bin/env python
"""W1's floor: the digits MLP step run by the least engine that can run it, beside npgrad and
the hand-written network, in one process, epoch by epoch in turn.

The floor engine records the same four ops (linear, ReLU, linear, fused cross-entropy), makes
the numpy calls that npgrad's ops make, forward and backward, walks the chain back from the
loss and updates with the hand-written Adam. It has none of what npgrad adds per node and per
step (in-place version checks, undoing broadcasting, dtype casts, gradient ownership, freeing,
per-thread modes, argument checks, the flat optimizer's guards), so the gap between it and the
hand-written network is what any Python engine pays, and the gap between npgrad and it is what
npgrad's bookkeeping costs. It runs nothing but this network.

    python demos/benchmark_floor.py --dtype float32 --epochs 20

prints each system's median ms/epoch and its ratio to the hand-written network, and, per step,
the forward, the backward (with zero_grad) and the optimizer step in µs.
"""
import os
import statistics
import sys
import time

DEMOS = os.path.dirname(os.path.abspath(__file__))
for path in (DEMOS, os.path.dirname(DEMOS)):  # runs from a checkout without installing
    if path not in sys.path:
        sys.path.insert(0, path)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as W1 runs: one BLAS thread

import numpy as np  # noqa: E402

import cli  # noqa: E402
import numpy_mlp  # noqa: E402
from benchmark_common import TRAINERS, W1_SIZES, epoch_order, initial_params  # noqa: E402
from benchmark_common import w1_training_data  # noqa: E402


class Value:
    """An array, its gradient and the node that made it (None for a parameter or the input)."""
    __slots__ = ("data", "grad", "node")

    def __init__(self, data, node=None):
        self.data, self.grad, self.node = data, None, node


class LinearNode:
    """x @ w + b;  dw = xᵀ g, db = Σ g, dx = g wᵀ (only when x was made by a node)."""
    __slots__ = ("x", "w", "b")

    def backward(self, g):
        x, w, b = self.x, self.w, self.b
        w.grad, b.grad = x.data.T @ g, np.add.reduce(g, 0)
        return x, (g @ w.data.T if x.node is not None else None)


class ReluNode:
    """max(x, 0);  dx = g [out > 0]."""
    __slots__ = ("x", "out")

    def backward(self, g):
        return self.x, g * (self.out > 0)


class CrossEntropyNode:
    """mean -log softmax(x)[target];  dx = g (softmax(x) - onehot) / N."""
    __slots__ = ("x", "probs", "onehot")

    def backward(self, g):
        d = self.probs - self.onehot
        d *= g / len(d)
        return self.x, d


def linear(x, w, b):
    node = LinearNode()
    node.x, node.w, node.b = x, w, b
    out = x.data @ w.data
    out += b.data
    return Value(out, node)


def relu(x):
    node = ReluNode()
    node.x, node.out = x, np.maximum(x.data, 0)
    return Value(node.out, node)


def cross_entropy(x, target):
    """npgrad's fused forward (CrossEntropy in nn/functional/losses.py), for labels in range."""
    node, logits = CrossEntropyNode(), x.data
    onehot = target[:, None] == np.arange(logits.shape[1])
    shifted = logits - np.maximum.reduce(logits, 1, keepdims=True)
    exp = np.exp(shifted)
    total = np.add.reduce(exp, 1, keepdims=True)
    losses = np.log(total[:, 0]) - shifted[onehot]
    exp /= total
    node.x, node.probs, node.onehot = x, exp, onehot
    return Value(np.asarray(np.add.reduce(losses) / len(logits)), node)


def backward(loss):
    """Every node of the chain once, from the loss back to the first layer, whose input needs
    no gradient."""
    node, g = loss.node, np.ones((), loss.data.dtype)
    while g is not None:
        x, g = node.backward(g)
        node = x.node


class FloorTrainer:
    """The floor engine on W1's network, with benchmark_common's trainers' interface."""

    def __init__(self, params, X, y, lr=1e-3):
        self.X, self.y = X, y
        self.params = [Value(a.copy()) for pair in params for a in pair]
        self.opt = numpy_mlp.Adam([p.data for p in self.params], lr=lr)

    def step_phases(self, idx):
        """One step; returns (loss, forward s, zero_grad + backward s, step s)."""
        w1, b1, w2, b2 = self.params
        t0 = time.perf_counter()
        loss = cross_entropy(linear(relu(linear(Value(self.X[idx]), w1, b1)), w2, b2),
                             self.y[idx])
        t1 = time.perf_counter()
        for p in self.params:
            p.grad = None
        backward(loss)
        t2 = time.perf_counter()
        self.opt.step([p.grad for p in self.params])
        return loss.data.item(), t1 - t0, t2 - t1, time.perf_counter() - t2


def numpy_phases(trainer, idx):
    net, opt = trainer.net, trainer.opt
    t0 = time.perf_counter()
    logits = net.forward(trainer.X[idx])
    loss, dlogits = numpy_mlp.softmax_cross_entropy(
        logits, trainer.y[idx], dlogits=net._workspace(len(idx))["dout"][-1])
    t1 = time.perf_counter()
    net.backward(dlogits)
    t2 = time.perf_counter()
    opt.step(net.gradients())
    return loss, t1 - t0, t2 - t1, time.perf_counter() - t2


def npgrad_phases(trainer, idx):
    model, opt, F = trainer.model, trainer.opt, trainer.F
    t0 = time.perf_counter()
    loss = F.cross_entropy(model(trainer.Tensor(trainer.X[idx])), trainer.y[idx])
    t1 = time.perf_counter()
    opt.zero_grad()
    loss.backward()
    t2 = time.perf_counter()
    opt.step()
    return loss.item(), t1 - t0, t2 - t1, time.perf_counter() - t2


def compare(dtype, epochs):
    """{system: (median ms/epoch, [median µs/step of forward, backward, step], last loss)}
    over ``epochs`` epochs after two of warm-up, the three systems in turn each epoch."""
    X, y, _ = w1_training_data({}, np.dtype(dtype))
    params = initial_params(W1_SIZES, np.dtype(dtype))
    systems = {"numpy": (TRAINERS["numpy"](params, X, y, "adam", 1e-3), numpy_phases),
               "npgrad": (TRAINERS["npgrad"](params, X, y, "adam", 1e-3), npgrad_phases),
               "floor": (FloorTrainer(params, X, y), FloorTrainer.step_phases)}
    times = {name: [] for name in systems}
    losses = {}
    for epoch in range(epochs + 2):
        batches = numpy_mlp.batch_indices(epoch_order(epoch, len(X)), 64)
        for name, (trainer, phases) in systems.items():
            spent = np.zeros(3)
            for idx in batches:
                loss, *parts = phases(trainer, idx)
                spent += parts
            losses[name] = float(loss)
            if epoch >= 2:
                times[name].append(spent / len(batches))
    return {name: (statistics.median(t.sum() * len(batches) * 1e3 for t in runs),
                   np.median(runs, axis=0) * 1e6, losses[name])
            for name, runs in times.items()}


def main(argv=None):
    p = cli.Parser(description=__doc__.split("\n")[0])
    p.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    p.add_argument("--epochs", type=int, default=20, help="timed epochs per system")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error(f"--epochs must be at least 1, got {args.epochs}")
    results = compare(args.dtype, args.epochs)
    base = results["numpy"][0]
    source = w1_training_data({}, np.dtype(args.dtype))[2]  # synthetic without scikit-learn
    print(f"W1 {args.dtype} on {source}, median of {args.epochs} epochs, the systems in turn:")
    for name, (ms, (fwd, bwd, step), loss) in results.items():
        print(f"  {name:7s} {ms:7.2f} ms/epoch  {ms / base:5.2f}x numpy   per step: forward "
              f"{fwd:6.1f} µs, backward {bwd:6.1f}, step {step:6.1f}   last loss {loss:.7f}")


if __name__ == "__main__":
    cli.run_main(main)
