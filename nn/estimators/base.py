"""What ``MLPClassifier`` and ``MLPRegressor`` share: parameters, their checks, the training loop.

``BaseMLP`` holds scikit-learn's MLP parameters and runs fit / partial_fit / warm starts and
early stopping as scikit-learn does; a subclass says how targets are encoded, what the loss is
and how a validation set is scored. The network itself is built in ``network``.
"""
import numbers
import string
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, check_scalar

from autograd import Tensor, no_grad
from .. import data, optim
from .network import ACTIVATIONS, dense, generator, mlp, rebuild, validate_data

SOLVERS = ("adam", "sgd")
# X is converted to one of these; float32 stays float32, anything else becomes float64.
DTYPES = (np.float64, np.float32)

PARAMETERS = """\
    hidden_layer_sizes : int or sequence of int, default=(100,)
        The number of units of each hidden layer.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        The hidden layers' activation.
    solver : {"adam", "sgd"}, default="adam"
    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / 2 * sum ||W||^2 / n_batch`` added to each batch's
        loss (weights only, not biases), as in scikit-learn.
    batch_size : int or "auto", default="auto"
        "auto" is ``min(200, n_samples)``; an int is clipped to [1, n_samples].
    learning_rate_init : float, default=0.001
    max_iter : int, default=200
        The maximum number of epochs of one ``fit``.
    shuffle : bool, default=True
        Shuffle the samples before every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the validation split and the shuffling. Every ``fit``
        starts the shuffling again from it; ``partial_fit`` calls continue one stream.
    tol : float, default=1e-4
    verbose : bool, default=False
        Print the loss (and validation score) after every epoch.
    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted weights and training record
        (``loss_curve_``, ``best_loss_``, ``validation_scores_``, ``t_``) with a fresh optimizer,
        as scikit-learn does; the architecture and targets must be those of the first fit.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data ($split), stop when its $score has not
        improved by ``tol`` for more than ``n_iter_no_change`` epochs, and keep the weights of
        the best epoch. Warm-started fits hold out the same rows of the same data.
    validation_fraction : float, default=0.1
    momentum : float, default=0.9
        SGD's momentum (scikit-learn's and PyTorch's conventions agree at a constant rate).
    nesterovs_momentum : bool, default=True
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's hyper-parameters.
    n_iter_no_change : int, default=10
        Training stops when the loss (or, with ``early_stopping``, the validation $score) has
        not improved by ``tol`` for more than ``n_iter_no_change`` consecutive epochs.
"""

ATTRIBUTES = """\
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    n_iter_ : int
        The number of epochs of the last ``fit``; each ``partial_fit`` adds one.
    t_ : int
        The number of training samples seen, over every call.
    loss_ : float
        The last epoch's mean loss (penalty included).
    loss_curve_ : list of float
        The mean loss of every epoch, over every warm-started fit.
    best_loss_ : float or None
        The lowest epoch loss; None with ``early_stopping``.
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation $score after every epoch.
    best_validation_score_ : float or None
    coefs_, intercepts_ : list of ndarray
        The layers' weights, of shape (fan_in, fan_out), and biases.
    n_layers_ : int
        The number of layers, input and output included.
"""


def describe(text, **words):
    """``PARAMETERS`` or ``ATTRIBUTES`` with each ``$word`` replaced, for a subclass's docstring."""
    return string.Template(text).substitute(words)


