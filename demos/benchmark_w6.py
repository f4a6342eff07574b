"""W6: one training epoch of the digits CNN (the network of `train_digits.py --model cnn` without
its dropout), float32, Adam lr 1e-3, batches of 64, one thread: ms per epoch, npgrad against the
hand-written numpy im2col network (demos/numpy_cnn.py) and PyTorch.

Every system starts from the same weights (`numpy_cnn.init_params`) and sees the same batches of
the W1 training rows as 1x8x8 images, so their losses agree to float32 rounding. Dropout and the
random shifts are left out because each system would draw its own: they are elementwise work
that costs little next to the convolutions.
"""
import time

import numpy as np

import numpy_cnn
import numpy_mlp
from benchmark_common import (SEED, NpgradTrainer, TorchTrainer, epoch_order,
                              mean_epoch_ms, w1_training_data)

W6_CHANNELS = (32, 64)
W6_BATCH = 64


def w6_params():
    return numpy_cnn.init_params(W6_CHANNELS, np.random.default_rng(SEED), np.float32)


class NumpyCnnTrainer:
    def __init__(self, params, X, y):
        self.X, self.y = X, y
        self.net = numpy_cnn.CNN([p.copy() for p in params])
        self.opt = numpy_mlp.Adam(self.net.parameters(), lr=1e-3)

    def prepare(self, batches):
        return batches

    def train_batches(self, batches):
        total = 0.0
        for idx in batches:
            total += self.net.loss_and_grad(self.X[idx], self.y[idx]) * len(idx)
            self.opt.step(self.net.gradients())
        return total


class NpgradCnnTrainer(NpgradTrainer):  # the MLP trainer's batches and loop
    def __init__(self, params, X, y):
        import nn
        from autograd import Tensor
        from nn import functional as F
        self.Tensor, self.F = Tensor, F
        self.X, self.y = X, y
        c1, c2 = W6_CHANNELS
        self.model = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(c2 * 16, 10)).astype(np.float32)
        names = ("0.weight", "0.bias", "2.weight", "2.bias", "6.weight", "6.bias")
        self.model.load_state_dict(dict(zip(names, params)))
        self.opt = nn.optim.Adam(self.model.parameters(), lr=1e-3)


class TorchCnnTrainer(TorchTrainer):  # the MLP trainer's batches and loop
    def __init__(self, params, X, y):
        import torch
        self.torch = torch
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        c1, c2 = W6_CHANNELS
        T = torch.nn
        self.model = T.Sequential(T.Conv2d(1, c1, 3, padding=1), T.ReLU(),
                                  T.Conv2d(c1, c2, 3, padding=1), T.ReLU(), T.MaxPool2d(2),
                                  T.Flatten(), T.Linear(c2 * 16, 10))
        arrays = list(params)
        arrays[4] = np.ascontiguousarray(arrays[4].T)  # torch's Linear keeps (out, in)
        with torch.no_grad():
            for tensor, array in zip(self.model.parameters(), arrays):
                tensor.copy_(torch.from_numpy(array))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)


CNN_TRAINERS = {"numpy": NumpyCnnTrainer, "npgrad": NpgradCnnTrainer, "torch": TorchCnnTrainer}


def _w6_epoch(st):
    n = len(st["X"])
    batches = numpy_mlp.batch_indices(epoch_order(st["epoch"], n), W6_BATCH)
    batches = st["trainer"].prepare(batches)
    st["epoch"] += 1
    t0 = time.perf_counter()
    total = st["trainer"].train_batches(batches)
    return time.perf_counter() - t0, total / n


def w6_run(runner, req):
    """ms per epoch over `w6_epochs` epochs; the trainer persists (the first call warms up)."""
    st = runner.state.get("W6")
    if st is None:
        X, y, source = w1_training_data(req, np.float32)
        X = np.ascontiguousarray(X.reshape(-1, 1, 8, 8))
        trainer = CNN_TRAINERS[runner.name](w6_params(), X, y)
        st = runner.state["W6"] = {"X": X, "trainer": trainer, "epoch": 0, "source": source}
        _w6_epoch(st)  # warm-up
    return mean_epoch_ms(_w6_epoch, st, req["w6_epochs"])


RUNS = {"numpy": w6_run, "npgrad": w6_run, "torch": w6_run}
