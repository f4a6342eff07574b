"""Adagrad, as torch.optim.Adagrad."""
import numpy as np

from .optimizer import Optimizer, check_flags, check_nonnegative


class Adagrad(Optimizer):
    """Divide the gradient by the root of the sum of all squared gradients so far.

    g = ±grad + wd p (minus when maximize);  s = s + g^2 (s starts at
    initial_accumulator_value);  p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)

    The accumulator starts at the value of the parameter's own group (PyTorch reads the
    constructor's value for every group; the two agree unless a group overrides it).
    """

    _state_arrays = ("sum",)
    _state_counters = ("step",)
    _required_state = ("step", "sum")

    def __init__(self, params, lr=0.01, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        check_nonnegative(group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value",
                          "eps")
        check_flags(group, "maximize")

    def _init_state(self, data, group):
        return {"step": 0, "sum": np.full_like(data, group["initial_accumulator_value"])}

    def _update_group(self, group):
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        eps = float(group["eps"])

        def update(work, grad, buffers, step):
            total = buffers["sum"]
            np.multiply(grad, grad, out=work)
            total += work
            np.sqrt(total, out=work)
            work += eps
            np.divide(grad, work, out=work)
            work *= -(lr / (1.0 + (step - 1) * lr_decay))

        self._update_params(group, self._state_arrays, update, bool(group["maximize"]),
                            float(group["weight_decay"]))
