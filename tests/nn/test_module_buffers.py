"""Module buffers and state_dict: register_buffer, buffers(), shared entries under each name."""
import numpy as np
import pytest

import nn
from autograd import Tensor


class Stats(nn.Module):
    """A layer with a parameter, two float buffers, an int counter and a non-persistent one."""

    def __init__(self, n=3):
        self.weight = nn.Parameter(np.ones(n))
        self.register_buffer("running_mean", np.zeros(n))
        self.register_buffer("running_var", np.ones(n))
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        self.register_buffer("scratch", np.zeros(2), persistent=False)

    def forward(self, x):
        self.num_batches_tracked += 1
        return (x - self.running_mean) * self.weight


def net():
    return nn.Sequential(nn.Linear(3, 3, rng=0), Stats())


def test_a_buffer_is_an_attribute_listed_by_buffers_and_kept_as_is():
    array = np.zeros(3)
    layer = Stats()
    layer.register_buffer("extra", array)
    assert layer.extra is array
    assert [name for name, _ in layer.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked", "scratch", "extra"]
    assert list(layer.buffers())[0] is layer.running_mean
    assert [name for name, _ in layer.named_parameters()] == ["weight"]  # not a parameter
    model = net()
    assert [name for name, _ in model.named_buffers()][:2] == ["1.running_mean",
                                                               "1.running_var"]


def test_in_place_updates_and_reassignment_keep_the_buffer_registered():
    layer = Stats()
    layer(Tensor(np.ones(3)))
    layer(Tensor(np.ones(3)))
    assert layer.state_dict()["num_batches_tracked"] == 2
    layer.running_mean = np.full(3, 5.0)  # assigning an array replaces the buffer
    np.testing.assert_array_equal(dict(layer.named_buffers())["running_mean"], [5, 5, 5])
    layer.running_var = None  # a None buffer is kept but is not state
    assert "running_var" not in layer.state_dict()
    with pytest.raises(TypeError, match="numpy array"):
        layer.running_mean = "text"
    del layer.running_mean
    assert "running_mean" not in dict(layer.named_buffers())


def test_state_dict_orders_parameters_then_persistent_buffers_as_copies():
    model = net()
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.running_mean",
                           "1.running_var", "1.num_batches_tracked"]
    assert state["1.num_batches_tracked"].dtype == np.int64
    assert not np.shares_memory(state["1.running_mean"], model[1].running_mean)


def test_load_state_dict_copies_buffers_in_place():
    source, target = net(), net()
    source[1].running_mean[...] = [1.0, 2.0, 3.0]
    source[1].num_batches_tracked[...] = 7
    array = target[1].running_mean
    target.load_state_dict(source.state_dict())
    assert target[1].running_mean is array
    np.testing.assert_array_equal(array, [1.0, 2.0, 3.0])
    assert target[1].num_batches_tracked == 7


def test_load_state_dict_checks_buffers_first_and_changes_nothing_on_error():
    model = net()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    state = net().state_dict()
    state["0.weight"] += 1.0
    state["1.running_var"] = np.ones(4)  # after a valid parameter
    with pytest.raises(ValueError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "1.running_var" in message and "(4,)" in message and "(3,)" in message
    assert "buffer" in message
    del state["1.running_var"]
    with pytest.raises(KeyError, match="running_var"):
        model.load_state_dict(state)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_load_state_dict_write_to_a_saved_buffer_is_caught_by_backward():
    layer = Stats()
    x = Tensor(np.ones(3), requires_grad=True)
    loss = (x * Tensor(layer.running_var)).sum()  # the graph saves the buffer's array
    layer.load_state_dict({**layer.state_dict(), "running_var": np.full(3, 2.0)})
    with pytest.raises(RuntimeError):
        loss.backward()


@pytest.mark.parametrize("name, error", [("a.b", KeyError), ("", KeyError), (3, KeyError),
                                         ("weight", KeyError)])
def test_register_buffer_rejects_bad_names(name, error):
    with pytest.raises(error):
        Stats().register_buffer(name, np.zeros(1))


def test_register_buffer_rejects_tensors_and_non_numeric_values_with_the_remedy():
    with pytest.raises(TypeError, match=r"not a Tensor; pass tensor\.data"):
        Stats().register_buffer("t", Tensor(np.zeros(2)))
    with pytest.raises(TypeError, match="numeric numpy array"):
        Stats().register_buffer("s", object())
    layer = Stats()
    layer.register_buffer("listed", [1.0, 2.0])
    assert isinstance(layer.listed, np.ndarray)


# ---- shared entries ---------------------------------------------------------------------------
def test_a_shared_parameter_is_in_state_dict_under_both_names():
    first, second = nn.Linear(3, 3, rng=0), nn.Linear(3, 3, rng=1)
    second.weight = first.weight
    model = nn.Sequential(first, second)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    state = model.state_dict()
    np.testing.assert_array_equal(state["0.weight"], state["1.weight"])
    with pytest.raises(KeyError, match=r"1\.weight"):
        model.load_state_dict({k: v for k, v in state.items() if k != "1.weight"})


def test_a_shared_submodule_is_in_state_dict_under_every_name():
    shared = Stats()
    model = nn.Sequential(shared, nn.ReLU(), shared)
    keys = list(model.state_dict())
    assert keys == ["0.weight", "0.running_mean", "0.running_var", "0.num_batches_tracked",
                    "2.weight", "2.running_mean", "2.running_var", "2.num_batches_tracked"]
    assert len(list(model.buffers())) == 4  # each array once
    model.load_state_dict(model.state_dict())
