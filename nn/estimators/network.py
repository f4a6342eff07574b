"""The network behind the estimators: built, seeded and rebuilt from its layer names."""
import numpy as np
import scipy.sparse
from sklearn.utils import check_random_state

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6
    def validate_data(estimator, X, y="no_validation", reset=True, **check_params):
        """scikit-learn's ``validate_data`` for the versions before it was a function."""
        return estimator._validate_data(X, y, reset=reset, **check_params)

from .. import init
from ..module import Sequential
from ..modules import Linear, ReLU, Sigmoid, Tanh
from ..random import as_generator

__all__ = ["ACTIVATIONS", "mlp", "rebuild", "generator", "dense", "validate_data"]

ACTIVATIONS = {"identity": None, "logistic": Sigmoid, "tanh": Tanh, "relu": ReLU}
_LAYERS = {cls.__name__: cls for cls in (Linear, ReLU, Sigmoid, Tanh)}


def mlp(sizes, activation, dtype, rng):
    """Linear layers of the given sizes with ``activation`` between them.

    Initialised as scikit-learn's MLP (Glorot): weights and biases ~ U(-b, b) with
    b = √(6 / (fan_in + fan_out)), or √(2 / ...) for the logistic activation.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if layers and ACTIVATIONS[activation] is not None:
            layers.append(ACTIVATIONS[activation]())
        linear = Linear(fan_in, fan_out, rng=rng, dtype=dtype)
        bound = np.sqrt(factor / (fan_in + fan_out))
        init.uniform_(linear.weight, -bound, bound, rng=rng)
        init.uniform_(linear.bias, -bound, bound, rng=rng)
        layers.append(linear)
    return Sequential(*layers)


def rebuild(layer_names, state):
    """The ``Sequential`` of these layer class names, holding the weights of ``state``."""
    network = Sequential(*[
        Linear(*state[f"{i}.weight"].shape, rng=np.random.default_rng(0),
               dtype=state[f"{i}.weight"].dtype)
        if name == "Linear" else _LAYERS[name]()
        for i, name in enumerate(layer_names)])
    network.load_state_dict(state)
    return network


def generator(random_state):
    """A numpy Generator from scikit-learn's ``random_state`` (None, an int or a RandomState).

    scikit-learn's convention draws the seed; ``nn.random.as_generator`` makes the Generator.
    """
    seed = int(check_random_state(random_state).randint(2 ** 31 - 1))
    return as_generator(seed, "random_state")


def dense(X):
    """X as a dense array (the engine is dense)."""
    return X.toarray() if scipy.sparse.issparse(X) else X
