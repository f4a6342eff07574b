"""Parameter and Module: the containers networks are built from."""
from collections import OrderedDict

import numpy as np

from autograd import Tensor, no_grad


class Parameter(Tensor):
    """A Tensor that requires grad and registers itself on the Module it is assigned to.

    ``Parameter(data)`` always copies ``data``.
    """
    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        data = data.data if isinstance(data, Tensor) else data
        super().__init__(np.array(data, dtype=None if isinstance(data, np.ndarray) else float),
                         requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer and network.

    Parameters and submodules assigned as attributes register themselves, in order.
    """
    training = True

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        if cls.__module__.partition(".")[0] == "nn":
            # nn's own layers keep their constructor arguments, which nn.save records as the
            # architecture for nn.load_model to rebuild the layer from (nn/architecture.py)
            self.__dict__["_init_args"] = (args, kwargs)
        return self

    def __setattr__(self, name, value):
        parameters = self.__dict__.setdefault("_parameters", OrderedDict())
        modules = self.__dict__.setdefault("_modules", OrderedDict())
        parameters.pop(name, None)
        modules.pop(name, None)
        if isinstance(value, Parameter):
            parameters[name] = value
        elif isinstance(value, Module):
            modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self.__dict__.get("_parameters", {}).pop(name, None)
        self.__dict__.get("_modules", {}).pop(name, None)
        object.__delattr__(self, name)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- traversal --------------------------------------------------------------------
    def children(self):
        """The direct submodules, each once."""
        seen = set()
        for child in self.__dict__.get("_modules", {}).values():
            if child not in seen:
                seen.add(child)
                yield child

    def named_modules(self, prefix="", memo=None):
        """(dotted name, module) for this module and every module below it, each once."""
        memo = set() if memo is None else memo
        if self in memo:
            return
        memo.add(self)
        yield prefix, self
        for name, child in self.__dict__.get("_modules", {}).items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self):
        """This module and every module below it."""
        return (module for _, module in self.named_modules())

    def named_parameters(self):
        """(dotted name, parameter) pairs, e.g. ``0.weight``; a shared parameter once."""
        seen = set()
        for prefix, module in self.named_modules():
            for name, parameter in module.__dict__.get("_parameters", {}).items():
                if parameter not in seen:
                    seen.add(parameter)
                    yield (f"{prefix}.{name}" if prefix else name), parameter

    def parameters(self):
        return (parameter for _, parameter in self.named_parameters())

    # ---- modes and gradients ----------------------------------------------------------
    def train(self, mode=True):
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self):
        """Set every parameter's ``.grad`` to None."""
        for parameter in self.parameters():
            parameter.grad = None

    # ---- state --------------------------------------------------------------------------
    def state_dict(self):
        """Dotted name -> a copy of the parameter's array."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state, strict=True):
        """Copy ``state`` into the parameters, after checking every name, shape and dtype.

        Missing or unexpected keys raise KeyError (``strict=False`` ignores them); a shape
        mismatch raises ValueError naming the key and both shapes. On any error nothing changes.
        """
        own = OrderedDict(self.named_parameters())
        missing = [key for key in own if key not in state]
        unexpected = [key for key in state if key not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"state_dict mismatch: missing keys {missing}, "
                           f"unexpected keys {unexpected}")
        updates = []
        for key, parameter in own.items():
            if key not in state:
                continue
            value = state[key]
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.dtype.kind not in "fiu":
                raise ValueError(f"state_dict[{key!r}] has dtype {value.dtype}; "
                                 f"expected a numeric array")
            if value.shape != parameter.shape:
                raise ValueError(f"state_dict[{key!r}] has shape {value.shape}, but the "
                                 f"parameter has shape {parameter.shape}")
            updates.append((parameter, value))
        with no_grad():
            for parameter, value in updates:
                parameter.data[...] = value
                parameter._version += 1
        return self

    def __repr__(self):
        children = list(self.__dict__.get("_modules", {}).items())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in children]
        return head + "\n" + "\n".join(lines) + "\n)"

    def extra_repr(self):
        return ""


class Sequential(Module):
    """Modules applied one after the other; indexable, iterable, with a length."""

    def __init__(self, *modules):
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential takes Modules; argument {i} is "
                                f"{type(module).__name__}")
            setattr(self, str(i), module)

    def forward(self, x):
        for module in self.__dict__.get("_modules", {}).values():
            x = module.forward(x)  # what module(x) calls, one call fewer per layer
        return x

    def _layers(self):
        return list(self.__dict__.get("_modules", {}).values())

    def __getitem__(self, index):
        layers = self._layers()
        if isinstance(index, slice):
            return Sequential(*layers[index])
        return layers[index]

    def __len__(self):
        return len(self._layers())

    def __iter__(self):
        return iter(self._layers())
