"""warm_start and early_stopping on both estimators, held to scikit-learn's semantics."""
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.preprocessing import StandardScaler

from nn.estimators import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.usefixtures("one_blas_thread")  # see tests/nn/conftest.py
no_convergence_warnings = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


def blobs():
    X, y = make_blobs(n_samples=150, centers=3, cluster_std=1.5, random_state=0)
    return StandardScaler().fit_transform(X), y


def regression():
    X, y = make_regression(n_samples=150, n_features=3, noise=5.0, random_state=0)
    return StandardScaler().fit_transform(X), y / y.std()


def three_outputs():
    X, Y = make_regression(n_samples=40, n_features=5, n_targets=3, random_state=1)
    return X, Y / Y.std(axis=0)


# Each estimator with scikit-learn's counterpart and a problem it learns in a few epochs.
ESTIMATORS = [pytest.param(MLPClassifier, SklearnMLPClassifier, blobs, id="classifier"),
              pytest.param(MLPRegressor, SklearnMLPRegressor, regression, id="regressor")]
SMALL = dict(hidden_layer_sizes=(8,), learning_rate_init=0.02, random_state=0)


def validation_rows(model, X, y):
    """The rows early stopping held out: the split is drawn from the seed kept for warm starts."""
    stratify = y if isinstance(model, MLPClassifier) else None
    _, X_val, _, y_val = train_test_split(X, y, test_size=model.validation_fraction,
                                          random_state=model._split_seed, stratify=stratify)
    return X_val, y_val


def stopping_epoch(scores, tol, n_iter_no_change):
    """scikit-learn's rule: stop once the score failed to beat the best by tol too often."""
    best, count = -np.inf, 0
    for epoch, score in enumerate(scores, start=1):
        count = count + 1 if score < best + tol else 0
        best = max(best, score)
        if count > n_iter_no_change:
            return epoch
    return None


# ---- warm_start ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls, sklearn_cls, problem", ESTIMATORS + [
    pytest.param(MLPRegressor, SklearnMLPRegressor, three_outputs, id="regressor-3-outputs")])
def test_warm_fit_takes_the_sgd_step_sklearn_takes_from_the_fitted_weights(cls, sklearn_cls,
                                                                           problem):
    # One full-batch epoch of SGD (momentum 0.9, Nesterov: so a fresh optimizer per fit) with
    # the L2 penalty, from the same fitted weights: the same new weights as scikit-learn's
    # (with three outputs too: the squared error is summed over them, as its gradient is).
    X, y = problem()
    settings = dict(hidden_layer_sizes=(6, 4), activation="tanh", solver="sgd", alpha=0.5,
                    batch_size=len(X), shuffle=False, learning_rate_init=0.05, max_iter=2,
                    warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = cls(**settings).fit(X, y)
        theirs = sklearn_cls(**settings).fit(X, y)
        theirs.coefs_ = [w.copy() for w in ours.coefs_]
        theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
        ours.fit(X, y)
        theirs.fit(X, y)
    for mine, reference in zip(ours.coefs_ + ours.intercepts_,
                               theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)
    assert ours.n_iter_ == theirs.n_iter_ == 2 and ours.t_ == theirs.t_ == 4 * len(X)
    assert len(ours.loss_curve_) == 4


@no_convergence_warnings
@pytest.mark.parametrize("cls, sklearn_cls, problem", ESTIMATORS)
def test_warm_start_continues_the_record_and_cold_refits_start_over(cls, sklearn_cls, problem):
    X, y = problem()
    cold = cls(max_iter=10, **SMALL).fit(X, y)
    warm = cls(max_iter=5, warm_start=True, **SMALL).fit(X, y)
    assert warm.loss_curve_ == cold.loss_curve_[:5]
    warm.fit(X, y)
    assert warm.n_iter_ == 5 and len(warm.loss_curve_) == 10 and warm.t_ == 10 * len(X)
    assert warm.loss_curve_[5] < warm.loss_curve_[4]  # it went on from where it was
    assert warm.best_loss_ == min(warm.loss_curve_)
    refit = cls(max_iter=10, **SMALL).fit(X, y).fit(X, y)  # warm_start=False: a new network
    assert refit.loss_curve_ == cold.loss_curve_ and refit.n_iter_ == 10
    np.testing.assert_array_equal(refit.coefs_[0], cold.coefs_[0])


@pytest.mark.parametrize("cls, sklearn_cls, problem", ESTIMATORS)
def test_warm_start_keeps_the_no_improvement_count_as_sklearn(cls, sklearn_cls, problem):
    # A fit stopped by tol leaves its count above n_iter_no_change: the next warm fit stops
    # after one epoch without improvement, in both libraries.
    X, y = problem()
    settings = dict(hidden_layer_sizes=(8,), tol=10.0, n_iter_no_change=2, warm_start=True,
                    random_state=0)
    ours, theirs = cls(**settings).fit(X, y), sklearn_cls(**settings).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 4
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 1
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == 5


@no_convergence_warnings
@pytest.mark.parametrize("cls, sklearn_cls, problem", ESTIMATORS)
@pytest.mark.parametrize("change, match", [
    (dict(hidden_layer_sizes=(5,)), r"layer sizes \[2|layer sizes \[3"),
    (dict(activation="tanh"), "activation 'relu'")])
def test_warm_start_refuses_another_architecture_and_changes_nothing(cls, sklearn_cls, problem,
                                                                     change, match):
    X, y = problem()
    model = cls(max_iter=3, warm_start=True, **SMALL).fit(X, y)
    before = [w.copy() for w in model.coefs_], list(model.loss_curve_)
    model.set_params(**change)
    with pytest.raises(ValueError, match=match) as error:
        model.fit(X, y)
    assert "warm_start=False" in str(error.value)
    assert model.loss_curve_ == before[1]
    for w, old in zip(model.coefs_, before[0]):
        np.testing.assert_array_equal(w, old)


@no_convergence_warnings
def test_warm_start_refuses_other_targets():
    X, y = blobs()
    model = MLPClassifier(max_iter=3, warm_start=True, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="same classes as in the previous call"):
        model.fit(X[y < 2], y[y < 2])
    assert len(model.loss_curve_) == 3
    X, y = regression()
    model = MLPRegressor(max_iter=3, warm_start=True, **SMALL).fit(X, y)
    with pytest.raises(ValueError, match=r"layer sizes \[3, 8, 1\].*\[3, 8, 2\]"):
        model.fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="3 features"):
        model.fit(X[:, :2], y)
    assert model.n_outputs_ == 1 and len(model.loss_curve_) == 3


