"""Learning-rate schedules that set each ``param_groups[i]["lr"]`` once per step, as PyTorch's.

Each ``step()`` rescales the group's current rate (as PyTorch's schedulers do, so that they
compose with each other and with rates set by hand); set by one scheduler alone, the rate
follows the closed form in the class's docstring. ``OneCycleLR`` and ``ReduceLROnPlateau``
live in their own modules and are exported here.
"""
import math

from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler, check_integer, check_number


class StepLR(LRScheduler):
    """Multiply each group's rate by ``gamma`` every ``step_size`` epochs.

    lr_t = base_lr * gamma^(t // step_size)
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = step_size
        self.gamma = gamma
        self._check()
        super().__init__(optimizer)

    def _check(self):
        self.step_size = check_integer(self.step_size, "step_size", low=1)
        check_number(self.gamma, "gamma", low=0.0)

    def get_lr(self):
        """The current rates, times ``gamma`` at each multiple of ``step_size``."""
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class MultiStepLR(LRScheduler):
    """Multiply each group's rate by ``gamma`` at every epoch listed in ``milestones``.

    lr_t = base_lr * gamma^(number of milestones <= t)   (a milestone listed twice counts twice)
    """

    def __init__(self, optimizer, milestones, gamma=0.1):
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"milestones must be a list of epochs, not {milestones!r}")
        self.milestones = list(milestones)
        self.gamma = gamma
        self._check()
        super().__init__(optimizer)

    def _check(self):
        self.milestones = sorted(check_integer(m, "each milestone") for m in self.milestones)
        check_number(self.gamma, "gamma", low=0.0)

    def get_lr(self):
        """The current rates, times ``gamma`` once per milestone at ``last_epoch``."""
        hits = self.milestones.count(self.last_epoch)
        groups = self.optimizer.param_groups
        if not hits:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma ** hits for group in groups]


class ExponentialLR(LRScheduler):
    """Multiply each group's rate by ``gamma`` every epoch.

    lr_t = base_lr * gamma^t
    """

    def __init__(self, optimizer, gamma):
        self.gamma = gamma
        self._check()
        super().__init__(optimizer)

    def _check(self):
        check_number(self.gamma, "gamma", low=0.0)

    def get_lr(self):
        """The current rates times ``gamma`` (unchanged at epoch 0)."""
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class LinearLR(LRScheduler):
    """Scale each group's rate by a factor going linearly from ``start_factor`` to ``end_factor``
    over ``total_iters`` epochs (a warm-up when ``start_factor < end_factor``), then keep it.

    lr_t = base_lr * (start + (end - start) * min(t, total_iters) / total_iters)
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        self._check()
        super().__init__(optimizer)

    def _check(self):
        check_number(self.start_factor, "start_factor", low=0.0, high=1.0, low_open=True)
        check_number(self.end_factor, "end_factor", low=0.0, high=1.0)
        self.total_iters = check_integer(self.total_iters, "total_iters")

    def get_lr(self):
        """The current rates times this epoch's factor over the last epoch's."""
        groups = self.optimizer.param_groups
        t, start, end = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return [group["lr"] * start for group in groups]
        if t > self.total_iters:
            return [group["lr"] for group in groups]
        # The ratio of this epoch's factor to the last one's.
        ratio = 1.0 + (end - start) / (self.total_iters * start + (t - 1) * (end - start))
        return [group["lr"] * ratio for group in groups]


class CosineAnnealingLR(LRScheduler):
    """Anneal each group's rate from its initial value to ``eta_min`` along half a cosine.

    lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2   (periodic in 2 T_max)
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max = T_max
        self.eta_min = eta_min
        self._check()
        super().__init__(optimizer)

    def _check(self):
        check_number(self.T_max, "T_max", low=0.0, low_open=True)
        check_number(self.eta_min, "eta_min")

    def get_lr(self):
        """The current rates moved along the cosine (the closed form when unchanged by hand)."""
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


__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "LinearLR",
           "CosineAnnealingLR", "OneCycleLR", "ReduceLROnPlateau"]
