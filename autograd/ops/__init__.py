"""Every op, grouped by family; ``REGISTRY`` maps op names to their classes.

Each family module lists its public functions, under their NumPy names, in ``__all__``;
``PUBLIC`` gathers them (``autograd`` exports them, the NumPy dispatch table maps to them).
"""
import importlib

from .arithmetic import *  # noqa: F401,F403
from .arithmetic import Abs, Add, Cast, Copy, Div, Mul, Neg, Pow, Sub  # noqa: F401
from .base import REGISTRY, Op, apply, as_tensor, elementwise  # noqa: F401
from .cumulative import *  # noqa: F401,F403
from .diagonals import *  # noqa: F401,F403
from .einsum import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .indexing import GetItem, Untake, getitem  # noqa: F401
from . import linalg as _linalg, svd as _svd  # noqa: F401  (public as autograd.linalg)
from .matmul import *  # noqa: F401,F403
from .products import *  # noqa: F401,F403
from .rearrange import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .rounding import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .softmax import *  # noqa: F401,F403
from .transcendental import *  # noqa: F401,F403
from .transcendental import Exp, Log, ReLU, Sigmoid, Sqrt, Tanh  # noqa: F401
# sliding windows (im2col) for convolution and pooling: engine ops, not NumPy functions
from .windows import Col2Im, Windows, col2im, windows  # noqa: F401

# (by module name: some families share their name with a function, e.g. matmul, softmax)
FAMILIES = tuple(importlib.import_module(f"{__name__}.{family}") for family in (
    "arithmetic", "transcendental", "rounding", "reductions", "cumulative", "shape", "indexing",
    "matmul", "softmax", "rearrange", "diagonals", "products", "einsum"))
PUBLIC = {name: getattr(family, name) for family in FAMILIES
          for name in getattr(family, "__all__", ())}
__all__ = sorted(PUBLIC)
