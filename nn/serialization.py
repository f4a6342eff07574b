"""nn.save and nn.load: nested structures in .npz or .safetensors files, never with pickle.

A file holds the arrays as arrays and everything else as one JSON header::

    {"npgrad": 1, "tree": <the saved object>, "architecture": <a model's, if one was saved>}

In the tree, JSON's own null, true/false, numbers, strings and lists stand for None, bools,
ints, floats, strs and lists; every other value is a one-key object whose key says its type:
``{"array": name}`` (an ndarray, stored under ``name``), ``{"scalar": name}`` (a numpy scalar,
stored as a 0-d array), ``{"dict": [[key, value], ...]}`` and ``{"odict": ...}`` (str or int
keys, in order), ``{"tuple": [...]}``, ``{"float": "nan" | "inf" | "-inf"}``, ``{"dtype": name}``.
So a user's dict can never be taken for a tag, and each type comes back as it went in.

In .npz the header is the member ``__npgrad__`` (its UTF-8 bytes as uint8); in .safetensors it
is the metadata entry ``npgrad``, so the safetensors library reads the arrays by their names.
Flat files without a header (npgrad's first .npz files, other tools' .safetensors) load as a
dict of arrays.
"""
import json
import math
import os
import stat
import uuid
import zipfile
from collections import OrderedDict

import numpy as np

from autograd import Tensor

from .module import Module

HEADER = "__npgrad__"
VERSION = 1
_ARRAY_KINDS = "biufc"  # bool, int, unsigned, float, complex: nothing that needs pickle
_MAPPINGS = {dict: "dict", OrderedDict: "odict"}
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


# ---- the tree: Python values <-> JSON plus named arrays -------------------------------------
class Packer:
    """Turns a nested structure into JSON-safe values, collecting its arrays by name.

    With ``arrays=None`` arrays are refused (a model's constructor arguments).
    """

    def __init__(self, arrays=None):
        self.arrays = arrays

    def pack(self, value, where=()):
        """``value`` as JSON-safe data (see the module docstring); ``where`` names its place
        (the keys down to it) in error messages and array names. TypeError for what no
        file can hold exactly."""
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if math.isfinite(value) else {"float": repr(value)}
        if kind is list:
            return [self.pack(item, where + (str(i),)) for i, item in enumerate(value)]
        if kind is tuple:
            return {"tuple": [self.pack(item, where + (str(i),)) for i, item in enumerate(value)]}
        if kind in _MAPPINGS:
            items = []
            for key, item in value.items():
                if type(key) not in (str, int):
                    raise TypeError(f"cannot save {_name(where)}: its key {key!r} is a "
                                    f"{type(key).__name__}; keys must be str or int")
                items.append([key, self.pack(item, where + (str(key),))])
            return {_MAPPINGS[kind]: items}
        if isinstance(value, np.dtype) or (isinstance(value, type)
                                           and issubclass(value, np.generic)):
            dtype = np.dtype(value)
            _check_kind(dtype, where)
            return {"dtype": dtype.name}
        if isinstance(value, (np.ndarray, np.generic, Tensor)):
            return self._array(value, where)
        remedy = (" (save its state_dict(): a model is saved alone, as nn.save(model, path))"
                  if hasattr(value, "state_dict") else
                  "; nn.save takes dicts (str or int keys), lists, tuples, numpy arrays, "
                  "Tensors, numpy scalars, int, float, bool, str and None")
        raise TypeError(f"cannot save {_name(where)}: a {kind.__name__}{remedy}")

    def _array(self, value, where):
        if self.arrays is None:
            raise TypeError(f"{_name(where)} is an array; only JSON-like values can go here")
        scalar = isinstance(value, np.generic)
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        _check_kind(array.dtype, where)
        name = ".".join(where) or "array"
        unique, n = name, 0
        while unique in self.arrays or unique == HEADER:
            n += 1
            unique = f"{name}~{n}"
        self.arrays[unique] = array
        return {"scalar" if scalar else "array": unique}


