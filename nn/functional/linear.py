"""The fused linear layer: x @ w + b as one graph node."""
from autograd.ops import Op, apply
from autograd.ops.helpers import value


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
        if b.ndim == 1:
            return gx, gw, g.sum(axis=0)
        return gx, gw, upstream  # summed to b's shape by the engine


def linear(x, w, b=None):
    """x @ w + b with w of shape (in, out); one graph node."""
    w_shape = value(w).shape
    if len(w_shape) != 2:
        raise ValueError(f"linear needs a 2-D weight of shape (in, out), got {w_shape} "
                         f"(input of shape {value(x).shape})")
    try:
        return apply(Linear(), x, w) if b is None else apply(Linear(), x, w, b)
    except ValueError:
        raise ValueError(f"linear: input of shape {value(x).shape} does not fit a weight of "
                         f"shape {w_shape} (expected {w_shape[0]} input features)") from None
