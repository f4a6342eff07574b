"""nn.save(model) records the architecture; nn.load_model rebuilds the model, running no code."""
import json
from fractions import Fraction

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import architecture, serialization

FORMATS = ["npz", "safetensors"]


def rng(seed=0):
    return np.random.default_rng(seed)


def snapshot(model):
    return {name: (p.dtype, p.shape, p.data.tobytes()) for name, p in model.named_parameters()}


def bag(**modules):
    """A plain nn.Module holding ``modules`` as attributes."""
    module = nn.Module()
    for name, child in modules.items():
        setattr(module, name, child)
    return module


def deep(seed=0):
    r = rng(seed)
    return nn.Sequential(
        nn.Sequential(nn.Linear(4, 6, rng=r), nn.Tanh()),
        nn.Dropout(p=0.25, rng=r),
        nn.Sequential(nn.Sequential(nn.Linear(6, 5, bias=False, rng=r), nn.Sigmoid()),
                      nn.Linear(5, 3, rng=r, dtype=np.float32)),
    )


def containers(seed=0):
    r = rng(seed)
    blocks = nn.ModuleList([nn.Linear(3, 3, rng=r) for _ in range(2)])
    blocks.append(nn.Sequential(nn.ReLU(), nn.ModuleDict({"out": nn.Linear(3, 1, rng=r)})))
    return nn.ModuleDict([("blocks", blocks), ("heads", nn.ModuleDict(
        {"cls": nn.Linear(3, 2, rng=r), "aux": nn.ModuleList()}))])


def convolutional(seed=0):
    r = rng(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=r), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 2, (3, 1), stride=(1, 2), bias=False, rng=r),
                         nn.AvgPool2d(2, stride=1), nn.Flatten(), nn.Linear(2, 3, rng=r))


MODELS = {
    "nested Sequential": deep,
    "ModuleList and ModuleDict": containers,
    "convolutional": convolutional,
    "Module holding Sequentials": lambda: bag(encoder=deep(1), head=nn.Sequential(nn.ReLU())),
    "single layer": lambda: nn.Linear(3, 2, rng=rng()),
    "numpy-typed sizes": lambda: nn.Linear(np.int64(3), np.int32(2), rng=rng()),
    "empty Sequential": nn.Sequential,
}


def assert_same_model(rebuilt, model):
    assert type(rebuilt) is type(model) and repr(rebuilt) == repr(model)
    assert snapshot(rebuilt) == snapshot(model)
    assert [(n, type(m)) for n, m in rebuilt.named_modules()] == \
           [(n, type(m)) for n, m in model.named_modules()]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", MODELS)
def test_load_model_rebuilds_the_model_with_its_weights(tmp_path, fmt, name):
    model = MODELS[name]()
    path = tmp_path / f"model.{fmt}"
    nn.save(model, path)
    rebuilt = nn.load_model(path)
    assert_same_model(rebuilt, model)
    if name == "nested Sequential":
        x = Tensor(rng(3).normal(size=(7, 4)))
        np.testing.assert_array_equal(rebuilt.eval()(x).data, model.eval()(x).data)
        assert rebuilt[2][1].weight.dtype == np.float32 and rebuilt[1].p == 0.25
    if name == "convolutional":
        x = Tensor(rng(3).normal(size=(2, 1, 8, 8)))
        np.testing.assert_array_equal(rebuilt(x).data, model(x).data)
    if name == "ModuleList and ModuleDict":
        assert list(rebuilt.keys()) == ["blocks", "heads"] and len(rebuilt["blocks"]) == 3
        assert type(rebuilt["heads"]["aux"]) is nn.ModuleList


def test_the_architecture_is_readable_json(tmp_path):
    nn.save(nn.Sequential(nn.Linear(4, 2, rng=rng()), nn.ReLU()), tmp_path / "m.npz")
    content, _ = serialization.read(tmp_path / "m.npz")
    assert content["architecture"] == {"module": {"class": "Sequential", "children": [
        ["0", {"class": "Linear", "args": {"in_features": 4, "out_features": 2}}],
        ["1", {"class": "ReLU"}]]}, "tied": []}


