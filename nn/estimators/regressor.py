"""``MLPRegressor``: identity outputs trained on half the squared error, R² as the score."""
import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import column_or_1d

from .base import ATTRIBUTES, DTYPES, PARAMETERS, BaseMLP, describe
from .network import validate_data

__all__ = ["MLPRegressor"]


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = f"""A multi-layer perceptron regressor with scikit-learn's API, trained by npgrad.

    The parameters, defaults and fitted attributes are those of
    ``sklearn.neural_network.MLPRegressor`` for its stochastic solvers; the network is an
    ``nn.Sequential`` of ``nn.Linear`` layers with an identity output, trained by
    ``nn.optim.Adam`` or ``nn.optim.SGD`` on each batch's squared error
    ``1/2 * sum ||y - ŷ||² / n_batch``. ``y`` may have several columns (one output each);
    ``score`` is R² (averaged uniformly over the outputs).

    Differences from scikit-learn's:

    - With several outputs, the squared error is summed over them (scikit-learn descends the
      same gradient but reports the loss averaged over outputs), so ``loss_curve_`` holds
      exactly the objective that training minimises.
    - Adam's epsilon is added as in ``torch.optim.Adam`` (after the bias correction of the
      second moment), which is what ``nn.optim.Adam`` implements.
    - There is no ``lbfgs`` solver, no ``poisson`` loss, no learning-rate schedule
      (``learning_rate`` is always "constant") and no ``sample_weight``.
    - Sparse input is accepted and converted to a dense array, as the engine is dense.
    - ``n_iter_`` counts every epoch of successive ``partial_fit`` calls.

    Parameters
    ----------
{describe(PARAMETERS, split="at random", score="R²")}
    Attributes
    ----------
{describe(ATTRIBUTES, score="R²")}\
    n_outputs_ : int
        The number of outputs, the columns of ``y`` (1 for a 1-d ``y``).
    out_activation_ : str
        "identity".
    """
    _out_activation = "identity"

    def fit(self, X, y):
        """Train for up to ``max_iter`` epochs, from the fitted weights with ``warm_start``."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """One epoch over (X, y)."""
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """Predictions of shape (n_samples,) for one output, (n_samples, n_outputs) for more."""
        output = self._output(X)
        return output.ravel() if self.n_outputs_ == 1 else output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ---- the hooks of BaseMLP -------------------------------------------------------------
    def _validate(self, X, y, reset):
        X, y = validate_data(self, X, y, accept_sparse=("csr", "csc"), dtype=DTYPES,
                             multi_output=True, y_numeric=True, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _encode(self, y, dtype, first_pass, incremental, classes):
        """y as a float array of shape (n_samples, n_outputs) in the network's dtype."""
        target = np.asarray(y, dtype=dtype).reshape(len(y), -1)
        return target, {"n_outputs_": target.shape[1]}

    def _loss(self, output, target):
        difference = output - target
        return (difference * difference).sum() * (0.5 / len(target))

    def _score_output(self, output, target):
        if not np.isfinite(output).all():
            return np.nan
        return r2_score(target, output)
