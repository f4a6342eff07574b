"""nn.estimators.MLPClassifier: scikit-learn's own estimator checks, and the estimator at work."""
import pickle
import time
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import (GridSearchCV, StratifiedKFold, cross_val_score,
                                     train_test_split)
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import nn
from nn.estimators import MLPClassifier, MLPRegressor

# Small enough that the whole check suite runs in seconds, big enough for its accuracy bars.
SMALL = dict(hidden_layer_sizes=(10,), max_iter=50, learning_rate_init=0.01)
# A setting that fits digits well in a fraction of a second.
DIGITS = dict(hidden_layer_sizes=(64,), max_iter=30, learning_rate_init=0.01)

pytestmark = pytest.mark.usefixtures("one_blas_thread")  # see tests/nn/conftest.py
no_convergence_warnings = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=150, centers=3, cluster_std=1.0, random_state=0)
    return StandardScaler().fit_transform(X), y


# ---- scikit-learn's check suite ---------------------------------------------------------
@no_convergence_warnings
@parametrize_with_checks([MLPClassifier(**SMALL)])
def test_sklearn_estimator_checks(estimator, check, monkeypatch):
    # scikit-learn runs its array-API check (numpy namespace here) only when this is set
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


# ---- in scikit-learn's tools -------------------------------------------------------------
@no_convergence_warnings
def test_cross_val_score_on_digits():
    X, y = load_digits(return_X_y=True)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_val_score(MLPClassifier(random_state=0, **DIGITS), X / 16.0, y, cv=folds)
    print(f"\ndigits, 3 shuffled stratified folds: {np.round(scores, 4)}")
    assert scores.mean() >= 0.95


@no_convergence_warnings
def test_pipeline_with_standard_scaler(digits):
    X_train, X_test, y_train, y_test = digits
    pipeline = make_pipeline(StandardScaler(), MLPClassifier(random_state=0, **DIGITS))
    assert pipeline.fit(X_train * 16, y_train).score(X_test * 16, y_test) >= 0.95