# ---- early_stopping -----------------------------------------------------------------------
@no_convergence_warnings
@pytest.mark.parametrize("cls, sklearn_cls, problem", ESTIMATORS)
def test_early_stopping_stops_by_sklearns_rule_and_keeps_the_best_epoch(cls, sklearn_cls,
                                                                        problem):
    X, y = problem()
    model = cls(early_stopping=True, validation_fraction=0.2, n_iter_no_change=3, tol=1e-3,
                max_iter=300, **SMALL).fit(X, y)
    scores = model.validation_scores_
    assert model.best_loss_ is None and len(scores) == len(model.loss_curve_) == model.n_iter_
    assert model.n_iter_ == stopping_epoch(scores, 1e-3, 3) < 300
    assert model.best_validation_score_ == max(scores)
    assert model.t_ == model.n_iter_ * 120  # 30 rows held out
    X_val, y_val = validation_rows(model, X, y)
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_, abs=1e-12)


@no_convergence_warnings
def test_the_classifiers_validation_rows_are_stratified():
    X, y = blobs()
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:40], np.flatnonzero(y == 2)[:10]]
    X, y = X[keep], y[keep]  # 50, 40 and 10 rows
    model = MLPClassifier(early_stopping=True, validation_fraction=0.2, max_iter=30,
                          **SMALL).fit(X, y)
    X_val, y_val = validation_rows(model, X, y)
    assert np.bincount(y_val).tolist() == [10, 8, 2]
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_, abs=1e-12)


@no_convergence_warnings
@pytest.mark.parametrize("cls, sklearn_cls, problem", ESTIMATORS)
def test_warm_fits_with_early_stopping_continue_on_the_same_validation_rows(cls, sklearn_cls,
                                                                            problem):
    X, y = problem()
    # A RandomState instance gives each fit other draws, as random_state=None does.
    model = cls(early_stopping=True, warm_start=True, max_iter=1, hidden_layer_sizes=(8,),
                learning_rate_init=1e-6, random_state=np.random.RandomState(0)).fit(X, y)
    first = list(model.validation_scores_)
    X_val, y_val = validation_rows(model, X, y)
    model.set_params(max_iter=200, learning_rate_init=0.02, batch_size=16).fit(X, y)
    assert model.validation_scores_[:len(first)] == first
    assert max(model.validation_scores_[len(first):]) > max(first)  # the best is the 2nd fit's
    assert len(model.validation_scores_) == len(model.loss_curve_) == len(first) + model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_, abs=1e-12)


@no_convergence_warnings
@pytest.mark.parametrize("cls, sklearn_cls, problem", ESTIMATORS)
def test_switching_early_stopping_in_a_warm_fit_starts_its_record(cls, sklearn_cls, problem):
    X, y = problem()
    model = cls(max_iter=4, warm_start=True, **SMALL).fit(X, y)
    assert model.validation_scores_ is None and model.best_loss_ == min(model.loss_curve_)
    model.set_params(early_stopping=True).fit(X, y)
    assert model.best_loss_ is None and len(model.validation_scores_) == model.n_iter_
    assert len(model.loss_curve_) == 4 + model.n_iter_
    model.set_params(early_stopping=False).fit(X, y)
    assert model.validation_scores_ is None and model.best_validation_score_ is None
    assert model.best_loss_ == min(model.loss_curve_[-model.n_iter_:])


@no_convergence_warnings
@pytest.mark.parametrize("cls, sklearn_cls, problem", ESTIMATORS)
def test_a_too_small_validation_set_is_refused_before_anything_changes(cls, sklearn_cls,
                                                                       problem):
    X, y = problem()
    model = cls(max_iter=3, warm_start=True, **SMALL).fit(X, y)
    weights = model.coefs_[0].copy()
    model.set_params(early_stopping=True, validation_fraction=0.01)
    with pytest.raises(ValueError, match="at least 2 validation samples, but "
                                         "validation_fraction=0.01 of 60 samples holds 1"):
        model.fit(X[:60], y[:60])
    assert model.validation_scores_ is None and len(model.loss_curve_) == 3
    np.testing.assert_array_equal(model.coefs_[0], weights)
