"""Every primitive op, grouped by family; ``REGISTRY`` maps op names to their classes."""
from .base import REGISTRY, Op, apply
from .elementwise import (Abs, Add, Cast, Clip, Div, Exp, Log, Maximum, Minimum, Mul, Neg,
                          Pow, ReLU, Sigmoid, Sqrt, Sub, Tanh, Where, add, div, maximum,
                          minimum, mul, neg, pow, sub, where)
from .indexing import GetItem, Untake, getitem
from .matmul import MatMul, matmul
from .reductions import (LogSumExp, Max, Min, Sum, logsumexp, max, mean, min, sum, var)
from .shape import (BroadcastTo, Concatenate, Reshape, Transpose, broadcast_to, concatenate,
                    expand_dims, flatten, reshape, squeeze, stack, transpose)
from .softmax import Softmax, log_softmax, softmax
from .windows import Col2Im, Windows, col2im, windows
