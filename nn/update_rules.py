"""The course's first-order update rules, in its functional style: numpy in, numpy out.

Each rule is ``rule(w, dw, config=None) -> (next_w, config)``: ``w`` the weights, ``dw`` the
gradient of the loss with respect to them (same shape), and ``config`` a dict of
hyper-parameters and of the rule's running state (missing keys take the defaults below). The
returned ``config`` is a new dict holding the new state, to pass to the next call; neither
``w``, ``dw``, nor ``config`` (nor the arrays in it) is ever modified.

For training ``nn`` modules use ``nn.optim``, whose optimizers update parameters in place
with PyTorch's conventions; the docstrings say where the two differ.
"""
import numpy as np

__all__ = ["sgd", "sgd_momentum", "rmsprop", "adam"]


def _start(w, dw, config, defaults, rule):
    """Check the arrays and return them and a fresh config with the defaults filled in."""
    if config is not None and not isinstance(config, dict):
        raise TypeError(f"{rule}: config must be a dict or None, not {type(config).__name__}")
    w, dw = np.asarray(w), np.asarray(dw)
    if w.shape != dw.shape:
        raise ValueError(f"{rule}: dw of shape {dw.shape} does not match w of shape {w.shape}; "
                         "pass the gradient of the loss with respect to w")
    config = dict(config or {})
    for key, value in defaults.items():
        config.setdefault(key, value)
    return w, dw, config


def _buffer(config, key, w, rule):
    """The running array ``config[key]`` (zeros like ``w`` when absent), checked for shape."""
    value = config.get(key)
    if value is None:
        return np.zeros_like(w)
    value = np.asarray(value)
    if value.shape != w.shape:
        raise ValueError(f"{rule}: config[{key!r}] has shape {value.shape}, but w has shape "
                         f"{w.shape}; start from a fresh config for new weights")
    return value


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent.

    w_next = w - learning_rate dw

    config: ``learning_rate`` (default 1e-2). The same step as ``nn.optim.SGD(lr=...)``, which
    has no default rate.
    """
    w, dw, config = _start(w, dw, config, {"learning_rate": 1e-2}, "sgd")
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum, the course's form.

    v = momentum v - learning_rate dw;  w_next = w + v

    config: ``learning_rate`` (1e-2), ``momentum`` (0.9), ``velocity`` (an array like w,
    zeros at first). ``nn.optim.SGD(momentum=...)`` keeps b = momentum b + dw and steps
    w -= lr b instead: the same weights while the rate is constant (v = -lr b), different ones
    once it changes, since here the rate is folded into the velocity.
    """
    w, dw, config = _start(w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9},
                           "sgd_momentum")
    v = config["momentum"] * _buffer(config, "velocity", w, "sgd_momentum")
    v = v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def rmsprop(w, dw, config=None):
    """RMSProp: divide the step by a running root mean square of the gradients.

    cache = decay_rate cache + (1 - decay_rate) dw^2;  w_next = w - lr dw / (sqrt(cache) + eps)

    config: ``learning_rate`` (1e-2), ``decay_rate`` (0.99), ``epsilon`` (1e-8), ``cache``
    (an array like w, zeros at first). The same step as ``nn.optim.RMSprop(lr, alpha=decay_rate,
    eps=epsilon)`` without momentum or centring.
    """
    defaults = {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
    w, dw, config = _start(w, dw, config, defaults, "rmsprop")
    decay = config["decay_rate"]
    cache = decay * _buffer(config, "cache", w, "rmsprop") + (1 - decay) * dw ** 2
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w, dw, config=None):
    """Adam, with bias-corrected moments; ``t`` is incremented before it is used.

    t = t + 1;  m = beta1 m + (1 - beta1) dw;  v = beta2 v + (1 - beta2) dw^2;
    w_next = w - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)

    config: ``learning_rate`` (1e-3), ``beta1`` (0.9), ``beta2`` (0.999), ``epsilon`` (1e-8),
    ``m`` and ``v`` (arrays like w, zeros at first), ``t`` (0). The same step as
    ``nn.optim.Adam(lr, betas=(beta1, beta2), eps=epsilon)``, which keeps ``t`` as its state's
    ``step`` and has no weight decay here.
    """
    defaults = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 0}
    w, dw, config = _start(w, dw, config, defaults, "adam")
    beta1, beta2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    m = beta1 * _buffer(config, "m", w, "adam") + (1 - beta1) * dw
    v = beta2 * _buffer(config, "v", w, "adam") + (1 - beta2) * dw ** 2
    config.update(t=t, m=m, v=v)
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config
