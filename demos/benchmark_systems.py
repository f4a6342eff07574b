"""What each system runs for each workload of demos/benchmark.py, in its own worker process.

`python demos/benchmark.py --worker SYSTEM --threads N` runs `worker_main`: it imports SYSTEM
(npgrad, numpy, torch, sklearn or micrograd), says whether that worked, then answers one JSON
request per line (a workload and its settings) with one JSON result. State (models, optimizers,
epoch counters) persists between the repetitions of a workload, so the first request warms up.

Every system gets the same data, initial weights (`numpy_mlp.init_params`), batch order and
scalar graph. npgrad is driven through its public API only.
"""
import gc
import json
import math
import os
import statistics
import sys
import time
import warnings

import numpy as np

DEMOS = os.path.dirname(os.path.abspath(__file__))
if DEMOS not in sys.path:
    sys.path.insert(0, DEMOS)

import numpy_mlp  # noqa: E402  (lives beside this file)

SEED = 0
W1_SIZES = (64, 128, 10)
W3_SIZES = (784, 1024, 1024, 10)
PROTOCOL_PREFIX = "@@BENCH "

# ----------------------------------------------------------------------------------------------
# Shared data: every worker rebuilds exactly the same arrays from SEED.

def digits_data(dtype):
    """scikit-learn's digits, a fixed 70/30 split, standardised with the training statistics.
    Returns (X_train, y_train, X_test, y_test, source)."""
    try:
        from sklearn.datasets import load_digits
        X, y = load_digits(return_X_y=True)
        source = "sklearn.datasets.load_digits"
    except ImportError:  # same shapes, so timings stay comparable; noted in the report
        rng = np.random.default_rng(SEED)
        y = rng.integers(0, 10, 1797)
        X = rng.normal(size=(1797, 64)) + y[:, None] * 0.1
        source = "synthetic (scikit-learn not installed)"
    order = np.random.default_rng(SEED).permutation(len(X))
    n_train = int(round(0.7 * len(X)))
    train, test = order[:n_train], order[n_train:]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std[std == 0] = 1.0
    X = ((X - mean) / std).astype(dtype)
    y = y.astype(np.int64)
    return X[train], y[train], X[test], y[test], source


_W1_DATA = {}


def w1_training_data(req, dtype):
    """W1's training rows (X cast to `dtype`, y, source): from the file the parent wrote once
    (`req["data"]`, so no worker imports scikit-learn), else built here."""
    path = req.get("data")
    if path not in _W1_DATA:
        if path:
            with np.load(path) as f:
                _W1_DATA[path] = (f["X_train"], f["y_train"], str(f["source"]))
        else:
            X, y, _, _, source = digits_data(np.float64)
            _W1_DATA[path] = (X, y, source)
    X, y, source = _W1_DATA[path]
    return X.astype(dtype), y, source


def save_w1_data(path):
    """Write digits_data's float64 training split to `path` (.npz) for the workers."""
    X_train, y_train, _, _, source = digits_data(np.float64)
    np.savez(path, X_train=X_train, y_train=y_train, source=np.array(source))


def epoch_order(epoch, n):
    """The permutation of training rows for epoch `epoch` (the same for every system)."""
    return np.random.default_rng([SEED, epoch]).permutation(n)


def initial_params(sizes, dtype):
    return numpy_mlp.init_params(sizes, np.random.default_rng(SEED), dtype)


def w3_data():
    rng = np.random.default_rng(SEED + 3)
    X = rng.standard_normal((256, W3_SIZES[0])).astype(np.float32)
    y = rng.integers(0, W3_SIZES[-1], 256)
    return X, y


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


# ----------------------------------------------------------------------------------------------
# Memory probes (Linux /proc; fall back to getrusage).

def _status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_mb():
    kb = _status_kb("VmRSS")
    if kb is None:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return kb / 1024.0


