#!/usr/bin/env python
"""Deterministic counts for the benchmark's small workloads: the steps run here are meant to be
run under an instruction counter (valgrind --tool=callgrind) at two lengths, whose difference
cancels the start-up.

    python demos/benchmark_counts.py w1 --dtype float64 --phases fb --steps 40
    python demos/benchmark_counts.py w2 --steps 40
    python demos/benchmark_counts.py w4mem --steps 200000

W1 runs `steps` batches of the digits MLP (the benchmark's trainer, Adam): phases `f` is the
forward and the loss, `fb` adds zero_grad and backward, `fbs` adds the optimizer step; the
difference of two phase sets at equal lengths is the cost of a phase. W2 runs `steps` forward
and backward passes of the benchmark's scalar graph (of `--ops` ops). w4mem builds the W4 chain
of `steps` nodes under tracemalloc and prints the bytes each node holds, by allocation site.
"""
import os
import sys

DEMOS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DEMOS)
for path in (DEMOS, ROOT):  # runs from a checkout without installing, as under valgrind
    if path not in sys.path:
        sys.path.insert(0, path)
# one BLAS thread, as the benchmark's workers: idle OpenBLAS threads spin, and a counter would
# count their spinning (billions of instructions that vary from run to run)
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

import cli  # noqa: E402
import numpy_mlp  # noqa: E402
from benchmark_common import (TRAINERS, W1_SIZES, epoch_order, initial_params,  # noqa: E402
                              w1_training_data)


def w1(steps, dtype, phases, data=None, system="npgrad"):
    """`steps` W1 batches (after two of warm-up), running only `phases` of each; `data` is
    the file benchmark_common.save_w1_data wrote (else the digits are loaded here);
    `system` "numpy" runs the hand-written network's whole steps instead."""
    X, y, _ = w1_training_data({"data": data}, np.dtype(dtype))
    trainer = TRAINERS["npgrad"](initial_params(W1_SIZES, np.dtype(dtype)), X, y, "adam", 1e-3)
    F, Tensor, model, opt = trainer.F, trainer.Tensor, trainer.model, trainer.opt
    batches = numpy_mlp.batch_indices(epoch_order(0, len(X)), 64)
    batches = [batches[i % len(batches)] for i in range(steps + 2)]
    total = 0.0
    if system == "numpy":  # the hand-written network: whole steps only
        trainer = TRAINERS["numpy"](initial_params(W1_SIZES, np.dtype(dtype)), X, y, "adam", 1e-3)
        _freeze_start_up()
        return trainer.train_batches(batches)
    _freeze_start_up()
    for idx in batches:
        loss = F.cross_entropy(model(Tensor(X[idx])), y[idx])
        if "b" in phases:
            opt.zero_grad()
            loss.backward()
        if "s" in phases:
            opt.step()
        total += loss.item()
    return total


def _freeze_start_up():
    """Keep the objects of the start-up (modules, scikit-learn's, the data) out of the garbage
    collector's walks: a full collection walks them all, and one that falls in the longer count
    and not in the shorter moved a W1 step's count by up to 8%. The collector stays on for the
    objects the steps make."""
    import gc
    gc.collect()
    gc.freeze()


def w2(steps, ops):
    """`steps` forward + backward passes of W2's scalar graph of about `ops` ops."""
    from benchmark_w2 import scalar_graph, w2_shape, w2_values
    from autograd import Tensor
    layers, _ = w2_shape(ops)
    values, rows = w2_values()
    total = 0.0
    _freeze_start_up()
    for _ in range(steps + 1):
        leaves = [Tensor(v, requires_grad=True) for v in values]
        weights = [[Tensor(v, requires_grad=True) for v in row] for row in rows]
        out = scalar_graph(leaves, weights, layers)
        out.backward()
        total += out.item()
    return total


def w4_bytes_per_node(nodes):
    """Bytes traced per node of the W4 chain (the (4,) arrays' 144 bytes included), and the
    largest allocation sites, per node."""
    import gc
    import tracemalloc
    from autograd import Tensor
    from benchmark_w4 import _w4_chain_generic

    def chain(n):
        return _w4_chain_generic(Tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True), n)
    chain(1000)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    out = chain(nodes)
    total = (tracemalloc.get_traced_memory()[0] - before) / nodes
    sites = tracemalloc.take_snapshot().statistics("lineno")[:6]
    tracemalloc.stop()
    lines = [f"{total:.1f} bytes per node"]
    lines += [f"  {s.size / nodes:6.1f}  {s.traceback}" for s in sites]
    del out
    return "\n".join(lines)


def main(argv=None):
    p = cli.Parser(description=__doc__.split("\n")[0])
    p.add_argument("workload", choices=("w1", "w2", "w4mem"))
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--dtype", default="float64", choices=("float64", "float32"))
    p.add_argument("--phases", default="fbs", choices=("f", "fb", "fbs"))
    p.add_argument("--ops", type=int, default=2000)
    p.add_argument("--system", default="npgrad", choices=("npgrad", "numpy"))
    p.add_argument("--data", help="W1's data file (save_w1_data), to keep its loading out")
    args = p.parse_args(argv)
    if args.steps < 1:
        p.error(f"--steps must be at least 1, got {args.steps}")
    if args.data is not None and not os.path.isfile(args.data):
        p.error(f"--data {args.data}: no such file (benchmark_common.save_w1_data writes it)")
    if args.workload == "w1":
        print(w1(args.steps, args.dtype, args.phases, args.data, args.system))
    elif args.workload == "w2":
        print(w2(args.steps, args.ops))
    else:
        print(w4_bytes_per_node(args.steps))
    return 0


if __name__ == "__main__":
    cli.run_main(main)
