"""Indexing: x[index] with ints, slices, None, Ellipsis, integer arrays and boolean masks."""
import numpy as np

from .base import Op, apply
from .helpers import untake


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
    from ..tensor import Tensor
    if isinstance(index, tuple):
        index = tuple(_as_index(i.data if isinstance(i, Tensor) else i) for i in index)
    else:
        index = _as_index(index.data if isinstance(index, Tensor) else index)
    try:
        return apply(GetItem(index), x)
    except IndexError as error:
        raise IndexError(f"{error} (indexing a tensor of shape {x.shape})") from None


def _as_index(i):
    # a private copy of any index array: the caller may change theirs before the backward
    return np.array(i) if isinstance(i, (list, np.ndarray)) else i
