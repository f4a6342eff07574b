"""W1: one epoch of the digits MLP 64-128-10 (Adam lr 1e-3, batches of 64), float64 and float32.

numpy, npgrad and PyTorch train the same weights on the same batches (benchmark_common's
trainers); scikit-learn's MLPClassifier fits whole epochs; micrograd times a few samples and
extrapolates to an epoch.
"""
import gc
import math
import sys
import time
import warnings

import numpy as np

import numpy_mlp
from benchmark_common import (SEED, TRAINERS, W1_SIZES, epoch_order, initial_params,
                              mean_epoch_ms, w1_training_data)


def _w1_state(runner, req):
    """Per-dtype W1 state: data, trainer and epoch counter; built and warmed up on first use."""
    key = ("W1", req["dtype"])
    st = runner.state.get(key)
    if st is None:
        dtype = np.dtype(req["dtype"])
        X, y, source = w1_training_data(req, dtype)
        trainer = TRAINERS[runner.name](initial_params(W1_SIZES, dtype), X, y, "adam", 1e-3)
        st = {"X": X, "y": y, "trainer": trainer, "epoch": 0, "source": source}
        _w1_epoch(st)  # warm-up
        runner.state[key] = st
    return st


def _w1_epoch(st):
    n = len(st["X"])
    batches = st["trainer"].prepare(numpy_mlp.batch_indices(epoch_order(st["epoch"], n), 64))
    st["epoch"] += 1
    t0 = time.perf_counter()
    total = st["trainer"].train_batches(batches)
    return time.perf_counter() - t0, total / n


def _w1_trainer_run(runner, req):
    return mean_epoch_ms(_w1_epoch, _w1_state(runner, req), req["w1_epochs"])


def sklearn_w1(runner, req):
    # sklearn cannot take a batch order per epoch, and partial_fit re-validates its input on
    # every call (a few ms per epoch that no training loop pays). So each repetition is one
    # fit(max_iter=E) over the training set laid out in that repetition's first epoch order,
    # with shuffle=False (all E epochs see that order), alpha=0 (no L2 term, like the others)
    # and the convergence stop disabled; the figure is the fit's time / E. warm_start keeps
    # the weights between repetitions; the first fit starts from the shared initial weights.
    from sklearn.exceptions import ConvergenceWarning
    key = ("W1", req["dtype"])
    epochs = req["w1_epochs"]
    st = runner.state.get(key)
    if st is None:
        dtype = np.dtype(req["dtype"])
        X, y, source = w1_training_data(req, dtype)
        mlp = runner.MLPClassifier(hidden_layer_sizes=(W1_SIZES[1],), solver="adam",
                                 learning_rate_init=1e-3, batch_size=64, alpha=0.0,
                                 shuffle=False, warm_start=True, max_iter=1, tol=0.0,
                                 n_iter_no_change=10 ** 9, random_state=SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(X, y)  # builds the layers; the weights are replaced next
        params = initial_params(W1_SIZES, dtype)
        mlp.coefs_ = [W.copy() for W, _ in params]
        mlp.intercepts_ = [b.copy() for _, b in params]
        st = runner.state[key] = {"X": X, "y": y, "mlp": mlp, "epoch": 0, "source": source}
        _sklearn_fit(st, 1)  # warm-up
    seconds = _sklearn_fit(st, epochs)
    return {"value": seconds / epochs * 1e3, "loss": float(st["mlp"].loss_),
            "epochs_seen": st["epoch"], "data": st["source"]}

def _sklearn_fit(st, epochs):
    from sklearn.exceptions import ConvergenceWarning
    order = epoch_order(st["epoch"], len(st["X"]))
    st["epoch"] += epochs
    mlp = st["mlp"]
    mlp.max_iter = epochs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        mlp.fit(st["X"][order], st["y"][order])
        return time.perf_counter() - t0


class MicrogradMLP:
    """The W1 network on micrograd Values, written the way micrograd's own nn.py writes neurons,
    with Adam on the Values' floats. Too slow for whole epochs: W1 times `samples` samples and
    one optimizer step, and extrapolates to an epoch."""

    def __init__(self, Value, params):
        self.Value = Value
        # one neuron per output unit, holding the column of W that feeds it
        self.layers = [([[Value(float(w)) for w in column] for column in W.T],
                        [Value(float(v)) for v in b]) for W, b in params]
        self.params = [p for neurons, bias in self.layers for row in neurons for p in row]
        self.params += [p for _, bias in self.layers for p in bias]
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0

    def logits(self, x):
        h = x
        last = len(self.layers) - 1
        for k, (neurons, bias) in enumerate(self.layers):
            h = [sum((wi * xi for wi, xi in zip(w, h)), b) for w, b in zip(neurons, bias)]
            if k < last:
                h = [a.relu() for a in h]
        return h

    def loss(self, X, y):
        total = None
        for x, label in zip(X, y):
            logits = self.logits(x.tolist())
            m = max(v.data for v in logits)
            exps = [(v + (-m)).exp() for v in logits]
            sample = sum(exps[1:], exps[0]).log() - (logits[label] + (-m))
            total = sample if total is None else total + sample
        return total * (1.0 / len(X))

    def adam_step(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.t += 1
        c1, c2 = 1 - beta1 ** self.t, math.sqrt(1 - beta2 ** self.t)
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] += (1 - beta1) * (g - m[i])
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            p.data -= lr / c1 * m[i] / (math.sqrt(v[i]) / c2 + eps)
            p.grad = 0


def micrograd_w1(runner, req):
    if req["dtype"] != "float64":
        return {"skip": "Python floats only"}
    # micrograd builds one node per scalar op (~19,000 per sample forward): an epoch takes
    # minutes. Time forward+backward of k samples and one Adam step, and extrapolate to an
    # epoch: n_train / k * t(k samples) + n_batches * t(step). The garbage collector is paused
    # while timing: micrograd's closures make every node a reference cycle, and with the
    # collector on the cost per sample grows with the size of the live graph (2-10x here for
    # k = 1..16), so no small k predicts a batch of 64. The figure is a lower bound.
    st = runner.state.get("W1")
    if st is None:
        X, y, source = w1_training_data(req, np.float64)
        net = MicrogradMLP(runner.Value, initial_params(W1_SIZES, np.float64))
        st = runner.state["W1"] = {"X": X, "y": y, "source": source, "offset": 0, "net": net}
    sys.setrecursionlimit(max(runner.default_recursion_limit, 10_000))
    k = req["w1_micrograd_samples"]
    X, y, net = st["X"], st["y"], st["net"]
    rows = epoch_order(0, len(X))[st["offset"]:st["offset"] + k]
    st["offset"] = (st["offset"] + k) % (len(X) - k)
    loss = None
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        loss = net.loss(X[rows], y[rows])
        loss.backward()
        t_samples = time.perf_counter() - t0
        t0 = time.perf_counter()
        net.adam_step()
        t_step = time.perf_counter() - t0
    finally:
        del loss
        gc.enable()
        gc.collect()
    n = len(X)
    epoch = n / k * t_samples + math.ceil(n / 64) * t_step
    return {"value": epoch * 1e3, "extrapolated": True, "samples_timed": k,
            "ms_per_sample": t_samples / k * 1e3, "ms_per_adam_step": t_step * 1e3}


RUNS = {"numpy": _w1_trainer_run, "npgrad": _w1_trainer_run, "torch": _w1_trainer_run,
        "sklearn": sklearn_w1, "micrograd": micrograd_w1}
