"""Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW (with amsgrad and maximize)."""
import numbers

import numpy as np

from .optimizer import Optimizer, check_flags, check_nonnegative


class Adam(Optimizer):
    """Adam with bias-corrected moment estimates; weight decay is added to the gradient (L2).

    g = ±grad + wd p (minus when maximize);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    amsgrad: u = max(u, v), else u = v;  p -= lr / (1 - b1^t) * m / (sqrt(u / (1 - b2^t)) + eps)
    """

    _state_arrays = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _state_counters = ("step",)
    _required_state = ("step", "exp_avg", "exp_avg_sq")
    _decoupled_weight_decay = False

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False):
        defaults = dict(lr=lr, betas=_pair(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        check_nonnegative(group, "lr", "eps", "weight_decay")
        check_flags(group, "amsgrad", "maximize")
        group["betas"] = betas = _pair(group["betas"])
        for i, beta in enumerate(betas):
            if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
                raise TypeError(f"Invalid beta parameter at index {i}: {beta!r} (a number is "
                                "needed)")
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta!r}")

    def _init_state(self, data, group):
        return {"step": 0, "exp_avg": np.zeros_like(data), "exp_avg_sq": np.zeros_like(data)}

    def _update_group(self, group):
        lr = float(group["lr"])
        beta1, beta2 = map(float, group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        amsgrad = bool(group["amsgrad"])
        decoupled = self._decoupled_weight_decay

        def update(work, grad, buffers, step):
            exp_avg, exp_avg_sq = buffers["exp_avg"], buffers["exp_avg_sq"]
            # m moves a fraction (1 - b1) of the way to g: torch's lerp form.
            np.subtract(grad, exp_avg, out=work)
            work *= 1.0 - beta1
            exp_avg += work
            exp_avg_sq *= beta2
            np.multiply(grad, 1.0 - beta2, out=work)
            work *= grad
            exp_avg_sq += work
            denominator = exp_avg_sq
            if amsgrad:
                denominator = buffers["max_exp_avg_sq"]
                np.maximum(denominator, exp_avg_sq, out=denominator)
            # lr/c1 m / (sqrt(u)/sqrt(c2) + eps) = (lr sqrt(c2)/c1) m / (sqrt(u) + eps sqrt(c2)):
            # the same update with one pass over memory fewer.
            root_c2 = (1.0 - beta2 ** step) ** 0.5
            np.sqrt(denominator, out=work)
            work += eps * root_c2
            np.divide(exp_avg, work, out=work)
            work *= -lr * root_c2 / (1.0 - beta1 ** step)

        self._update_params(group, self._state_arrays if amsgrad else self._state_arrays[:2],
                            update, bool(group["maximize"]),
                            0.0 if decoupled else weight_decay,
                            1.0 - lr * weight_decay if decoupled and weight_decay else None)


class AdamW(Adam):
    """Adam with decoupled weight decay: the decay shrinks p directly, not through g.

    p *= 1 - lr wd;  then Adam's update with g = ±grad
    """

    _decoupled_weight_decay = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)


def _pair(betas):
    """``betas`` as a tuple of two, or TypeError/ValueError saying what is wrong."""
    if not isinstance(betas, (tuple, list)):
        raise TypeError(f"betas must be a pair (beta1, beta2), not {type(betas).__name__}")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {len(betas)} values: "
                         f"{tuple(betas)!r}")
    return tuple(betas)
