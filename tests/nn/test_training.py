"""End to end: the 64-128-10 MLP on scikit-learn's digits, float32 training, and memory."""
import gc
import tracemalloc
import weakref
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import Tensor, no_grad
from nn import functional as F


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def mlp(rng, dtype=np.float64):
    return nn.Sequential(nn.Linear(64, 128, rng=rng, dtype=dtype), nn.ReLU(),
                         nn.Linear(128, 10, rng=rng, dtype=dtype))


def train(model, X, y, epochs, rng, lr=1e-2, batch_size=32):
    """Adam on mean cross-entropy; returns each epoch's mean training loss."""
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        model.train()
        total = 0.0
        for X_batch, y_batch in nn.data.batches(X, y, batch_size, rng=rng):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(Tensor(X_batch)), y_batch)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y_batch)
        losses.append(total / len(y))
    return losses


def accuracy(model, X, y):
    model.eval()
    with no_grad():
        return float((model(Tensor(X)).data.argmax(axis=1) == y).mean())


def test_mlp_reaches_96_percent_on_digits_with_adam(digits):
    X_train, X_test, y_train, y_test = digits
    rng = np.random.default_rng(0)
    model = mlp(rng)
    assert accuracy(model, X_test, y_test) < 0.5
    losses = train(model, X_train, y_train, epochs=5, rng=rng)
    assert losses[-1] < losses[0] < np.log(10)
    assert accuracy(model, X_test, y_test) >= 0.96


def test_float32_training_keeps_float32_parameters_and_gradients(digits):
    X_train, X_test, y_train, y_test = digits
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    rng = np.random.default_rng(1)
    model = mlp(rng, dtype=np.float32)
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    for X_batch, y_batch in nn.data.batches(X_train, y_train, 32, rng=rng):
        optimizer.zero_grad()
        logits = model(Tensor(X_batch))
        loss = F.cross_entropy(logits, y_batch)
        assert logits.dtype == np.float32 and loss.dtype == np.float32
        loss.backward()
        assert all(p.grad.dtype == np.float32 for p in model.parameters())
        optimizer.step()
        assert all(p.dtype == np.float32 for p in model.parameters())
    train(model, X_train, y_train, epochs=2, rng=rng)
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())
    assert accuracy(model, X_test, y_test) >= 0.95


# ---- memory: the graph is freed by reference counting alone -----------------------------------
def forward_with_probe(model, X, y):
    """The loss, and a weak reference to the hidden activation's values inside its graph (the
    graph holds nodes and arrays, not the intermediate Tensors)."""
    hidden = model[1](model[0](Tensor(X)))
    probe = weakref.ref(hidden.data)
    loss = F.cross_entropy(model[2](hidden), y)
    return loss, probe


def test_backward_frees_the_graph_without_the_garbage_collector():
    rng = np.random.default_rng(0)
    model = mlp(rng)
    X, y = rng.normal(size=(8, 64)), rng.integers(0, 10, 8)
    gc.disable()
    try:
        loss, probe = forward_with_probe(model, X, y)
        assert probe() is not None  # held by the graph behind loss
        loss.backward()
        assert probe() is None  # freed by backward while loss is still alive
        # with retain_graph the intermediate lives on, until the loss goes
        loss, probe = forward_with_probe(model, X, y)
        loss.backward(retain_graph=True)
        assert probe() is not None
        del loss
        assert probe() is None
    finally:
        gc.enable()


def test_a_dropped_graph_is_freed_without_backward():
    rng = np.random.default_rng(0)
    model = mlp(rng)
    gc.disable()
    try:
        loss, probe = forward_with_probe(model, rng.normal(size=(4, 64)), np.arange(4))
        del loss
        assert probe() is None
    finally:
        gc.enable()


def test_training_steps_leave_no_reference_cycles_and_no_growth():
    rng = np.random.default_rng(0)
    model = mlp(rng)
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    X, y = rng.normal(size=(32, 64)), rng.integers(0, 10, 32)

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(Tensor(X)), y).backward()
        optimizer.step()

    step()  # the optimizer's state is allocated on the first step
    gc.collect()
    gc.disable()
    tracemalloc.start(50)  # deep enough to reach the test's own frame from numpy's callers
    try:
        for _ in range(5):
            step()
        baseline = tracemalloc.get_traced_memory()[0]
        for _ in range(50):
            step()
        growth = tracemalloc.get_traced_memory()[0] - baseline
        gc.set_debug(gc.DEBUG_SAVEALL)  # keep what the collector finds, to look at it
        gc.collect()
        # the suite's other threads (a dask worker, an executor's manager) may leave garbage of
        # their own meanwhile: only what was allocated with this repository's code on the
        # stack is the steps'
        ours = [type(o).__name__ for o in gc.garbage if _allocated_here(o)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        tracemalloc.stop()
        gc.enable()
    assert growth < 64 * 1024
    assert ours == [], f"the training steps left reference cycles through {sorted(set(ours))}"


def _allocated_here(obj):
    trace = tracemalloc.get_object_traceback(obj)
    return trace is not None and any(f.filename.startswith(_REPOSITORY) for f in trace)


_REPOSITORY = str(Path(__file__).resolve().parents[2])
