"""W5: RSS growth over 2,000 W1 training steps with the garbage collector disabled, after a
warm-up: MB, npgrad against hand-written numpy and PyTorch (a leak shows as growth)."""
import gc
import time

import numpy as np

import numpy_mlp
from benchmark_common import (TRAINERS, W1_SIZES, epoch_order, initial_params, rss_mb,
                              w1_training_data)


def _w5_run(runner, req):
    """Fresh process: warm up, then RSS before and after w5_steps W1 steps with gc disabled."""
    X, y, _ = w1_training_data(req, np.float64)
    trainer = TRAINERS[runner.name](initial_params(W1_SIZES, np.float64), X, y, "adam", 1e-3)
    needed = req["w5_warmup"] + req["w5_steps"]
    batches, epoch = [], 0
    while len(batches) < needed:
        batches += numpy_mlp.batch_indices(epoch_order(epoch, len(X)), 64)
        epoch += 1
    batches = trainer.prepare(batches[:needed])
    gc.collect()
    gc.disable()
    trainer.train_batches(batches[:req["w5_warmup"]])
    before = rss_mb()
    t0 = time.perf_counter()
    trainer.train_batches(batches[req["w5_warmup"]:])
    seconds = time.perf_counter() - t0
    after = rss_mb()
    gc.enable()
    return {"value": after - before, "rss_before_mb": before, "rss_after_mb": after,
            "ms_per_step": seconds / req["w5_steps"] * 1e3}


RUNS = {"numpy": _w5_run, "npgrad": _w5_run, "torch": _w5_run}
