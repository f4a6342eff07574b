"""The worker processes of demos/benchmark.py: one per system, answering one workload at a time.

`python demos/benchmark.py --worker SYSTEM --threads N` runs `worker_main`: it imports SYSTEM
(npgrad, numpy, torch, sklearn or micrograd), says whether that worked, then answers one JSON
request per line (a workload and its settings) with one JSON result. State (models, optimizers,
epoch counters) persists between the repetitions of a workload, so the first request warms up.

What each system runs for workload Wk lives in demos/benchmark_wk.py, as `RUNS[system](runner,
req)`; the data, weights and batch order they share live in demos/benchmark_common.py.
npgrad is driven through its public API only.
"""
import json
import math
import os
import sys

DEMOS = os.path.dirname(os.path.abspath(__file__))
if DEMOS not in sys.path:
    sys.path.insert(0, DEMOS)

import benchmark_w1  # noqa: E402
import benchmark_w2  # noqa: E402
import benchmark_w3  # noqa: E402
import benchmark_w4  # noqa: E402
import benchmark_w5  # noqa: E402
import benchmark_w6  # noqa: E402
import benchmark_w7  # noqa: E402
import benchmark_w8  # noqa: E402
from benchmark_common import PROTOCOL_PREFIX  # noqa: E402

WORKLOAD_RUNS = {"W1": benchmark_w1.RUNS, "W2": benchmark_w2.RUNS, "W3": benchmark_w3.RUNS,
                 "W4": benchmark_w4.RUNS, "W5": benchmark_w5.RUNS, "W6": benchmark_w6.RUNS,
                 "W7": benchmark_w7.RUNS, "W8": benchmark_w8.RUNS}


class SystemRunner:
    """One system's worker state: what its import gave, and each workload's models."""
    name = ""

    def __init__(self):
        self.state = {}

    def version(self):
        return ""

    def run(self, req):
        run = WORKLOAD_RUNS[req["workload"]].get(self.name)
        if run is None:
            return {"skip": f"{self.name} does not take part in {req['workload']}"}
        return run(self, req)


class NumpyRunner(SystemRunner):
    name = "numpy"

    def version(self):
        import numpy as np
        return np.__version__


class NpgradRunner(SystemRunner):
    name = "npgrad"

    def __init__(self):
        super().__init__()
        import autograd  # noqa: F401
        import nn  # noqa: F401
        from autograd import Tensor, no_grad  # noqa: F401
        from nn import functional, optim  # noqa: F401
        self.Tensor = Tensor

    def version(self):
        try:
            from importlib.metadata import version
            return version("npgrad")
        except Exception:
            return "working tree"


class TorchRunner(SystemRunner):
    name = "torch"

    def __init__(self):
        super().__init__()
        import torch
        self.torch = torch

    def version(self):
        blas = "MKL" if self.torch.backends.mkl.is_available() else "no MKL"
        return f"{self.torch.__version__} ({blas})"

    def set_threads(self, n):
        self.torch.set_num_threads(n)


class SklearnRunner(SystemRunner):
    name = "sklearn"

    def __init__(self):
        super().__init__()
        import sklearn
        from sklearn.neural_network import MLPClassifier
        self.sklearn, self.MLPClassifier = sklearn, MLPClassifier

    def version(self):
        return self.sklearn.__version__


# micrograd: its pip release has no tanh, exp or log; these follow its own pattern (a closure
# per node) so that W1's loss and W2's tanh can be built on it.

def _complete_micrograd(Value):
    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t * t) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    for name, fn in (("tanh", tanh), ("exp", exp), ("log", log)):
        if not hasattr(Value, name):
            setattr(Value, name, fn)


class MicrogradRunner(SystemRunner):
    name = "micrograd"

    def __init__(self):
        super().__init__()
        from micrograd.engine import Value
        _complete_micrograd(Value)
        self.Value = Value
        self.default_recursion_limit = sys.getrecursionlimit()

    def version(self):
        try:
            from importlib.metadata import version
            return version("micrograd")
        except Exception:
            return "unknown"


RUNNERS = {"numpy": NumpyRunner, "npgrad": NpgradRunner, "torch": TorchRunner,
           "sklearn": SklearnRunner, "micrograd": MicrogradRunner}
IMPORT_NAMES = {"numpy": "numpy", "torch": "torch", "sklearn": "sklearn", "micrograd": "micrograd"}


def _import_failure(system, exc):
    """'not installed' when the anchor's package is missing, else 'unavailable (Error: msg)'."""
    missing = isinstance(exc, ModuleNotFoundError) and exc.name and \
        exc.name.split(".")[0] == IMPORT_NAMES.get(system)
    if missing:
        return "not installed", "not installed"
    return "unavailable", f"unavailable ({type(exc).__name__}: {exc})"


def worker_main(system, threads):
    """Answer JSON requests on stdin with PROTOCOL_PREFIX + JSON lines on the real stdout; anything
    else written to stdout (by libraries, even from C) goes to stderr."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def reply(obj):
        proto.write(PROTOCOL_PREFIX + json.dumps(obj) + "\n")
        proto.flush()

    try:
        runner = RUNNERS[system]()
        if hasattr(runner, "set_threads"):
            runner.set_threads(threads)
        reply({"status": "ok", "version": runner.version()})
    except Exception as exc:  # an import that fails in any way makes the system unavailable
        status, detail = _import_failure(system, exc)
        reply({"status": status, "detail": detail})
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req.get("quit"):
            break
        try:
            result = runner.run(req)
        except Exception as exc:
            import traceback
            traceback.print_exc()
            result = {"value": None, "error": f"{type(exc).__name__}: {exc}"}
        reply(result)
    proto.flush()
    sys.stderr.flush()
    os._exit(0)  # skip tearing down big graphs and thread pools: nothing is left to save
