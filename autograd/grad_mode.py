"""The engine's switches: gradient recording and anomaly detection, each thread its own.

Both modes live in one tuple per thread, ``_thread.modes == (grad_enabled, detect_anomaly)``.
A thread starts with the class default, ``_DEFAULT_MODES`` (gradients recorded, no anomaly
detection), whatever mode the thread that started it was in (as in PyTorch).

The per-op hot path (``ops.base.apply``) reads the thread-local attribute only while some
thread is off the default: ``_off_default`` holds the idents of those threads. Each thread
adds and discards only its own ident (set operations are atomic), adding it before it leaves
the default, so an empty set always means the reading thread is on the default. A thread that
ends inside a ``no_grad()`` it never exited stays in the set: ops elsewhere then take the
slower, still exact, path. The clock of nodes and in-place updates is process-wide.
"""
import functools
import inspect
import itertools
import threading


class _Mode:
    """Process-wide state, read on every backward."""
    last_update = 0  # the stamp of the latest in-place update


# One clock stamps every recorded node and every in-place update (next() is atomic): a node's
# stamp is later than its inputs' nodes', and an update stamped later than a node came after it.
clock = itertools.count(1)


_DEFAULT_MODES = (True, False)  # (grad_enabled, detect_anomaly)
_GRAD, _ANOMALY = 0, 1  # positions in the modes


class _ThreadModes(threading.local):
    """Per-thread modes; the class attribute is every new thread's starting value."""
    modes = _DEFAULT_MODES


_thread = _ThreadModes()
_off_default = set()  # idents of the threads whose modes are not the default (never rebound)


def is_grad_enabled():
    """True when ops in the calling thread record the graph for backward."""
    return _thread.modes[_GRAD]


def is_anomaly_enabled():
    """True when the calling thread is inside ``detect_anomaly()``."""
    return _thread.modes[_ANOMALY]


def _set(position, flag):
    """Set one of the calling thread's modes; returns the previous one."""
    previous = _thread.modes
    modes = (flag, previous[1]) if position == _GRAD else (previous[0], flag)
    if modes == _DEFAULT_MODES:
        _thread.modes = _DEFAULT_MODES
        _off_default.discard(threading.get_ident())
    else:
        _off_default.add(threading.get_ident())
        _thread.modes = modes
    return previous[position]


def _restore_defaults():
    """Put the calling thread back on the default modes (for test fixtures)."""
    _set(_GRAD, True)
    _set(_ANOMALY, False)


class _ModeSwitch:
    """Context manager and decorator that sets one mode of the calling thread for its body.

    As a decorator it works bare (``@no_grad``) and called (``@no_grad()``). On a generator
    function the mode holds inside the generator's body at every resumption, and the
    caller's mode is back in force whenever the generator is suspended. The previous mode
    is restored on exit, also when the body raises.
    """
    position = _GRAD
    flag = True

    def __new__(cls, function=None):
        self = super().__new__(cls)
        if function is None:
            return self
        if not callable(function):
            raise TypeError(f"{cls.__name__}() takes no arguments, or a function to decorate "
                            f"when used bare as @{cls.__name__}; got {type(function).__name__}")
        return self(function)

    def __init__(self, function=None):
        # thread id -> the modes to restore, innermost last: one instance may be entered again
        # before it exits, in this thread or another
        self._previous = {}

    def __enter__(self):
        previous = _set(self.position, self.flag)
        self._previous.setdefault(threading.get_ident(), []).append(previous)
        return self

    def __exit__(self, *exc_info):
        key = threading.get_ident()
        stack = self._previous[key]
        _set(self.position, stack.pop())
        if not stack:
            del self._previous[key]
        return False

    def __call__(self, function):
        switch = type(self)
        if inspect.isgeneratorfunction(function):
            return _wrap_generator(switch, function)

        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            with switch():  # a fresh switch per call: calls may run in several threads
                return function(*args, **kwargs)
        return wrapped


def _wrap_generator(switch, function):
    """A generator function that runs every step of ``function``'s body under ``switch()``."""
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        generator = function(*args, **kwargs)
        try:
            with switch():
                value = generator.send(None)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    with switch():
                        generator.close()
                    raise
                except BaseException as error:
                    with switch():
                        value = generator.throw(error)
                else:
                    with switch():
                        value = generator.send(sent)
        except StopIteration as stop:
            return stop.value
    return wrapped


class no_grad(_ModeSwitch):
    """Ops inside record nothing and return tensors with requires_grad=False (this thread only).

    Use as ``with no_grad():`` or as a decorator, ``@no_grad()`` or ``@no_grad``.
    """
    position, flag = _GRAD, False


class enable_grad(_ModeSwitch):
    """Re-enables gradient recording in this thread, e.g. inside a ``no_grad()`` block."""
    position, flag = _GRAD, True


class detect_anomaly(_ModeSwitch):
    """Inside (in this thread), any op whose output or gradient holds a NaN or inf raises
    FloatingPointError. A context manager; also a decorator like ``no_grad``."""
    position, flag = _ANOMALY, True
