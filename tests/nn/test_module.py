"""nn.Module, nn.Parameter and nn.Sequential: registration, traversal, modes, state."""
import numpy as np
import pytest

import nn
from autograd import Tensor


class Block(nn.Module):
    """A module with a parameter of its own and two submodules, all set as attributes."""

    def __init__(self, rng):
        self.scale = nn.Parameter(np.ones(3))
        self.inner = nn.Linear(3, 4, rng=rng)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2, rng=rng))
        self.not_a_parameter = Tensor(np.zeros(3), requires_grad=True)
        self.constant = np.ones(5)

    def forward(self, x):
        return self.head(self.inner(x * self.scale))


def mlp(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(4, 5, rng=rng), nn.ReLU(), nn.Linear(5, 3, rng=rng))


def snapshot(model):
    """Every parameter's name, dtype, shape and raw bytes."""
    return {name: (p.dtype, p.shape, p.data.tobytes()) for name, p in model.named_parameters()}


# ---- Parameter ------------------------------------------------------------------------------
def test_parameter_requires_grad_and_copies_its_data():
    array = np.arange(6.0).reshape(2, 3)
    p = nn.Parameter(array)
    assert isinstance(p, Tensor)
    assert p.requires_grad and p.is_leaf and p.grad is None
    assert not np.shares_memory(p.data, array)
    array[0, 0] = 100.0
    assert p.data[0, 0] == 0.0
    np.testing.assert_array_equal(p.data.ravel(), np.r_[0.0:6.0])


def test_parameter_copies_a_tensor_and_keeps_float32():
    t = Tensor(np.ones(3, dtype=np.float32))
    p = nn.Parameter(t)
    assert p.dtype == np.float32
    assert not np.shares_memory(p.data, t.data)
    p.data[0] = 7.0
    assert t.data[0] == 1.0


def test_parameter_from_python_numbers_is_float64():
    assert nn.Parameter(3).dtype == np.float64
    assert nn.Parameter([1, 2]).dtype == np.float64


# ---- registration and traversal -----------------------------------------------------------
def test_attributes_register_parameters_and_submodules_in_order():
    block = Block(np.random.default_rng(0))
    names = [name for name, _ in block.named_parameters()]
    assert names == ["scale", "inner.weight", "inner.bias", "head.1.weight", "head.1.bias"]
    # a plain Tensor or array attribute is not a parameter
    assert all(p is not block.not_a_parameter for p in block.parameters())
    assert [type(c) for c in block.children()] == [nn.Linear, nn.Sequential]
    assert [type(m) for m in block.modules()] == [Block, nn.Linear, nn.Sequential, nn.ReLU,
                                                  nn.Linear]


def test_named_parameters_use_dotted_indices_in_sequential():
    model = mlp()
    named = dict(model.named_parameters())
    assert list(named) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert named["0.weight"] is model[0].weight
    assert named["2.bias"] is model[2].bias
    assert [p.shape for p in model.parameters()] == [(4, 5), (5,), (5, 3), (3,)]


def test_reassigning_or_deleting_an_attribute_unregisters_it():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    layer.extra = nn.Parameter(np.zeros(2))
    del layer.extra
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    block = Block(np.random.default_rng(0))
    block.inner = "replaced"
    assert [type(c) for c in block.children()] == [nn.Sequential]


def test_a_shared_parameter_is_listed_once():
    rng = np.random.default_rng(0)
    first, second = nn.Linear(3, 3, rng=rng), nn.Linear(3, 3, rng=rng)
    second.weight = first.weight
    model = nn.Sequential(first, second)
    params = list(model.parameters())
    assert len(params) == 3
    assert len({id(p) for p in params}) == 3


def test_a_shared_submodule_is_listed_once():
    shared = nn.Linear(2, 2, rng=np.random.default_rng(0))
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.modules())) == 3  # the Sequential, shared, the ReLU
    assert len(list(model.children())) == 2


def test_nested_sequentials_give_nested_dotted_names():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 3, rng=rng), nn.Tanh()),
                          nn.Linear(3, 1, bias=False, rng=rng))
    assert [name for name, _ in model.named_parameters()] == ["0.0.weight", "0.0.bias",
                                                              "1.weight"]
    assert list(model.state_dict()) == ["0.0.weight", "0.0.bias", "1.weight"]


def test_module_without_forward_raises():
    with pytest.raises(NotImplementedError):
        nn.Module()(Tensor(np.ones(2)))


