"""nn.data.batches."""
import numpy as np
import pytest

from nn.data import batches, random_shift


def dataset(n, features=3):
    """Row i of X holds i in every column, so a batch shows which rows it took."""
    X = np.repeat(np.arange(n, dtype=np.float64)[:, None], features, axis=1)
    y = np.arange(n) * 10
    return X, y


def test_covers_every_row_exactly_once_with_rows_paired():
    X, y = dataset(23)
    seen = []
    for X_batch, y_batch in batches(X, y, 5, rng=np.random.default_rng(0)):
        np.testing.assert_array_equal(y_batch, X_batch[:, 0].astype(int) * 10)
        seen.extend(X_batch[:, 0].astype(int))
    assert sorted(seen) == list(range(23))


def test_batch_sizes_with_a_smaller_last_batch():
    X, y = dataset(10)
    sizes = [len(xb) for xb, _ in batches(X, y, 4, rng=np.random.default_rng(0))]
    assert sizes == [4, 4, 2]
    sizes = [len(yb) for _, yb in batches(X, y, 5, shuffle=False)]
    assert sizes == [5, 5]
    assert [len(xb) for xb, _ in batches(X, y, 50)] == [10]


def test_shuffle_is_reproducible_with_the_same_rng_seed():
    X, y = dataset(50)

    def order(seed):
        return np.concatenate([yb for _, yb in batches(X, y, 8, rng=np.random.default_rng(seed))])

    np.testing.assert_array_equal(order(1), order(1))
    assert not np.array_equal(order(1), order(2))
    assert not np.array_equal(order(1), y)


def test_a_generator_shuffles_differently_each_epoch():
    X, y = dataset(50)
    rng = np.random.default_rng(0)
    first = np.concatenate([yb for _, yb in batches(X, y, 8, rng=rng)])
    second = np.concatenate([yb for _, yb in batches(X, y, 8, rng=rng)])
    assert not np.array_equal(first, second)


def test_without_shuffle_the_order_is_kept():
    X, y = dataset(7)
    pairs = list(batches(X, y, 3, shuffle=False))
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in pairs]), X)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in pairs]), y)


def test_accepts_lists():
    pairs = list(batches([[1.0], [2.0], [3.0]], [0, 1, 0], 2, shuffle=False))
    np.testing.assert_array_equal(pairs[0][0], [[1.0], [2.0]])
    np.testing.assert_array_equal(pairs[1][1], [0])


def test_mismatched_lengths_raise_valueerror_with_both():
    X, _ = dataset(5)
    with pytest.raises(ValueError, match=r"5.*4|4.*5"):
        list(batches(X, np.arange(4), 2))


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_invalid_batch_size_raises_valueerror(batch_size):
    X, y = dataset(5)
    with pytest.raises(ValueError, match="batch_size"):
        list(batches(X, y, batch_size))


def test_float_batch_size_raises_valueerror():
    X, y = dataset(5)
    with pytest.raises(ValueError, match="batch_size"):
        list(batches(X, y, 2.0))


def test_numpy_integer_batch_size_works():
    X, y = dataset(5)
    assert [len(xb) for xb, _ in batches(X, y, np.int64(2), shuffle=False)] == [2, 2, 1]


def test_batches_take_an_int_seed_and_refuse_other_rngs():
    X, y = dataset(20)

    def order(rng):
        return np.concatenate([yb for _, yb in batches(X, y, 8, rng=rng)])

    np.testing.assert_array_equal(order(3), order(np.random.default_rng(3)))
    with pytest.raises(TypeError, match="Generator, an int seed or None"):
        list(batches(X, y, 8, rng="seed"))


# ---- random_shift ---------------------------------------------------------------------------
def reference_shift(image, dy, dx, fill):
    """One (..., H, W) image moved by (dy, dx), written out pixel by pixel."""
    out = np.full_like(image, fill)
    height, width = image.shape[-2:]
    for i in range(height):
        for j in range(width):
            if 0 <= i - dy < height and 0 <= j - dx < width:
                out[..., i, j] = image[..., i - dy, j - dx]
    return out


@pytest.mark.parametrize("shape", [(6, 5, 7), (6, 3, 5, 4), (6, 2, 2, 4, 4)],
                         ids=["NHW", "NCHW", "N2CHW"])
@pytest.mark.parametrize("max_shift", [1, 2])
def test_random_shift_moves_each_image_by_one_offset_in_range(shape, max_shift):
    X = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    before = X.copy()
    out = random_shift(X, max_shift, rng=np.random.default_rng(1), fill=-9.0)
    assert out.shape == X.shape and out.dtype == X.dtype
    np.testing.assert_array_equal(X, before)  # the input is left alone
    offsets = range(-max_shift, max_shift + 1)
    for image, moved in zip(X, out):
        matches = [(dy, dx) for dy in offsets for dx in offsets
                   if np.array_equal(moved, reference_shift(image, dy, dx, -9.0))]
        assert len(matches) == 1, matches


def test_random_shift_draws_every_offset_about_equally():
    X = np.zeros((1800, 3, 3))
    X[:, 1, 1] = 1.0  # a single lit pixel shows where each image went
    out = random_shift(X, 1, rng=0)
    assert (out.reshape(len(X), 9).sum(axis=1) == 1).all()  # nothing fell out of view
    counts = np.bincount(out.reshape(len(X), 9).argmax(axis=1), minlength=9)
    assert counts.min() > 150 and counts.max() < 250, counts  # 200 expected each


def test_random_shift_is_reproducible_and_varies_with_the_rng():
    X = np.random.default_rng(0).normal(size=(40, 1, 8, 8))
    np.testing.assert_array_equal(random_shift(X, rng=5), random_shift(X, rng=5))
    assert not np.array_equal(random_shift(X, rng=5), random_shift(X, rng=6))
    rng = np.random.default_rng(5)
    assert not np.array_equal(random_shift(X, rng=rng), random_shift(X, rng=rng))


def test_random_shift_of_zero_or_of_no_images_is_a_copy():
    X = np.ones((4, 1, 3, 3))
    out = random_shift(X, 0, rng=0)
    np.testing.assert_array_equal(out, X)
    assert out is not X and not np.shares_memory(out, X)
    assert random_shift(np.ones((0, 2, 5, 5)), 1, rng=0).shape == (0, 2, 5, 5)


@pytest.mark.parametrize("X, max_shift, rng, error, words", [
    (np.ones((3, 8)), 1, 0, ValueError, "(N, H, W) or (N, C, H, W), got shape (3, 8)"),
    (np.ones((3, 8, 8)), -1, 0, ValueError, "non-negative integer (pixels), got -1"),
    (np.ones((3, 8, 8)), 1.5, 0, ValueError, "non-negative integer (pixels), got 1.5"),
    (np.ones((3, 8, 4)), 4, 0, ValueError, "smaller than 4"),
    (np.ones((3, 8, 8)), 1, np.random.RandomState(0), TypeError, "not RandomState"),
], ids=["2-d", "negative", "float", "too-far", "RandomState"])
def test_random_shift_refuses_bad_input(X, max_shift, rng, error, words):
    with pytest.raises(error) as info:
        random_shift(X, max_shift, rng=rng)
    assert words in str(info.value)
