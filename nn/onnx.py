"""nn.onnx.export: a model of nn's modules as an ONNX graph (opset 17), batch size left free.

Each supported module class has a converter that appends its ONNX nodes to the graph; a
Sequential chains its children's. The model runs once on the example input as the nodes are
made, which fixes every shape but the batch's and checks that each module takes what the one
before gives. The graph computes the model in eval mode, whatever mode it is in (Dropout is
the identity, BatchNorm uses its running statistics), as a model is deployed. Needs the
``onnx`` package (``pip install npgrad[onnx]``), imported only when ``export`` is called.
"""
import numpy as np

from autograd import Tensor, no_grad

from . import serialization
from .module import Module

OPSET = 17
IR_VERSION = 8  # the IR version of opset 17, so that older runtimes load the file too


class _Graph:
    """The nodes and initializers made so far."""

    def __init__(self, onnx):
        self.onnx = onnx
        self.nodes, self.initializers, self.count = [], [], 0

    def constant(self, array, name):
        """An initializer holding ``array`` (floats as float32); returns its name."""
        array = np.asarray(array)
        if array.dtype.kind == "f":
            array = array.astype(np.float32)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op, inputs, where, **attributes):
        """Append ``op(inputs)``; returns the name of its output."""
        self.count += 1
        output = f"{where or 'model'}/{op}_{self.count}"
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), [output],
                                                     name=output, **attributes))
        return output


# ---- converters: (graph, module, input name, path[, input rank]) -> output name -----------
def _sequential(graph, module, x, where, value):
    for name, child in module.__dict__["_modules"].items():
        x, value = _convert(graph, child, x, f"{where}.{name}" if where else name, value)
    return x, value


def _linear(graph, module, x, where):
    """y = x @ W + b, W of shape (in, out)."""
    y = graph.node("MatMul", [x, graph.constant(module.weight.data, _name(where, "weight"))], where)
    if module.bias is None:
        return y
    return graph.node("Add", [y, graph.constant(module.bias.data, _name(where, "bias"))], where)


def _unary(op, **attributes):
    def convert(graph, module, x, where):
        return graph.node(op, [x], where, **{name: float(get(module))
                                             for name, get in attributes.items()})
    return convert


def _silu(graph, module, x, where):
    """x σ(x)."""
    return graph.node("Mul", [x, graph.node("Sigmoid", [x], where)], where)


def _softplus(graph, module, x, where):
    """log(1 + exp(βx)) / β, and x where βx > threshold."""
    beta = graph.constant(np.array(module.beta), _name(where, "beta"))
    threshold = graph.constant(np.array(module.threshold), _name(where, "threshold"))
    scaled = graph.node("Mul", [x, beta], where)
    smooth = graph.node("Div", [graph.node("Softplus", [scaled], where), beta], where)
    return graph.node("Where", [graph.node("Greater", [scaled, threshold], where), x, smooth],
                      where)


def _softmax(graph, module, x, where):
    axis = getattr(module, "axis", getattr(module, "dim", -1))
    return graph.node("Softmax", [x], where, axis=int(axis))


def _identity(graph, module, x, where):
    return graph.node("Identity", [x], where)


def _flatten(graph, module, x, where, rank):
    start = module.start_axis % rank if rank else 0
    if start == 0:
        raise ValueError(f"Flatten at {where!r} merges the batch axis into the others; the "
                         f"exported graph keeps the batch axis free (use start_axis >= 1)")
    if start == 1:
        return graph.node("Flatten", [x], where, axis=1)
    # (d_0, ..., d_{s-1}, -1): the leading axes as the input has them, the batch's included
    shape = graph.node("Shape", [x], where, end=start)
    minus_one = graph.constant(np.array([-1], dtype=np.int64), _name(where, "minus_one"))
    return graph.node("Reshape", [x, graph.node("Concat", [shape, minus_one], where, axis=0)],
                      where)