@no_convergence_warnings
def test_grid_search_over_hidden_layer_sizes_and_alpha(blobs):
    X, y = blobs
    grid = {"hidden_layer_sizes": [(4,), (16,)], "alpha": [1e-4, 1.0]}
    search = GridSearchCV(MLPClassifier(max_iter=40, learning_rate_init=0.02, random_state=0),
                          grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert set(search.best_params_) == {"hidden_layer_sizes", "alpha"}
    assert search.best_score_ > 0.85
    width = search.best_params_["hidden_layer_sizes"][0]
    assert search.best_estimator_.coefs_[0].shape == (2, width)


# ---- against scikit-learn's MLPClassifier ------------------------------------------------
@no_convergence_warnings
@pytest.mark.parametrize("solver, lr", [("adam", 0.01), ("sgd", 0.1)])
def test_accuracy_matches_sklearn(digits, solver, lr):
    X_train, X_test, y_train, y_test = digits
    settings = dict(DIGITS, solver=solver, learning_rate_init=lr)
    results = {}
    for name, cls in (("npgrad", MLPClassifier), ("sklearn", SklearnMLPClassifier)):
        accuracies, seconds = [], 0.0
        for seed in range(3):
            start = time.perf_counter()
            model = cls(random_state=seed, **settings).fit(X_train, y_train)
            seconds += time.perf_counter() - start
            accuracies.append(model.score(X_test, y_test))
        results[name] = np.mean(accuracies)
        print(f"\n{name:8s} {solver}: accuracy {results[name]:.4f}, fit {seconds / 3:.3f} s")
    assert results["npgrad"] >= results["sklearn"] - 0.01


@pytest.mark.parametrize("tol, n_iter_no_change", [(10.0, 3), (10.0, 1)])
def test_stops_after_the_same_epoch_as_sklearn(blobs, tol, n_iter_no_change):
    X, y = blobs
    settings = dict(hidden_layer_sizes=(8,), tol=tol, n_iter_no_change=n_iter_no_change,
                    random_state=0)
    ours = MLPClassifier(**settings).fit(X, y)
    theirs = SklearnMLPClassifier(**settings).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == n_iter_no_change + 2
    assert ours.best_loss_ == min(ours.loss_curve_)


def test_loss_curve_holds_the_l2_penalty_as_sklearn(blobs):
    # sklearn: loss = mean cross-entropy + alpha / 2 * sum ||W||^2 / n_batch, biases unpenalised
    X, y = blobs
    model = MLPClassifier(hidden_layer_sizes=(6,), alpha=3.0, batch_size=len(X), shuffle=False,
                          learning_rate_init=1e-12, max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    hidden = np.maximum(X @ model.coefs_[0] + model.intercepts_[0], 0)
    logits = hidden @ model.coefs_[1] + model.intercepts_[1]
    log_proba = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    cross_entropy = -log_proba[np.arange(len(y)), y].mean()
    penalty = 1.5 * sum((w ** 2).sum() for w in model.coefs_) / len(X)
    assert model.loss_curve_[0] == pytest.approx(cross_entropy + penalty, rel=1e-8)
    np.testing.assert_allclose(model.predict_log_proba(X), log_proba, rtol=1e-6)


# ---- partial_fit -------------------------------------------------------------------------
@no_convergence_warnings
def test_partial_fit_over_batches_reaches_the_accuracy_of_fit(digits):
    X_train, X_test, y_train, y_test = digits
    fitted = MLPClassifier(random_state=0, **DIGITS).fit(X_train, y_train)
    online = MLPClassifier(random_state=0, **DIGITS)
    order = np.random.default_rng(0)
    for epoch in range(DIGITS["max_iter"]):
        rows = order.permutation(len(X_train))
        for chunk in np.array_split(rows, 7):
            online.partial_fit(X_train[chunk], y_train[chunk], classes=np.arange(10))
    assert online.n_iter_ == 7 * DIGITS["max_iter"]
    assert online.score(X_test, y_test) >= fitted.score(X_test, y_test) - 0.02


def test_partial_fit_needs_classes_first_and_rejects_unknown_labels(blobs):
    X, y = blobs
    model = MLPClassifier(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X[:10], y[:10], classes=[0, 1, 2, 3])
    assert list(model.classes_) == [0, 1, 2, 3]
    assert model.predict_proba(X).shape == (len(X), 4)
    with pytest.raises(ValueError, match="not in"):
        model.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="not the same"):
        model.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


# ---- labels, probabilities, errors -------------------------------------------------------
@no_convergence_warnings
@pytest.mark.parametrize("labels", [["no", "yes"], [-1, 1], ["ant", "bee", "cat"]])
def test_binary_multiclass_and_string_labels(blobs, labels):
    X, y = blobs
    if len(labels) == 2:
        X, y = X[y < 2], y[y < 2]
    named = np.asarray(labels)[y]
    model = MLPClassifier(random_state=0, **SMALL).fit(X, named)
    assert list(model.classes_) == sorted(labels)
    assert model.n_outputs_ == len(labels) and model.out_activation_ == "softmax"
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-10)
    assert set(model.predict(X)) <= set(labels)
    assert model.score(X, named) > 0.85


def test_predict_before_fit_raises_not_fitted(blobs):
    X, _ = blobs
    for method in ("predict", "predict_proba", "predict_log_proba"):
        with pytest.raises(NotFittedError):
            getattr(MLPClassifier(), method)(X)


@pytest.mark.parametrize("params, match", [
    (dict(activation="softplus"), "activation"), (dict(solver="lbfgs"), "solver"),
    (dict(hidden_layer_sizes=(4, 0)), "hidden_layer_sizes"), (dict(max_iter=0), "max_iter"),
    (dict(learning_rate_init=0.0), "learning_rate_init"), (dict(batch_size="big"), "batch_size"),
    (dict(validation_fraction=1.0), "validation_fraction"), (dict(beta_2=1.0), "beta_2")])
