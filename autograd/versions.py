"""Which buffers were updated in place, and when: the engine's check on saved values.

Every in-place update takes the next stamp of the clock that also stamps nodes
(``grad_mode.clock``), recorded against the array that owns the memory (the root of numpy's
``.base`` chain), so views, reshapes and detached aliases of one buffer share their history, as
tensors sharing storage do in PyTorch. If an update came after a node was stamped, the values
the node reads are checked against this record at its backward.

The record is shared by all threads; a lock makes each update atomic, so ``last_update`` never
goes back and no update is lost (updates are rare next to ops: it costs nothing).
"""
import threading
import weakref

import numpy as np

from .grad_mode import _Mode, clock

_last_update = {}  # id(owning array) -> the stamp of its last in-place update
_lock = threading.RLock()  # re-entrant: a finalizer run by the GC inside may update too


def owner(array):
    """The ndarray that owns ``array``'s memory."""
    base = array.base
    while isinstance(base, np.ndarray):
        array, base = base, base.base
    return array


def record_update(array):
    """Note that ``array`` (or a view of it) was just written in place; return its stamp."""
    with _lock:
        return _stamp(array)


def memory_keys(tensors):
    """The keys under which the memory of each of ``tensors``' data is recorded, for
    ``count_updates``: valid while those tensors keep those very arrays as data."""
    keys = []
    with _lock:
        for t in tensors:
            root = owner(t.data)
            key = id(root)
            if key not in _last_update:
                weakref.finalize(root, _last_update.pop, key, None)  # forget it with the buffer
                _last_update[key] = 0  # before every stamp: as if never updated
            keys.append(key)
    return keys


def count_updates(tensors, keys):
    """``t._version += 1`` for each of ``tensors``, whose data were each just written in place
    (an optimizer's step): one call and one lock for them all. ``keys`` are their memory's, as
    ``memory_keys`` gave them for these very arrays."""
    with _lock:
        stamp = _Mode.last_update = next(clock)  # one stamp for all: each was written before
        for t in tensors:
            t._updates = getattr(t, "_updates", 0) + 1
        _last_update.update(dict.fromkeys(keys, stamp))


def _stamp(array):
    """Record ``array``'s memory as updated now; the caller holds the lock."""
    root = array if array.base is None else owner(array)  # mostly the array itself
    key = id(root)
    stamp = _Mode.last_update = next(clock)  # under the lock: last_update never goes back
    if key not in _last_update:
        weakref.finalize(root, _last_update.pop, key, None)  # forget it with the buffer
    _last_update[key] = stamp
    return stamp


def updated_after(array, stamp):
    """True when ``array``'s memory was written in place after the stamp ``stamp``."""
    return isinstance(array, np.ndarray) and _last_update.get(id(owner(array)), -1) > stamp
