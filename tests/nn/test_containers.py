"""nn.ModuleList and nn.ModuleDict: list and dict behaviour, and registration of their items."""
import numpy as np
import pytest

import nn
from autograd import Tensor


def linears(n, seed=0):
    rng = np.random.default_rng(seed)
    return [nn.Linear(2, 2, rng=rng) for _ in range(n)]


class Tower(nn.Module):
    """A custom module keeping its layers in a ModuleList and its heads in a ModuleDict."""

    def __init__(self):
        self.blocks = nn.ModuleList(linears(2))
        self.heads = nn.ModuleDict({"cls": nn.Linear(2, 3, rng=1), "reg": nn.Linear(2, 1, rng=2)})

    def forward(self, x):
        for block in self.blocks:
            x = block(x).relu()
        return self.heads["cls"](x), self.heads["reg"](x)


# ---- ModuleList -----------------------------------------------------------------------------
def test_modulelist_items_register_under_their_index():
    tower = Tower()
    assert list(tower.state_dict()) == [
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
        "heads.cls.weight", "heads.cls.bias", "heads.reg.weight", "heads.reg.bias"]
    assert len(list(tower.parameters())) == 8
    tower.eval()
    assert not tower.blocks[1].training and not tower.heads["reg"].training


def test_modulelist_behaves_as_a_list():
    a, b, c, d = linears(4)
    layers = nn.ModuleList([a, b])
    assert len(layers) == 2 and list(layers) == [a, b]
    assert layers[-1] is b and layers[0] is a
    layers.append(c)
    layers.extend([d])
    assert list(layers) == [a, b, c, d]
    assert isinstance(layers[1:3], nn.ModuleList) and list(layers[1:3]) == [b, c]
    layers[0] = d
    assert layers[0] is d and [n for n, _ in layers.named_parameters()][:2] == ["0.weight",
                                                                                   "0.bias"]
    del layers[0]
    assert list(layers) == [b, c, d]
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2"]  # renumbered
    layers.insert(1, a)
    assert list(layers) == [b, a, c, d]
    assert list(layers + nn.ModuleList([a])) == [b, a, c, d, a]
    assert list(nn.ModuleList()) == [] and len(nn.ModuleList()) == 0
    with pytest.raises(IndexError, match="out of range"):
        layers[4]


def test_modulelist_rejects_non_modules_before_changing_anything():
    a, b = linears(2)
    layers = nn.ModuleList([a])
    with pytest.raises(TypeError, match="item 1 is int"):
        nn.ModuleList([a, 3])
    with pytest.raises(TypeError, match="item 1 is str"):
        layers.extend([b, "x"])
    assert list(layers) == [a]
    with pytest.raises(TypeError, match="function"):
        layers.append(lambda x: x)
    with pytest.raises(TypeError):
        layers[0] = None


def test_modulelist_has_no_forward():
    with pytest.raises(NotImplementedError):
        nn.ModuleList(linears(1))(Tensor(np.ones((1, 2))))


def test_sequential_keeps_its_list_behaviour_and_still_imports_from_module():
    from nn.module import Sequential
    assert Sequential is nn.Sequential
    model = nn.Sequential(*linears(3))
    model.append(nn.ReLU())
    assert len(model) == 4 and isinstance(model[3], nn.ReLU)
    assert isinstance(model[:2], nn.Sequential)


# ---- ModuleDict -----------------------------------------------------------------------------
def test_moduledict_behaves_as_a_dict_in_insertion_order():
    a, b, c = linears(3)
    heads = nn.ModuleDict({"b": b, "a": a})
    assert list(heads) == ["b", "a"] and heads.keys() == ["b", "a"]
    assert heads.values() == [b, a] and heads.items() == [("b", b), ("a", a)]
    assert "a" in heads and "c" not in heads and len(heads) == 2
    heads["c"] = c
    heads.update([("a", c)])  # replacing keeps the key's position
    assert heads.keys() == ["b", "a", "c"] and heads["a"] is c
    assert [n for n, _ in heads.named_parameters()] == ["b.weight", "b.bias", "a.weight",
                                                       "a.bias"]  # c once: shared
    assert list(heads.state_dict())[-2:] == ["c.weight", "c.bias"]
    assert heads.pop("b") is b and heads.keys() == ["a", "c"]
    del heads["a"]
    assert heads.keys() == ["c"]
    with pytest.raises(KeyError):
        heads["missing"]
    with pytest.raises(KeyError):
        del heads["missing"]
    heads.clear()
    assert len(heads) == 0 and list(nn.ModuleDict()) == []


@pytest.mark.parametrize("key", ["a.b", "", 3, "training", "keys", "_modules"])
def test_moduledict_rejects_bad_keys(key):
    with pytest.raises(KeyError):
        nn.ModuleDict({key: nn.ReLU()})


def test_moduledict_rejects_non_modules_before_adding_any():
    heads = nn.ModuleDict()
    with pytest.raises(TypeError, match="'y' is int"):
        heads.update({"x": nn.ReLU(), "y": 1})
    with pytest.raises(KeyError, match="'a.b'"):
        heads.update({"x": nn.ReLU(), "a.b": nn.ReLU()})
    assert len(heads) == 0


def test_containers_train_end_to_end():
    tower = Tower()
    x = Tensor(np.random.default_rng(3).normal(size=(4, 2)))
    cls, reg = tower(x)
    (cls.sum() + reg.sum()).backward()
    assert all(p.grad is not None for p in tower.parameters())
    tower.zero_grad()
    assert all(p.grad is None for p in tower.parameters())
