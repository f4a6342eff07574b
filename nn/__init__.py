"""Networks on top of the autograd engine: modules, losses, optimizers, utilities."""
from .module import Module, Parameter
from .containers import ModuleDict, ModuleList, Sequential
from .modules import (CrossEntropyLoss, Dropout, ELU, LeakyReLU, Linear, MSELoss, ReLU, Sigmoid,
                      SiLU, Softmax, Softplus, Tanh)
from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .serialization import load, save
from .architecture import load_model
from . import data, functional, init, layers, random, utils
from . import onnx  # the onnx package itself is imported by nn.onnx.export
from . import update_rules

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Linear", "ReLU", "Tanh",
    "Sigmoid", "LeakyReLU", "ELU", "SiLU", "Softplus", "Softmax", "Dropout", "CrossEntropyLoss",
    "MSELoss", "save", "load", "data", "functional", "init", "layers", "random", "utils", "optim",
    "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "load_model", "onnx", "update_rules",
]


def __getattr__(name):
    # nn.optim and nn.estimators load on first use (estimators need scikit-learn)
    if name in ("optim", "estimators"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
