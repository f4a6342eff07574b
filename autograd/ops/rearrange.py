"""Rearranging elements, with NumPy's signatures: swapaxes, moveaxis, ravel, split, flip, roll,
tile, repeat, pad.

``flip``, ``roll`` and constant ``pad`` are primitives whose rules undo them with the same NumPy
function (a NumPy function on a Tensor runs the op again, so the rules are differentiable);
the others are composites of reshape, transpose, broadcast_to and getitem and inherit their rules.
"""
import numpy as np

from .base import Op, apply, as_tensor
from .indexing import getitem
from .shape import broadcast_to, reshape, transpose

try:  # NumPy >= 2
    from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
except ImportError:  # pragma: no cover  (NumPy 1.26)
    from numpy.core.multiarray import normalize_axis_index
    from numpy.core.numeric import normalize_axis_tuple

__all__ = ["swapaxes", "moveaxis", "ravel", "split", "flip", "roll", "tile", "repeat", "pad"]


class Flip(Op):
    """flip(x, axes);  dx = flip(g, axes)."""
    __slots__ = ("axes",)
    name = "flip"
    reads_inputs = False

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return np.flip(x, self.axes)

    def backward(self, g, x):
        return np.flip(g, self.axes)

    def view_of(self, x):
        return np.flip(x, self.axes)


class Roll(Op):
    """roll(x, shift, axis);  dx = roll(g, -shift, axis)."""
    __slots__ = ("shift", "axis")
    name = "roll"
    reads_inputs = False

    def __init__(self, shift, axis):
        self.shift, self.axis = shift, axis

    def forward(self, x):
        return np.roll(x, self.shift, self.axis)

    def backward(self, g, x):
        return np.roll(g, tuple(-s for s in self.shift), self.axis)


class Pad(Op):
    """pad(x, widths, constant_values=c);  dx = g with the padding cut off."""
    __slots__ = ("widths", "constant_values")
    name = "pad"
    reads_inputs = False

    def __init__(self, widths, constant_values):
        self.widths, self.constant_values = widths, constant_values

    def forward(self, x):
        return np.pad(x, self.widths, mode="constant", constant_values=self.constant_values)

    def backward(self, g, x):
        return g[tuple(slice(before, before + n) for (before, _), n in zip(self.widths, x.shape))]


def swapaxes(a, axis1, axis2):
    """``a`` with axes ``axis1`` and ``axis2`` interchanged (a transpose)."""
    a = as_tensor(a)
    order = list(range(a.ndim))
    i = normalize_axis_index(axis1, a.ndim, "swapaxes axis1")
    j = normalize_axis_index(axis2, a.ndim, "swapaxes axis2")
    order[i], order[j] = order[j], order[i]
    return transpose(a, order)


def moveaxis(a, source, destination):
    """``a`` with the axes ``source`` moved to positions ``destination`` (a transpose)."""
    a = as_tensor(a)
    source = normalize_axis_tuple(source, a.ndim, "source")
    destination = normalize_axis_tuple(destination, a.ndim, "destination")
    if len(source) != len(destination):
        raise ValueError(f"moveaxis: source {source} and destination {destination} must name "
                         f"the same number of axes")
    order = [n for n in range(a.ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(a, order)


def ravel(a, order="C"):
    """``a`` as a 1-D tensor, read in C (row-major) or F (column-major) order."""
    a = as_tensor(a)
    if order == "F":
        return reshape(transpose(a), -1)
    if order != "C":
        raise ValueError(f"ravel supports order 'C' and 'F', got order={order!r}")
    return reshape(a, -1)


def split(ary, indices_or_sections, axis=0):
    """A list of tensors: ``ary`` cut along ``axis`` into equal sections or at indices."""
    ary = as_tensor(ary)
    axis = normalize_axis_index(axis, ary.ndim, "split axis")
    n = ary.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"split needs a positive number of sections, got {sections}")
        if n % sections:
            raise ValueError(f"split: an axis of size {n} does not divide into {sections} "
                             f"equal sections; pass split indices instead")
        bounds = [n // sections * i for i in range(sections + 1)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    before = (slice(None),) * axis
    return [getitem(ary, before + (slice(start, stop),))
            for start, stop in zip(bounds[:-1], bounds[1:])]


def flip(m, axis=None):
    """``m`` with the order of elements reversed along ``axis`` (None: every axis)."""
    m = as_tensor(m)
    axes = tuple(range(m.ndim)) if axis is None else normalize_axis_tuple(axis, m.ndim, "flip")
    return apply(Flip(axes), m)


def roll(a, shift, axis=None):
    """``a`` with elements shifted by ``shift`` along ``axis`` (None: over the flattened tensor)."""
    a = as_tensor(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), a.shape)
    try:
        shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    except ValueError:
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} must have the same length "
                         f"(or one of them be a single int)") from None
    if shifts.ndim > 1 or shifts.dtype.kind not in "iu" or axes.dtype.kind not in "iu":
        raise TypeError(f"roll: shift and axis must be ints or 1-D sequences of ints, got "
                        f"shift={shift!r}, axis={axis!r}")
    axes = tuple(normalize_axis_index(int(i), a.ndim, "roll axis") for i in axes.ravel())
    return apply(Roll(tuple(int(s) for s in shifts.ravel()), axes), a)


