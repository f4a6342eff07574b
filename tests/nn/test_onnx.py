"""nn.onnx.export: onnxruntime gives the model's outputs (float32, 1e-5), at any batch size."""
import sys

import numpy as np
import pytest

import nn
from autograd import Tensor

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


# ---- stand-ins for layers still being written elsewhere ---------------------------------------
# Until nn has them, each is a test double with the API's constructor and attributes and
# PyTorch's formula in numpy; once the layer lands, the real one is tested instead.
class _Formula(nn.Module):
    def forward(self, x):
        return Tensor(self.formula(x.data))


class LeakyReLU(_Formula):
    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def formula(self, x):
        return np.where(x >= 0, x, self.negative_slope * x)


class ELU(_Formula):
    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def formula(self, x):
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))


class SiLU(_Formula):
    def formula(self, x):
        return x / (1 + np.exp(-x))


class Softplus(_Formula):
    def __init__(self, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold

    def formula(self, x):
        scaled = self.beta * x
        return np.where(scaled > self.threshold, x,
                        np.log1p(np.exp(np.minimum(scaled, self.threshold))) / self.beta)


class Softmax(_Formula):
    def __init__(self, axis=-1):
        self.axis = axis

    def formula(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        return e / e.sum(axis=self.axis, keepdims=True)


STAND_INS = [LeakyReLU, ELU, SiLU, Softplus, Softmax]


@pytest.fixture(autouse=True)
def layers(monkeypatch):
    for cls in STAND_INS:
        if not hasattr(nn, cls.__name__):
            monkeypatch.setattr(nn, cls.__name__, cls, raising=False)


# ---- models -----------------------------------------------------------------------------------
def randomize(model, seed=0):
    """Random weights, and running statistics far from (0, 1), so every term counts."""
    rng = np.random.default_rng(seed)
    for name, parameter in model.named_parameters():
        shape = parameter.shape
        if len(shape) == 1:  # biases, and the scales of the normalisation layers
            parameter.data[...] = rng.normal(size=shape) * 0.5 + name.endswith("weight")
        else:  # Linear (in, out), Conv2d (out, in, kh, kw): activations stay of order 1
            fan_in = shape[0] if len(shape) == 2 else np.prod(shape[1:])
            parameter.data[...] = rng.normal(size=shape) * 1.5 / np.sqrt(fan_in)
    for name, buffer in model.named_buffers():
        if name.endswith("running_var"):
            buffer[...] = rng.uniform(0.5, 2.0, size=buffer.shape)
        elif name.endswith("running_mean"):
            buffer[...] = rng.normal(size=buffer.shape)
    return model


def activations():
    return nn.Sequential(
        nn.Linear(5, 8), nn.LeakyReLU(0.2), nn.Linear(8, 8), nn.ELU(0.7), nn.Linear(8, 8),
        nn.SiLU(), nn.Linear(8, 8), nn.Softplus(beta=2.0, threshold=1.0), nn.Linear(8, 8),
        nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.Sigmoid(), nn.Dropout(0.5),
        nn.Linear(8, 4), nn.Softmax(axis=-1))


def convolutional():
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2, padding=1),
        nn.Conv2d(4, 3, (3, 2), stride=(2, 1), bias=False),
        nn.AvgPool2d(2, stride=1, padding=1), nn.Flatten(), nn.Linear(45, 5), nn.BatchNorm1d(5),
        nn.Sequential(nn.Tanh(), nn.Softmax(axis=1)))


def normalised():
    return nn.Sequential(nn.LayerNorm((3, 4)), nn.Flatten(2), nn.BatchNorm1d(2),
                         nn.LayerNorm(12), nn.Flatten(), nn.Linear(24, 3))


def batch_statistics():
    """Normalisation layers without running statistics use the batch's, in eval mode too."""
    return nn.Sequential(nn.BatchNorm2d(2, track_running_stats=False), nn.Flatten(2),
                         nn.BatchNorm1d(2, affine=False, track_running_stats=False),
                         nn.Flatten(), nn.BatchNorm1d(12, track_running_stats=False),
                         nn.LayerNorm(12, elementwise_affine=False))


