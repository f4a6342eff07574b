"""nn.random.as_generator: the one conversion behind every ``rng=`` argument."""
import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import functional as F
from nn import init
from nn.random import as_generator


def test_a_generator_passes_through_unchanged():
    rng = np.random.default_rng(3)
    assert as_generator(rng) is rng


@pytest.mark.parametrize("seed", [0, 42, np.int64(7)])
def test_an_int_seed_is_default_rng_of_that_seed(seed):
    np.testing.assert_array_equal(as_generator(seed).random(5),
                                  np.random.default_rng(int(seed)).random(5))


def test_none_gives_a_fresh_generator_each_time():
    first, second = as_generator(None), as_generator(None)
    assert isinstance(first, np.random.Generator) and first is not second
    assert not np.array_equal(first.random(8), second.random(8))


@pytest.mark.parametrize("bad", [1.5, "0", True, np.random.RandomState(0), [1, 2]])
def test_anything_else_is_a_typeerror_that_says_what_to_pass(bad):
    with pytest.raises(TypeError) as error:
        as_generator(bad)
    message = str(error.value)
    assert "rng" in message and "Generator" in message and "int seed" in message
    assert type(bad).__name__ in message


def test_a_negative_seed_is_a_valueerror_naming_it():
    with pytest.raises(ValueError, match=r"rng=-1.*non-negative"):
        as_generator(-1)


def test_linear_takes_an_int_seed_as_default_rng_of_it():
    # the example: this used to raise AttributeError
    assert np.array_equal(nn.Linear(2, 3, rng=42).weight.data,
                          nn.Linear(2, 3, rng=np.random.default_rng(42)).weight.data)
    with pytest.raises(TypeError, match="int seed"):
        nn.Linear(2, 3, rng="42")


def test_every_rng_argument_goes_through_as_generator():
    x = Tensor(np.ones((20, 5)))
    np.testing.assert_array_equal(F.dropout(x, 0.5, rng=1).data,
                                  F.dropout(x, 0.5, rng=np.random.default_rng(1)).data)
    np.testing.assert_array_equal(nn.Dropout(0.5, rng=1)(x).data,
                                  nn.Dropout(0.5, rng=np.random.default_rng(1))(x).data)
    w = nn.Parameter(np.zeros((4, 3)))
    expected = init.xavier_normal_(nn.Parameter(np.zeros((4, 3))),
                                   rng=np.random.default_rng(5)).data
    np.testing.assert_array_equal(init.xavier_normal_(w, rng=5).data, expected)
    X, y = np.arange(10.0)[:, None], np.arange(10)
    seeded = [b for _, b in nn.data.batches(X, y, 4, rng=9)]
    generated = [b for _, b in nn.data.batches(X, y, 4, rng=np.random.default_rng(9))]
    assert all(np.array_equal(a, b) for a, b in zip(seeded, generated))
    for call in (lambda: F.dropout(x, 0.5, rng=0.5), lambda: nn.Dropout(rng="x"),
                 lambda: init.normal_(w, rng=object()),
                 lambda: next(nn.data.batches(X, y, 4, rng=1.0))):
        with pytest.raises(TypeError, match="Generator"):
            call()
