"""Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW (without amsgrad)."""
import numpy as np

from .optimizer import Optimizer, check_nonnegative


class Adam(Optimizer):
    """Adam with bias-corrected moment estimates; weight decay is added to the gradient (L2).

    g = grad + wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    """

    _state_arrays = ("exp_avg", "exp_avg_sq")
    _state_counters = ("step",)
    _required_state = ("step", "exp_avg", "exp_avg_sq")
    _decoupled_weight_decay = False

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        check_nonnegative(group, "lr", "eps", "weight_decay")
        beta1, beta2 = group["betas"]
        for i, beta in enumerate((beta1, beta2)):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta!r}")

    def _init_state(self, data):
        return {"step": 0, "exp_avg": np.zeros_like(data), "exp_avg_sq": np.zeros_like(data)}

    def _update_group(self, group):
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        decoupled = self._decoupled_weight_decay
        coupled_decay = weight_decay and not decoupled
        for data, grad, state, scratch in self._params_with_grad(group, 2 if coupled_decay else 1):
            step = state["step"] = state["step"] + 1
            work = scratch[0]
            if weight_decay:
                if decoupled:
                    data *= 1.0 - lr * weight_decay
                else:
                    np.multiply(data, weight_decay, out=work)
                    work += grad
                    grad = work
                    work = scratch[1]
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            # m moves a fraction (1 - b1) of the way to g: torch's lerp form.
            np.subtract(grad, exp_avg, out=work)
            work *= 1.0 - beta1
            exp_avg += work
            exp_avg_sq *= beta2
            np.multiply(grad, 1.0 - beta2, out=work)
            work *= grad
            exp_avg_sq += work
            # lr/c1 m / (sqrt(v)/sqrt(c2) + eps) = (lr sqrt(c2)/c1) m / (sqrt(v) + eps sqrt(c2)):
            # the same update with one pass over memory fewer.
            root_c2 = (1.0 - beta2 ** step) ** 0.5
            np.sqrt(exp_avg_sq, out=work)
            work += eps * root_c2
            np.divide(exp_avg, work, out=work)
            work *= -lr * root_c2 / (1.0 - beta1 ** step)
            data += work


class AdamW(Adam):
    """Adam with decoupled weight decay: the decay shrinks p directly, not through g.

    p *= 1 - lr wd;  then Adam's update with g = grad
    """

    _decoupled_weight_decay = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
