"""W7: the backward pass alone of a long elementwise chain on a (4,) tensor (the W4 chain), at
two lengths: seconds at the long one, and how the time per node grows from the short to the long
one (flat is 1.0), npgrad against PyTorch."""
import gc
import time

import numpy as np

from benchmark_common import grad_of
from benchmark_w4 import _w4_chain_generic


def _w7_measure(make_leaf, nodes, short_nodes):
    """Build each chain, collect garbage, then time `.backward()` alone (the forward is not
    timed); the chain is released before the next one is built."""
    loss = _w4_chain_generic(make_leaf(), 1000).sum()  # warm-up
    loss.backward()
    del loss
    seconds = {}
    leaf = None
    for n in (short_nodes, nodes):
        leaf = make_leaf()
        loss = _w4_chain_generic(leaf, n).sum()
        gc.collect()
        t0 = time.perf_counter()
        loss.backward()
        seconds[n] = time.perf_counter() - t0
        del loss
        gc.collect()
    per_node_growth = (seconds[nodes] / nodes) / (seconds[short_nodes] / short_nodes)
    return {"value": seconds[nodes], "nodes": nodes, "short_nodes": short_nodes,
            "short_seconds": seconds[short_nodes], "per_node_growth": per_node_growth,
            "grad": np.asarray(grad_of(leaf)).tolist()}


def npgrad_w7(runner, req):
    Tensor = runner.Tensor
    return _w7_measure(
        lambda: Tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True),
        req["w7_nodes"], req["w7_short_nodes"])


def torch_w7(runner, req):
    torch = runner.torch
    return _w7_measure(
        lambda: torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, requires_grad=True),
        req["w7_nodes"], req["w7_short_nodes"])


RUNS = {"npgrad": npgrad_w7, "torch": torch_w7}
