"""W4: a 1,000,000-op elementwise chain on a (4,) tensor, forward and backward: seconds and peak
RSS growth, npgrad against PyTorch; micrograd's recursive backward is probed for its limit."""
import gc
import sys
import time

import numpy as np

from benchmark_common import grad_of, peak_rss_mb, reset_peak_rss, rss_mb


def _w4_measure(make_leaf, chain_and_backward, n_ops):
    """Fresh process: a 1,000-op warm-up, then time and peak RSS growth of the n-op chain."""
    chain_and_backward(make_leaf(), 1000)
    gc.collect()
    base = rss_mb()
    exact_peak = reset_peak_rss()
    peak_before = peak_rss_mb()
    leaf = make_leaf()
    collector = _CollectorClock()
    gc.callbacks.append(collector)
    try:
        t0 = time.perf_counter()
        chain_and_backward(leaf, n_ops)
        seconds = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(collector)
    peak = peak_rss_mb()
    growth = peak - base if exact_peak else max(0.0, peak - peak_before)
    return {"value": seconds, "peak_growth_mb": growth, "ops": n_ops,
            "gc_seconds": collector.seconds, "gc_full_collections": collector.full,
            "grad": np.asarray(grad_of(leaf)).tolist(), "peak_exact": exact_peak}


class _CollectorClock:
    """A gc callback: the time Python's garbage collector spends, and its full collections."""

    def __init__(self):
        self.seconds, self.full, self._start = 0.0, 0, None

    def __call__(self, phase, info):
        if phase == "start":
            self._start = time.perf_counter()
        elif self._start is not None:
            self.seconds += time.perf_counter() - self._start
            self.full += info["generation"] == 2


def _w4_chain_generic(x, n_ops):
    for i in range(n_ops // 2):
        x = x * 1.0000001
        x = x + 1e-7
    return x


def npgrad_w4(runner, req):
    Tensor = runner.Tensor

    def make_leaf():
        return Tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)

    def chain_and_backward(leaf, n):
        _w4_chain_generic(leaf, n).sum().backward()
    return _w4_measure(make_leaf, chain_and_backward, req["w4_ops"])


def torch_w4(runner, req):
    torch = runner.torch

    def make_leaf():
        return torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, requires_grad=True)

    def chain_and_backward(leaf, n):
        _w4_chain_generic(leaf, n).sum().backward()
    return _w4_measure(make_leaf, chain_and_backward, req["w4_ops"])


def micrograd_w4(runner, req):
    # A 1M-op chain is hopeless for a recursive topological sort; find, at Python's default
    # recursion limit, the chain length where backward starts to raise RecursionError.
    sys.setrecursionlimit(runner.default_recursion_limit)
    Value = runner.Value

    def fails(n):
        try:
            _w4_chain_generic(Value(1.0), n).backward()
            return False
        except RecursionError:
            return True
    n = 256
    while not fails(n):
        n *= 2
        if n > 1 << 20:
            return {"value": None, "error": "no RecursionError up to 1M ops"}
    lo, hi = n // 2, n
    while hi - lo > 2:
        mid = (lo + hi) // 2 // 2 * 2
        lo, hi = (lo, mid) if fails(mid) else (mid, hi)
    return {"value": None, "recursion_error_at": hi,
            "recursion_limit": runner.default_recursion_limit}


RUNS = {"npgrad": npgrad_w4, "torch": torch_w4, "micrograd": micrograd_w4}
