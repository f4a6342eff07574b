"""Linear algebra on Tensors, batched like np.linalg: norm, inv, det, slogdet, solve.

Each is differentiable to any order (their ops live in ``autograd.ops.linalg``), and
``np.linalg.<name>(tensor)`` runs the same function.
"""
from .ops.linalg import SlogdetResult, det, inv, norm, slogdet, solve

__all__ = ["norm", "inv", "det", "slogdet", "solve", "SlogdetResult"]