def test_a_model_cast_with_astype_comes_back_in_its_dtype(tmp_path):
    model = convolutional().astype(np.float32)
    nn.save(model, tmp_path / "m.safetensors")
    rebuilt = nn.load_model(tmp_path / "m.safetensors")
    assert {p.dtype for p in rebuilt.parameters()} == {np.dtype(np.float32)}
    assert snapshot(rebuilt) == snapshot(model)


def buffers(model):
    return {name: (b.dtype, b.shape, b.tobytes()) for name, b in model.named_buffers()}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_running_statistics_come_back_with_the_model(tmp_path, dtype):
    r = rng(4)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, rng=r), nn.BatchNorm2d(2), nn.Flatten(),
        nn.BatchNorm1d(8, momentum=None, affine=False), nn.LayerNorm(8, eps=1e-3),
        nn.BatchNorm1d(8, track_running_stats=False)).astype(dtype)
    for _ in range(2):  # training steps move the running statistics and count the batches
        model(Tensor(r.normal(size=(5, 1, 4, 4)).astype(dtype)))
    nn.save(model, tmp_path / "m.safetensors")
    rebuilt = nn.load_model(tmp_path / "m.safetensors")
    assert buffers(rebuilt) == buffers(model) and snapshot(rebuilt) == snapshot(model)
    assert int(rebuilt[1].num_batches_tracked) == 2 and rebuilt[1].running_mean.dtype == dtype
    assert rebuilt[3].momentum is None and rebuilt[5].running_mean is None
    x = Tensor(r.normal(size=(3, 1, 4, 4)).astype(dtype))
    np.testing.assert_array_equal(rebuilt.eval()(x).data, model.eval()(x).data)


def test_weights_converted_after_construction_keep_their_dtype(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2, rng=rng()))
    model[0].weight.data = model[0].weight.data.astype(np.float32)
    nn.save(model, tmp_path / "m.npz")
    rebuilt = nn.load_model(tmp_path / "m.npz")
    assert rebuilt[0].weight.dtype == np.float32 and rebuilt[0].bias.dtype == np.float64
    assert snapshot(rebuilt) == snapshot(model)


def test_a_shared_module_and_a_tied_parameter_stay_shared(tmp_path):
    block = nn.Linear(3, 3, rng=rng())
    head = nn.Linear(3, 3, rng=rng(1))
    head.weight = block.weight
    model = nn.Sequential(block, nn.Tanh(), block, head)
    nn.save(model, tmp_path / "m.npz")
    rebuilt = nn.load_model(tmp_path / "m.npz")
    assert rebuilt[0] is rebuilt[2] and rebuilt[3].weight is rebuilt[0].weight
    assert rebuilt[3].bias is not rebuilt[0].bias
    assert snapshot(rebuilt) == snapshot(model)
    x = Tensor(rng(2).normal(size=(2, 3)))
    np.testing.assert_array_equal(rebuilt(x).data, model(x).data)


def test_load_model_ignores_the_rng_and_draws_no_weights_of_its_own(tmp_path):
    nn.save(nn.Linear(2, 2, rng=rng(5)), tmp_path / "a.npz")
    content, _ = serialization.read(tmp_path / "a.npz")
    assert "rng" not in json.dumps(content["architecture"])
    first, second = nn.load_model(tmp_path / "a.npz"), nn.load_model(tmp_path / "a.npz")
    assert snapshot(first) == snapshot(second) == snapshot(nn.Linear(2, 2, rng=rng(5)))


# ---- what cannot be recorded: TypeError pointing to the state_dict ----------------------------
class Custom(nn.Module):
    def forward(self, x):
        return x


class CustomLinear(nn.Linear):
    pass


def changed_dropout():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    model[1].p = 0.1
    return model


