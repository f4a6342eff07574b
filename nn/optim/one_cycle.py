"""The one-cycle policy: a warm-up to ``max_lr``, then an anneal far below where it started."""
import math

from .scheduler import LRScheduler, check_integer, check_number, check_optimizer, per_group


def _anneal_cos(start, end, pct):
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start, end, pct):
    return (end - start) * pct + start


_ANNEAL = {"cos": _anneal_cos, "linear": _anneal_linear}


class OneCycleLR(LRScheduler):
    """PyTorch's one-cycle schedule, stepped once per batch for ``total_steps`` steps.

    Each group's rate goes from ``initial_lr = max_lr / div_factor`` up to ``max_lr`` over the
    first ``pct_start * total_steps - 1`` steps, then down to ``min_lr = initial_lr /
    final_div_factor`` at step ``total_steps - 1`` (``three_phase``: up, back down to
    ``initial_lr`` over as many steps, then down to ``min_lr``). Each phase anneals

        cos: lr = end + (start - end) (1 + cos(pi p)) / 2;   linear: lr = start + (end - start) p

    with p the fraction of the phase done. With ``cycle_momentum`` the momentum (SGD, RMSprop)
    or Adam's ``betas[0]`` moves the other way, between ``max_momentum`` and ``base_momentum``.
    The groups keep ``initial_lr``, ``max_lr``, ``min_lr``, ``max_momentum``, ``base_momentum``.
    ``total_steps`` may be given as ``epochs * steps_per_epoch``. Stepping past ``total_steps``
    raises ValueError. A phase of zero length (PyTorch divides by zero there) counts as done.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            self.total_steps = check_integer(total_steps, "total_steps", low=1)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (check_integer(epochs, "epochs", low=1)
                                * check_integer(steps_per_epoch, "steps_per_epoch", low=1))
        else:
            raise ValueError("OneCycleLR needs total_steps, or both epochs and steps_per_epoch")
        self.pct_start = pct_start
        self.anneal_strategy = anneal_strategy
        self.three_phase = three_phase
        self.cycle_momentum = cycle_momentum
        self.use_beta1 = "betas" in optimizer.defaults
        self._check()
        check_number(div_factor, "div_factor", low=0.0, low_open=True)
        check_number(final_div_factor, "final_div_factor", low=0.0, low_open=True)
        max_lrs = per_group(max_lr, "max_lr", optimizer)
        for value in max_lrs:
            check_number(value, "max_lr", low=0.0)
        if cycle_momentum:
            max_momenta = per_group(max_momentum, "max_momentum", optimizer)
            base_momenta = per_group(base_momentum, "base_momentum", optimizer)
            for value in max_momenta + base_momenta:
                check_number(value, "each momentum", low=0.0, high=1.0, high_open=True)
        # Everything is checked: only now are the groups changed.
        for i, group in enumerate(optimizer.param_groups):
            group["initial_lr"] = max_lrs[i] / div_factor
            group["max_lr"] = max_lrs[i]
            group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                self._set_momentum(group, max_momenta[i])
                group["max_momentum"] = max_momenta[i]
                group["base_momentum"] = base_momenta[i]
        super().__init__(optimizer)

    def _check(self):
        check_number(self.pct_start, "pct_start", low=0.0, high=1.0)
        if self.anneal_strategy not in _ANNEAL:
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', "
                             f"got {self.anneal_strategy!r}")
        for name in ("three_phase", "cycle_momentum", "use_beta1"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, not {getattr(self, name)!r}")
        self.total_steps = check_integer(self.total_steps, "total_steps", low=1)
        defaults = self.optimizer.defaults
        if self.cycle_momentum and "momentum" not in defaults and "betas" not in defaults:
            raise ValueError(f"OneCycleLR(cycle_momentum=True) cycles the momentum or Adam's "
                             f"beta1, and {type(self.optimizer).__name__} has neither: pass "
                             "cycle_momentum=False")
        if self.use_beta1 != ("betas" in defaults):
            cycled = "betas" if self.use_beta1 else "momentum"
            raise ValueError(f"this OneCycleLR state cycles {cycled}, which "
                             f"{type(self.optimizer).__name__} does not have: load it into a "
                             "scheduler of the same kind of optimizer")

    def _set_momentum(self, group, momentum):
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _phases(self):
        """(last step, start lr key, end lr key, start momentum key, end momentum key) each."""
        T, pct = self.total_steps, self.pct_start
        warm_up = (float(pct * T) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum")
        if not self.three_phase:
            return [warm_up, (T - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        return [warm_up,
                (float(2 * pct * T) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (T - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]

    def get_lr(self):
        """The rates at step ``last_epoch``; with ``cycle_momentum`` also sets the momenta."""
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR was stepped {t} times, but its total_steps is "
                             f"{self.total_steps}: make total_steps (or epochs * "
                             "steps_per_epoch) cover every optimizer step")
        phases = self._phases()
        start = 0.0
        for i, phase in enumerate(phases):
            if t <= phase[0] or i == len(phases) - 1:
                break
            start = phase[0]
        end, lr_from, lr_to, momentum_from, momentum_to = phase
        pct = (t - start) / (end - start) if end != start else 1.0
        anneal = _ANNEAL[self.anneal_strategy]
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(anneal(group[lr_from], group[lr_to], pct))
            if self.cycle_momentum:
                self._set_momentum(group, anneal(group[momentum_from], group[momentum_to], pct))
        return lrs
