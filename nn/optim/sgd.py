"""Stochastic gradient descent, optionally with (Nesterov) momentum, as torch.optim.SGD."""
import numpy as np

from .optimizer import Optimizer, check_flags, check_nonnegative


class SGD(Optimizer):
    """SGD with PyTorch's momentum convention (the velocity is not scaled by lr).

    g = ±grad + wd p (minus when maximize);  b = mu b + (1 - dampening) g  (b = g on the first
    step);  p -= lr (g + mu b if nesterov else b)   (p -= lr g when mu = 0)
    """

    _state_arrays = ("momentum_buffer",)

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False,
                 weight_decay=0.0, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        check_nonnegative(group, "lr", "momentum", "weight_decay")
        check_flags(group, "nesterov", "maximize")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a positive momentum and zero dampening, "
                             f"got momentum={group['momentum']!r}, "
                             f"dampening={group['dampening']!r}")

    def _init_state(self, data, group):
        return {}  # the momentum buffer starts as a copy of the first gradient

    def _update_group(self, group):
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        nesterov = bool(group["nesterov"])

        def update(work, grad, buffers, step):
            if not momentum:
                np.multiply(grad, -lr, out=work)
                return
            buf = buffers.get("momentum_buffer")
            if buf is None:  # the first step: the buffer is the gradient
                buf = buffers["momentum_buffer"] = np.array(grad, dtype=work.dtype)
            else:
                buf *= momentum
                if dampening:
                    np.multiply(grad, 1.0 - dampening, out=work)
                    buf += work
                else:
                    buf += grad
            if nesterov:
                np.multiply(buf, momentum, out=work)
                work += grad
                work *= -lr
            else:
                np.multiply(buf, -lr, out=work)

        # without momentum there is no state, and nothing for a flat update to save
        names = self._state_arrays if momentum else ()
        self._update_params(group, names, update, bool(group["maximize"]),
                            float(group["weight_decay"]), required=names)
