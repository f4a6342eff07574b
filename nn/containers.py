"""Containers of Modules: Sequential (applies them in order), ModuleList and ModuleDict.

Their items register as submodules under their index or key, so parameters(), state_dict()
(``0.weight``, ``blocks.1.bias``, ``heads.cls.weight``), train() and zero_grad() see them.
"""
import operator

from .module import Module

_RESERVED = ("_parameters", "_modules", "_buffers", "_nonpersistent")  # Module's own records


def _check_module(container, where, module):
    if not isinstance(module, Module):
        raise TypeError(f"{container} holds Modules; {where} is {type(module).__name__}")
    return module


class _Indexed(Module):
    """Modules under the keys "0", "1", ...: indexable, sliceable, iterable, with a length."""

    def _layers(self):
        return list(self.__dict__.get("_modules", {}).values())

    def _index(self, index):
        """``index`` as a position in [0, len), or IndexError naming it."""
        size = len(self)
        position = operator.index(index)
        if not -size <= position < size:
            raise IndexError(f"index {index} is out of range for {type(self).__name__} of "
                             f"length {size}")
        return position % size

    def _reset(self, modules):
        for key in list(self.__dict__.get("_modules", {})):
            delattr(self, key)
        for i, module in enumerate(modules):
            setattr(self, str(i), module)

    def __getitem__(self, index):
        layers = self._layers()
        if isinstance(index, slice):
            return type(self)(*layers[index]) if isinstance(self, Sequential) \
                else type(self)(layers[index])
        return layers[self._index(index)]

    def __setitem__(self, index, module):
        name = type(self).__name__
        setattr(self, str(self._index(index)), _check_module(name, f"item {index}", module))

    def __delitem__(self, index):
        layers = self._layers()
        if isinstance(index, slice):
            del layers[index]
        else:
            del layers[self._index(index)]
        self._reset(layers)

    def __len__(self):
        return len(self.__dict__.get("_modules", {}))

    def __iter__(self):
        return iter(self._layers())

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        setattr(self, str(len(self)),
                _check_module(type(self).__name__, "the appended item", module))
        return self

    def extend(self, modules):
        """Append every module of ``modules``; returns self."""
        modules = list(modules)
        for i, module in enumerate(modules):
            _check_module(type(self).__name__, f"item {i}", module)
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index``, as list.insert."""
        layers = self._layers()
        layers.insert(index, _check_module(type(self).__name__, "the inserted item", module))
        self._reset(layers)


class Sequential(_Indexed):
    """Modules applied one after the other; indexable, iterable, with a length."""

    def __init__(self, *modules):
        for i, module in enumerate(modules):
            _check_module("Sequential", f"argument {i}", module)
            setattr(self, str(i), module)

    def forward(self, x):
        """Each module applied to the previous one's output."""
        for module in self.__dict__.get("_modules", {}).values():
            x = module.forward(x)  # what module(x) calls, one call fewer per layer
        return x


class ModuleList(_Indexed):
    """A list of Modules, registered under "0", "1", ...; it has no forward of its own."""

    def __init__(self, modules=()):
        modules = list(modules)
        for i, module in enumerate(modules):
            _check_module("ModuleList", f"item {i}", module)
        for i, module in enumerate(modules):
            setattr(self, str(i), module)

    def __add__(self, other):
        """A new ModuleList of this one's modules followed by ``other``'s."""
        return ModuleList(list(self) + list(other))

    def __iadd__(self, other):
        """``extend`` in place."""
        return self.extend(other)


class ModuleDict(Module):
    """A dict of Modules, registered under their (string) keys, in insertion order."""

    def __init__(self, mapping=None):
        if mapping is not None:
            self.update(mapping)

    def _items(self):
        return self.__dict__.get("_modules", {})

    def __getitem__(self, key):
        return self._items()[key]

    def _check_key(self, key):
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict keys are non-empty strings without '.', got {key!r}")
        if key in _RESERVED or key in self.__dict__ and key not in self._items() \
                or hasattr(type(self), key):
            raise KeyError(f"ModuleDict key {key!r} clashes with an attribute of "
                           f"{type(self).__name__}; choose another name")

    def __setitem__(self, key, module):
        self._check_key(key)
        setattr(self, key, _check_module("ModuleDict", f"the value for {key!r}", module))

    def __delitem__(self, key):
        if key not in self._items():
            raise KeyError(key)
        delattr(self, key)

    def __len__(self):
        return len(self._items())

    def __iter__(self):
        return iter(list(self._items()))

    def __contains__(self, key):
        return key in self._items()

    def keys(self):
        """The keys, in insertion order."""
        return list(self._items().keys())

    def values(self):
        """The modules, in insertion order."""
        return list(self._items().values())

    def items(self):
        """(key, module) pairs, in insertion order."""
        return list(self._items().items())

    def update(self, mapping):
        """Add or replace the modules of ``mapping`` (a dict or (key, module) pairs); every
        pair is checked before any is added."""
        pairs = list(mapping.items() if hasattr(mapping, "items") else mapping)
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"ModuleDict.update takes (key, module) pairs, got {pair!r}")
            self._check_key(pair[0])
            _check_module("ModuleDict", f"the value for {pair[0]!r}", pair[1])
        for key, module in pairs:
            self[key] = module

    def pop(self, key):
        """Remove ``key`` and return its module."""
        module = self[key]
        del self[key]
        return module

    def clear(self):
        """Remove every module."""
        for key in self.keys():
            del self[key]
