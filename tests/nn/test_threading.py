"""Networks trained in threads: each thread has its own grad mode; results equal sequential ones."""
import sys
import threading
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from threadpoolctl import threadpool_limits

import nn
from autograd import Tensor, no_grad
from nn import functional as F
from nn.estimators import MLPClassifier

TIMEOUT = 30  # seconds


@pytest.fixture
def frequent_switches():
    """Switch threads every few microseconds, so that threads interleave inside every step."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    with threadpool_limits(limits=1, user_api="blas"):
        yield
    sys.setswitchinterval(interval)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def test_cross_val_score_under_joblib_threads_equals_the_sequential_scores(digits,
                                                                           frequent_switches):
    # the no_grad of one fold's validation (each epoch) or scoring used to switch recording off
    # in the folds still fitting
    X, y = digits
    estimator = MLPClassifier(hidden_layer_sizes=(16,), max_iter=12, learning_rate_init=0.01,
                              batch_size=30, early_stopping=True, n_iter_no_change=100,
                              random_state=0)
    # recorded, not filtered: scikit-learn's joblib wrapper empties the process's warning
    # filters in each worker thread before it sets them again, so no filter hides a warning
    # that a fit in another thread gives meanwhile
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sequential = cross_val_score(estimator, X, y, cv=6)
        with joblib.parallel_backend("threading", n_jobs=6):
            threaded = cross_val_score(estimator, X, y, cv=6)
    assert {w.category for w in caught} == {ConvergenceWarning}  # each fit runs to max_iter
    assert np.all(sequential > 0.5)  # real fits, not chance
    np.testing.assert_array_equal(threaded, sequential)


class _Turns:
    """Forces the overlap: on even steps thread 0 waits inside its no_grad evaluation while
    thread 1 runs a whole training step, on odd steps the other way round."""

    def __init__(self):
        self.events = {}
        self.lock = threading.Lock()

    def _event(self, *key):
        with self.lock:
            return self.events.setdefault(key, threading.Event())

    def _wait(self, *key):
        assert self._event(*key).wait(TIMEOUT), f"the other thread never reached {key}"

    def before_step(self, me, step):
        if step % 2 != me:  # my turn to train while the other evaluates
            self._wait("evaluating", 1 - me, step)

    def after_step(self, me, step):
        self._event("trained", me, step).set()

    def evaluating(self, me, step):
        if step % 2 == me:
            self._event("evaluating", me, step).set()
            self._wait("trained", 1 - me, step)


def _train(seed, X, y, steps, turns=None, me=None):
    """Adam on a small MLP, full batch, with an evaluation under no_grad after each step;
    the final parameters and the evaluated losses."""
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(64, 32, rng=rng), nn.Tanh(), nn.Linear(32, 10, rng=rng))
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for step in range(steps):
        if turns:
            turns.before_step(me, step)
        loss = F.cross_entropy(model(Tensor(X)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if turns:
            turns.after_step(me, step)
        with no_grad():
            if turns:
                turns.evaluating(me, step)
            losses.append(F.cross_entropy(model(Tensor(X)), y).item())
    return [p.data.copy() for p in model.parameters()], losses


def test_two_threads_training_their_own_models_equal_sequential_runs(digits, frequent_switches):
    X, y = digits
    steps, seeds = 12, (1, 2)
    expected = [_train(seed, X, y, steps) for seed in seeds]
    turns = _Turns()
    results, errors = {}, []

    def worker(me):
        try:
            results[me] = _train(seeds[me], X, y, steps, turns, me)
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(me,)) for me in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    if errors:
        raise errors[0]
    for me, (params, losses) in enumerate(expected):
        got_params, got_losses = results[me]
        assert got_losses == losses  # bit for bit
        assert losses[-1] < losses[0]
        for got, want in zip(got_params, params):
            np.testing.assert_array_equal(got, want)
