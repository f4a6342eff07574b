"""scikit-learn estimators trained by npgrad: ``MLPClassifier``.

The network is an ``nn.Sequential`` of ``nn.Linear`` layers and activations, trained with
``nn.functional.cross_entropy`` and an ``nn.optim`` optimizer over ``nn.data.batches``.
"""
import numbers
import warnings

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, check_scalar

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6
    def validate_data(estimator, X, y="no_validation", reset=True, **check_params):
        return estimator._validate_data(X, y, reset=reset, **check_params)

from autograd import Tensor, no_grad
from . import data, init, optim
from . import functional as F
from .module import Sequential
from .modules import Linear, ReLU, Sigmoid, Tanh

__all__ = ["MLPClassifier"]

_ACTIVATIONS = {"identity": None, "logistic": Sigmoid, "tanh": Tanh, "relu": ReLU}
_LAYERS = {cls.__name__: cls for cls in (Linear, ReLU, Sigmoid, Tanh)}
_SOLVERS = ("adam", "sgd")
# X is converted to one of these; float32 stays float32, anything else becomes float64.
_DTYPES = (np.float64, np.float32)


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """A multi-layer perceptron classifier with scikit-learn's interface, trained by npgrad.

    The parameters, defaults and fitted attributes are those of
    ``sklearn.neural_network.MLPClassifier`` for its stochastic solvers; the network is an
    ``nn.Sequential`` of ``nn.Linear`` layers trained by ``nn.optim.Adam`` or ``nn.optim.SGD``.

    Differences from scikit-learn's:

    - The output layer is a softmax over ``len(classes_)`` units for every problem, binary
      included (``n_outputs_ == len(classes_)``, ``out_activation_ == "softmax"``), trained
      with ``nn.functional.cross_entropy``.
    - Adam's epsilon is added as in ``torch.optim.Adam`` (after the bias correction of the
      second moment), which is what ``nn.optim.Adam`` implements.
    - There is no ``lbfgs`` solver, no learning-rate schedule (``learning_rate`` is always
      "constant"), no ``warm_start`` and no ``sample_weight``.
    - Sparse input is accepted and converted to a dense array, as the engine is dense.
    - ``n_iter_`` counts every epoch, those of successive ``partial_fit`` calls included.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        The number of units of each hidden layer.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        The hidden layers' activation.
    solver : {"adam", "sgd"}, default="adam"
    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / 2 * sum ||W||^2 / n_batch`` added to each batch's
        mean cross-entropy (weights only, not biases), as in scikit-learn.
    batch_size : int or "auto", default="auto"
        "auto" is ``min(200, n_samples)``; an int is clipped to [1, n_samples].
    learning_rate_init : float, default=0.001
    max_iter : int, default=200
        The maximum number of epochs of ``fit``.
    shuffle : bool, default=True
        Shuffle the samples before every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling and the validation split.
    tol : float, default=1e-4
    n_iter_no_change : int, default=10
        Training stops when the loss (or, with ``early_stopping``, the validation accuracy) has
        not improved by ``tol`` for more than ``n_iter_no_change`` consecutive epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified), stop on its accuracy, and
        keep the weights of the best epoch.
    validation_fraction : float, default=0.1
    momentum : float, default=0.9
        SGD's momentum (scikit-learn's and PyTorch's conventions agree at a constant rate).
    nesterovs_momentum : bool, default=True
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's hyper-parameters.
    verbose : bool, default=False
        Print the loss (and validation score) after every epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    n_iter_ : int
        The number of epochs run.
    t_ : int
        The number of training samples seen.
    loss_ : float
        The last epoch's mean loss (penalty included).
    loss_curve_ : list of float
        The mean loss of every epoch.
    best_loss_ : float or None
        The lowest epoch loss; None with ``early_stopping``.
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation accuracy after every epoch.
    best_validation_score_ : float or None
    coefs_, intercepts_ : list of ndarray
        The layers' weights, of shape (fan_in, fan_out), and biases.
    n_layers_ : int
        The number of layers, input and output included.
    n_outputs_ : int
        The number of output units, ``len(classes_)``.
    out_activation_ : str
        "softmax".
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate_init=0.001, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 early_stopping=False, validation_fraction=0.1, momentum=0.9,
                 nesterovs_momentum=True, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    # ---- scikit-learn API ---------------------------------------------------------------
    def fit(self, X, y):
        """Train a new network on (X, y) for up to ``max_iter`` epochs; returns self."""
        self._check_params()
        X, y = self._validate(X, y, reset=True)
        self.classes_ = unique_labels(y)
        self._start(X.shape[1], X.dtype)
        self._train(X, np.searchsorted(self.classes_, y), self.max_iter, incremental=False)
        return self

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y); ``classes`` (all the labels) is required on the first call."""
        self._check_params()
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_call = not self.__sklearn_is_fitted__()
        if first_call and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        known = self.classes_ if classes is None else unique_labels(classes)
        if not first_call and not np.array_equal(known, self.classes_):
            raise ValueError(f"`classes={known!r}` is not the same as on the first call "
                             f"to partial_fit, which was {self.classes_!r}")
        X, y = self._validate(X, y, reset=first_call)
        unknown = np.setdiff1d(unique_labels(y), known)
        if unknown.size:
            raise ValueError(f"`y` has classes {unknown!r} that are not in {known!r}")
        if first_call:
            self.classes_ = known
            self._start(X.shape[1], X.dtype)
        self._train(X, np.searchsorted(self.classes_, y), 1, incremental=True)
        return self

    def predict(self, X):
        """The most probable class of each row of X, as a label from ``classes_``."""
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def predict_proba(self, X):
        """Class probabilities of shape (n_samples, n_classes), columns in ``classes_`` order."""
        with no_grad():
            return F.softmax(Tensor(self._logits(X)), axis=1).numpy()

    def predict_log_proba(self, X):
        """The log of ``predict_proba``, computed stably from the logits."""
        with no_grad():
            return F.log_softmax(Tensor(self._logits(X)), axis=1).numpy()

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_network")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ---- fitted weights -------------------------------------------------------------------
    @property
    def coefs_(self):
        return [layer.weight.data for layer in self._linear_layers()]

    @property
    def intercepts_(self):
        return [layer.bias.data for layer in self._linear_layers()]

    def _linear_layers(self):
        return [layer for layer in self._network if isinstance(layer, Linear)]

    # ---- training -------------------------------------------------------------------------
    def _start(self, n_features, dtype):
        """Fresh network, optimizer, generator and training record."""
        self._rng = _generator(self.random_state)
        sizes = [n_features, *self._hidden_sizes(), len(self.classes_)]
        self._network = _mlp(sizes, self.activation, dtype, self._rng)
        params = list(self._network.parameters())
        if self.solver == "adam":
            self._optimizer = optim.Adam(params, lr=self.learning_rate_init,
                                         betas=(self.beta_1, self.beta_2), eps=self.epsilon)
        else:
            self._optimizer = optim.SGD(params, lr=self.learning_rate_init,
                                        momentum=self.momentum,
                                        nesterov=bool(self.nesterovs_momentum) and self.momentum > 0)
        self.n_layers_ = len(sizes)
        self.n_outputs_ = len(self.classes_)
        self.out_activation_ = "softmax"
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.best_loss_ = None
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None

    def _train(self, X, y, epochs, incremental):
        """Run up to ``epochs`` epochs over (X, y), y being class indices."""
        X = _dense(X).astype(self._dtype(), copy=False)
        X_val = y_val = best_state = None
        if self.early_stopping:
            X, X_val, y, y_val = train_test_split(
                X, y, test_size=self.validation_fraction, stratify=y,
                random_state=int(self._rng.integers(2 ** 31 - 1)))
            if len(X_val) < 2:
                raise ValueError(f"early stopping needs at least 2 validation samples, got "
                                 f"{len(X_val)}: raise validation_fraction or give more data")
        batch_size = self._batch_size(len(X))
        for epoch in range(epochs):
            total = 0.0
            for X_batch, y_batch in data.batches(X, y, batch_size, self.shuffle, self._rng):
                total += self._step(X_batch, y_batch) * len(X_batch)
            self.n_iter_ += 1
            self.t_ += len(X)
            self.loss_ = total / len(X)
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            if self._update_no_improvement_count(X_val, y_val):
                best_state = self._network.state_dict()
            if self._no_improvement_count > self.n_iter_no_change:
                if self.verbose:
                    what = "Validation score" if self.early_stopping else "Training loss"
                    print(f"stopping: {what.lower()} improved by less than tol={self.tol:g} "
                          f"in {self.n_iter_no_change} epochs in a row")
                break
            if not incremental and epoch + 1 == epochs:
                warnings.warn(f"training stopped at max_iter={epochs} epochs before the loss "
                              "converged; raise max_iter or tol", ConvergenceWarning)
        if best_state is not None:
            self._network.load_state_dict(best_state)

    def _step(self, X_batch, y_batch):
        """One optimizer step on a batch; returns the batch's loss (penalty included)."""
        loss = F.cross_entropy(self._network(Tensor(X_batch)), y_batch)
        if self.alpha:
            penalty = sum((layer.weight * layer.weight).sum() for layer in self._linear_layers())
            loss = loss + penalty * (0.5 * self.alpha / len(X_batch))
        self._optimizer.zero_grad()
        loss.backward()
        self._optimizer.step()
        return loss.item()

    def _update_no_improvement_count(self, X_val, y_val):
        """Score the epoch as scikit-learn does; True when it is the best validated so far."""
        if X_val is None:
            best_loss = np.inf if self.best_loss_ is None else self.best_loss_
            if self.loss_ > best_loss - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(best_loss, self.loss_)
            return False
        score = float(np.mean(np.argmax(self._forward(X_val), axis=1) == y_val))
        self.validation_scores_.append(score)
        if self.verbose:
            print(f"Validation score: {score:f}")
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            return True
        return False

    # ---- prediction -----------------------------------------------------------------------
    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=_DTYPES, reset=False)
        return self._forward(X)

    def _forward(self, X):
        with no_grad():
            return self._network(Tensor(_dense(X).astype(self._dtype(), copy=False))).numpy()

    def _dtype(self):
        return self._linear_layers()[0].weight.dtype

    # ---- validation -----------------------------------------------------------------------
    def _validate(self, X, y, reset):
        X, y = validate_data(self, X, y, accept_sparse=("csr", "csc"), dtype=_DTYPES,
                             reset=reset)
        check_classification_targets(y)
        return X, y

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {sizes}.")
        return [int(s) for s in sizes]

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if not 1 <= self.batch_size <= n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. "
                          "It is going to be clipped")
        return int(np.clip(self.batch_size, 1, n_samples))

    def _check_params(self):
        self._hidden_sizes()
        for name, options in (("activation", tuple(_ACTIVATIONS)), ("solver", _SOLVERS)):
            if getattr(self, name) not in options:
                raise ValueError(f"{name} must be one of {options}, got {getattr(self, name)!r}.")
        if not (self.batch_size == "auto" or isinstance(self.batch_size, numbers.Integral)):
            raise ValueError(f"batch_size must be 'auto' or an integer, got {self.batch_size!r}.")
        real, integral = numbers.Real, numbers.Integral
        check_scalar(self.alpha, "alpha", real, min_val=0)
        check_scalar(self.learning_rate_init, "learning_rate_init", real, min_val=0,
                     include_boundaries="neither")
        check_scalar(self.max_iter, "max_iter", integral, min_val=1)
        check_scalar(self.tol, "tol", real, min_val=0)
        check_scalar(self.n_iter_no_change, "n_iter_no_change", integral, min_val=1)
        check_scalar(self.validation_fraction, "validation_fraction", real, min_val=0,
                     max_val=1, include_boundaries="left")
        check_scalar(self.momentum, "momentum", real, min_val=0, max_val=1)
        for name in ("beta_1", "beta_2"):
            check_scalar(getattr(self, name), name, real, min_val=0, max_val=1,
                         include_boundaries="left")
        check_scalar(self.epsilon, "epsilon", real, min_val=0, include_boundaries="neither")

    # ---- pickling: Tensors and the optimizer's id-keyed state travel as arrays ------------
    def __getstate__(self):
        state = dict(super().__getstate__())
        network = state.pop("_network", None)
        if network is not None:
            optimizer = state.pop("_optimizer")
            state["_network_layers"] = [type(layer).__name__ for layer in network]
            state["_network_state"] = network.state_dict()
            state["_optimizer_class"] = type(optimizer).__name__
            state["_optimizer_state"] = optimizer.state_dict()
        return state

    def __setstate__(self, state):
        state = dict(state)
        layers = state.pop("_network_layers", None)
        if layers is not None:
            weights = state.pop("_network_state")
            network = Sequential(*[
                Linear(*weights[f"{i}.weight"].shape, rng=np.random.default_rng(0),
                       dtype=weights[f"{i}.weight"].dtype)
                if kind == "Linear" else _LAYERS[kind]()
                for i, kind in enumerate(layers)])
            network.load_state_dict(weights)
            optimizer = getattr(optim, state.pop("_optimizer_class"))(
                list(network.parameters()), lr=0.0)
            optimizer.load_state_dict(state.pop("_optimizer_state"))
            state["_network"], state["_optimizer"] = network, optimizer
        super().__setstate__(state)


def _mlp(sizes, activation, dtype, rng):
    """Linear layers of the given sizes with ``activation`` between them.

    Initialised as scikit-learn's MLP (Glorot): weights and biases ~ U(-b, b) with
    b = √(6 / (fan_in + fan_out)), or √(2 / ...) for the logistic activation.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if layers and _ACTIVATIONS[activation] is not None:
            layers.append(_ACTIVATIONS[activation]())
        linear = Linear(fan_in, fan_out, rng=rng, dtype=dtype)
        bound = np.sqrt(factor / (fan_in + fan_out))
        init.uniform_(linear.weight, -bound, bound, rng=rng)
        init.uniform_(linear.bias, -bound, bound, rng=rng)
        layers.append(linear)
    return Sequential(*layers)


def _generator(random_state):
    """A numpy Generator seeded from scikit-learn's ``random_state`` convention."""
    return np.random.default_rng(check_random_state(random_state).randint(2 ** 31 - 1, size=4))


def _dense(X):
    return X.toarray() if scipy.sparse.issparse(X) else X
