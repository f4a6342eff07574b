"""Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW (with amsgrad and maximize)."""
import numbers

import numpy as np

from .optimizer import Optimizer, check_flags, check_nonnegative, signed_gradient


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
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        amsgrad = bool(group["amsgrad"])
        maximize = bool(group["maximize"])
        decoupled = self._decoupled_weight_decay
        coupled_decay = weight_decay if not decoupled else 0.0
        decay = 1.0 - lr * weight_decay if decoupled and weight_decay else None
        hyper = (lr, beta1, beta2, eps)
        flat = self._flat_layout(group, self._state_arrays if amsgrad else self._state_arrays[:2])
        if flat is not None:
            members, layout = flat
            step = self.state[members[0][0]]["step"] + 1
            for (p, data, grad), gathered in zip(members, layout.grads):
                self.state[p]["step"] = step
                if decay is not None:
                    data *= decay
                if signed_gradient(grad, data, maximize, coupled_decay, gathered) is grad:
                    np.copyto(gathered, grad)
            moments = layout.flat_state
            _adam_update(layout.work, layout.grad, moments["exp_avg"], moments["exp_avg_sq"],
                         moments.get("max_exp_avg_sq"), step, *hyper)
            for (p, data, _), update in zip(members, layout.works):
                data += update
                p._version += 1
            return
        n_scratch = 2 if coupled_decay or maximize else 1
        for data, grad, state, scratch in self._params_with_grad(group, n_scratch):
            step = state["step"] = state["step"] + 1
            if decay is not None:
                data *= decay
            grad = signed_gradient(grad, data, maximize, coupled_decay, scratch[0])
            work = scratch[1] if grad is scratch[0] else scratch[0]
            max_exp_avg_sq = None
            if amsgrad:
                max_exp_avg_sq = state.get("max_exp_avg_sq")
                if max_exp_avg_sq is None:
                    max_exp_avg_sq = state["max_exp_avg_sq"] = np.zeros_like(data)
            _adam_update(work, grad, state["exp_avg"], state["exp_avg_sq"], max_exp_avg_sq,
                         step, *hyper)
            data += work


def _adam_update(work, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps):
    """Move the moments (and the running maximum, when amsgrad gives one) in place and write the
    parameter's update into ``work``; the same calls whether the arrays are one parameter's or a
    flat group's."""
    # m moves a fraction (1 - b1) of the way to g: torch's lerp form.
    np.subtract(grad, exp_avg, out=work)
    work *= 1.0 - beta1
    exp_avg += work
    exp_avg_sq *= beta2
    np.multiply(grad, 1.0 - beta2, out=work)
    work *= grad
    exp_avg_sq += work
    denominator = exp_avg_sq
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        denominator = max_exp_avg_sq
    # lr/c1 m / (sqrt(u)/sqrt(c2) + eps) = (lr sqrt(c2)/c1) m / (sqrt(u) + eps sqrt(c2)):
    # the same update with one pass over memory fewer.
    root_c2 = (1.0 - beta2 ** step) ** 0.5
    np.sqrt(denominator, out=work)
    work += eps * root_c2
    np.divide(exp_avg, work, out=work)
    work *= -lr * root_c2 / (1.0 - beta1 ** step)


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