CASES = {  # name: (model, one example's shape)
    "activations": (activations, (5,)),
    "convolutional": (convolutional, (2, 8, 8)),
    "normalised": (normalised, (2, 3, 4)),
    "batch statistics": (batch_statistics, (2, 2, 3)),
    "Linear without bias, 3-d input": (lambda: nn.Sequential(nn.Linear(4, 3, bias=False),
                                                             nn.ReLU()), (6, 4)),
    "a single layer": (lambda: nn.Linear(3, 2), (3,)),
}


def run(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x.astype(np.float32)})[0]


@pytest.mark.parametrize("name", CASES)
def test_onnxruntime_gives_the_model_outputs_at_any_batch_size(tmp_path, name):
    make, shape = CASES[name]
    model = randomize(make())
    rng = np.random.default_rng(1)
    path = tmp_path / "model.onnx"
    nn.onnx.export(model, rng.normal(size=(3,) + shape), path)
    model.eval()
    for batch in (3, 7, 2):
        x = 2 * rng.normal(size=(batch,) + shape).astype(np.float32)
        expected = model(Tensor(x.astype(np.float64))).data
        got = run(path, x)
        assert got.dtype == np.float32 and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_the_graph_is_valid_eval_mode_and_leaves_the_model_in_its_mode(tmp_path):
    model = randomize(activations()).train()
    model[14].training = False  # one module in another mode: each keeps its own
    path = tmp_path / "model.onnx"
    nn.onnx.export(model, Tensor(np.zeros((2, 5))), path)
    assert [m.training for m in model.modules()] == [i != 15 for i in range(len(model) + 1)]
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version >= 17
    (graph_input,) = proto.graph.input
    assert graph_input.name == "input" and graph_input.type.tensor_type.shape.dim[0].dim_param
    assert {"0.weight", "0.bias", "15.weight"} <= {i.name for i in proto.graph.initializer}
    x = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    np.testing.assert_allclose(run(path, x), model.eval()(Tensor(x)).data, rtol=1e-5, atol=1e-5)


class Custom(nn.Module):
    def forward(self, x):
        return x


class CustomLinear(nn.Linear):
    pass


@pytest.mark.parametrize("model, words", [
    (Custom(), "Custom (at the top)"),
    (nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), Custom())), "Custom (at '1.1')"),
    (nn.Sequential(CustomLinear(3, 3)), "CustomLinear (at '0')"),
    (nn.ModuleList([nn.Linear(3, 3)]), "ModuleList"),
    (nn.Sequential(nn.MSELoss()), "MSELoss"),
])
def test_an_unsupported_module_is_a_typeerror_naming_it(tmp_path, model, words):
    with pytest.raises(TypeError, match="does not support " + words.replace("(", r"\(")
                       .replace(")", r"\)")):
        nn.onnx.export(model, np.zeros((2, 3)), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("model, example, error, words", [
    (nn.Sequential(nn.Flatten(0)), np.zeros((2, 3)), ValueError, "batch axis"),
    (nn.Sequential(nn.Linear(3, 2)), np.zeros((2, 4)), ValueError, "does not run through Linear"),
    (nn.Sequential(nn.Linear(3, 2)), np.array(["a", "b", "c"]), TypeError, "example_input"),
    (nn.Sequential(nn.Linear(3, 2)), np.float32(1.0), TypeError, "example_input"),
    ([nn.Linear(3, 2)], np.zeros((2, 3)), TypeError, "nn.Module"),
])
def test_bad_arguments_are_refused_and_write_nothing(tmp_path, model, example, error, words):
    with pytest.raises(error, match=words):
        nn.onnx.export(model, example, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_without_the_onnx_package_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if not installed
    with pytest.raises(ImportError, match=r"npgrad\[onnx\]"):
        nn.onnx.export(nn.Linear(2, 2), np.zeros((1, 2)), tmp_path / "m.onnx")
