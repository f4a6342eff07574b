"""nn.estimators.MLPRegressor: scikit-learn's checks, R² on diabetes, multi-output, the loss."""
import pickle
import time

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_regression
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from nn.estimators import MLPRegressor

SMALL = dict(hidden_layer_sizes=(10,), max_iter=50, learning_rate_init=0.01)
# Diabetes: 442 samples, 10 features; these settings fit in about 0.1 s per fold.
DIABETES = dict(hidden_layer_sizes=(16,), max_iter=50, learning_rate_init=0.01, alpha=1.0)

pytestmark = pytest.mark.usefixtures("one_blas_thread")  # see tests/nn/conftest.py
no_convergence_warnings = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def linear3():
    """Three targets, each a linear function of 4 features, standardised."""
    X, Y = make_regression(n_samples=120, n_features=4, n_targets=3, noise=0.1, random_state=0)
    return StandardScaler().fit_transform(X), Y / Y.std(axis=0)


# ---- scikit-learn's check suite ---------------------------------------------------------
@no_convergence_warnings
@parametrize_with_checks([MLPRegressor(**SMALL)])
def test_sklearn_estimator_checks(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # scikit-learn's array-API check (numpy here)
    check(estimator)


# ---- against scikit-learn's MLPRegressor on diabetes --------------------------------------
@no_convergence_warnings
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_diabetes_r2_matches_sklearn(solver):
    X, y = load_diabetes(return_X_y=True)
    folds = KFold(n_splits=5, shuffle=True, random_state=0)
    results = {}
    for name, cls in (("npgrad", MLPRegressor), ("sklearn", SklearnMLPRegressor)):
        model = TransformedTargetRegressor(
            make_pipeline(StandardScaler(), cls(solver=solver, random_state=0, **DIABETES)),
            transformer=StandardScaler())
        start = time.perf_counter()
        results[name] = cross_val_score(model, X, y, cv=folds).mean()
        seconds = (time.perf_counter() - start) / 5
        print(f"\n{name:8s} {solver}: diabetes 5-fold R² {results[name]:.4f}, fit {seconds:.3f} s")
    assert results["npgrad"] >= results["sklearn"] - 0.02
    assert results["npgrad"] > 0.45  # a linear model scores 0.49 on these folds


# ---- multi-output, the loss, predictions -------------------------------------------------
@no_convergence_warnings
def test_multi_output_fits_each_target_and_scores_r2(linear3):
    X, Y = linear3
    model = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.02, max_iter=200,
                         random_state=0).fit(X, Y)
    assert model.n_outputs_ == 3 and model.out_activation_ == "identity"
    assert [w.shape for w in model.coefs_] == [(4, 16), (16, 3)]
    predictions = model.predict(X)
    assert predictions.shape == (len(X), 3)
    assert model.score(X, Y) == pytest.approx(r2_score(Y, predictions), rel=1e-12)
    assert min(r2_score(Y, predictions, multioutput="raw_values")) > 0.95


@no_convergence_warnings
def test_one_output_predicts_1d_and_a_column_y_warns_as_sklearn(linear3):
    X, Y = linear3
    model = MLPRegressor(random_state=0, **SMALL).fit(X, Y[:, 0])
    assert model.n_outputs_ == 1 and model.predict(X).shape == (len(X),)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = MLPRegressor(random_state=0, **SMALL).fit(X, Y[:, :1])
    np.testing.assert_array_equal(column.predict(X), model.predict(X))


def test_loss_curve_is_half_the_squared_error_summed_over_outputs_plus_the_penalty(linear3):
    X, Y = linear3
    model = MLPRegressor(hidden_layer_sizes=(5,), alpha=2.0, batch_size=len(X), shuffle=False,
                         learning_rate_init=1e-12, max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, Y)
    hidden = np.maximum(X @ model.coefs_[0] + model.intercepts_[0], 0)
    prediction = hidden @ model.coefs_[1] + model.intercepts_[1]
    squared_error = 0.5 * ((Y - prediction) ** 2).sum() / len(X)
    penalty = 1.0 * sum((w ** 2).sum() for w in model.coefs_) / len(X)
    assert model.loss_curve_[0] == pytest.approx(squared_error + penalty, rel=1e-8)
    np.testing.assert_allclose(model.predict(X), prediction, rtol=1e-6)


@no_convergence_warnings
def test_float32_trains_in_float32(linear3):
    X, Y = linear3
    model = MLPRegressor(random_state=0, **SMALL).fit(X.astype(np.float32), Y)
    assert all(w.dtype == np.float32 for w in model.coefs_ + model.intercepts_)
    assert model.predict(X).dtype == np.float32
    assert model.score(X, Y) > 0.9


@no_convergence_warnings
def test_partial_fit_one_epoch_per_call(linear3):
    X, Y = linear3
    model = MLPRegressor(random_state=0, **SMALL)
    for call in range(30):
        model.partial_fit(X, Y)
    assert model.n_iter_ == len(model.loss_curve_) == 30 and model.t_ == 30 * len(X)
    assert model.loss_curve_[-1] < model.loss_curve_[0] / 5
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPRegressor(early_stopping=True).partial_fit(X, Y)


def test_predict_before_fit_raises_not_fitted(linear3):
    X, _ = linear3
    with pytest.raises(NotFittedError):
        MLPRegressor().predict(X)


@no_convergence_warnings
def test_pickle_keeps_predictions_the_optimizer_and_the_warm_start_record(linear3):
    X, Y = linear3
    model = MLPRegressor(early_stopping=True, warm_start=True, random_state=0, **SMALL).fit(X, Y)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(X), model.predict(X))
    model.fit(X, Y)
    copy.fit(X, Y)  # the same best weights, validation rows and record to continue from
    assert copy.validation_scores_ == model.validation_scores_
    np.testing.assert_array_equal(copy.predict(X), model.predict(X))
    model.set_params(early_stopping=False).partial_fit(X, Y)
    copy.set_params(early_stopping=False).partial_fit(X, Y)  # the same Adam moments
    np.testing.assert_array_equal(copy.predict(X), model.predict(X))
