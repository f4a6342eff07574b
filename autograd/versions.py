"""Which buffers were updated in place, and when: the engine's check on saved values.

Every in-place update gets the next number of a global count, recorded against the array
that owns the memory (the root of numpy's ``.base`` chain), so views, reshapes and detached
aliases of one buffer share their history, as tensors sharing storage do in PyTorch. A node
records the count when it is created; if the count has moved on by its backward, the values
it reads are checked against this record.

The count and the record are shared by all threads; a lock makes each update atomic, so the
count never goes back and no update is lost (updates are rare next to ops: it costs nothing).
"""
import threading
import weakref

import numpy as np

from .grad_mode import _Mode

_last_update = {}  # id(owning array) -> the count of its last in-place update
_lock = threading.RLock()  # re-entrant: a finalizer run by the GC inside may update too


def owner(array):
    """The ndarray that owns ``array``'s memory."""
    base = array.base
    while isinstance(base, np.ndarray):
        array, base = base, base.base
    return array


def record_update(array):
    """Note that ``array`` (or a view of it) was just written in place; return the new count."""
    root = owner(array)
    key = id(root)
    with _lock:
        count = _Mode.inplace_updates = _Mode.inplace_updates + 1
        if key not in _last_update:
            weakref.finalize(root, _last_update.pop, key, None)  # forget it with the buffer
        _last_update[key] = count
    return count


def updated_after(array, count):
    """True when ``array``'s memory was written in place after the global count ``count``."""
    return isinstance(array, np.ndarray) and _last_update.get(id(owner(array)), -1) > count
