"""What the workloads of demos/benchmark.py share: the seed, the data, the initial weights, the
batch order, memory probes, and the MLP trainers of W1, W3 and W5 (one per system).

Every system gets the same data, initial weights (`numpy_mlp.init_params`) and batch order.
npgrad is driven through its public API only.
"""
import os
import sys

import numpy as np

DEMOS = os.path.dirname(os.path.abspath(__file__))
if DEMOS not in sys.path:
    sys.path.insert(0, DEMOS)

import numpy_mlp  # noqa: E402  (lives beside this file)

SEED = 0
W1_SIZES = (64, 128, 10)
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


def mean_epoch_ms(run_epoch, st, epochs):
    """Run ``epochs`` epochs of ``run_epoch(st)`` (each returning seconds and the epoch's loss):
    the mean in ms as a workload's result, with the last loss and where the data came from."""
    seconds, loss = 0.0, None
    for _ in range(epochs):
        dt, loss = run_epoch(st)
        seconds += dt
    return {"value": seconds / epochs * 1e3, "loss": loss, "epochs_seen": st["epoch"],
            "data": st["source"]}


def save_w1_data(path):
    """Write digits_data's float64 training split to `path` (.npz) for the workers."""
    X_train, y_train, _, _, source = digits_data(np.float64)
    np.savez(path, X_train=X_train, y_train=y_train, source=np.array(source))


def epoch_order(epoch, n):
    """The permutation of training rows for epoch `epoch` (the same for every system)."""
    return np.random.default_rng([SEED, epoch]).permutation(n)


def initial_params(sizes, dtype):
    return numpy_mlp.init_params(sizes, np.random.default_rng(SEED), dtype)


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


def grad_of(leaf):
    """A leaf's gradient as an array, whichever system made it."""
    g = leaf.grad
    return g.numpy() if hasattr(g, "numpy") else g