def unpack(node, arrays=None, used=None):
    """The inverse of ``Packer.pack``: JSON values and named arrays -> the saved structure."""
    kind = type(node)
    if node is None or kind in (bool, int, float, str):
        return node
    if kind is list:
        return [unpack(item, arrays, used) for item in node]
    if kind is dict and len(node) == 1:
        (tag, body), = node.items()
        if tag == "tuple" and type(body) is list:
            return tuple(unpack(item, arrays, used) for item in body)
        if tag in ("dict", "odict") and type(body) is list:
            pairs = []
            for pair in body:
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
                    raise ValueError(f"bad {tag} entry {pair!r:.80}")
                pairs.append((pair[0], unpack(pair[1], arrays, used)))
            return dict(pairs) if tag == "dict" else OrderedDict(pairs)
        if tag == "float" and body in _NON_FINITE:
            return _NON_FINITE[body]
        if tag == "dtype" and type(body) is str:
            dtype = np.dtype(body)  # a name: numpy builds no object from it
            _check_kind(dtype, ("dtype",), error=ValueError)
            return dtype
        if tag in ("array", "scalar") and type(body) is str and arrays is not None:
            if body not in arrays or body in used:
                raise ValueError(f"the header refers to array {body!r}, which the file "
                                 f"does not hold (or holds once, for two places)")
            used.add(body)
            array = arrays[body]
            if tag == "scalar":
                if array.ndim:
                    raise ValueError(f"scalar {body!r} has shape {array.shape}")
                return array[()]
            return array
    raise ValueError(f"unknown entry {node!r:.80}")


def _name(where):
    return "the object" if not where else "entry " + ".".join(where)


def _check_kind(dtype, where, error=TypeError):
    if dtype.kind not in _ARRAY_KINDS:
        raise error(f"cannot save {_name(where)}: dtype {dtype} is not numeric (bool, int, "
                    f"float or complex); nn.save never pickles")


# ---- the two formats ------------------------------------------------------------------------
def _write_npz(path, header, arrays):
    members = dict(arrays)
    members[HEADER] = np.frombuffer(header.encode(), dtype=np.uint8)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in members.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _read_npz(path):
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            start = f.read(6)
        raise ValueError("it holds a single array, not a saved .npz state"
                         if start == b"\x93NUMPY" else "it is not a valid .npz file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ValueError("it holds an object array; npgrad loads numeric arrays only "
                             "and never unpickles") from None
        raise
    for key, array in arrays.items():
        if not isinstance(array, np.ndarray):  # np.load hands back non-.npy members as bytes
            raise ValueError(f"its member {key!r} is not a .npy array")
    header = arrays.pop(HEADER, None)
    if header is not None:
        if header.dtype != np.uint8 or header.ndim != 1:
            raise ValueError(f"its {HEADER} member is not a UTF-8 header")
        header = header.tobytes().decode()
    return header, arrays


_SAFETENSORS_DTYPES = {"bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64",
                       "uint64", "float16", "float32", "float64", "complex64"}


def _safetensors():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(".safetensors files need the safetensors package: "
                          "pip install npgrad[safetensors] (or save as .npz)") from None
    return safetensors


def _check_safetensors(arrays):
    for name, array in arrays.items():
        if array.dtype.name not in _SAFETENSORS_DTYPES:
            raise TypeError(f"cannot save array {name!r} of dtype {array.dtype} as "
                            f".safetensors, which holds {sorted(_SAFETENSORS_DTYPES)}; "
                            f"save as .npz, or convert it")


def _write_safetensors(path, header, arrays):
    arrays = {name: np.require(array, requirements="C") for name, array in arrays.items()}
    _safetensors().numpy.save_file(arrays, path, metadata={"npgrad": header})


def _read_safetensors(path):
    safetensors = _safetensors()
    try:
        with safetensors.safe_open(path, framework="np") as f:
            header = (f.metadata() or {}).get("npgrad")
            arrays = {key: np.array(f.get_tensor(key)) for key in f.keys()}
    except (safetensors.SafetensorError, KeyError) as error:
        raise ValueError(f"it is not a valid .safetensors file ({error})") from None
    except TypeError as error:  # a dtype numpy lacks, such as bfloat16
        raise ValueError(f"it holds an array numpy cannot represent ({error})") from None
    return header, arrays


