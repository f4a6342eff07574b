"""W2: a scalar expression graph of ~20,000 ops (mul, add, pow, relu, tanh) on 0-d values,
built, differentiated and released: µs per op, npgrad against PyTorch and micrograd."""
import gc
import sys
import time

import numpy as np

from benchmark_common import SEED, grad_of


def scalar_graph(leaves, weights, layers):
    """The W2 expression, for any scalar type with * + ** relu tanh (micrograd's Value, 0-d
    Tensors). `leaves`: one scalar per lane; `weights`: a few rows of one scalar per lane, reused
    cyclically, like a network's parameters. Each lane of each layer costs 7 ops
    (mul, add, tanh, add, relu, pow, add), and the lanes are summed at the end. Values stay in
    [-2, 2], and the longest path is about 6 * layers, so micrograd's recursion copes."""
    lanes = len(leaves)
    s = list(leaves)
    for layer in range(layers):
        w = weights[layer % len(weights)]
        new = []
        for i in range(lanes):
            z = s[i] * w[i] + s[(i + 1) % lanes]
            h = z.tanh()
            new.append((h + (-0.1)).relu() + h ** 2)
        s = new
    out = s[0]
    for v in s[1:]:
        out = out + v
    return out


W2_LANES = 25
W2_WEIGHT_ROWS = 8


def w2_shape(n_ops):
    layers = max(1, round((n_ops - (W2_LANES - 1)) / (7 * W2_LANES)))
    return layers, 7 * W2_LANES * layers + W2_LANES - 1


def w2_values():
    rng = np.random.default_rng(SEED + 2)
    leaves = rng.uniform(-1, 1, W2_LANES).tolist()
    weights = rng.uniform(-1, 1, (W2_WEIGHT_ROWS, W2_LANES)).tolist()
    return leaves, weights


def _w2_time(make, layers, req, to_float):
    """Time graph construction + backward + release, per op: after a warm-up, once with the
    garbage collector paused (after a collection), then once with it on, as users run it. The
    paused run's garbage is left for the collector, as a previous iteration's would be."""
    def timed():
        leaves, weights = make()
        t0 = time.perf_counter()
        out = scalar_graph(leaves, weights, layers)
        out.backward()
        value = to_float(out)
        del out
        return time.perf_counter() - t0, value, leaves

    timed()
    gc.collect()
    gc.disable()
    try:
        paused, _, _ = timed()
    finally:
        gc.enable()
    seconds, value, leaves = timed()
    grad = sum(float(grad_of(v)) for v in leaves)
    per_op = 1e6 / req["w2_ops"]
    return {"value": seconds * per_op, "gc_paused_us_per_op": paused * per_op,
            "output": value, "leaf_grad_sum": grad}


def npgrad_w2(runner, req):
    layers = req["w2_layers"]
    leaves, weights = w2_values()
    Tensor = runner.Tensor

    def make():
        return ([Tensor(v, requires_grad=True) for v in leaves],
                [[Tensor(v, requires_grad=True) for v in row] for row in weights])
    return _w2_time(make, layers, req, lambda out: out.item())


def torch_w2(runner, req):
    torch = runner.torch
    leaves, weights = w2_values()

    def make():
        return ([torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in leaves],
                [[torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in row]
                 for row in weights])
    return _w2_time(make, req["w2_layers"], req, lambda out: out.item())


def micrograd_w2(runner, req):
    # micrograd's backward sorts the graph recursively: its depth needs a higher limit.
    sys.setrecursionlimit(max(runner.default_recursion_limit, 10_000))
    Value = runner.Value
    leaves, weights = w2_values()

    def make():
        return [Value(v) for v in leaves], [[Value(v) for v in row] for row in weights]
    return _w2_time(make, req["w2_layers"], req, lambda out: out.data)


RUNS = {"npgrad": npgrad_w2, "torch": torch_w2, "micrograd": micrograd_w2}
