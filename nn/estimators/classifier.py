"""``MLPClassifier``: softmax outputs trained on cross-entropy, accuracy as the score."""
import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, unique_labels

from autograd import Tensor, no_grad
from .. import functional as F
from .base import ATTRIBUTES, DTYPES, PARAMETERS, BaseMLP, describe
from .network import validate_data

__all__ = ["MLPClassifier"]


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = f"""A multi-layer perceptron classifier with scikit-learn's API, trained by npgrad.

    The parameters, defaults and fitted attributes are those of
    ``sklearn.neural_network.MLPClassifier`` for its stochastic solvers; the network is an
    ``nn.Sequential`` of ``nn.Linear`` layers trained by ``nn.optim.Adam`` or ``nn.optim.SGD``
    on the mean cross-entropy of each batch.

    Differences from scikit-learn's:

    - The output layer is a softmax over ``len(classes_)`` units for every problem, binary
      included (``n_outputs_ == len(classes_)``, ``out_activation_ == "softmax"``), trained
      with ``nn.functional.cross_entropy``.
    - Adam's epsilon is added as in ``torch.optim.Adam`` (after the bias correction of the
      second moment), which is what ``nn.optim.Adam`` implements.
    - There is no ``lbfgs`` solver, no learning-rate schedule (``learning_rate`` is always
      "constant"), no ``sample_weight`` and no multi-label targets.
    - Sparse input is accepted and converted to a dense array, as the engine is dense.
    - ``n_iter_`` counts every epoch of successive ``partial_fit`` calls.

    Parameters
    ----------
{describe(PARAMETERS, split="stratified", score="accuracy")}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
{describe(ATTRIBUTES, score="accuracy")}\
    n_outputs_ : int
        The number of output units, ``len(classes_)``.
    out_activation_ : str
        "softmax".
    """
    _stratify = True
    _out_activation = "softmax"

    def fit(self, X, y):
        """Train for up to ``max_iter`` epochs, from the fitted weights with ``warm_start``."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y); ``classes`` (all the labels) is required on the first call."""
        return self._fit(X, y, incremental=True, classes=classes)

    def predict(self, X):
        """The most probable class of each row of X, as a label from ``classes_``."""
        indices = np.argmax(self._output(X), axis=1)
        return self.classes_[indices]

    def predict_proba(self, X):
        """Class probabilities of shape (n_samples, n_classes), columns in ``classes_`` order."""
        with no_grad():
            return F.softmax(Tensor(self._output(X)), axis=1).numpy()

    def predict_log_proba(self, X):
        """The log of ``predict_proba``, computed stably from the logits."""
        with no_grad():
            return F.log_softmax(Tensor(self._output(X)), axis=1).numpy()

    # ---- the hooks of BaseMLP -------------------------------------------------------------
    def _validate(self, X, y, reset):
        X, y = validate_data(self, X, y, accept_sparse=("csr", "csc"), dtype=DTYPES,
                             reset=reset)
        check_classification_targets(y)
        return X, y

    def _encode(self, y, dtype, first_pass, incremental, classes):
        """Class indices into ``classes_``, after checking the labels against earlier calls."""
        labels = unique_labels(y)
        if first_pass and not incremental:
            known = labels
        elif first_pass:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            known = unique_labels(classes)
        elif not incremental:
            known = self.classes_
            if not np.array_equal(labels, known):
                raise ValueError(f"warm_start can only be used where `y` has the same classes "
                                 f"as in the previous call to fit: previously {known!r}, now "
                                 f"{labels!r}; set warm_start=False to fit anew")
        else:
            known = self.classes_ if classes is None else unique_labels(classes)
            if not np.array_equal(known, self.classes_):
                raise ValueError(f"`classes={known!r}` is not the same as on the first call "
                                 f"to partial_fit, which was {self.classes_!r}")
        unknown = np.setdiff1d(labels, known)
        if unknown.size:
            raise ValueError(f"`y` has classes {unknown!r} that are not in {known!r}")
        return np.searchsorted(known, y), {"classes_": known, "n_outputs_": len(known)}

    def _loss(self, output, target):
        return F.cross_entropy(output, target)

    def _score_output(self, output, target):
        return np.mean(np.argmax(output, axis=1) == target)