def tile(A, reps):
    """``A`` repeated ``reps`` times along each axis (reps padded with 1s to match ndims)."""
    A = as_tensor(A)
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative, got {reps}")
    ndim = max(len(reps), A.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - A.ndim) + A.shape
    # (s0, s1) -> (1, s0, 1, s1) -> (r0, s0, r1, s1) -> (r0 s0, r1 s1)
    interleaved = reshape(A, [d for n in shape for d in (1, n)])
    spread = broadcast_to(interleaved, [d for r, n in zip(reps, shape) for d in (r, n)])
    return reshape(spread, [r * n for r, n in zip(reps, shape)])


def repeat(a, repeats, axis=None):
    """Each element of ``a`` repeated ``repeats`` times (an int, or one count per element)
    along ``axis`` (None: over the flattened tensor)."""
    a = as_tensor(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim, "repeat axis")
    n = a.shape[axis]
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iub" or counts.ndim > 1:
        raise TypeError(f"repeat: repeats must be an int or a 1-D sequence of ints, "
                        f"got {repeats!r}")
    if (counts < 0).any():
        raise ValueError(f"repeat: repeats must be non-negative, got {repeats!r}")
    if counts.ndim == 0 or counts.shape == (1,):
        r = int(counts.reshape(()))
        # (.., n, ..) -> (.., n, 1, ..) -> (.., n, r, ..) -> (.., n r, ..)
        shape = a.shape[:axis + 1] + (1,) + a.shape[axis + 1:]
        spread = broadcast_to(reshape(a, shape), shape[:axis + 1] + (r,) + shape[axis + 2:])
        return reshape(spread, a.shape[:axis] + (n * r,) + a.shape[axis + 1:])
    if counts.shape != (n,):
        raise ValueError(f"repeat: {len(counts)} repeats given for an axis of size {n}")
    return getitem(a, (slice(None),) * axis + (np.repeat(np.arange(n), counts),))


PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad(array, pad_width, mode="constant", **kwargs):
    """``array`` padded by ``pad_width`` (an int, (before, after), or one pair per axis).

    ``mode`` is ``constant`` (``constant_values``: a number, (before, after) or a pair per
    axis), or ``edge``, ``reflect``, ``symmetric``, ``wrap`` (each a gather of the input's own
    elements, whose gradients add up).
    """
    array = as_tensor(array)
    if mode not in PAD_MODES:
        raise ValueError(f"pad supports the modes {PAD_MODES}, got mode={mode!r}")
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be integers, got {pad_width!r}")
    try:
        widths = np.broadcast_to(widths, (array.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape "
                         f"{array.shape}: give an int, (before, after), or one pair per "
                         f"axis") from None
    if (widths < 0).any():
        raise ValueError(f"pad: pad_width {pad_width!r} must be non-negative")
    widths = tuple((int(b), int(e)) for b, e in widths)
    if array.ndim == 0:  # nothing to pad, as in NumPy
        return reshape(array, ())
    allowed = {"constant_values"} if mode == "constant" else set()
    if set(kwargs) - allowed:
        raise TypeError(f"pad mode {mode!r} takes no keyword {sorted(set(kwargs) - allowed)}")
    if mode == "constant":
        return apply(Pad(widths, np.asarray(kwargs.get("constant_values", 0))), array)
    out = array
    for axis, (before, after) in enumerate(widths):
        if before or after:
            if array.shape[axis] == 0:
                raise ValueError(f"pad: cannot {mode}-pad the empty axis {axis} of shape "
                                 f"{array.shape}")
            # where each output position reads from: the same mode applied to the positions
            source = np.pad(np.arange(array.shape[axis]), (before, after), mode=mode, **kwargs)
            out = getitem(out, (slice(None),) * axis + (source,))
    return out
