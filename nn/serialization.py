"""Saving and loading arrays as .npz, never with pickle."""
import zipfile

import numpy as np

from autograd import Tensor


def save(obj, path):
    """Write a Module's state_dict, or a dict of arrays, to ``path`` as .npz."""
    state = obj.state_dict() if hasattr(obj, "state_dict") else obj
    if not isinstance(state, dict):
        raise TypeError(f"save takes a Module or a dict of arrays, not {type(obj).__name__}")
    arrays = {}
    for key, array in state.items():
        array = np.asarray(array.data if isinstance(array, Tensor) else array)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"cannot save {key!r}: dtype {array.dtype} is not numeric")
        arrays[str(key)] = array
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def load(path):
    """Read a dict of arrays written by ``save``. Object arrays are refused: no code runs."""
    try:
        if not zipfile.is_zipfile(path):
            with open(path, "rb") as f:
                is_npy = f.read(6) == b"\x93NUMPY"
            raise ValueError(f"{path} holds a single array, not a saved .npz state" if is_npy
                             else f"cannot read {path}: not a valid .npz file")
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError(f"{path} holds a single array, not a saved .npz state")
        with archive:
            return {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise
    except ValueError as error:
        if str(error).startswith(str(path)) or str(error).startswith("cannot read"):
            raise
        if "allow_pickle" in str(error):
            raise ValueError(f"{path} holds an object array; npgrad loads numeric arrays only "
                             f"and never unpickles") from None
        raise ValueError(f"cannot read {path}: {error}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"cannot read {path}: not a valid .npz file ({error})") from None
