"""Networks on top of the autograd engine: modules, losses, optimizers, utilities."""
from .module import Module, Parameter, Sequential
from .modules import CrossEntropyLoss, Dropout, Linear, MSELoss, ReLU, Sigmoid, Tanh
from .serialization import load, save
from .architecture import load_model
from . import data, functional, init, layers, utils
from . import onnx  # the onnx package itself is imported by nn.onnx.export

__all__ = [
    "Module", "Parameter", "Sequential", "Linear", "ReLU", "Tanh", "Sigmoid", "Dropout",
    "CrossEntropyLoss", "MSELoss", "save", "load", "data", "functional", "init", "layers",
    "utils", "optim", "load_model", "onnx",
]


def __getattr__(name):
    # nn.optim and nn.estimators load on first use (estimators need scikit-learn)
    if name in ("optim", "estimators"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
