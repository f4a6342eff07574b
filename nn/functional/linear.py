"""The fused linear layer: x @ w + b as one graph node."""
import numpy as np

from autograd import Tensor
from autograd.ops import Op, apply
from autograd.ops.helpers import BLOCKED_SUM_ROWS, column_sums


class Linear(Op):
    """x @ w + b, fused because it is a third of every MLP step;  dx = g wᵀ, dw = xᵀ g, db = Σg."""
    __slots__ = ()
    name = "linear"
    bilinear = True  # (b is never read)

    def forward(self, x, w, b=None):
        out = x @ w
        if b is None:
            return out
        if b.dtype == out.dtype:
            out += b  # in place into the fresh product: one pass fewer over memory
            return out
        return out + b  # numpy promotion decides the dtype

    def backward(self, g, x, w, b=None):
        need_x, need_w = self.needs_input_grad[:2]
        upstream, x_shape = g, x.shape
        if g.ndim != 2:  # any leading axes are a batch
            g, x = g.reshape(-1, g.shape[-1]), x.reshape(-1, x_shape[-1])
        gx = None
        if need_x:
            gx = g @ w.T
            if upstream.ndim != 2:
                gx = gx.reshape(x_shape)
        gw = (x.T @ g) if need_w else None
        if b is None:
            return gx, gw
        if not self.needs_input_grad[2]:
            return gx, gw, None
        if b.ndim == 1:  # on arrays without ndarray.sum's Python frame; under create_graph g
            # is a Tensor, whose sum records
            if type(g) is not np.ndarray:
                return gx, gw, g.sum(axis=0)
            # a small batch (W1's 64 rows) without column_sums' call, which would take this path
            small = len(g) < BLOCKED_SUM_ROWS
            return gx, gw, (np.add.reduce(g, 0) if small else column_sums(g))
        return gx, gw, upstream  # summed to b's shape by the engine


class UniformLinear(Linear):
    """Linear on inputs of one dtype with a bias of shape (out,), or none: its rule's gradients
    come out in the inputs' shapes and dtypes (``Op.conforms``), which ``linear`` knows from
    the checks it makes anyway."""
    __slots__ = ()
    conforms = True


_SHAPED = (Tensor, np.ndarray)


def linear(x, w, b=None):
    """x @ w + b with x of shape (..., in), w of shape (in, out), b of shape (out,) (or any
    shape that broadcasts to the output's); one graph node.

    The shapes are checked first (a few tuple comparisons), so a mismatch names the argument
    at fault, both shapes and the shape that would fit.
    """
    if isinstance(x, Tensor) and isinstance(w, Tensor) and isinstance(b, Tensor):
        # the layer's case, on the arrays (a Tensor's shape and dtype are properties): one dtype,
        # a 2-D weight that fits x, a bias of shape (out,); anything else is checked below
        xa, wa, ba = x.data, w.data, b.data
        dtype = wa.dtype
        if (wa.ndim == 2 and ba.ndim == 1 and xa.ndim and xa.dtype is dtype
                and ba.dtype is dtype and xa.shape[-1] == wa.shape[0]
                and len(ba) == wa.shape[1]):
            return apply(UniformLinear(), x, w, b)
    # Tensors and arrays inline (this runs once per layer per step), anything else by np.shape
    x_shape = x.shape if isinstance(x, _SHAPED) else np.shape(x)
    w_shape = w.shape if isinstance(w, _SHAPED) else np.shape(w)
    if len(w_shape) != 2:
        raise ValueError(f"linear needs a 2-D weight of shape (in_features, out_features), "
                         f"got a weight of shape {w_shape} (input of shape {x_shape})")
    if x_shape[-1:] != w_shape[:1]:
        raise ValueError(f"linear: input of shape {x_shape} does not fit a weight of shape "
                         f"{w_shape}: the input's last axis must have {w_shape[0]} "
                         f"(in_features) entries")
    if b is None:
        uniform = getattr(x, "dtype", None) is getattr(w, "dtype", False)
        return apply(UniformLinear() if uniform else Linear(), x, w)
    b_shape = b.shape if isinstance(b, _SHAPED) else np.shape(b)
    if b_shape == w_shape[1:]:
        dtype = getattr(w, "dtype", None)  # None for a list: no fast path
        if getattr(x, "dtype", False) is dtype and getattr(b, "dtype", False) is dtype:
            return apply(UniformLinear(), x, w, b)
    else:
        out_shape = x_shape[:-1] + w_shape[1:]
        try:
            fits = np.broadcast_shapes(b_shape, out_shape) == out_shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"linear: bias of shape {b_shape} does not fit the output of "
                             f"shape {out_shape} (input {x_shape} @ weight {w_shape}); pass a "
                             f"bias of shape ({w_shape[1]},), one per output feature")
    return apply(Linear(), x, w, b)