def test_call_runs_forward():
    model = mlp()
    x = np.random.default_rng(1).normal(size=(6, 4))
    w1, b1, w2, b2 = (p.data for p in model.parameters())
    expected = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    np.testing.assert_allclose(model(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)


# ---- modes and gradients --------------------------------------------------------------------
def test_train_and_eval_propagate_to_every_submodule():
    block = Block(np.random.default_rng(0))
    assert block.training
    assert block.eval() is block
    assert [m.training for m in block.modules()] == [False] * 5
    assert block.train() is block
    assert [m.training for m in block.modules()] == [True] * 5
    block.train(False)
    assert not any(m.training for m in block.modules())


def test_eval_makes_dropout_the_identity_inside_a_network():
    model = nn.Sequential(nn.Dropout(0.5, rng=np.random.default_rng(0)))
    x = Tensor(np.ones((50, 4)))
    assert (model(x).data == 0).any()
    model.eval()
    np.testing.assert_array_equal(model(x).data, x.data)


def test_zero_grad_sets_every_grad_to_none():
    model = mlp()
    x = Tensor(np.random.default_rng(1).normal(size=(6, 4)))
    model(x).sum().backward()
    assert all(p.grad is not None and p.grad.any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_gradients_accumulate_until_zero_grad():
    model = mlp()
    x = Tensor(np.random.default_rng(1).normal(size=(6, 4)))
    model(x).sum().backward()
    first = [p.grad.copy() for p in model.parameters()]
    model(x).sum().backward()
    for p, g in zip(model.parameters(), first):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-12)


# ---- state_dict -----------------------------------------------------------------------------
def test_state_dict_holds_copies_under_dotted_names():
    model = mlp()
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for (name, p) in model.named_parameters():
        assert type(state[name]) is np.ndarray
        np.testing.assert_array_equal(state[name], p.data)
        assert not np.shares_memory(state[name], p.data)
    before = snapshot(model)
    for array in state.values():
        array[...] = 123.0
    assert snapshot(model) == before


def test_load_state_dict_copies_values_into_the_same_parameters():
    source, target = mlp(0), mlp(1)
    params_before = list(target.parameters())
    state = source.state_dict()
    target.load_state_dict(state)
    assert snapshot(target) == snapshot(source)
    assert all(a is b for a, b in zip(target.parameters(), params_before))
    # the loaded values are copies, not the state's arrays
    state["0.weight"][...] = 0.0
    assert target[0].weight.data.any()


def test_load_state_dict_accepts_tensors_and_keeps_the_parameter_dtype():
    model = nn.Sequential(nn.Linear(2, 2, rng=np.random.default_rng(0), dtype=np.float32))
    state = {"0.weight": Tensor(np.full((2, 2), 0.5)), "0.bias": np.array([1.0, 2.0])}
    model.load_state_dict(state)
    assert model[0].weight.dtype == np.float32
    np.testing.assert_array_equal(model[0].weight.data, np.full((2, 2), 0.5, np.float32))
    np.testing.assert_array_equal(model[0].bias.data, [1.0, 2.0])


def test_missing_key_raises_keyerror_naming_it_and_changes_nothing():
    model = mlp(0)
    state = mlp(1).state_dict()
    del state["2.bias"]
    before = snapshot(model)
    with pytest.raises(KeyError, match=r"2\.bias"):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_unexpected_key_raises_keyerror_naming_it_and_changes_nothing():
    model = mlp(0)
    state = mlp(1).state_dict()
    state["3.weight"] = np.zeros((3, 3))
    before = snapshot(model)
    with pytest.raises(KeyError, match=r"3\.weight"):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_shape_mismatch_raises_valueerror_naming_key_and_shapes_and_changes_nothing():
    model = mlp(0)
    state = mlp(1).state_dict()
    state["2.bias"] = np.zeros(4)  # the last key: everything before it is valid
    before = snapshot(model)
    with pytest.raises(ValueError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "2.bias" in message and "(4,)" in message and "(3,)" in message
    assert snapshot(model) == before


def test_non_numeric_value_raises_valueerror_and_changes_nothing():
    model = mlp(0)
    state = mlp(1).state_dict()
    state["2.bias"] = np.array(["a", "b", "c"])
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"2\.bias"):
        model.load_state_dict(state)
    assert snapshot(model) == before


def test_non_strict_ignores_unknown_and_missing_keys():
    model, source = mlp(0), mlp(1)
    state = source.state_dict()
    del state["0.bias"]
    state["extra.weight"] = np.ones((7, 7))
    before = snapshot(model)
    model.load_state_dict(state, strict=False)
    after = snapshot(model)
    assert after["0.bias"] == before["0.bias"]
    for name in ("0.weight", "2.weight", "2.bias"):
        assert after[name] == snapshot(source)[name]


def test_non_strict_still_checks_shapes_and_changes_nothing():
    model = mlp(0)
    state = mlp(1).state_dict()
    state["extra"] = np.ones(2)
    state["2.weight"] = np.zeros((3, 5))  # transposed
    before = snapshot(model)
    with pytest.raises(ValueError) as error:
        model.load_state_dict(state, strict=False)
    message = str(error.value)
    assert "2.weight" in message and "(3, 5)" in message and "(5, 3)" in message
    assert snapshot(model) == before


def test_load_state_dict_between_forward_and_backward_is_caught():
    model = mlp(0)
    loss = model(Tensor(np.ones((2, 4)), requires_grad=True)).sum()
    model.load_state_dict(mlp(1).state_dict())
    with pytest.raises(RuntimeError, match="linear"):
        loss.backward()


def test_state_dict_round_trip_through_load_changes_the_forward():
    x = Tensor(np.random.default_rng(2).normal(size=(3, 4)))
    source, target = mlp(0), mlp(1)
    assert not np.allclose(source(x).data, target(x).data)
    target.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(source(x).data, target(x).data)


# ---- Sequential -----------------------------------------------------------------------------
def test_sequential_indexing_len_and_iteration():
    model = mlp()
    layers = list(model)
    assert len(model) == 3 and len(layers) == 3
    assert isinstance(model[0], nn.Linear) and isinstance(model[1], nn.ReLU)
    assert model[-1] is layers[2] and model[0] is layers[0]
    with pytest.raises(IndexError):
        model[3]


def test_sequential_slice_is_a_sequential_of_the_same_modules():
    model = mlp()
    tail = model[1:]
    assert isinstance(tail, nn.Sequential)
    assert len(tail) == 2
    assert tail[0] is model[1] and tail[1] is model[2]
    x = Tensor(np.random.default_rng(0).normal(size=(2, 5)))
    np.testing.assert_array_equal(tail(x).data, model[2](model[1](x)).data)


def test_sequential_applies_modules_in_order():
    first = nn.Linear(2, 3, rng=np.random.default_rng(0))
    second = nn.Linear(3, 1, rng=np.random.default_rng(1))
    x = Tensor(np.array([[1.0, -2.0]]))
    np.testing.assert_allclose(nn.Sequential(first, nn.Tanh(), second)(x).data,
                               second(first(x).tanh()).data, rtol=0, atol=0)


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_empty_sequential_is_the_identity():
    x = Tensor(np.ones(3))
    assert len(nn.Sequential()) == 0
    assert nn.Sequential()(x) is x


# ---- requires_grad_, apply, astype, zero_grad(set_to_none=False) ------------------------------
def test_requires_grad_freezes_and_unfreezes_every_parameter():
    model = mlp()
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    assert not model(Tensor(np.ones((2, 4)))).requires_grad  # no graph to any parameter
    model[0].requires_grad_(True)
    assert [p.requires_grad for p in model.parameters()] == [True, True, False, False]


def test_apply_visits_children_before_the_module_and_returns_it():
    model = nn.Sequential(nn.Sequential(nn.ReLU()), nn.Tanh())
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited == ["ReLU", "Sequential", "Tanh", "Sequential"]
    model = mlp()
    model.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
    assert not model[0].bias.data.any() and not model[2].bias.data.any()


def test_astype_casts_every_parameter_grad_and_float_buffer_in_place():
    model = mlp()
    model.register_buffer("count", np.array(3, dtype=np.int64))
    model[0].register_buffer("mean", np.zeros(5))
    model(Tensor(np.ones((2, 4)))).sum().backward()
    params = list(model.parameters())
    assert model.astype(np.float32) is model
    assert all(a is b for a, b in zip(model.parameters(), params))  # the same objects
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in params)
    assert model[0].mean.dtype == np.float32
    assert model.count.dtype == np.int64  # a counter stays an integer
    assert model(Tensor(np.ones((2, 4), np.float32))).dtype == np.float32
    with pytest.raises(TypeError, match="floating dtype"):
        model.astype(np.int32)


