"""The one place that turns an ``rng=`` argument into a ``numpy.random.Generator``."""
import numbers

import numpy as np


def as_generator(rng, name="rng"):
    """A Generator passes through; an int seed gives ``np.random.default_rng(seed)``; None a
    fresh, OS-seeded generator. Anything else is a TypeError that says what to pass."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{name}={rng}: a seed must be a non-negative int")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{name} must be a numpy.random.Generator, an int seed or None, not "
                    f"{type(rng).__name__} ({rng!r}); for example {name}=0 or "
                    f"{name}=np.random.default_rng(0)")
