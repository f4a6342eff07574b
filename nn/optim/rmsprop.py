"""RMSprop, plain or centred, as torch.optim.RMSprop."""
import numpy as np

from .optimizer import Optimizer, check_flags, check_nonnegative


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients.

    g = ±grad + wd p (minus when maximize);  v = alpha v + (1 - alpha) g^2;
    centred: a = alpha a + (1 - alpha) g, d = sqrt(v - a^2) + eps; else d = sqrt(v) + eps;
    b = mu b + g / d, p -= lr b   (p -= lr g / d when mu = 0; v, a and b start at 0)
    """

    _state_arrays = ("square_avg", "momentum_buffer", "grad_avg")
    _state_counters = ("step",)
    _required_state = ("step", "square_avg")

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0,
                 centered=False, *, maximize=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        check_nonnegative(group, "lr", "eps", "momentum", "weight_decay", "alpha")
        check_flags(group, "centered", "maximize")

    def _init_state(self, data, group):
        return {"step": 0, "square_avg": np.zeros_like(data)}

    def _update_group(self, group):
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        momentum = float(group["momentum"])
        centered = bool(group["centered"])
        names = (("square_avg",) + (("momentum_buffer",) if momentum > 0 else ())
                 + (("grad_avg",) if centered else ()))

        def update(work, grad, buffers, step):
            square_avg = buffers["square_avg"]
            square_avg *= alpha
            np.multiply(grad, 1.0 - alpha, out=work)
            work *= grad
            square_avg += work
            if centered:
                grad_avg = buffers["grad_avg"]
                # a moves a fraction (1 - alpha) of the way to g: torch's lerp form.
                np.subtract(grad, grad_avg, out=work)
                work *= 1.0 - alpha
                grad_avg += work
                np.multiply(grad_avg, grad_avg, out=work)
                np.subtract(square_avg, work, out=work)
                np.sqrt(work, out=work)
            else:
                np.sqrt(square_avg, out=work)
            work += eps
            np.divide(grad, work, out=work)
            if momentum > 0:
                buf = buffers["momentum_buffer"]
                buf *= momentum
                buf += work
                np.multiply(buf, -lr, out=work)
            else:
                work *= -lr

        self._update_params(group, names, update, bool(group["maximize"]),
                            float(group["weight_decay"]))
