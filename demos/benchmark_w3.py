"""W3: one training step of a 784-1024-1024-10 MLP on a batch of 256, float32, SGD, all cores:
ms per step, npgrad against hand-written numpy (and its matmuls alone) and PyTorch."""
import statistics
import time

import numpy as np

from benchmark_common import SEED, TRAINERS, initial_params

W3_SIZES = (784, 1024, 1024, 10)


def w3_data():
    rng = np.random.default_rng(SEED + 3)
    X = rng.standard_normal((256, W3_SIZES[0])).astype(np.float32)
    y = rng.integers(0, W3_SIZES[-1], 256)
    return X, y


def _w3_run(runner, req):
    st = runner.state.get("W3")
    if st is None:
        X, y = w3_data()
        params = initial_params(W3_SIZES, np.float32)
        trainer = TRAINERS[runner.name](params, X, y, "sgd", 0.01)
        batches = trainer.prepare([np.arange(len(X))])
        for _ in range(2):  # warm-up
            trainer.train_batches(batches)
        st = runner.state["W3"] = {"trainer": trainer, "batches": batches}
    trainer, batches = st["trainer"], st["batches"]
    times = []
    for _ in range(req["w3_steps"]):
        t0 = time.perf_counter()
        loss = trainer.train_batches(batches) / 256
        times.append(time.perf_counter() - t0)
    return {"value": statistics.median(times) * 1e3, "loss": loss}


def numpy_w3(runner, req):
    result = _w3_run(runner, req)
    result["matmul_ms"] = _w3_matmuls_ms()
    return result


def _w3_matmuls_ms():
    """The step's eight matmuls alone (3 forward, 3 weight gradients, 2 input gradients):
    what a step costs if everything else were free."""
    X, _ = w3_data()
    params = initial_params(W3_SIZES, np.float32)
    acts = [X] + [np.empty((256, W.shape[1]), np.float32) for W, _ in params]
    douts = [np.empty((256, W.shape[1]), np.float32) for W, _ in params]
    dWs = [np.empty_like(W) for W, _ in params]
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for i, (W, _) in enumerate(params):
            np.matmul(acts[i], W, out=acts[i + 1])
        for i in range(len(params) - 1, -1, -1):
            np.matmul(acts[i].T, douts[i], out=dWs[i])
            if i > 0:
                np.matmul(douts[i], params[i][0].T, out=douts[i - 1])
        times.append(time.perf_counter() - t0)
    return min(times) * 1e3


RUNS = {"numpy": numpy_w3, "npgrad": _w3_run, "torch": _w3_run}