def test_invalid_parameters_raise_at_fit(blobs, params, match):
    X, y = blobs
    for cls in (MLPClassifier, MLPRegressor):
        model = cls(**params)  # the constructor only stores
        with pytest.raises(ValueError, match=match):
            model.fit(X, y)
        assert not hasattr(model, "n_iter_")


# ---- training behaviour ------------------------------------------------------------------
@no_convergence_warnings
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_reproducible_for_a_fixed_random_state(blobs, solver):
    X, y = blobs
    runs = [MLPClassifier(solver=solver, random_state=seed, **SMALL).fit(X, y)
            for seed in (3, 3, 4)]
    assert runs[0].loss_curve_ == runs[1].loss_curve_
    np.testing.assert_array_equal(runs[0].predict_proba(X), runs[1].predict_proba(X))
    assert runs[0].loss_curve_ != runs[2].loss_curve_


@no_convergence_warnings
def test_float32_trains_in_float32_and_others_in_float64(blobs):
    X, y = blobs
    model = MLPClassifier(random_state=0, **SMALL).fit(X.astype(np.float32), y)
    assert all(w.dtype == np.float32 for w in model.coefs_ + model.intercepts_)
    assert model.predict_proba(X).dtype == np.float32
    assert np.isfinite(model.loss_curve_).all() and model.score(X, y) > 0.85
    for dtype in (np.int64, np.float16):
        model = MLPClassifier(random_state=0, **SMALL).fit(X.astype(dtype), y)
        assert model.coefs_[0].dtype == np.float64


def test_convergence_warning_when_max_iter_is_reached(blobs):
    X, y = blobs
    with pytest.warns(ConvergenceWarning, match=r"max_iter=3 epochs"):
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3).fit(X, y)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MLPClassifier(hidden_layer_sizes=(4,), tol=10.0, max_iter=50).fit(X, y)


@no_convergence_warnings
def test_early_stopping_keeps_the_best_validation_epoch(blobs):
    X, y = blobs
    model = MLPClassifier(hidden_layer_sizes=(8,), early_stopping=True, validation_fraction=0.2,
                          n_iter_no_change=3, learning_rate_init=0.02, max_iter=200,
                          random_state=0).fit(X, y)
    assert model.best_loss_ is None
    assert len(model.validation_scores_) == model.n_iter_ < 200
    assert model.best_validation_score_ == max(model.validation_scores_)


@no_convergence_warnings
def test_fitted_attributes_describe_the_network(blobs):
    X, y = blobs
    model = MLPClassifier(hidden_layer_sizes=(7, 5), activation="tanh", random_state=0,
                          max_iter=5).fit(X, y)
    assert [w.shape for w in model.coefs_] == [(2, 7), (7, 5), (5, 3)]
    assert [b.shape for b in model.intercepts_] == [(7,), (5,), (3,)]
    assert model.n_layers_ == 4 and model.n_features_in_ == 2
    assert model.n_iter_ == 5 and model.t_ == 5 * len(X)
    assert model.best_loss_ == min(model.loss_curve_) and model.validation_scores_ is None


@no_convergence_warnings
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_every_activation_trains(blobs, activation):
    X, y = blobs
    model = MLPClassifier(activation=activation, random_state=0, **SMALL).fit(X, y)
    assert model.score(X, y) > 0.85


def test_verbose_prints_the_loss_per_epoch(blobs, capsys):
    X, y = blobs
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, tol=10.0, n_iter_no_change=1,
                  verbose=True).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "Iteration 3, loss = " in out
    assert "stopping: training loss improved by less than tol" in out


@no_convergence_warnings
def test_pickle_keeps_predictions_and_the_optimizer_state(blobs):
    X, y = blobs
    model = MLPClassifier(random_state=0, **SMALL).fit(X, y)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
    model.partial_fit(X, y)
    copy.partial_fit(X, y)  # the same Adam moments and step count, the same shuffling
    np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
    assert isinstance(copy._network, nn.Sequential)