def test_zero_grad_without_set_to_none_zeroes_the_same_arrays():
    model = mlp()
    model(Tensor(np.ones((2, 4)))).sum().backward()
    grads = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.any() for p, g in zip(model.parameters(), grads))
    model.zero_grad()
    model.zero_grad(set_to_none=False)  # None stays None
    assert all(p.grad is None for p in model.parameters())


def test_replacing_a_submodule_keeps_its_place_in_the_order():
    model = mlp()
    model[0] = nn.Linear(4, 5, rng=3)
    assert list(model.state_dict())[:2] == ["0.weight", "0.bias"]


# ---- a plain list of modules is not registered: say so ----------------------------------------
@pytest.mark.parametrize("holder, remedy", [(list, "ModuleList"), (tuple, "ModuleList"),
                                            (lambda ms: dict(enumerate(ms)), "ModuleDict")])
def test_a_plain_container_of_modules_warns_at_assignment_with_the_remedy(holder, remedy):
    class Net(nn.Module):
        def __init__(self):
            self.layers = holder([nn.Linear(2, 2, rng=0), nn.Linear(2, 2, rng=1)])

    with pytest.warns(UserWarning) as record:
        net = Net()
    message = str(record[0].message)
    assert "Net.layers" in message and "not registered" in message and remedy in message
    assert record[0].filename == __file__  # points at the user's assignment
    assert list(net.parameters()) == []


def test_a_plain_list_of_numbers_does_not_warn(recwarn):
    layer = nn.Linear(2, 2, rng=0)
    layer.sizes = [2, 3]
    layer.names = {"a": 1}
    assert len(recwarn) == 0
