"""Global switches of the engine: gradient recording and anomaly detection."""
import functools


class _Mode:
    """Module-level state, read on every op (a class attribute is the cheapest global to read)."""
    grad_enabled = True
    detect_anomaly = False
    inplace_updates = 0  # a global count of in-place updates, stamped on nodes and tensors


def is_grad_enabled():
    """True when ops record the graph for backward."""
    return _Mode.grad_enabled


class _GradModeSwitch:
    """Context manager and decorator that sets gradient recording and restores it on exit."""
    enabled = True

    def __enter__(self):
        self._previous = _Mode.grad_enabled
        _Mode.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc_info):
        _Mode.grad_enabled = self._previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            with self.__class__():
                return function(*args, **kwargs)
        return wrapped


class no_grad(_GradModeSwitch):
    """Ops inside record nothing and return tensors with requires_grad=False.

    Use as ``with no_grad():`` or as a decorator, ``@no_grad()``.
    """
    enabled = False


class enable_grad(_GradModeSwitch):
    """Re-enables gradient recording, e.g. inside a ``no_grad()`` block."""
    enabled = True


class detect_anomaly:
    """Inside, any op whose output or gradient holds a NaN or inf raises FloatingPointError."""

    def __enter__(self):
        self._previous = _Mode.detect_anomaly
        _Mode.detect_anomaly = True
        return self

    def __exit__(self, *exc_info):
        _Mode.detect_anomaly = self._previous
        return False