def _window_attributes(module, padding=True):
    attributes = {"kernel_shape": list(module.kernel_size), "strides": list(module.stride)}
    if padding:
        pad = list(getattr(module, "padding", (0, 0)))
        attributes["pads"] = pad + pad  # begin (h, w), then end (h, w)
    return attributes


def _conv2d(graph, module, x, where):
    inputs = [x, graph.constant(module.weight.data, _name(where, "weight"))]
    if module.bias is not None:
        inputs.append(graph.constant(module.bias.data, _name(where, "bias")))
    return graph.node("Conv", inputs, where, **_window_attributes(module),
                      dilations=list(getattr(module, "dilation", (1, 1))),
                      group=int(getattr(module, "groups", 1)))


def _max_pool2d(graph, module, x, where):
    return graph.node("MaxPool", [x], where, **_window_attributes(module))


def _avg_pool2d(graph, module, x, where):
    """Zero padding counted in the mean, as in nn.AvgPool2d."""
    return graph.node("AveragePool", [x], where, **_window_attributes(module),
                      count_include_pad=1)


def _affine(graph, module, where, size, shape=None):
    """The scale and shift of a normalisation layer (ones and zeros when it has none), of
    shape ``size``, reshaped to ``shape`` if given."""
    weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
    weight = np.ones(size) if weight is None else weight.data
    bias = np.zeros(size) if bias is None else bias.data
    if shape is not None:
        weight, bias = weight.reshape(shape), bias.reshape(shape)
    return (graph.constant(weight, _name(where, "weight")),
            graph.constant(bias, _name(where, "bias")))


def _batch_norm(graph, module, x, where, rank):
    """(x - mean) / √(var + eps) · weight + bias per channel (axis 1), with the running
    statistics, or the batch's when the layer keeps none (``track_running_stats=False``)."""
    if getattr(module, "running_mean", None) is None:
        return _batch_statistics_norm(graph, module, x, where, rank)
    scale, shift = _affine(graph, module, where, np.shape(module.running_mean))
    mean = graph.constant(np.asarray(module.running_mean), _name(where, "running_mean"))
    var = graph.constant(np.asarray(module.running_var), _name(where, "running_var"))
    return graph.node("BatchNormalization", [x, scale, shift, mean, var], where,
                      epsilon=float(module.eps))


def _batch_statistics_norm(graph, module, x, where, rank):
    """The biased mean and variance over every axis but 1, of this batch."""
    axes = [0] + list(range(2, rank))
    mean = graph.node("ReduceMean", [x], where, axes=axes, keepdims=1)
    centred = graph.node("Sub", [x, mean], where)
    var = graph.node("ReduceMean", [graph.node("Mul", [centred, centred], where)], where,
                     axes=axes, keepdims=1)
    eps = graph.constant(np.array(module.eps), _name(where, "eps"))
    y = graph.node("Div", [centred, graph.node("Sqrt", [graph.node("Add", [var, eps], where)],
                                               where)], where)
    shape = (module.num_features,) + (1,) * (rank - 2)
    scale, shift = _affine(graph, module, where, module.num_features, shape)
    return graph.node("Add", [graph.node("Mul", [y, scale], where), shift], where)


def _layer_norm(graph, module, x, where):
    """Normalised over the last len(normalized_shape) axes, then scaled and shifted."""
    shape = tuple(module.normalized_shape)
    scale, shift = _affine(graph, module, where, shape)
    return graph.node("LayerNormalization", [x, scale, shift], where, axis=-len(shape),
                      epsilon=float(module.eps))


def _name(where, parameter):
    return f"{where}.{parameter}" if where else parameter


CONVERTERS = {
    "Linear": _linear, "ReLU": _unary("Relu"), "Tanh": _unary("Tanh"),
    "Sigmoid": _unary("Sigmoid"), "LeakyReLU": _unary("LeakyRelu",
                                                      alpha=lambda m: m.negative_slope),
    "ELU": _unary("Elu", alpha=lambda m: m.alpha), "SiLU": _silu, "Softplus": _softplus,
    "Softmax": _softmax, "Dropout": _identity, "Flatten": _flatten, "Conv2d": _conv2d,
    "MaxPool2d": _max_pool2d, "AvgPool2d": _avg_pool2d, "BatchNorm1d": _batch_norm,
    "BatchNorm2d": _batch_norm, "LayerNorm": _layer_norm,
}
"""nn's module classes ``export`` covers, by name (Sequential chains them)."""


def _convert(graph, module, x, where, value):
    """Append ``module``'s nodes after ``x``; returns the output's name and example value."""
    import nn
    name = type(module).__name__
    supported = name in CONVERTERS or name == "Sequential"
    if getattr(nn, name, None) is not type(module) or not supported:
        raise TypeError(f"nn.onnx.export does not support {name} (at "
                        f"{repr(where) if where else 'the top'}); it exports Sequential "
                        f"models of {', '.join(sorted(CONVERTERS))}")
    if name == "Sequential":
        return _sequential(graph, module, x, where, value)
    try:
        output = module(Tensor(value)).data
    except (TypeError, ValueError) as error:
        raise ValueError(f"the example input does not run through {name} at {where!r}: "
                         f"{error}") from None
    if name in ("Flatten", "BatchNorm1d", "BatchNorm2d"):  # these need the input's rank
        return CONVERTERS[name](graph, module, x, where, np.ndim(value)), output
    return CONVERTERS[name](graph, module, x, where), output


def export(model, example_input, path):
    """Write ``model`` to ``path`` as an ONNX model, input ``"input"`` and output ``"output"``.

    ``example_input``: an array or Tensor of shape (batch, ...), which sets every axis but the
    first (the batch axis, which stays free). The graph computes in float32, the dtype every
    runtime has kernels for (the weights are cast to it), and in eval mode. An unsupported
    module raises TypeError naming it; the file is written atomically.
    """
    try:
        import onnx
        import onnx.numpy_helper
    except ImportError:
        raise ImportError("nn.onnx.export needs the onnx package: pip install npgrad[onnx]") \
            from None
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, not {type(model).__name__}")
    example = np.asarray(example_input.data if isinstance(example_input, Tensor)
                         else example_input)
    if example.dtype.kind not in "fiu" or example.ndim == 0:
        raise TypeError(f"example_input must be a numeric array of shape (batch, ...), got "
                        f"dtype {example.dtype} and shape {example.shape}")
    # traced in the model's own dtype (only shapes are taken from the trace)
    first = next(iter(model.parameters()), None)
    example = example.astype(np.float64 if first is None else first.dtype)
    graph = _Graph(onnx)
    modes = [(module, module.training) for module in model.modules()]
    try:
        model.eval()
        with no_grad():
            output, value = _convert(graph, model, "input", "", example)
    finally:
        for module, training in modes:
            module.training = training
    if value.shape[:1] != example.shape[:1]:
        raise ValueError(f"the model maps a batch of {example.shape[0]} to one of "
                         f"{value.shape[0]}; the exported graph keeps the batch axis free")
    element = onnx.TensorProto.FLOAT
    graph_proto = onnx.helper.make_graph(
        graph.nodes + [onnx.helper.make_node("Identity", [output], ["output"], name="output")],
        "npgrad", [onnx.helper.make_tensor_value_info("input", element,
                                                      ["batch", *example.shape[1:]])],
        [onnx.helper.make_tensor_value_info("output", element, ["batch", *value.shape[1:]])],
        graph.initializers)
    proto = onnx.helper.make_model(graph_proto, producer_name="npgrad",
                                   opset_imports=[onnx.helper.make_opsetid("", OPSET)])
    proto.ir_version = IR_VERSION
    onnx.checker.check_model(proto, full_check=True)
    serialization.atomic_write(path, lambda temporary: onnx.save(proto, temporary))