def reset_peak_rss():
    """Make the peak-RSS counter start from now. Returns whether that worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb():
    kb = _status_kb("VmHWM")
    if kb is None:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return kb / 1024.0


# ----------------------------------------------------------------------------------------------
# One trainer per system for W1/W3/W5. Each takes initial params [(W, b)] with W of shape (in, out)
# and trains with identical batches: train_batches(batches) -> summed loss (batch loss * size).

class NumpyTrainer:
    def __init__(self, params, X, y, optimizer, lr):
        self.X, self.y = X, y
        self.net = numpy_mlp.MLP([(W.copy(), b.copy()) for W, b in params])
        if optimizer == "adam":
            self.opt = numpy_mlp.Adam(self.net.parameters(), lr=lr)
        else:
            self.opt = numpy_mlp.SGD(self.net.parameters(), lr=lr)

    def prepare(self, batches):
        return batches

    def train_batches(self, batches):
        X, y, net, opt = self.X, self.y, self.net, self.opt
        total = 0.0
        for idx in batches:
            loss = net.loss_and_grad(X[idx], y[idx])
            opt.step(net.gradients())
            total += loss * len(idx)
        return total


class NpgradTrainer:
    def __init__(self, params, X, y, optimizer, lr):
        import nn
        from nn import functional as F
        from nn import optim
        from autograd import Tensor, no_grad
        self.Tensor, self.F = Tensor, F
        self.X, self.y = X, y
        layers = []
        for i, (W, b) in enumerate(params):
            linear = nn.Linear(W.shape[0], W.shape[1])
            _load_npgrad_param(nn, no_grad, linear, "weight", W)
            _load_npgrad_param(nn, no_grad, linear, "bias", b)
            layers.append(linear)
            if i < len(params) - 1:
                layers.append(nn.ReLU())
        self.model = nn.Sequential(*layers)
        if optimizer == "adam":
            self.opt = optim.Adam(self.model.parameters(), lr=lr)
        else:
            self.opt = optim.SGD(self.model.parameters(), lr=lr)

    def prepare(self, batches):
        return batches

    def train_batches(self, batches):
        X, y, model, opt, Tensor, F = self.X, self.y, self.model, self.opt, self.Tensor, self.F
        total = 0.0
        for idx in batches:
            loss = F.cross_entropy(model(Tensor(X[idx])), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        return total


def _load_npgrad_param(nn, no_grad, module, name, array):
    """Give a layer exactly `array` as its parameter `name`: copied into the existing parameter
    when dtypes agree, else (float32) a new nn.Parameter, which registers itself on assignment."""
    param = getattr(module, name)
    if param.shape != array.shape:
        raise ValueError(f"{name}: layer has shape {param.shape}, given {array.shape}")
    if param.dtype == array.dtype:
        with no_grad():
            param.data[...] = array
    else:
        setattr(module, name, nn.Parameter(array))


class TorchTrainer:
    def __init__(self, params, X, y, optimizer, lr):
        import torch
        self.torch = torch
        dtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[X.dtype]
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        layers = []
        for i, (W, b) in enumerate(params):
            linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
            with torch.no_grad():  # torch keeps weight as (out, in)
                linear.weight.copy_(torch.from_numpy(W.T))
                linear.bias.copy_(torch.from_numpy(b))
            layers.append(linear)
            if i < len(params) - 1:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        if optimizer == "adam":
            self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        else:
            self.opt = torch.optim.SGD(self.model.parameters(), lr=lr)

    def prepare(self, batches):
        return [self.torch.from_numpy(idx) for idx in batches]

    def train_batches(self, batches):
        X, y, model, opt = self.X, self.y, self.model, self.opt
        cross_entropy = self.torch.nn.functional.cross_entropy
        total = 0.0
        for idx in batches:
            loss = cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        return total


TRAINERS = {"numpy": NumpyTrainer, "npgrad": NpgradTrainer, "torch": TorchTrainer}


# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# Workers. Each answers one request (a workload and its settings) with one JSON object; state
# (models, optimizers, epoch counters) persists between repetitions of the same workload.

class SystemRunner:
    name = ""

    def __init__(self):
        self.state = {}

    def version(self):
        return ""

    def run(self, req):
        return getattr(self, req["workload"].lower())(req)


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
    st = _w1_state(runner, req)
    seconds, loss = 0.0, None
    for _ in range(req["w1_epochs"]):
        dt, loss = _w1_epoch(st)
        seconds += dt
    return {"value": seconds / req["w1_epochs"] * 1e3, "loss": loss, "epochs_seen": st["epoch"],
            "data": st["source"]}


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


def _w4_measure(make_leaf, chain_and_backward, n_ops):
    """Fresh process: a 1,000-op warm-up, then time and peak RSS growth of the n-op chain."""
    chain_and_backward(make_leaf(), 1000)
    gc.collect()
    base = rss_mb()
    exact_peak = reset_peak_rss()
    peak_before = peak_rss_mb()
    leaf = make_leaf()
    t0 = time.perf_counter()
    chain_and_backward(leaf, n_ops)
    seconds = time.perf_counter() - t0
    peak = peak_rss_mb()
    growth = peak - base if exact_peak else max(0.0, peak - peak_before)
    return {"value": seconds, "peak_growth_mb": growth, "ops": n_ops,
            "grad": np.asarray(_grad_of(leaf)).tolist(), "peak_exact": exact_peak}


def _grad_of(leaf):
    g = leaf.grad
    return g.numpy() if hasattr(g, "numpy") else g


def _w4_chain_generic(x, n_ops):
    for i in range(n_ops // 2):
        x = x * 1.0000001
        x = x + 1e-7
    return x


class NumpyRunner(SystemRunner):
    name = "numpy"

    def version(self):
        return np.__version__

    def w1(self, req):
        return _w1_trainer_run(self, req)

    def w3(self, req):
        result = _w3_run(self, req)
        result["matmul_ms"] = self._w3_matmuls_ms()
        return result

    def _w3_matmuls_ms(self):
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

    def w5(self, req):
        return _w5_run(self, req)


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

    def w1(self, req):
        return _w1_trainer_run(self, req)

    def w2(self, req):
        layers = req["w2_layers"]
        leaves, weights = w2_values()
        Tensor = self.Tensor

        def make():
            return ([Tensor(v, requires_grad=True) for v in leaves],
                    [[Tensor(v, requires_grad=True) for v in row] for row in weights])
        return _w2_time(make, layers, req, lambda out: out.item())

    def w3(self, req):
        return _w3_run(self, req)

    def w4(self, req):
        Tensor = self.Tensor

        def make_leaf():
            return Tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)

        def chain_and_backward(leaf, n):
            _w4_chain_generic(leaf, n).sum().backward()
        return _w4_measure(make_leaf, chain_and_backward, req["w4_ops"])

    def w5(self, req):
        return _w5_run(self, req)


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
    grad = sum(float(_grad_of(v)) for v in leaves)
    per_op = 1e6 / req["w2_ops"]
    return {"value": seconds * per_op, "gc_paused_us_per_op": paused * per_op,
            "output": value, "leaf_grad_sum": grad}


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

    def w1(self, req):
        return _w1_trainer_run(self, req)

    def w2(self, req):
        torch = self.torch
        leaves, weights = w2_values()

        def make():
            return ([torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in leaves],
                    [[torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in row]
                     for row in weights])
        return _w2_time(make, req["w2_layers"], req, lambda out: out.item())

    def w3(self, req):
        return _w3_run(self, req)

    def w4(self, req):
        torch = self.torch

        def make_leaf():
            return torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64, requires_grad=True)

        def chain_and_backward(leaf, n):
            _w4_chain_generic(leaf, n).sum().backward()
        return _w4_measure(make_leaf, chain_and_backward, req["w4_ops"])

    def w5(self, req):
        return _w5_run(self, req)


class SklearnRunner(SystemRunner):
    name = "sklearn"

    def __init__(self):
        super().__init__()
        import sklearn
        from sklearn.neural_network import MLPClassifier
        self.sklearn, self.MLPClassifier = sklearn, MLPClassifier

    def version(self):
        return self.sklearn.__version__

    def w1(self, req):
        # sklearn cannot take a batch order per epoch, and partial_fit re-validates its input on
        # every call (a few ms per epoch that no training loop pays). So each repetition is one
        # fit(max_iter=E) over the training set laid out in that repetition's first epoch order,
        # with shuffle=False (all E epochs see that order), alpha=0 (no L2 term, like the others)
        # and the convergence stop disabled; the figure is the fit's time / E. warm_start keeps
        # the weights between repetitions; the first fit starts from the shared initial weights.
        from sklearn.exceptions import ConvergenceWarning
        key = ("W1", req["dtype"])
        epochs = req["w1_epochs"]
        st = self.state.get(key)
        if st is None:
            dtype = np.dtype(req["dtype"])
            X, y, source = w1_training_data(req, dtype)
            mlp = self.MLPClassifier(hidden_layer_sizes=(W1_SIZES[1],), solver="adam",
                                     learning_rate_init=1e-3, batch_size=64, alpha=0.0,
                                     shuffle=False, warm_start=True, max_iter=1, tol=0.0,
                                     n_iter_no_change=10 ** 9, random_state=SEED)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                mlp.fit(X, y)  # builds the layers; the weights are replaced next
            params = initial_params(W1_SIZES, dtype)
            mlp.coefs_ = [W.copy() for W, _ in params]
            mlp.intercepts_ = [b.copy() for _, b in params]
            st = self.state[key] = {"X": X, "y": y, "mlp": mlp, "epoch": 0, "source": source}
            self._fit(st, 1)  # warm-up
        seconds = self._fit(st, epochs)
        return {"value": seconds / epochs * 1e3, "loss": float(st["mlp"].loss_),
                "epochs_seen": st["epoch"], "data": st["source"]}

    def _fit(self, st, epochs):
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

    def w1(self, req):
        if req["dtype"] != "float64":
            return {"skip": "Python floats only"}
        # micrograd builds one node per scalar op (~19,000 per sample forward): an epoch takes
        # minutes. Time forward+backward of k samples and one Adam step, and extrapolate to an
        # epoch: n_train / k * t(k samples) + n_batches * t(step). The garbage collector is paused
        # while timing: micrograd's closures make every node a reference cycle, and with the
        # collector on the cost per sample grows with the size of the live graph (2-10x here for
        # k = 1..16), so no small k predicts a batch of 64. The figure is a lower bound.
        st = self.state.get("W1")
        if st is None:
            X, y, source = w1_training_data(req, np.float64)
            net = MicrogradMLP(self.Value, initial_params(W1_SIZES, np.float64))
            st = self.state["W1"] = {"X": X, "y": y, "source": source, "offset": 0, "net": net}
        sys.setrecursionlimit(max(self.default_recursion_limit, 10_000))
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

    def w2(self, req):
        # micrograd's backward sorts the graph recursively: its depth needs a higher limit.
        sys.setrecursionlimit(max(self.default_recursion_limit, 10_000))
        Value = self.Value
        leaves, weights = w2_values()

        def make():
            return [Value(v) for v in leaves], [[Value(v) for v in row] for row in weights]
        return _w2_time(make, req["w2_layers"], req, lambda out: out.data)

    def w4(self, req):
        # A 1M-op chain is hopeless for a recursive topological sort; find, at Python's default
        # recursion limit, the chain length where backward starts to raise RecursionError.
        sys.setrecursionlimit(self.default_recursion_limit)
        Value = self.Value

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
                "recursion_limit": self.default_recursion_limit}


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
