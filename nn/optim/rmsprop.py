"""RMSprop (non-centred), as torch.optim.RMSprop."""
import numpy as np

from .optimizer import Optimizer, check_nonnegative


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients.

    g = grad + wd p;  v = alpha v + (1 - alpha) g^2;  b = mu b + g / (sqrt(v) + eps);
    p -= lr b   (p -= lr g / (sqrt(v) + eps) when mu = 0; v and b start at 0)
    """

    _state_arrays = ("square_avg", "momentum_buffer")
    _state_counters = ("step",)
    _required_state = ("step", "square_avg")

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        check_nonnegative(group, "lr", "eps", "momentum", "weight_decay", "alpha")

    def _init_state(self, data):
        return {"step": 0, "square_avg": np.zeros_like(data)}

    def _update_group(self, group):
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        momentum = float(group["momentum"])
        weight_decay = float(group["weight_decay"])
        n_scratch = 2 if weight_decay else 1
        for data, grad, state, scratch in self._params_with_grad(group, n_scratch):
            state["step"] += 1
            work = scratch[0]
            if weight_decay:
                np.multiply(data, weight_decay, out=work)
                work += grad
                grad = work
                work = scratch[1]
            square_avg = state["square_avg"]
            square_avg *= alpha
            np.multiply(grad, 1.0 - alpha, out=work)
            work *= grad
            square_avg += work
            np.sqrt(square_avg, out=work)
            work += eps
            np.divide(grad, work, out=work)
            if momentum > 0:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.zeros_like(data)
                buf *= momentum
                buf += work
                np.multiply(buf, -lr, out=work)
            else:
                work *= -lr
            data += work
