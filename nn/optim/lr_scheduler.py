"""Learning-rate schedules that set each ``param_groups[i]["lr"]`` once per epoch, as torch's."""
import math

from .optimizer import Optimizer


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and writes ``get_lr()`` into the groups.

    Construction takes the first step (to epoch 0), and records each group's starting rate as
    ``group["initial_lr"]`` (kept if already there), which ``base_lrs`` holds.
    """

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def get_lr(self):
        """The rates for epoch ``last_epoch``, one per parameter group."""
        raise NotImplementedError

    def step(self):
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer, as plain Python values."""
        return {key: list(value) if isinstance(value, list) else value
                for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        unknown = set(state_dict) - (set(vars(self)) - {"optimizer"})
        if unknown:
            raise ValueError(f"unknown scheduler state entries {sorted(unknown)}")
        for key, value in state_dict.items():
            setattr(self, key, list(value) if isinstance(value, list) else value)


class StepLR(LRScheduler):
    """Multiply each group's rate by ``gamma`` every ``step_size`` epochs.

    lr_t = base_lr * gamma^(t // step_size)   (as torch: lr *= gamma at each multiple)
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        if int(step_size) != step_size or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class CosineAnnealingLR(LRScheduler):
    """Anneal each group's rate from its initial value to ``eta_min`` along half a cosine.

    lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2   (periodic in 2 T_max)

    Like torch, each step rescales the current rate (so it composes with other schedulers and
    with rates set by hand); set by this scheduler alone, the rate follows the closed form above.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        if not T_max > 0:
            raise ValueError(f"T_max must be positive, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def get_lr(self):
        groups = self.optimizer.param_groups
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if t == 0:
            return [group["lr"] for group in groups]
        if (t - 1 - T) % (2 * T) == 0:
            # Leaving eta_min, where the ratio below would be 0 / 0: climb by the first increment.
            rise = (1 - math.cos(math.pi / T)) / 2
            return [group["lr"] + (base_lr - eta_min) * rise
                    for group, base_lr in zip(groups, self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [eta_min + ratio * (group["lr"] - eta_min) for group in groups]
