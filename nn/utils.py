"""Training utilities."""
import numpy as np


def clip_grad_norm_(parameters, max_norm, norm_type=2.0):
    """Scale all gradients in place so their joint norm is at most ``max_norm``.

    Returns the total norm before clipping, as a float.
    """
    from autograd import Tensor
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    if norm_type == np.inf:
        total = max(float(np.abs(g).max()) for g in grads)
    else:
        total = float(sum(float((np.abs(g) ** norm_type).sum()) for g in grads)
                      ** (1.0 / norm_type))
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for g in grads:
            g *= scale
    return total