def replaced_weight():
    model = nn.Sequential(nn.Linear(2, 2))
    model[0].weight = nn.Parameter(np.ones((2, 5)))
    return model


@pytest.mark.parametrize("make, words", [
    (Custom, ["Custom at the top", "custom Module subclass"]),
    (lambda: nn.Sequential(nn.Linear(2, 2), nn.Sequential(Custom())), ["Custom at '1.0'"]),
    (lambda: CustomLinear(2, 2), ["CustomLinear", "custom"]),
    (changed_dropout, ["Dropout at '1'", "p=0.1", "p=0.5"]),
    (replaced_weight, ["Linear at '0'", "(2, 5)"]),
    (lambda: nn.Dropout(Fraction(1, 2)), ["Dropout", "Fraction"]),
])
def test_what_cannot_be_rebuilt_is_refused_with_a_typeerror(tmp_path, make, words):
    model = make()
    path = tmp_path / "m.npz"
    with pytest.raises(TypeError) as error:
        nn.save(model, path)
    for word in words + ["nn.save(model.state_dict(), path)"]:
        assert word in str(error.value)
    assert not path.exists()
    nn.save(model.state_dict(), path)  # the remedy works
    assert sorted(nn.load(path)) == sorted(model.state_dict())


def test_only_nn_classes_keep_their_constructor_arguments():
    assert nn.Linear(2, 3).__dict__["_init_args"] == ((2, 3), {})
    assert "_init_args" not in Custom().__dict__


# ---- files that must not rebuild anything ------------------------------------------------------
def test_a_file_without_architecture_says_what_to_do(tmp_path):
    nn.save(nn.Linear(2, 2).state_dict(), tmp_path / "w.npz")
    with pytest.raises(ValueError, match=r"no architecture.*load_state_dict"):
        nn.load_model(tmp_path / "w.npz")


def write_architecture(path, module, tied=()):
    """A file whose architecture entry is ``module``, with a Linear(2, 2)'s weights."""
    state = nn.Linear(2, 2).state_dict()
    arrays = {}
    header = {"npgrad": 1, "tree": serialization.Packer(arrays).pack(state),
              "architecture": {"module": module, "tied": list(tied)}}
    serialization.FORMATS[".npz"][0](path, json.dumps(header), arrays)


LINEAR = {"class": "Linear", "args": {"in_features": 2, "out_features": 2}}


@pytest.mark.parametrize("module, tied, words", [
    ({"class": "os.system", "args": {"command": "touch marker"}}, [], "names no nn module"),
    ({"class": "Popen"}, [], "names no nn module"),
    ({"class": "Linear", "args": {"in_features": 2, "out_features": 2, "command": "x"}}, [],
     "takes no arguments"),
    ({"class": "Linear", "args": {"in_features": -2, "out_features": 2}}, [], "cannot build"),
    ({"class": "Linear", "args": {"in_features": 2}}, [], "cannot build"),
    ({"class": "Module", "children": [["forward", LINEAR]]}, [], "bad child name"),
    ({"class": "Module", "children": [["__class__", LINEAR]]}, [], "bad child name"),
    ({"same_as": ["0"]}, [], "does not exist"),
    (LINEAR, [[["forward"], ["weight"]]], "do not both exist"),
    ({"class": "Linear", "args": {"in_features": 2, "out_features": 3}}, [], "shape"),
])
def test_a_tampered_architecture_is_refused_and_runs_no_code(tmp_path, monkeypatch, module,
                                                              tied, words):
    monkeypatch.chdir(tmp_path)
    write_architecture(tmp_path / "m.npz", module, tied)
    with pytest.raises(ValueError, match=words):
        nn.load_model(tmp_path / "m.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_the_registry_holds_nn_public_module_classes_only():
    classes = architecture.registry()
    assert classes["Linear"] is nn.Linear and classes["Sequential"] is nn.Sequential
    assert all(cls.__module__.startswith("nn.") for cls in classes.values())
    assert "Custom" not in classes and "Parameter" not in classes
