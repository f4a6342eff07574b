"""nn.data.batches."""
import numpy as np
import pytest

from nn.data import batches


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
