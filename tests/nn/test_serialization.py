"""nn.save and nn.load: nested structures in .npz and .safetensors, atomic writes, no pickle."""
import inspect
import json
import os
import pickle
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import serialization

pytest.importorskip("safetensors")
import safetensors.numpy  # noqa: E402  (the safetensors extra, in the test extra)

FORMATS = ["npz", "safetensors"]


def touch(path):
    """What a malicious pickle would run: leave a marker file."""
    open(path, "w").close()


class Payload:
    """Unpickling this object runs ``touch(marker)``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return touch, (self.marker,)


def mlp(seed=0, hidden=5):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(4, hidden, rng=rng), nn.ReLU(), nn.Linear(hidden, 3, rng=rng))


def snapshot(model):
    return {name: (p.dtype, p.shape, p.data.tobytes()) for name, p in model.named_parameters()}


def assert_same(loaded, expected, where="top"):
    """Same structure, same types (Tensors come back as arrays), arrays bit for bit."""
    if isinstance(expected, Tensor):
        expected = expected.data
    if isinstance(expected, np.ndarray):
        assert type(loaded) is np.ndarray, where
        assert (loaded.dtype, loaded.shape) == (expected.dtype, expected.shape), where
        assert loaded.tobytes() == expected.tobytes(), where
        return
    assert type(loaded) is type(expected), f"{where}: {type(loaded)} != {type(expected)}"
    if isinstance(expected, dict):
        assert list(loaded) == list(expected), where
        for key in expected:
            assert_same(loaded[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, (list, tuple)):
        assert len(loaded) == len(expected), where
        for i, (a, b) in enumerate(zip(loaded, expected)):
            assert_same(a, b, f"{where}.{i}")
    elif isinstance(expected, float) and np.isnan(expected):
        assert np.isnan(loaded), where
    elif isinstance(expected, (float, np.floating)):
        assert np.asarray(loaded).tobytes() == np.asarray(expected).tobytes(), where  # -0.0
    else:
        assert loaded == expected, where


# ---- round trips ----------------------------------------------------------------------------
rng = np.random.default_rng(0)
ARRAYS = {
    "float64": rng.normal(size=(3, 4)),
    "float32": rng.normal(size=5).astype(np.float32),
    "float16": np.array([1.5, -2.0], dtype=np.float16),
    "specials": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308]),
    "int64": np.arange(-3, 3),
    "uint8": np.array([0, 255], dtype=np.uint8),
    "bool": np.array([True, False]),
    "scalar": np.array(2.5),
    "empty": np.zeros((0, 3)),
    "transposed": np.arange(6.0).reshape(2, 3).T,
    "layer.0.weight": rng.normal(size=(2, 2)),
}
CHECKPOINT = {
    "model": OrderedDict([("0.weight", rng.normal(size=(4, 2))), ("0.bias", np.zeros(2))]),
    "optimizer": {"state": {0: {"step": 3, "exp_avg": np.ones((4, 2))}, 1: {}},
                  "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "params": [0, 1],
                                    "amsgrad": False, "weight_decay": 0.0}]},
    "scheduler": {"last_epoch": 7, "base_lrs": [0.1], "_last_lr": [np.float64(0.01)]},
    "epoch": 7,
    "numbers": [0, -1, 2**70, 0.1, -0.0, float("inf"), float("-inf"), float("nan"), True, None],
    "strings": ["", "naïve ∂", '{"array": "x"}'],
    "tags that are data": {"array": "x", "tuple": [1], "dict": []},
    "nested": [[], {}, (), ((1, 2), [3.5]), OrderedDict(), {"deep": [{"deeper": (None,)}]}],
    "numpy scalars": [np.float32(1.5), np.int64(-2), np.bool_(True), np.uint8(7)],
    "tensors": [Tensor(np.arange(3.0), requires_grad=True), nn.Parameter(np.ones(2))],
    "dtypes": [np.dtype("float32"), np.float64],
}
STRUCTURES = {
    "state_dict": mlp().state_dict(),
    "dict of arrays": ARRAYS,
    "checkpoint": CHECKPOINT,
    "list": [np.ones(2), 3, "x"],
    "array": np.arange(4.0),
    "int": 5,
    "none": None,
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", STRUCTURES)
def test_every_structure_round_trips_with_its_types(tmp_path, fmt, name):
    obj = STRUCTURES[name]
    path = tmp_path / f"obj.{fmt}"
    nn.save(obj, path)
    loaded = nn.load(path)
    if name == "checkpoint":  # the two tensors come back as arrays, a scalar type as its dtype
        obj = dict(obj, dtypes=[np.dtype("float32"), np.dtype("float64")])
    assert_same(loaded, obj)


@pytest.mark.parametrize("fmt", FORMATS)
def test_module_round_trip_is_bit_exact(tmp_path, fmt):
    model = mlp(0)
    path = tmp_path / f"model.{fmt}"
    nn.save(model, path)
    state = nn.load(path)
    assert_same(state, model.state_dict())
    other = mlp(1)
    other.load_state_dict(state)
    assert snapshot(other) == snapshot(model)
    x = Tensor(np.random.default_rng(2).normal(size=(3, 4)))
    np.testing.assert_array_equal(other(x).data, model(x).data)


def test_an_optimizer_is_saved_as_its_state_dict(tmp_path):
    model = mlp()
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    nn.save(optimizer, tmp_path / "opt.npz")
    assert_same(nn.load(tmp_path / "opt.npz"), optimizer.state_dict())


# ---- what other programs read -----------------------------------------------------------------
def test_safetensors_file_is_read_by_the_safetensors_library(tmp_path):
    model = mlp()
    nn.save(model, tmp_path / "model.safetensors")
    weights = safetensors.numpy.load_file(tmp_path / "model.safetensors")
    assert_same(dict(sorted(weights.items())), dict(sorted(model.state_dict().items())))
    nn.save(CHECKPOINT, tmp_path / "checkpoint.safetensors")
    arrays = safetensors.numpy.load_file(tmp_path / "checkpoint.safetensors")
    np.testing.assert_array_equal(arrays["model.0.weight"], CHECKPOINT["model"]["0.weight"])
    np.testing.assert_array_equal(arrays["optimizer.state.0.exp_avg"], np.ones((4, 2)))


def test_safetensors_file_is_read_by_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file
    model = mlp()
    nn.save(model, tmp_path / "model.safetensors")
    weights = load_file(tmp_path / "model.safetensors")
    assert sorted(weights) == sorted(model.state_dict())
    for name, array in model.state_dict().items():
        assert torch.equal(weights[name], torch.from_numpy(array))


def test_npz_file_holds_the_arrays_by_name_and_no_pickle(tmp_path):
    path = tmp_path / "model.npz"
    nn.save(mlp(), path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["0.bias", "0.weight", "2.bias", "2.weight", "__npgrad__"]
        for key in archive.files:
            assert archive[key].dtype.kind in "fu"
        assert json.loads(archive["__npgrad__"].tobytes())["npgrad"] == 1


def test_keys_that_would_clash_with_npz_writer_arguments(tmp_path):
    arrays = {"file": np.ones(2), "allow_pickle": np.zeros(1), "__npgrad__": np.ones(1)}
    nn.save(arrays, tmp_path / "a.npz")
    assert_same(nn.load(tmp_path / "a.npz"), arrays)


@pytest.mark.parametrize("fmt", FORMATS)
def test_flat_files_of_earlier_npgrad_and_other_tools_load_as_dicts(tmp_path, fmt):
    arrays = {"0.weight": np.ones((2, 3)), "0.bias": np.arange(3.0)}
    path = tmp_path / f"flat.{fmt}"
    if fmt == "npz":
        with open(path, "wb") as f:
            np.savez(f, **arrays)  # what nn.save wrote before nested structures
    else:
        safetensors.numpy.save_file(arrays, path)
    assert_same(dict(sorted(nn.load(path).items())), dict(sorted(arrays.items())))


# ---- refusing what cannot be saved exactly ---------------------------------------------------
@pytest.mark.parametrize("obj, words", [
    ({"ok": np.ones(2), "a": np.array([{}], dtype=object)}, ["entry a", "object"]),
    ({"s": {1, 2}}, ["entry s", "set"]),
    ({1.5: 2}, ["1.5", "str or int"]),
    ({"m": nn.Linear(2, 2)}, ["entry m", "state_dict"]),
    ({"a": [np.array(["text"])]}, ["entry a.0", "<U4"]),
    (OrderedDict(x=[object()]), ["entry x.0", "a object"]),
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_unsavable_values_raise_typeerror_and_leave_the_old_file(tmp_path, obj, words, fmt):
    path = tmp_path / f"kept.{fmt}"
    nn.save({"old": np.ones(1)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError) as error:
        nn.save(obj, path)
    for word in words:
        assert word in str(error.value)
    assert path.read_bytes() == before and os.listdir(tmp_path) == [path.name]


def test_safetensors_refuses_a_dtype_it_does_not_hold(tmp_path):
    with pytest.raises(TypeError, match=r"complex128.*\.npz"):
        nn.save({"z": np.ones(2, dtype=complex)}, tmp_path / "z.safetensors")
    assert os.listdir(tmp_path) == []
    nn.save({"z": np.ones(2, dtype=complex)}, tmp_path / "z.npz")
    assert nn.load(tmp_path / "z.npz")["z"].dtype == complex


@pytest.mark.parametrize("call", [lambda p: nn.save({"a": np.ones(1)}, p), nn.load])
def test_an_unknown_extension_is_a_valueerror_naming_the_formats(tmp_path, call):
    with pytest.raises(ValueError, match=r"'\.pt'.*\.npz and \.safetensors"):
        call(tmp_path / "model.pt")
    assert os.listdir(tmp_path) == []


# ---- atomic writes ---------------------------------------------------------------------------
def fail_midway_npz(monkeypatch):
    """The .npz writer dies after writing its first array."""
    write_array, calls = np.lib.format.write_array, []

    def dying(*args, **kwargs):
        if calls:
            raise OSError("disk full")
        calls.append(1)
        write_array(*args, **kwargs)
    monkeypatch.setattr(np.lib.format, "write_array", dying)


def fail_midway_safetensors(monkeypatch):
    """The .safetensors writer writes half a file, then dies."""
    save_file = safetensors.numpy.save_file

    def dying(tensors, filename, metadata=None):
        save_file(tensors, filename, metadata)
        with open(filename, "r+b") as f:
            f.truncate(os.path.getsize(filename) // 2)
        raise OSError("disk full")
    monkeypatch.setattr(safetensors.numpy, "save_file", dying)


@pytest.mark.parametrize("fmt, fail", [("npz", fail_midway_npz),
                                       ("safetensors", fail_midway_safetensors)])
def test_a_save_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch,
                                                                       fmt, fail):
    path = tmp_path / f"model.{fmt}"
    old = mlp(0)
    nn.save(old, path)
    os.chmod(path, 0o640)
    fail(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        nn.save(mlp(1), path)
    assert os.listdir(tmp_path) == [path.name]
    assert_same(nn.load(path), old.state_dict())
    monkeypatch.undo()
    nn.save(mlp(1), path)  # the next save replaces it, keeping its mode
    assert_same(nn.load(path), mlp(1).state_dict())
    assert os.listdir(tmp_path) == [path.name] and os.stat(path).st_mode & 0o777 == 0o640


def test_saving_through_a_symlink_replaces_the_target(tmp_path):
    target, link = tmp_path / "real.npz", tmp_path / "link.npz"
    nn.save({"a": np.zeros(1)}, target)
    link.symlink_to(target)
    nn.save({"a": np.ones(1)}, link)
    assert link.is_symlink() and nn.load(target)["a"][0] == 1.0


# ---- refusing pickles: no code runs -----------------------------------------------------------
def write_npz_object_array(path, marker):
    with open(path, "wb") as f:
        np.savez(f, weights=np.ones(3), a=np.array([Payload(marker)], dtype=object))


def write_pickle(path, marker):
    path.write_bytes(pickle.dumps(Payload(marker)))


def write_npy_object_array(path, marker):
    with open(path, "wb") as f:
        np.save(f, np.array([Payload(marker)], dtype=object), allow_pickle=True)


def write_npz_pickle_member(path, marker):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights.npy", pickle.dumps(Payload(marker)))


def write_header_naming_a_pickle(path, marker):
    header = {"npgrad": 1, "tree": {"pickle": pickle.dumps(Payload(marker)).hex()}}
    nn.save({"a": np.ones(1)}, path)
    content, arrays = serialization.read(path)
    serialization.FORMATS[path.suffix][0](path, json.dumps(header), arrays)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("write", [write_npz_object_array, write_pickle, write_npy_object_array,
                                   write_npz_pickle_member, write_header_naming_a_pickle])
def test_pickled_payloads_are_refused_without_running_code(tmp_path, fmt, write):
    marker = tmp_path / "marker"
    path = tmp_path / f"evil.{fmt}"
    write(path, marker)
    assert path.stat().st_size > 0
    with pytest.raises(ValueError):
        nn.load(path)
    with pytest.raises(ValueError):
        nn.load_model(path)
    assert not marker.exists()


def test_the_payload_is_live(tmp_path):
    """The refused files above do run code when unpickled: the marker works."""
    marker, path = tmp_path / "marker", tmp_path / "evil.npz"
    write_npz_object_array(path, marker)
    with np.load(path, allow_pickle=True) as archive:
        archive["a"]
    assert marker.exists()


# ---- corrupt files ----------------------------------------------------------------------------
def damage(data, fmt):
    if fmt == "npz":
        data = bytearray(data)
        for i in range(200, 208):  # inside the first member's bytes: its CRC no longer holds
            data[i] ^= 0xFF
        return bytes(data)
    return b"\xff" * 8 + data[8:]  # a header length beyond the end of the file


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("corrupt", [
    lambda data, fmt: np.random.default_rng(0).bytes(500),
    lambda data, fmt: b"",
    lambda data, fmt: data[: len(data) // 2],
    damage,
])
def test_corrupt_files_are_refused_with_valueerror(tmp_path, fmt, corrupt):
    good = tmp_path / f"good.{fmt}"
    nn.save(mlp(), good)
    path = tmp_path / f"bad.{fmt}"
    path.write_bytes(corrupt(good.read_bytes(), fmt))
    with pytest.raises(ValueError, match="cannot read"):
        nn.load(path)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("tree, words", [
    ({"array": "missing"}, "missing"),
    ({"odict": [["a", {"array": "a"}]]}, "does not mention"),  # "b" is left over
    ({"tuple": [1], "dict": []}, "unknown entry"),
    ({"eval": "__import__('os')"}, "unknown entry"),
    ({"dtype": "O"}, "not numeric"),
    ({"scalar": "a"}, "shape"),
    ({"odict": [["a", {"array": "a"}], ["b", {"array": "a"}]]}, "two places"),
])
def test_a_tampered_header_is_refused(tmp_path, fmt, tree, words):
    path = tmp_path / f"t.{fmt}"
    arrays = {"a": np.ones(2), "b": np.ones(1)}
    serialization.FORMATS["." + fmt][0](path, json.dumps({"npgrad": 1, "tree": tree}), arrays)
    with pytest.raises(ValueError, match=words):
        nn.load(path)


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nothing.npz")
    with pytest.raises(FileNotFoundError, match="no folder"):
        nn.save({"a": 1}, tmp_path / "missing" / "a.npz")


def test_a_dtype_numpy_lacks_is_a_valueerror(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file
    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.safetensors")
    with pytest.raises(ValueError, match="bfloat16"):
        nn.load(tmp_path / "bf16.safetensors")


# ---- loading a bad file into a model changes nothing ------------------------------------------
@pytest.mark.parametrize("edit, error, words", [
    (lambda state: state.update({"0.weight": np.ones((4, 6))}), ValueError, r"0\.weight.*\(4, 6\)"),
    (lambda state: state.pop("2.weight"), KeyError, r"2\.weight"),
    (lambda state: state.update({"4.weight": np.ones((3, 3))}), KeyError, r"4\.weight"),
    (lambda state: state.update({"2.bias": np.ones(4)}), ValueError, r"2\.bias"),
])
@pytest.mark.parametrize("strict", [True, False])
def test_a_bad_file_leaves_the_model_exactly_as_it_was(tmp_path, edit, error, words, strict):
    state = mlp(1).state_dict()
    edit(state)
    path = tmp_path / "bad.npz"
    nn.save(state, path)
    model = mlp(0)
    before = snapshot(model)
    if error is KeyError and not strict:  # unknown or missing keys are ignored, the rest loads
        model.load_state_dict(nn.load(path), strict=False)
        for name, parameter in model.named_parameters():
            expected = state[name] if name in state else np.frombuffer(before[name][2])
            assert parameter.data.tobytes() == expected.tobytes()
    else:
        with pytest.raises(error, match=words):
            model.load_state_dict(nn.load(path), strict=strict)
        assert snapshot(model) == before


# ---- a checkpoint resumes training bit for bit -------------------------------------------------
def optimizer_and_scheduler(name):
    """Build the named pair for a model, or skip if this checkout's nn.optim lacks it."""
    optim = nn.optim
    schedulers = optim.lr_scheduler
    pairs = {
        "Adam, StepLR": ("Adam", dict(lr=0.01), "StepLR", dict(step_size=3, gamma=0.5)),
        "SGD nesterov, CosineAnnealingLR": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True),
                                            "CosineAnnealingLR", dict(T_max=10)),
        "RMSprop, ExponentialLR": ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True),
                                   "ExponentialLR", dict(gamma=0.9)),
        "Adam amsgrad, OneCycleLR": ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=1e-3),
                                     "OneCycleLR", dict(max_lr=0.05, total_steps=30)),
        "Adagrad, ReduceLROnPlateau": ("Adagrad", dict(lr=0.1), "ReduceLROnPlateau",
                                       dict(factor=0.5, patience=0)),
    }
    optimizer, options, scheduler, settings = pairs[name]

    for owner, name, names in ((optim, optimizer, options), (schedulers, scheduler, settings)):
        cls = getattr(owner, name, None)
        if cls is None or not set(names) <= set(inspect.signature(cls).parameters):
            pytest.skip(f"this checkout's nn.optim has no {name}({', '.join(names)})")

    def build(model):
        opt = getattr(optim, optimizer)(model.parameters(), **options)
        return opt, getattr(schedulers, scheduler)(opt, **settings)
    return build


