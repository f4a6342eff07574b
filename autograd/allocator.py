"""glibc's malloc, set for a graph that is built and freed at every training step.

A step allocates its activations and gradients afresh, and backward frees them with the graph.
glibc maps each block above its mmap threshold on its own, and hands the free top of its heap
back to the system once it passes the trim threshold; either way the next step's arrays land on
fresh pages, and the kernel faults in and zeroes every one of them. glibc raises both thresholds
by itself once it frees a large mapped block, but only to that block's size, so a step whose
arrays sum to more than twice its largest one is trimmed at every backward: the digits CNN
(W6) took 40,000 page faults per epoch, a fifth of its time, where the hand-written numpy
network, which keeps its last batch's arrays, took 1,000.

``tune_malloc`` sets the two thresholds where glibc's own rule would end up after freeing one
32 MB block, its ceiling on 64-bit systems: blocks under 32 MB come from the heap, and up to
64 MB of free heap stays with the process for the next step (held, never grown: a long run
reuses it). A process that sets glibc's malloc variables itself (``MALLOC_*_``, or a
``glibc.malloc`` entry in ``GLIBC_TUNABLES``) keeps its own settings; other C libraries (musl,
macOS, Windows) are left alone.
"""
import ctypes
import os

MMAP_THRESHOLD = 32 << 20  # glibc's ceiling for its dynamic threshold (HEAP_MAX_SIZE / 2)
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc pairs with it
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
_USER_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_",
                  "MALLOC_MMAP_MAX_")


def _glibc():
    """The C library of this process if it is glibc, else None."""
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # glibc's own: musl's mallopt does nothing
        return libc
    except (OSError, AttributeError, TypeError):  # TypeError: no CDLL(None) on Windows
        return None


def user_set_malloc(environ=os.environ):
    """True when the environment already chooses glibc's malloc settings."""
    return (any(name in environ for name in _USER_SETTINGS)
            or "glibc.malloc." in environ.get("GLIBC_TUNABLES", ""))


def tune_malloc():
    """Set glibc's mmap and trim thresholds (see above); True if they were set."""
    libc = _glibc()
    if libc is None or user_set_malloc():
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


TUNED = tune_malloc()
