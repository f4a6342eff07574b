"""Plain structures: what the optimizers' and schedulers' state dicts are made of.

A plain value is None, a bool, an int, a float, a str, a numpy array of numbers, a list of
plain values, or a dict with str keys and plain values: exactly what ``nn.save`` stores (the
arrays as arrays, the rest as a JSON header), so a checkpoint survives a save and a load.
"""
import numbers

import numpy as np

PLAIN_TYPES = ("None, bools, ints, floats, strings, numpy arrays of numbers, lists and "
               "dicts with string keys")


def plain(value, where):
    """A copy of ``value`` as a plain structure, or TypeError naming ``where``.

    Tuples become lists, numpy scalars Python numbers, and arrays are copied (so the result
    never shares memory with ``value``).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"{where} is an array of dtype {value.dtype}; "
                            "a state dict holds arrays of numbers only")
        return value.copy()
    if isinstance(value, (list, tuple)):
        return [plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        copied = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has the key {key!r} of type {type(key).__name__}; "
                                "a state dict's keys are strings")
            copied[key] = plain(item, f"{where}[{key!r}]")
        return copied
    raise TypeError(f"{where} is a {type(value).__name__}; a state dict holds only "
                    f"{PLAIN_TYPES}")


def check_dict(value, where):
    """Raise TypeError naming ``where`` unless ``value`` is a dict."""
    if not isinstance(value, dict):
        raise TypeError(f"{where} must be a dict, not {type(value).__name__}")


def check_list(value, where):
    """Raise TypeError naming ``where`` unless ``value`` is a list (or a tuple)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{where} must be a list, not {type(value).__name__}")


def as_count(value, where):
    """``value`` as a non-negative int (an integral float such as 3.0 is accepted)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where} must be a non-negative integer, not {type(value).__name__}")
    if not (value >= 0 and float(value).is_integer()):
        raise ValueError(f"{where} must be a non-negative integer, got {value!r}")
    return int(value)


def as_index(key, where):
    """A parameter index given as an int or as a decimal string such as ``"3"``."""
    if isinstance(key, str) and key.isdecimal():
        return int(key)
    if isinstance(key, numbers.Integral) and not isinstance(key, (bool, np.bool_)) and key >= 0:
        return int(key)
    raise ValueError(f"{where} holds {key!r}; parameter indices are non-negative integers "
                     "(as the keys of 'state', strings such as '0')")