RESUMES = ["Adam, StepLR", "SGD nesterov, CosineAnnealingLR", "RMSprop, ExponentialLR",
           "Adam amsgrad, OneCycleLR", "Adagrad, ReduceLROnPlateau"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("pair", RESUMES)
def test_a_checkpoint_through_a_file_resumes_training_bit_for_bit(tmp_path, fmt, pair):
    from nn import functional as F
    data = np.random.default_rng(5)
    X, y = data.standard_normal((24, 4)), data.integers(0, 3, 24)
    build = optimizer_and_scheduler(pair)

    def epoch(model, opt, scheduler, seed):
        for batch in np.array_split(np.random.default_rng(seed).permutation(len(X)), 3):
            loss = F.cross_entropy(model(Tensor(X[batch])), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(float(loss.data))
            else:
                scheduler.step()

    model = mlp(0)
    opt, scheduler = build(model)
    for seed in range(3):
        epoch(model, opt, scheduler, seed)
    path = tmp_path / f"checkpoint.{fmt}"
    nn.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": scheduler.state_dict(), "epoch": 3}, path)
    for seed in range(3, 6):
        epoch(model, opt, scheduler, seed)

    checkpoint = nn.load(path)
    resumed = mlp(1)  # other weights, all overwritten by the checkpoint
    opt2, scheduler2 = build(resumed)
    resumed.load_state_dict(checkpoint["model"])
    opt2.load_state_dict(checkpoint["optimizer"])
    scheduler2.load_state_dict(checkpoint["scheduler"])
    assert type(checkpoint["epoch"]) is int
    for seed in range(checkpoint["epoch"], 6):
        epoch(resumed, opt2, scheduler2, seed)
    assert snapshot(resumed) == snapshot(model)
    assert_same(opt2.state_dict(), opt.state_dict())
    assert_same(scheduler2.state_dict(), scheduler.state_dict())


def test_a_bad_buffer_in_a_file_leaves_weights_and_buffers_as_they_were(tmp_path):
    def model(seed):
        built = nn.Sequential(nn.Linear(3, 4, rng=seed), nn.BatchNorm1d(4))
        built(Tensor(np.random.default_rng(seed).normal(size=(6, 3))))  # running stats move
        return built

    state = model(1).state_dict()
    state["1.running_var"] = np.ones(5)  # the last entry is the bad one
    nn.save(state, tmp_path / "bad.safetensors")
    target = model(0)
    before = (snapshot(target), {n: b.tobytes() for n, b in target.named_buffers()})
    with pytest.raises(ValueError, match=r"1\.running_var.*\(5,\).*\(4,\)"):
        target.load_state_dict(nn.load(tmp_path / "bad.safetensors"))
    assert (snapshot(target), {n: b.tobytes() for n, b in target.named_buffers()}) == before


def test_without_the_safetensors_package_the_error_names_the_extra(tmp_path, monkeypatch):
    for name in ("safetensors", "safetensors.numpy"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    with pytest.raises(ImportError, match=r"npgrad\[safetensors\]"):
        nn.save({"a": np.ones(1)}, tmp_path / "a.safetensors")
    nn.save({"a": np.ones(1)}, tmp_path / "a.npz")  # .npz needs numpy only
    assert os.listdir(tmp_path) == ["a.npz"]
