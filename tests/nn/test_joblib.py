"""Searches spread by joblib give exactly the sequential scores: loky, threading and dask.

Each backend runs the same GridSearchCV (MLPClassifier on part of digits) and cross_val_score
(MLPRegressor on diabetes) with ``n_jobs=2``; every split's score must equal the sequential
run's bit for bit. ``-s`` shows the seconds each backend took.
"""
import time
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score

import nn
from nn.estimators import MLPClassifier, MLPRegressor

pytestmark = [pytest.mark.usefixtures("one_blas_thread"),
              pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]
GRID = {"alpha": [1e-4, 0.1]}


@pytest.fixture(scope="module")
def problems():
    X, y = load_digits(return_X_y=True)
    X_reg, y_reg = load_diabetes(return_X_y=True)
    return (X[:450] / 16.0, y[:450], (X_reg - X_reg.mean(0)) / X_reg.std(0),
            (y_reg - y_reg.mean()) / y_reg.std())


def scores(problems, n_jobs):
    """Every split's test score of the search and of the cross-validation, and the seconds."""
    X, y, X_reg, y_reg = problems
    start = time.perf_counter()
    search = GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(16,), max_iter=15, learning_rate_init=0.02,
                      batch_size=50, random_state=0),
        GRID, cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=n_jobs,
        error_score="raise").fit(X, y)
    regression = cross_val_score(
        MLPRegressor(hidden_layer_sizes=(16,), max_iter=20, learning_rate_init=0.01,
                     alpha=1.0, random_state=0),
        X_reg, y_reg, cv=KFold(3, shuffle=True, random_state=0), n_jobs=n_jobs,
        error_score="raise")
    seconds = time.perf_counter() - start
    splits = np.array([search.cv_results_[f"split{i}_test_score"] for i in range(3)])
    return splits, regression, search.best_params_, seconds


@pytest.fixture(scope="module")
def sequential(problems):
    result = scores(problems, n_jobs=None)
    print(f"\nsequential: {result[3]:.2f} s")
    return result


def assert_same_scores(result, sequential, backend):
    splits, regression, best_params, seconds = result
    print(f"\n{backend}, n_jobs=2: {seconds:.2f} s (sequential {sequential[3]:.2f} s)")
    np.testing.assert_array_equal(splits, sequential[0])
    np.testing.assert_array_equal(regression, sequential[1])
    assert best_params == sequential[2]
    assert splits.mean() > 0.8 and regression.mean() > 0.4  # real fits, not degenerate ones


def test_loky_processes_give_the_sequential_scores(problems, sequential):
    with joblib.parallel_config(backend="loky"):
        assert_same_scores(scores(problems, n_jobs=2), sequential, "loky")


def test_threads_give_the_sequential_scores(problems, sequential):
    # Each thread has its own grad mode: one fit's no_grad scoring leaves the other recording.
    # recorded: a filter cannot hide the fits' warnings in threads (see test_threading.py)
    with warnings.catch_warnings(record=True) as caught, \
            joblib.parallel_config(backend="threading"):
        warnings.simplefilter("always")
        assert_same_scores(scores(problems, n_jobs=2), sequential, "threading")
    assert {w.category for w in caught} <= {ConvergenceWarning}


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    start = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        print(f"\ndask LocalCluster of 2 workers up in {time.perf_counter() - start:.2f} s")
        yield client
        start = time.perf_counter()
    print(f"\ndask LocalCluster closed in {time.perf_counter() - start:.2f} s")


def test_a_dask_cluster_gives_the_sequential_scores(problems, sequential, dask_client):
    addresses = {worker: info["host"] for worker, info in
                 dask_client.scheduler_info()["workers"].items()}
    assert len(addresses) == 2 and set(addresses.values()) == {"127.0.0.1"}
    assert set(dask_client.run(lambda: nn.__file__).values()) == {nn.__file__}  # this nn
    with joblib.parallel_config(backend="dask"):
        assert_same_scores(scores(problems, n_jobs=2), sequential, "dask")
