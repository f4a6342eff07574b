"""The learning-rate scheduler base class: stepping, the out-of-order warning, saving, loading."""
import numbers
import warnings

from .optimizer import Optimizer
from .plain import check_dict, plain


def check_optimizer(optimizer):
    """Raise TypeError unless ``optimizer`` is an nn.optim Optimizer."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer: a scheduler takes "
                        "an nn.optim optimizer such as SGD or Adam")


def check_number(value, name, low=None, high=None, low_open=False, high_open=False):
    """Raise TypeError unless ``value`` is a real number, ValueError unless in the range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high or value != value:
        lo = "" if low is None else ("(" if low_open else "[") + f"{low}, "
        hi = "" if high is None else f"{high}" + (")" if high_open else "]")
        where = f" in {lo or '(-inf, '}{hi or 'inf)'}"
        raise ValueError(f"{name} must be a number{where}, got {value!r}")


def check_integer(value, name, low=0):
    """``value`` as an int: TypeError unless a number, ValueError unless integral and >= low."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    if not (value == value and float(value).is_integer() and value >= low):
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def per_group(value, name, optimizer):
    """``value`` repeated for every parameter group, or a list/tuple of one value per group."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{name} has {len(value)} values, the optimizer has {groups} "
                             "parameter groups: pass one value, or one per group")
        return list(value)
    return [value] * groups


def _kind(value):
    for kind, types in (("None", type(None)), ("a bool", bool), ("a number", numbers.Real),
                        ("a string", str), ("a list", list), ("a dict", dict)):
        if isinstance(value, types):
            return kind
    return type(value).__name__


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and writes ``get_lr()`` into the groups.

    Construction takes the first step (to epoch 0), and records each group's starting rate as
    ``group["initial_lr"]`` (kept if already there), which ``base_lrs`` holds. A subclass sets
    its attributes, calls ``self._check()`` (which validates them, for the constructor and for
    ``load_state_dict`` alike), then ``super().__init__(optimizer)``, and implements ``get_lr``.
    """

    _optional_state = ()  # attributes that may be None in one state and a number in another

    def __init__(self, optimizer):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self._step_count = 0
        self.step()

    def get_lr(self):
        """The rates for epoch ``last_epoch``, one per parameter group."""
        raise NotImplementedError

    def step(self):
        """Advance one epoch (or batch) and set every group's rate for it.

        Call it after ``optimizer.step()``: the first call made before the optimizer ever
        stepped warns (once), since in that order the schedule's first rate is never used.
        """
        if self._step_count == 1 and getattr(self.optimizer, "_step_count", 1) == 0:
            warnings.warn(
                f"Detected call of `{type(self).__name__}.step()` (the scheduler) before "
                f"`{type(self.optimizer).__name__}.step()` (the optimizer). Call "
                "`optimizer.step()` first and `scheduler.step()` after it; in the other order "
                "the first learning rate of the schedule is skipped.", UserWarning, stacklevel=2)
        self.last_epoch += 1
        try:
            lrs = self.get_lr()
        except Exception:
            self.last_epoch -= 1  # a refused step changes nothing
            raise
        self._step_count += 1
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self):
        """Every attribute but the optimizer, as a plain structure (see ``nn.optim.plain``)."""
        return plain({key: value for key, value in vars(self).items() if key != "optimizer"},
                     f"{type(self).__name__} state")

    def load_state_dict(self, state_dict):
        """Load what ``state_dict()`` returned (or its JSON-like copy).

        The state must have exactly this scheduler's entries, each of the same kind, and pass
        the constructor's checks; otherwise TypeError or ValueError, and nothing changes.
        """
        name = type(self).__name__
        check_dict(state_dict, f"a {name} state dict")
        current = {key: value for key, value in vars(self).items() if key != "optimizer"}
        missing = sorted(set(current) - set(state_dict))
        unknown = sorted(set(map(str, state_dict)) - set(current))
        if missing or unknown:
            raise ValueError(f"{name} state dict mismatch: missing entries {missing}, "
                             f"unknown entries {unknown}")
        loaded = plain(state_dict, f"{name} state")
        for key, value in loaded.items():
            old, new = _kind(current[key]), _kind(value)
            if old != new and not (key in self._optional_state and "None" in (old, new)):
                raise TypeError(f"{name} state entry {key!r} must be {old}, not {new}")
        vars(self).update(loaded)
        try:
            self._check()
            self._check_common()
        except (TypeError, ValueError):
            vars(self).update(current)
            raise

    def _check(self):
        """Validate the subclass's own attributes (raise TypeError or ValueError)."""

    def _check_common(self):
        groups = len(self.optimizer.param_groups)
        for key in ("base_lrs", "_last_lr", "min_lrs"):
            values = getattr(self, key, None)
            if values is None:
                continue
            if len(values) != groups:
                raise ValueError(f"{type(self).__name__} state entry {key!r} has {len(values)} "
                                 f"values, the optimizer has {groups} parameter groups")
            for value in values:
                check_number(value, f"each of {key!r}")
        self.last_epoch = check_integer(self.last_epoch, "last_epoch", low=-1)
        if hasattr(self, "_step_count"):
            self._step_count = check_integer(self._step_count, "_step_count")
