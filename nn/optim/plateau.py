"""Reduce the learning rate when a watched metric stops improving."""
import math

from .scheduler import LRScheduler, check_integer, check_number, check_optimizer, per_group


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's rate by ``factor`` once the metric has not improved for more than
    ``patience`` steps, then wait ``cooldown`` steps before counting again (PyTorch's rules).

    ``step(metric)`` takes the value to watch (a number, or a one-element Tensor or array).
    Improvement means, for mode "min" (the mirror for "max"):
    rel: metric < best (1 - threshold);   abs: metric < best - threshold.
    A rate never goes below its group's ``min_lr``, and a cut smaller than ``eps`` is skipped.
    Unlike the other schedulers, construction does not step and nothing warns about order.
    """

    _optional_state = ("default_min_lr",)

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        self.factor = factor
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.min_lrs = per_group(min_lr, "min_lr", optimizer)
        self.patience = patience
        self.cooldown = cooldown
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.eps = eps
        self._check()
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _check(self):
        check_number(self.factor, "factor", low=0.0, high=1.0, high_open=True)
        for value in self.min_lrs:
            check_number(value, "min_lr", low=0.0)
        if self.default_min_lr is not None:
            check_number(self.default_min_lr, "min_lr", low=0.0)
        self.patience = check_integer(self.patience, "patience")
        self.cooldown = check_integer(self.cooldown, "cooldown")
        if self.mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {self.mode!r}")
        if self.threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {self.threshold_mode!r}")
        check_number(self.threshold, "threshold", low=0.0)
        check_number(self.eps, "eps", low=0.0)
        self.mode_worse = math.inf if self.mode == "min" else -math.inf
        for name in ("best", "cooldown_counter", "num_bad_epochs"):
            if hasattr(self, name):  # set after the constructor's check, present when loading
                check_number(getattr(self, name), name)

    @property
    def in_cooldown(self):
        """Whether the scheduler is still waiting after a cut."""
        return self.cooldown_counter > 0

    def is_better(self, current, best):
        """Whether ``current`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return current < best * (1.0 - self.threshold)
            return current < best - self.threshold
        if self.threshold_mode == "rel":
            return current > best * (self.threshold + 1.0)
        return current > best + self.threshold

    def step(self, metrics):
        """Record this step's metric, cutting the rates after too long a plateau."""
        try:
            current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        except (TypeError, ValueError):
            raise TypeError(f"ReduceLROnPlateau.step takes the metric to watch as a number, "
                            f"not {type(metrics).__name__}") from None
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(self.min_lrs) != len(groups):
            if self.default_min_lr is None:
                raise RuntimeError(f"the optimizer has {len(groups)} parameter groups, but "
                                   f"ReduceLROnPlateau has {len(self.min_lrs)} min_lrs (was a "
                                   "group added?): set scheduler.min_lrs to one per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr
