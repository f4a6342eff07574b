"""A model's architecture as JSON, and the model rebuilt from it with no code run.

Every nn module keeps the arguments it was built with (``Module.__new__``); ``describe``
records, for each module of a model, its class name, those arguments (less ``rng``, which
only seeds the first weights, and the submodules, which are recorded as children) and its
children by name::

    {"module": {"class": "Sequential", "children": [
        ["0", {"class": "Linear", "args": {"in_features": 4, "out_features": 8}}],
        ["1", {"class": "ReLU"}], ...]},
     "tied": []}

A module that appears twice is ``{"same_as": [its first path]}``, and a parameter shared by
two modules is listed in ``"tied"``. ``build`` looks each class name up in nn's own public
classes (nothing is imported by name) and calls it with the recorded arguments.
"""
import inspect
import os
from collections import OrderedDict

import numpy as np

from . import serialization
from .module import Module

_SIMPLE = (type(None), bool, int, float, str)


def registry():
    """nn's public Module classes by name: the only classes a file can name."""
    import nn
    return {name: value for name, value in vars(nn).items()
            if isinstance(value, type) and issubclass(value, Module)}


def _where(path):
    return f"'{'.'.join(path)}'" if path else "the top"


def _refuse(module, path, reason):
    raise TypeError(f"nn.save(model, path) cannot record the architecture: the "
                    f"{type(module).__name__} at {_where(path)} {reason}. Save the weights "
                    f"instead, nn.save(model.state_dict(), path), and load them with "
                    f"model.load_state_dict(nn.load(path)) into a model built in code")


def _init_signature(cls):
    """The constructor's signature without ``self``."""
    signature = inspect.signature(cls.__init__)
    return signature.replace(parameters=list(signature.parameters.values())[1:])


def _holds_modules(value):
    """True for a Module, or a list, tuple or dict with one anywhere inside."""
    if isinstance(value, Module):
        return True
    items = value.values() if isinstance(value, dict) else value
    return isinstance(value, (list, tuple, dict)) and any(_holds_modules(item) for item in items)


def _plain(value):
    """numpy scalars as Python numbers (``Linear(X.shape[1], np.int64(3))``), in containers too."""
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if type(value) in (list, tuple):
        return type(value)(_plain(item) for item in value)
    return value


def _arguments(module, path):
    """The recorded constructor arguments, name -> value, less rng and submodules."""
    cls = type(module)
    args, kwargs = module.__dict__.get("_init_args", ((), {}))
    try:
        bound = _init_signature(cls).bind(*args, **kwargs)
    except TypeError as error:
        _refuse(module, path, f"has no record of its constructor arguments ({error})")
    return OrderedDict((name, _plain(value)) for name, value in bound.arguments.items()
                       if name != "rng" and not isinstance(value, np.random.Generator)
                       and not _holds_modules(value))


def _construct(cls, arguments):
    """``cls`` called with ``arguments`` (name -> value), positionally where it must be."""
    signature = _init_signature(cls)
    bound = signature.bind_partial()
    for name in signature.parameters:
        if name in arguments:
            bound.arguments[name] = arguments[name]
    return cls(*bound.args, **bound.kwargs)


def _own_state(module):
    """Shapes of a module's own parameters and buffers, by name."""
    own = {name: p.shape for name, p in module.__dict__.get("_parameters", {}).items()}
    for name, buffer in module.__dict__.get("_buffers", {}).items():
        own[name] = None if buffer is None else np.shape(buffer)
    return own


def _check_rebuilds(module, arguments, path):
    """Refuse a module that its recorded arguments would not build again (changed since)."""
    cls = type(module)
    try:
        fresh = _construct(cls, arguments)
    except (TypeError, ValueError) as error:
        _refuse(module, path, f"cannot be built again from its arguments ({error})")
    if _own_state(fresh) != _own_state(module):
        _refuse(module, path, f"has parameters and buffers {_own_state(module)}, but "
                f"rebuilt from its arguments it would have {_own_state(fresh)}")
    for name in _init_signature(cls).parameters:
        if name not in vars(module) or name not in vars(fresh):
            continue
        now, built = vars(module)[name], vars(fresh)[name]
        simple = all(isinstance(v, _SIMPLE) for v in (now if isinstance(now, tuple) else (now,)))
        if simple and now != built:
            _refuse(module, path, f"has {name}={now!r}, but rebuilt from its arguments it "
                    f"would have {name}={built!r} (it was changed after construction)")


def describe(model):
    """``model``'s architecture as JSON-safe data (see the module docstring).

    Raises TypeError if a module is not one of nn's public classes or cannot be rebuilt from
    JSON-like constructor arguments.
    """
    classes = registry()
    seen = {}  # id(module) -> its first path
    first = {}  # id(parameter) -> the path of its first place
    tied = []

    def node(module, path):
        if id(module) in seen:
            return {"same_as": list(seen[id(module)])}
        seen[id(module)] = path
        cls = type(module)
        if classes.get(cls.__name__) is not cls:
            _refuse(module, path, f"is a custom Module subclass (defined in {cls.__module__}, "
                    f"not one of nn's own modules), whose code a file cannot hold")
        arguments = _arguments(module, path)
        try:
            packed = {name: serialization.Packer().pack(value, path + (name,))
                      for name, value in arguments.items()}
        except TypeError as error:
            _refuse(module, path, f"was built with an argument that is not JSON-like ({error})")
        _check_rebuilds(module, arguments, path)
        for name, parameter in module.__dict__.get("_parameters", {}).items():
            place = list(path) + [name]
            if id(parameter) in first:
                tied.append([place, first[id(parameter)]])
            else:
                first[id(parameter)] = place
        entry = {"class": cls.__name__}
        if packed:
            entry["args"] = packed
        children = [[name, node(child, path + (name,))]
                    for name, child in module.__dict__.get("_modules", {}).items()]
        if children:
            entry["children"] = children
        return entry

    return {"module": node(model, ()), "tied": tied}


def build(architecture):
    """The model ``describe`` described, freshly initialised; ValueError for a bad description."""
    classes = registry()
    built = {}  # path -> module

    def resolve(path):
        if type(path) is not list or tuple(path) not in built:
            raise ValueError(f"refers to a module {path!r} that comes later or does not exist")
        return built[tuple(path)]

    def node(entry, path):
        if type(entry) is not dict:
            raise ValueError(f"bad module entry {entry!r:.80}")
        if set(entry) == {"same_as"}:
            return resolve(entry["same_as"])
        name = entry.get("class")
        if name not in classes or not set(entry) <= {"class", "args", "children"}:
            raise ValueError(f"module entry {entry!r:.80} names no nn module class "
                             f"(written by a newer npgrad?)")
        cls = classes[name]
        args = entry.get("args", {})
        if type(args) is not dict:
            raise ValueError(f"bad arguments {args!r:.80} for {name} at {_where(path)}")
        arguments = serialization.unpack({"dict": [[key, value] for key, value in args.items()]})
        unknown = set(arguments) - set(_init_signature(cls).parameters)
        if unknown:
            raise ValueError(f"{name} at {_where(path)} takes no arguments {sorted(unknown)}")
        try:
            module = _construct(cls, arguments)
        except (TypeError, ValueError) as error:
            raise ValueError(f"cannot build {name} at {_where(path)}: {error}") from None
        built[path] = module
        for child_name, child in entry.get("children", []):
            if type(child_name) is not str or not child_name or "." in child_name \
                    or hasattr(cls, child_name):
                raise ValueError(f"bad child name {child_name!r} for {name} at {_where(path)}")
            setattr(module, child_name, node(child, path + (child_name,)))
        return module

    if type(architecture) is not dict or "module" not in architecture:
        raise ValueError("the architecture has no 'module' entry")
    model = node(architecture["module"], ())
    for place, source in architecture.get("tied", []):
        owner, origin = resolve(place[:-1]), resolve(source[:-1])
        own, shared = owner.__dict__["_parameters"], origin.__dict__["_parameters"]
        if place[-1] not in own or source[-1] not in shared:
            raise ValueError(f"tied parameters {place} and {source} do not both exist")
        setattr(owner, place[-1], shared[source[-1]])
    return model


def _take_dtypes(model, state):
    """Give each parameter and buffer the dtype of its saved array (``astype`` after building)."""
    for prefix, module in model.named_modules():
        dot = prefix + "." if prefix else ""
        for name, parameter in module.__dict__.get("_parameters", {}).items():
            saved = state.get(dot + name)
            if saved is not None and saved.dtype != parameter.dtype:
                parameter.data = parameter.data.astype(saved.dtype)
        for name, buffer in module.__dict__.get("_buffers", {}).items():
            saved = state.get(dot + name)
            if buffer is not None and saved is not None and saved.dtype != buffer.dtype:
                setattr(module, name, buffer.astype(saved.dtype))


def load_model(path):
    """The model that ``nn.save(model, path)`` saved, rebuilt from its architecture, with its
    weights (and their dtypes). No code from the file runs: classes are looked up among nn's.

    A file without an architecture (a saved state_dict) raises ValueError saying what to do.
    """
    content, arrays = serialization.read(path)
    if content is None or "architecture" not in content:
        raise ValueError(f"{os.fspath(path)} holds weights but no architecture (it was not "
                         f"written by nn.save(model, path)); build the model in code and call "
                         f"model.load_state_dict(nn.load(path))")
    state = serialization.tree(path, content, arrays)
    if not isinstance(state, dict):
        raise ValueError(f"{os.fspath(path)} holds a {type(state).__name__}, not a state_dict")
    try:
        model = build(content["architecture"])
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise ValueError(f"cannot rebuild the model in {os.fspath(path)}: {error}") from None
    _take_dtypes(model, state)
    model.load_state_dict(state)
    return model
