"""Indexing: x[index] with ints, slices, None, Ellipsis, integer arrays and boolean masks."""
import numpy as np

from .base import Op, apply
from .helpers import untake

__all__ = ["take_along_axis"]


def is_basic(index):
    """True when numpy's basic indexing applies: no element can be selected twice."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


class GetItem(Op):
    """x[index];  dx = g scattered back into zeros of x's shape, repeated indices adding up."""
    __slots__ = ("index",)
    name = "getitem"
    reads_inputs = False

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, g, x):
        return untake(g, self.index, x.shape)

    def view_of(self, x):
        return x[self.index]


class Untake(Op):
    """zeros(shape) with g added at index (the transpose of getitem);  dg = d_out[index]."""
    __slots__ = ("index", "shape")
    name = "untake"
    reads_inputs = False

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    @staticmethod
    def scatter(g, index, shape):
        out = np.zeros(shape, dtype=g.dtype)
        if is_basic(index):
            out[index] = g
        else:
            np.add.at(out, index, g)
        return out

    def forward(self, g):
        return self.scatter(g, self.index, self.shape)

    def backward(self, d_out, g):
        return d_out[self.index]


def getitem(x, index):
    """x[index]: ints, slices, None, Ellipsis, integer arrays and boolean masks.

    As in PyTorch, a basic index gives a view of x's memory, even one selecting one element.
    """
    index = normalize_index(index)
    if isinstance(index, (int, np.integer)):
        index = (index, Ellipsis)  # x[0, ...] is a 0-d view where x[0] would be a copy
    elif type(index) is tuple and index and all(isinstance(i, (int, np.integer)) for i in index):
        index = index + (Ellipsis,)
    try:
        return apply(GetItem(index), x)
    except IndexError as error:
        raise IndexError(f"{error} (indexing a tensor of shape {x.shape})") from None


def _as_index(i):
    # a private copy of any index array: the caller may change theirs before the backward
    return np.array(i) if isinstance(i, (list, np.ndarray)) else i


class SetItem(Op):
    """x with v written at index (in place);  dx = g zeroed at index, dv = g[index].

    Where an integer-array index names a position twice, only the copy of v written last
    lands there, so only that copy gets the gradient (``won``).
    """
    __slots__ = ("index", "kept", "won")
    name = "setitem"
    reads_inputs = False

    def __init__(self, index, kept, won):
        self.index, self.kept, self.won = index, kept, won

    def forward(self, x, v):  # the in-place write itself is done by autograd.inplace
        out = np.array(x)
        out[self.index] = v
        return out

    def backward(self, g, x, v):
        need_x, need_v = self.needs_input_grad
        gv = None
        if need_v:
            gv = g[self.index]
            if self.won is not None:
                gv = gv * self.won
        return (g * self.kept if need_x else None), gv


class ViewWrite(Op):
    """base with its view replaced by v (the base's history after a write through a view);
    dbase = g - Sᵀ S g, dv = S g, where S takes the view (``view.view_of``)."""
    __slots__ = ("view",)
    name = "view_write"
    reads_inputs = False

    def __init__(self, view):
        self.view = view

    def forward(self, base, v):
        out = np.array(base)
        self.view.view_of(out)[...] = v
        return out

    def backward(self, g, base, v):
        need_base, need_v = self.needs_input_grad
        selected = self.view.view_of(g)
        gv = selected if need_v else None
        gbase = g - self.view.backward(selected, base) if need_base else None
        return gbase, gv


def assignment_masks(shape, index):
    """For ``x[index] = v``: where x keeps its old values, and which copies of v land."""
    kept = np.ones(shape, dtype=bool)
    kept[index] = False
    if is_basic(index) or _is_mask(index):
        return kept, None
    ids = np.full(shape, -1, dtype=np.int64)
    written = ids[index].shape
    order = np.arange(int(np.prod(written)), dtype=np.int64).reshape(written)
    ids[index] = order
    won = ids[index] == order
    return kept, (None if won.all() else won)


def _is_mask(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, np.ndarray) and i.dtype == bool or i is Ellipsis or
               isinstance(i, slice) for i in items)


def normalize_index(index):
    """Tensors as arrays, lists as private array copies (the caller may change theirs)."""
    from ..tensor import Tensor
    if isinstance(index, tuple):
        return tuple(_as_index(i.data if isinstance(i, Tensor) else i) for i in index)
    return _as_index(index.data if isinstance(index, Tensor) else index)


def take_along_axis(arr, indices, axis=-1):
    """The elements of ``arr`` at ``indices`` along ``axis`` (None: of the flattened ``arr``);
    ``indices`` has ``arr``'s number of dimensions and broadcasts against it elsewhere.
    Repeated indices accumulate their gradients."""
    from ..tensor import Tensor
    from .base import as_tensor
    from .rearrange import normalize_axis_index, ravel
    arr = as_tensor(arr)
    indices = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if indices.dtype.kind not in "iu":
        raise IndexError(f"take_along_axis: indices must be an integer array, got dtype "
                         f"{indices.dtype}")
    if axis is None:
        if indices.ndim != 1:
            raise ValueError(f"take_along_axis with axis=None needs 1-D indices, got shape "
                             f"{indices.shape}")
        arr, axis = ravel(arr), 0
    if indices.ndim != arr.ndim:
        raise ValueError(f"take_along_axis: indices of shape {indices.shape} must have as many "
                         f"dimensions as arr of shape {arr.shape}")
    axis = normalize_axis_index(axis, arr.ndim, "take_along_axis axis")
    index = tuple(
        indices if d == axis else
        np.arange(n).reshape((1,) * d + (n,) + (1,) * (arr.ndim - d - 1))
        for d, n in enumerate(arr.shape))
    return getitem(arr, index)