class BaseMLP(BaseEstimator):
    """The parameters, checks and training loop of npgrad's scikit-learn MLPs.

    A subclass defines ``_validate(X, y, reset)``, ``_encode(y, dtype, first_pass,
    incremental, classes)`` (the training targets and the target attributes it fixes, among
    them ``n_outputs_``), ``_loss(output, target)`` (a scalar Tensor), ``_score_output(output,
    target)`` (the validation score), and the class attributes ``_stratify`` and
    ``_out_activation``.
    """
    _stratify = False
    _out_activation = None

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate_init=0.001, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
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
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

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
        return [layer for layer in self._network if hasattr(layer, "weight")]

    # ---- fit ------------------------------------------------------------------------------
    def _fit(self, X, y, incremental, classes=None):
        """fit (``incremental=False``) or partial_fit; what can fail is checked before the
        network and the training record change.

        A first pass (no network yet, or a fit without ``warm_start``) builds a new network;
        otherwise training continues from the fitted weights.
        """
        self._check_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True; use fit, or "
                             "set early_stopping=False")
        first_pass = not self.__sklearn_is_fitted__() or not (self.warm_start or incremental)
        X, y = self._validate(X, y, reset=first_pass)
        dtype = X.dtype if first_pass else self._dtype()
        target, fitted = self._encode(y, dtype, first_pass, incremental, classes)
        sizes = (X.shape[1], *self._hidden_sizes(), fitted["n_outputs_"])
        if not first_pass:
            self._check_architecture(sizes)
        rng = self._rng if incremental and not first_pass else generator(self.random_state)
        split_seed = int(rng.integers(2 ** 31 - 1)) if first_pass else self._split_seed
        X = dense(X).astype(dtype, copy=False)
        X_val = target_val = None
        if self.early_stopping:
            n_val = int(np.ceil(self.validation_fraction * len(X)))  # as train_test_split
            if n_val < 2:
                raise ValueError(
                    f"early stopping needs at least 2 validation samples, but "
                    f"validation_fraction={self.validation_fraction} of {len(X)} samples "
                    f"holds {n_val}: raise validation_fraction or give more data")
            X, X_val, target, target_val = train_test_split(
                X, target, test_size=self.validation_fraction, random_state=split_seed,
                stratify=target if self._stratify else None)
        # ---- from here on, the estimator changes
        for name, value in fitted.items():
            setattr(self, name, value)
        self._rng, self._split_seed = rng, split_seed
        if first_pass:
            self._start(sizes, dtype)
        elif self.early_stopping != (self.validation_scores_ is not None):
            self._reset_record()  # early_stopping was switched between warm-started fits
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._new_optimizer()
        self._train(X, target, X_val, target_val, 1 if incremental else self.max_iter,
                    incremental)
        return self

    def _start(self, sizes, dtype):
        """A fresh network and training record."""
        self._network = mlp(sizes, self.activation, dtype, self._rng)
        self._architecture = (tuple(sizes), self.activation)
        self.n_layers_ = len(sizes)
        self.out_activation_ = self._out_activation
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._reset_record()

    def _reset_record(self):
        """The no-improvement count and best scores, as a first fit starts them."""
        self._no_improvement_count = 0
        if self.early_stopping:
            self.best_loss_ = None
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self._best_state = self._network.state_dict()
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self._best_state = None

    def _check_architecture(self, sizes):
        fitted_sizes, fitted_activation = self._architecture
        if (tuple(sizes), self.activation) != (fitted_sizes, fitted_activation):
            raise ValueError(
                f"warm start: the fitted network has layer sizes {list(fitted_sizes)} and "
                f"activation {fitted_activation!r}, but these parameters and data ask for "
                f"{list(sizes)} and {self.activation!r}; set warm_start=False to fit anew")

    def _new_optimizer(self):
        params = list(self._network.parameters())
        if self.solver == "adam":
            return optim.Adam(params, lr=self.learning_rate_init,
                              betas=(self.beta_1, self.beta_2), eps=self.epsilon)
        return optim.SGD(params, lr=self.learning_rate_init, momentum=self.momentum,
                         nesterov=bool(self.nesterovs_momentum) and self.momentum > 0)

    # ---- the training loop ----------------------------------------------------------------
    def _train(self, X, target, X_val, target_val, epochs, incremental):
        """Run up to ``epochs`` epochs over (X, target), scored on the validation set if any."""
        if not incremental:
            self.n_iter_ = 0
        batch_size = self._batch_size(len(X))
        for epoch in range(epochs):
            total = 0.0
            for X_batch, target_batch in data.batches(X, target, batch_size, self.shuffle,
                                                      self._rng):
                total += self._step(X_batch, target_batch) * len(X_batch)
            self.n_iter_ += 1
            self.t_ += len(X)
            self.loss_ = total / len(X)
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            self._update_no_improvement_count(X_val, target_val)
            if self._no_improvement_count > self.n_iter_no_change:
                if self.verbose:
                    what = "validation score" if X_val is not None else "training loss"
                    print(f"stopping: {what} improved by less than tol={self.tol:g} "
                          f"in {self.n_iter_no_change} epochs in a row")
                break
            if not incremental and epoch + 1 == epochs:
                warnings.warn(f"training stopped at max_iter={epochs} epochs before the loss "
                              "converged; raise max_iter or tol", ConvergenceWarning)
        if X_val is not None:
            self._network.load_state_dict(self._best_state)

    def _step(self, X_batch, target_batch):
        """One optimizer step on a batch; returns the batch's loss (penalty included)."""
        loss = self._loss(self._network(Tensor(X_batch)), target_batch)
        if self.alpha:
            penalty = sum((layer.weight * layer.weight).sum() for layer in self._linear_layers())
            loss = loss + penalty * (0.5 * self.alpha / len(X_batch))
        self._optimizer.zero_grad()
        loss.backward()
        self._optimizer.step()
        return loss.item()

    def _update_no_improvement_count(self, X_val, target_val):
        """Count the epochs without improvement by ``tol``, and keep the best validated weights."""
        if X_val is None:
            if self.loss_ > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_)
            return
        score = float(self._score_output(self._forward(X_val), target_val))
        self.validation_scores_.append(score)
        if self.verbose:
            print(f"Validation score: {score:f}")
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            self._best_state = self._network.state_dict()

    # ---- prediction -----------------------------------------------------------------------
    def _output(self, X):
        """The network's output for X after the checks of a fitted estimator."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=DTYPES, reset=False)
        return self._forward(X)

    def _forward(self, X):
        with no_grad():
            return self._network(Tensor(dense(X).astype(self._dtype(), copy=False))).numpy()

    def _dtype(self):
        return self._linear_layers()[0].weight.dtype

    # ---- parameter checks -----------------------------------------------------------------
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
        for name, options in (("activation", tuple(ACTIVATIONS)), ("solver", SOLVERS)):
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
            network = rebuild(layers, state.pop("_network_state"))
            optimizer = getattr(optim, state.pop("_optimizer_class"))(
                list(network.parameters()), lr=0.0)
            optimizer.load_state_dict(state.pop("_optimizer_state"))
            state["_network"], state["_optimizer"] = network, optimizer
        super().__setstate__(state)
