"""npgrad's autograd engine: Tensors that record their ops, and reverse-mode gradients."""
from . import allocator as _allocator  # noqa: F401  (glibc's malloc set for graphs freed each step)
from .tensor import Tensor
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .engine import grad
from .gradcheck import (GradcheckError, gradcheck, gradgradcheck, numerical_gradient,
                        rel_error)
from .ops import *  # noqa: F401,F403  (the NumPy surface: autograd.sin, autograd.einsum...)
from .ops import PUBLIC as _PUBLIC
from .creation import *  # noqa: F401,F403
from . import creation as _creation
from .graphviz import to_dot
from . import functional, linalg

__all__ = [
    "Tensor", "no_grad", "enable_grad", "is_grad_enabled", "grad", "gradcheck",
    "numerical_gradient", "rel_error", "GradcheckError", "concatenate", "stack", "where",
    "maximum", "minimum", "detect_anomaly", "to_dot", "linalg", "gradgradcheck", "functional",
] + sorted(set(_PUBLIC) - {"maximum", "minimum", "concatenate", "stack", "where"}) \
  + _creation.__all__
