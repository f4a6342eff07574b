"""Minibatches, and the augmentation of image batches."""
import numbers

import numpy as np

from .random import as_generator


def batches(X, y, batch_size, shuffle=True, rng=None):
    """Yield ``(X_batch, y_batch)`` pairs covering the data once; the last may be smaller."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} (shapes {X.shape}, {y.shape})")
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) \
            or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    order = np.arange(len(X))
    if shuffle:
        as_generator(rng).shuffle(order)
        for start in range(0, len(X), batch_size):
            index = order[start:start + batch_size]
            yield X[index], y[index]
    else:
        for start in range(0, len(X), batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]


def random_shift(X, max_shift=1, rng=None, fill=0.0):
    """Each image of ``X`` moved by its own random whole-pixel offset; a new array.

    ``X``: (N, H, W) or (N, ..., H, W), e.g. NCHW. Image ``n`` is moved down by ``dy[n]`` and
    right by ``dx[n]``, each drawn uniformly from ``-max_shift..max_shift`` (so with
    ``max_shift=1`` one of 9 offsets, the unmoved image included):
    ``out[n, ..., i, j] = X[n, ..., i - dy[n], j - dx[n]]``, and ``fill`` where that falls
    outside the image. Every channel of an image moves together. ``X`` is not modified; the
    dtype is kept. ``rng``: a Generator, an int seed or None.
    """
    X = np.asarray(X)
    rng = as_generator(rng)
    if X.ndim < 3:
        raise ValueError(f"random_shift takes a batch of images of shape (N, H, W) or "
                         f"(N, C, H, W), got shape {X.shape}; for one image use X[None]")
    if not isinstance(max_shift, numbers.Integral) or isinstance(max_shift, bool) \
            or max_shift < 0:
        raise ValueError(f"max_shift must be a non-negative integer (pixels), got {max_shift!r}")
    height, width = X.shape[-2:]
    if max_shift >= min(height, width):
        raise ValueError(f"max_shift {max_shift} would move images of {height}x{width} pixels "
                         f"out of view; it must be smaller than {min(height, width)}")
    if max_shift == 0 or len(X) == 0:
        return X.copy()
    offsets = rng.integers(-max_shift, max_shift + 1, size=(2, len(X)))
    images = X.reshape(len(X), -1, height, width)  # the channels (if any) as one axis
    pad = ((0, 0), (0, 0), (max_shift, max_shift), (max_shift, max_shift))
    padded = np.pad(images, pad, constant_values=np.asarray(fill, dtype=X.dtype))
    # output pixel i reads padded row i - dy + max_shift; likewise for columns
    rows = np.arange(height) - offsets[0][:, None] + max_shift
    cols = np.arange(width) - offsets[1][:, None] + max_shift
    moved = np.take_along_axis(padded, rows[:, None, :, None], axis=2)
    moved = np.take_along_axis(moved, cols[:, None, None, :], axis=3)
    return moved.reshape(X.shape)
