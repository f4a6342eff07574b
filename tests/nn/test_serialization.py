"""nn.save and nn.load: .npz round trips, bit for bit, and no pickle ever."""
import pickle
import zipfile

import numpy as np
import pytest

import nn
from autograd import Tensor


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


def assert_same_arrays(loaded, expected):
    assert list(loaded) == list(expected)
    for key, array in expected.items():
        array = np.asarray(array.data if isinstance(array, Tensor) else array)
        assert type(loaded[key]) is np.ndarray
        assert loaded[key].dtype == array.dtype and loaded[key].shape == array.shape
        assert loaded[key].tobytes() == array.tobytes()


# ---- round trips ----------------------------------------------------------------------------
def test_module_round_trip_is_bit_exact(tmp_path):
    model = mlp(0)
    path = tmp_path / "model.npz"
    nn.save(model, path)
    state = nn.load(path)
    assert_same_arrays(state, model.state_dict())
    other = mlp(1)
    other.load_state_dict(state)
    assert snapshot(other) == snapshot(model)
    x = Tensor(np.random.default_rng(2).normal(size=(3, 4)))
    np.testing.assert_array_equal(other(x).data, model(x).data)


def test_float32_module_round_trip_keeps_dtype(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float32))
    nn.save(model, str(tmp_path / "f32.npz"))
    state = nn.load(str(tmp_path / "f32.npz"))
    assert all(a.dtype == np.float32 for a in state.values())
    assert_same_arrays(state, model.state_dict())


def test_dict_of_arrays_round_trip_is_bit_exact(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        "float64": rng.normal(size=(3, 4)),
        "float32": rng.normal(size=5).astype(np.float32),
        "specials": np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308]),
        "int64": np.arange(-3, 3),
        "uint8": np.array([0, 255], dtype=np.uint8),
        "bool": np.array([True, False]),
        "scalar": np.array(2.5),
        "empty": np.zeros((0, 3)),
        "layer.0.weight": rng.normal(size=(2, 2)),
    }
    path = tmp_path / "arrays.npz"
    nn.save(arrays, path)
    assert_same_arrays(nn.load(path), arrays)


def test_dict_with_tensors_saves_their_data(tmp_path):
    arrays = {"t": Tensor(np.arange(3.0), requires_grad=True), "p": nn.Parameter(np.ones(2))}
    nn.save(arrays, tmp_path / "t.npz")
    assert_same_arrays(nn.load(tmp_path / "t.npz"), arrays)


def test_save_writes_no_pickle(tmp_path):
    path = tmp_path / "model.npz"
    nn.save(mlp(), path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["0.bias", "0.weight", "2.bias", "2.weight"]
        for key in archive.files:
            assert archive[key].dtype.kind == "f"


def test_save_refuses_an_object_array_and_writes_nothing(tmp_path):
    path = tmp_path / "never.npz"
    with pytest.raises((TypeError, ValueError), match="a"):
        nn.save({"ok": np.ones(2), "a": np.array([{}], dtype=object)}, path)
    assert not path.exists()


def test_save_refuses_other_objects(tmp_path):
    with pytest.raises(TypeError):
        nn.save([np.ones(2)], tmp_path / "list.npz")


# ---- refusing pickles: no code runs ---------------------------------------------------------
def test_object_array_file_is_refused(tmp_path):
    path = tmp_path / "object.npz"
    np.savez(path, a=np.array([{}], dtype=object))
    with pytest.raises(ValueError, match="object"):
        nn.load(path)


def test_object_array_with_a_payload_runs_no_code(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.npz"
    np.savez(path, weights=np.ones(3), a=np.array([Payload(marker)], dtype=object))
    with pytest.raises(ValueError):
        nn.load(path)
    assert not marker.exists()
    # the payload is live: unpickling the same file does run it
    with np.load(path, allow_pickle=True) as archive:
        archive["a"]
    assert marker.exists()


def write_pickle(path, obj):
    path.write_bytes(pickle.dumps(obj))


def write_npy_object_array(path, obj):
    with open(path, "wb") as f:
        np.save(f, np.array([obj], dtype=object), allow_pickle=True)


@pytest.mark.parametrize("write", [write_pickle, write_npy_object_array])
def test_other_pickled_files_run_no_code(tmp_path, write):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.bin"
    write(path, Payload(marker))
    with open(path, "rb") as f:
        assert f.read(1)  # the file exists and is not empty
    with pytest.raises(ValueError):
        nn.load(path)
    assert not marker.exists()


# ---- corrupt files ----------------------------------------------------------------------------
def saved_model_bytes(tmp_path):
    path = tmp_path / "good.npz"
    nn.save(mlp(), path)
    return path.read_bytes()


def test_random_bytes_are_refused(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(500))
    with pytest.raises(ValueError):
        nn.load(path)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    with pytest.raises(ValueError):
        nn.load(path)


def test_a_truncated_file_is_refused(tmp_path):
    data = saved_model_bytes(tmp_path)
    path = tmp_path / "truncated.npz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError):
        nn.load(path)


def test_a_file_with_damaged_array_bytes_is_refused(tmp_path):
    data = bytearray(saved_model_bytes(tmp_path))
    with zipfile.ZipFile(tmp_path / "good.npz") as archive:
        info = archive.infolist()[0]
    # flip bytes inside the first member's data (after its local header): the CRC no longer holds
    start = info.header_offset + 30 + len(info.filename) + 150
    for i in range(start, start + 8):
        data[i] ^= 0xFF
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError):
        nn.load(path)


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nothing.npz")


def test_a_single_array_npy_file_is_refused_with_valueerror(tmp_path):
    path = tmp_path / "single.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ValueError):
        nn.load(path)


# ---- loading a bad file into a model changes nothing ------------------------------------------
def test_file_of_another_architecture_leaves_the_model_unchanged(tmp_path):
    path = tmp_path / "wider.npz"
    nn.save(mlp(1, hidden=6), path)
    model = mlp(0)
    before = snapshot(model)
    with pytest.raises(ValueError) as error:
        model.load_state_dict(nn.load(path))
    assert "0.weight" in str(error.value) and "(4, 6)" in str(error.value)
    assert snapshot(model) == before


def test_file_with_a_missing_key_leaves_the_model_unchanged(tmp_path):
    state = mlp(1).state_dict()
    del state["2.weight"]
    path = tmp_path / "partial.npz"
    nn.save(state, path)
    model = mlp(0)
    before = snapshot(model)
    with pytest.raises(KeyError, match=r"2\.weight"):
        model.load_state_dict(nn.load(path))
    assert snapshot(model) == before


def test_file_with_an_unexpected_key_leaves_the_model_unchanged(tmp_path):
    state = mlp(1).state_dict()
    state["4.weight"] = np.ones((3, 3))
    path = tmp_path / "extra.npz"
    nn.save(state, path)
    model = mlp(0)
    before = snapshot(model)
    with pytest.raises(KeyError, match=r"4\.weight"):
        model.load_state_dict(nn.load(path))
    assert snapshot(model) == before


def test_file_with_a_bad_last_shape_leaves_the_model_unchanged_even_non_strict(tmp_path):
    state = mlp(1).state_dict()
    state["2.bias"] = np.ones(4)
    path = tmp_path / "bad_bias.npz"
    nn.save(state, path)
    model = mlp(0)
    before = snapshot(model)
    for strict in (True, False):
        with pytest.raises(ValueError, match=r"2\.bias"):
            model.load_state_dict(nn.load(path), strict=strict)
        assert snapshot(model) == before
