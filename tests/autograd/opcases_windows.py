"""Gradcheck cases for the sliding-window ops: windows (im2col) and its transpose col2im."""
import numpy as np
from hypothesis import strategies as st

from autograd.ops import col2im, windows
from autograd.ops.windows import output_size

from .opcases import Case, leaf
from .strategies import arrays


def window_geometry(data, pooling=False):
    """Leading axes (maybe empty), an (H, W) (often not square), and a kernel, stride and
    padding that fit it; for pooling, at most half a kernel of padding (no window all pad)."""
    # the engine's max refuses an empty input, even over non-empty axes
    lead = tuple(data.draw(st.lists(st.integers(int(pooling), 2), max_size=2),
                           label="leading axes"))
    kernel = tuple(data.draw(st.tuples(st.integers(1, 5), st.integers(1, 5)), label="kernel"))
    stride = tuple(data.draw(st.tuples(st.integers(1, 2), st.integers(1, 2)), label="stride"))
    padding = tuple(data.draw(st.tuples(st.integers(0, 2), st.integers(0, 2)), label="padding"))
    if pooling:
        padding = tuple(min(p, k // 2) for p, k in zip(padding, kernel))
    size = tuple(data.draw(st.integers(max(1, k - 2 * p), max(1, k - 2 * p) + 3),
                           label="image side") for k, p in zip(kernel, padding))
    return lead, size, kernel, stride, padding


def in_some_layout(data, array):
    """``array`` with its axes laid out in memory in a drawn order (channels last, say)."""
    order = data.draw(st.permutations(range(array.ndim)), label="memory order")
    return np.ascontiguousarray(array.transpose(order)).transpose(np.argsort(order))


def windows_case(data):
    lead, size, kernel, stride, padding = window_geometry(data)
    pad_value = data.draw(st.sampled_from([0.0, -1.5]), label="pad value")
    x = leaf(in_some_layout(data, data.draw(arrays(lead + size), label="x")))
    return Case(lambda x: windows(x, kernel, stride, padding, pad_value), [x])


def col2im_case(data):
    lead, size, kernel, stride, padding = window_geometry(data)
    out = tuple(output_size(n, k, s, p) for n, k, s, p in zip(size, kernel, stride, padding))
    cols = leaf(in_some_layout(data, data.draw(arrays(lead + out + kernel), label="windows")))
    return Case(lambda cols: col2im(cols, size, kernel, stride, padding), [cols])


def windows_max_case(data):
    # max pooling's shape: windows, then a max over each window (distinct values: no ties)
    lead, size, kernel, stride, padding = window_geometry(data, pooling=True)
    shape = lead + size
    x = leaf(0.1 * np.random.default_rng(data.draw(st.integers(0, 99), label="seed"))
             .permutation(int(np.prod(shape))).reshape(shape))
    return Case(lambda x: windows(x, kernel, stride, padding, -np.inf).max(axis=(-2, -1)), [x])


CASES = {
    "windows": windows_case,
    "col2im": col2im_case,
    "windows then max": windows_max_case,
}