# extension -> (writer, reader, check before writing)
FORMATS = {".npz": (_write_npz, _read_npz, lambda arrays: None),
           ".safetensors": (_write_safetensors, _read_safetensors, _check_safetensors)}


def _format(path):
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension not in FORMATS:
        raise ValueError(f"{os.fspath(path)!r}: unknown extension {extension!r}; nn.save and "
                         f"nn.load write and read {' and '.join(FORMATS)} files")
    return FORMATS[extension]


# ---- files --------------------------------------------------------------------------------
def atomic_write(path, write):
    """Call ``write(temporary_path)``, then move the temporary file onto ``path``.

    The temporary file sits in ``path``'s folder (so the move is one ``os.replace``); on any
    error it is removed and whatever was at ``path`` is left as it was.
    """
    target = os.path.realpath(os.fspath(path))
    folder, base = os.path.split(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {os.fspath(path)}: there is no folder {folder}")
    temporary = os.path.join(folder, f".{base}.{uuid.uuid4().hex[:12]}.tmp")
    # the mode of the file it replaces, else the mode a new file gets (the umask applied)
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        mode = os.stat(target if os.path.exists(target) else temporary).st_mode
        write(temporary)
        os.chmod(temporary, stat.S_IMODE(mode))  # a writer may have made a file of its own
        descriptor = os.open(temporary, os.O_RDWR)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def save(obj, path):
    """Write ``obj`` to ``path``, as .npz or .safetensors by the extension, atomically.

    ``obj``: a Module (its state_dict, and its architecture for ``nn.load_model``), an object
    with a ``state_dict()`` (an optimizer, a scheduler: that state_dict), or a nested
    structure of dicts (str or int keys), lists, tuples, arrays, Tensors (saved as arrays),
    numpy scalars, int, float, bool, str and None. A bad value raises TypeError naming where
    it sits, before anything is written.
    """
    write, _, check = _format(path)
    architecture = None
    if isinstance(obj, Module):
        from .architecture import describe  # imported here: architecture.py imports this file
        architecture, obj = describe(obj), obj.state_dict()
    elif hasattr(obj, "state_dict") and not isinstance(obj, (dict, list, tuple)):
        obj = obj.state_dict()
    arrays = {}
    content = {"npgrad": VERSION, "tree": Packer(arrays).pack(obj)}
    if architecture is not None:
        content["architecture"] = architecture
    header = json.dumps(content, allow_nan=False, separators=(",", ":"))
    check(arrays)
    atomic_write(path, lambda temporary: write(temporary, header, arrays))


def read(path):
    """``(content, arrays)`` of a file: the parsed header (None for a flat file) and its arrays.

    Raises ValueError, never unpickling, for anything ``save`` did not write.
    """
    _, reader, _ = _format(path)
    try:
        header, arrays = reader(path)
        for key, array in arrays.items():
            if array.dtype.kind not in _ARRAY_KINDS:
                raise ValueError(f"its array {key!r} has dtype {array.dtype}, which is not "
                                 f"numeric")
        if header is None:
            return None, arrays
        content = json.loads(header)
        if type(content) is not dict or content.get("npgrad") != VERSION or "tree" not in content:
            raise ValueError("its header is not an npgrad header of version "
                             f"{VERSION}")
        return content, arrays
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, RecursionError,
            UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {os.fspath(path)}: {error}") from None


def load(path):
    """What ``save`` wrote to ``path``, with the same types; a flat file as a dict of arrays.

    A saved Module comes back as its state_dict (``nn.load_model`` rebuilds the model).
    Never unpickles: object arrays and files ``save`` did not write raise ValueError.
    """
    return tree(path, *read(path))


def tree(path, content, arrays):
    """The saved structure, from what ``read(path)`` returned."""
    if content is None:
        return arrays
    used = set()
    try:
        result = unpack(content["tree"], arrays, used)
    except (ValueError, TypeError, RecursionError) as error:
        raise ValueError(f"cannot read {os.fspath(path)}: {error}") from None
    if len(used) != len(arrays):
        extra = sorted(set(arrays) - used)[:5]
        raise ValueError(f"cannot read {os.fspath(path)}: it holds arrays its header does not "
                         f"mention: {extra}")
    return result
