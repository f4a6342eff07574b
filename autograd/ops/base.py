"""The op protocol: one small class per primitive holds its forward and its gradient rule.

An op instance is also the graph node of its output. ``forward(*values)`` gets numpy arrays
(numpy scalars for 0-d tensors; numbers or arrays as given for constant operands) and returns
the output array, keeping in ``self.saved`` whatever backward needs beyond the inputs.
``backward(upstream, *values)`` returns one gradient per input (a bare gradient for single-input
ops), or None where no gradient is needed. The engine calls backward in one of two modes, and
the same rule serves both: with numpy arrays (the fast path), or with Tensors
(``create_graph=True``), in which case the rule's own operations are recorded and can be
differentiated again. Rules therefore use only operations that arrays and Tensors share
(operators, ``.sum``, ``.reshape``, ``.T``...) and the helpers in ``autograd.ops.helpers``.

Shared work lives in the engine, not in the rules: undoing broadcasting, casting to the
input's dtype, skipping inputs that need no gradient, accumulating without aliasing. (An op
whose rule always returns its inputs' shapes and dtypes says so with ``conforms``, and the
engine skips its check on the fast path.)
A rule must never return one of its inputs, ``self.saved`` or the same fresh array twice.
"""
import numpy as np

from ..grad_mode import _DEFAULT_MODES, _off_default, _thread, clock
from ..tensor import Tensor

REGISTRY = {}


# What ``Op.second`` holds when it is not the second input: one input, in ``first``; three or
# more, as the tuple in ``first``; or none, once a backward freed the node
_UNARY, _VARIADIC, _FREED = object(), object(), object()


class Op:
    """Base class of every primitive; subclasses with a ``name`` are registered.

    A node holds each input's value as recorded (``first``, ``second``: the input's array, a
    numpy scalar for a 0-d one, as the rule wants it, or the constant) and its origin
    (``first_origin``, ``second_origin``): the node that produced it, the input Tensor itself
    for a leaf, or None for a constant. So the graph holds no intermediate Tensor, only nodes
    and arrays (one object per node for the garbage collector to walk), and an in-place update
    that gives a tensor a new node leaves the nodes recorded before it as they were. Ops of
    three or more inputs keep both as tuples, in ``first`` and ``first_origin`` (their 0-d
    inputs as arrays). A 0-d input's scalar cannot change, so no in-place update can make its
    node read the wrong value.
    """
    __slots__ = ("first", "second", "first_origin", "second_origin", "needs_input_grad",
                 "recorded_at", "saved")
    name = ""
    # False for ops whose backward never reads their inputs' values (add, reshape...):
    # those don't care if an input is modified in place after the forward.
    reads_inputs = True
    # True for ops whose backward reads the output they saved (exp, tanh...): an in-place
    # update of that output must then fail the backward.
    saves_output = False
    # True for ops whose rule reads an input only for the other inputs' gradients (mul,
    # matmul: dx = g y): x * 3 never reads x, so an update of x after the forward is harmless.
    bilinear = False
    # True for ops whose rule, given arrays and an upstream gradient of the output's shape and
    # dtype, returns each gradient in its input's shape and dtype already (no broadcasting to
    # undo, no cast): the engine then skips its per-input check. Under create_graph it checks.
    conforms = False
    # ops whose output can share its input's memory (reshape, transpose, getitem...) define
    # ``view_of(array)``, which takes that view; their outputs remember their base (``_base``)
    view_of = None

    # what the user called, where that differs from ``name`` (mean is a mul of a sum's result):
    # to_dot and error messages show it
    label = None

    @property
    def freed(self):
        """True once a backward without ``retain_graph`` dropped the inputs and saved values."""
        return self.second is _FREED

    @property
    def inputs(self):
        """The recorded inputs as a tuple; None once freed. A leaf comes back as itself, an op's
        result as a Tensor of its value as recorded, on the node that produced it."""
        if self.second is _FREED:
            return None
        return tuple(map(as_input, self.input_values(), self.origins()))

    def input_values(self):
        """The inputs' values as recorded (arrays and constants)."""
        return self._per_input("first", "second")

    def origins(self):
        """Each input's origin: its node, the Tensor itself for a leaf, None for a constant."""
        return self._per_input("first_origin", "second_origin")

    def _per_input(self, first, second):
        """What the slots named ``first`` and ``second`` hold, as a tuple of one per input."""
        arity = self.second
        if arity is _UNARY:
            return (getattr(self, first),)
        if arity is _VARIADIC or arity is _FREED:
            return getattr(self, first)  # the tuple of three or more, or None
        return getattr(self, first), getattr(self, second)

    def record(self, inputs):
        """Record ``inputs`` (Tensors and constants) as this node's, and stamp it (for the nodes
        of in-place updates; ``apply`` records the ops it runs itself, inline)."""
        arrays = tuple([x.data if isinstance(x, Tensor) else x for x in inputs])
        origins = tuple([origin(x) for x in inputs])
        if len(inputs) == 1:
            self.first, self.second, self.first_origin = arrays[0], _UNARY, origins[0]
        elif len(inputs) == 2:
            self.first, self.second = arrays
            self.first_origin, self.second_origin = origins
        else:
            self.first, self.second, self.first_origin = arrays, _VARIADIC, origins
        self.needs_input_grad = tuple([isinstance(x, Tensor) and x._requires_grad
                                       for x in inputs])
        self.recorded_at = next(clock)

    @property
    def title(self):
        """The op's name as the user knows it: the composite they called, or the op's own."""
        return self.label or self.name

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            if cls.name in REGISTRY:
                raise RuntimeError(f"two ops are named {cls.name!r}")
            REGISTRY[cls.name] = cls

    def forward(self, *values):
        raise NotImplementedError

    def backward(self, upstream, *values):
        raise NotImplementedError

    def output(self, upstream):  # for ops with saves_output
        """The op's output as saved by forward, on this node when differentiating the rule."""
        out = self.saved if type(self.saved) is not tuple else self.saved[0]
        if isinstance(upstream, Tensor):
            return Tensor._result(np.asarray(out), self)
        return out

    def __repr__(self):
        return f"<{self.name or type(self).__name__} op>"


def origin(x):
    """Where ``x``'s gradient goes: its node, ``x`` itself for a leaf, None for a constant."""
    if isinstance(x, Tensor):
        return x if x.grad_fn is None else x.grad_fn
    return None


def as_input(value, origin):
    """The input that ``value`` and ``origin`` record, as a rule is given it with Tensors."""
    if origin is None:
        return value
    if isinstance(origin, Tensor):
        return origin
    return Tensor._result(value if type(value) is np.ndarray else np.asarray(value), origin)


_new_object = object.__new__

# shared needs_input_grad tuples: one fewer object per node
_NEEDS_1 = ((False,), (True,))
_NEEDS_2 = (((False, False), (False, True)), ((True, False), (True, True)))


def apply(op, *args):
    """Run ``op`` on Tensors and constants; record it in the graph when a gradient is needed."""
    # unary and binary ops are unrolled: this function runs once per op, on every forward
    # numpy computes on scalars ten times faster than on 0-d arrays: 0-d inputs go in as scalars
    if len(args) == 1:
        (x,) = args
        xa = x.data
        if not xa.ndim:
            xa = xa[()]
        out = op.forward(xa)
        needs = _NEEDS_1[x._requires_grad]
        second = _UNARY
    elif len(args) == 2:
        x, y = args
        x_is_tensor, y_is_tensor = isinstance(x, Tensor), isinstance(y, Tensor)
        xa = x.data if x_is_tensor else x
        second = y.data if y_is_tensor else y
        if x_is_tensor and not xa.ndim:
            xa = xa[()]
        if y_is_tensor and not second.ndim:
            second = second[()]
        out = op.forward(xa, second)
        needs = _NEEDS_2[x_is_tensor and x._requires_grad][y_is_tensor and y._requires_grad]
    else:  # three or more inputs: their arrays, needs and origins
        if (len(args) == 3 and isinstance(args[0], Tensor) and isinstance(args[1], Tensor)
                and isinstance(args[2], Tensor)):  # linear's x, w, b, without a loop
            x, y, z = args
            xa = (x.data, y.data, z.data)
            needs = (x._requires_grad, y._requires_grad, z._requires_grad)
            origins = (x.grad_fn or x, y.grad_fn or y, z.grad_fn or z)
        else:
            arrays, needs, origins = [], [], []
            for a in args:
                if isinstance(a, Tensor):
                    arrays.append(a.data)
                    needs.append(a._requires_grad)
                    origins.append(a.grad_fn or a)
                else:
                    arrays.append(a)
                    needs.append(False)
                    origins.append(None)
            xa, needs, origins = tuple(arrays), tuple(needs), tuple(origins)
        out = op.forward(*xa)
        second = _VARIADIC
    if type(out) is not np.ndarray:
        out = np.asarray(out)  # numpy returns scalars, not 0-d arrays, from 0-d operations
    # this thread's modes; a thread-local read only while some thread is off the default
    grad_enabled, anomaly = _thread.modes if _off_default else _DEFAULT_MODES
    if anomaly:
        _check_forward(op, out, args)
    # the output Tensor is made here, as Tensor._result makes it: one Python call fewer per op
    result = _new_object(Tensor)
    result.data = out
    result.grad = None
    if grad_enabled and True in needs:
        op.first = xa
        op.second = second
        # each input's origin (see Op), inline: its node, or the Tensor itself for a leaf (a
        # node is always true: ops define no __len__ or __bool__)
        if second is _UNARY:
            op.first_origin = x.grad_fn or x
            if op.view_of is not None:
                result._base = (x, op)  # an in-place write through the view reaches x
        elif second is _VARIADIC:
            op.first_origin = origins
        else:
            op.first_origin = (x.grad_fn or x) if x_is_tensor else None
            op.second_origin = (y.grad_fn or y) if y_is_tensor else None
        op.needs_input_grad = needs
        op.recorded_at = next(clock)
        result.grad_fn = op
        result._requires_grad = True
    else:
        result.grad_fn = None
        result._requires_grad = False
    return result


_LABELLED = {}


def labelled(op_class, label):
    """``op_class`` shown as ``label``: the last op of a composite, named as the user called it."""
    key = (op_class, label)
    if key not in _LABELLED:
        _LABELLED[key] = type(op_class.__name__ + "As" + label.title().replace("_", ""),
                              (op_class,), {"__slots__": (), "label": label})
    return _LABELLED[key]


def input_shapes(values):
    return ", ".join(str(np.shape(v)) for v in values)


def _check_forward(op, out, values):
    if out.dtype.kind in "fc" and not np.isfinite(out).all():
        raise FloatingPointError(
            f"the forward of '{op.title}' produced NaN or inf (output shape {out.shape}, "
            f"input shapes {input_shapes(values)})")


# ---- compact declarations -------------------------------------------------------------------
# Most elementwise ops are a numpy function and a one-line rule. ``elementwise`` makes the Op
# class from those two (as a table row would), registers it, and returns the public function.

class Elementwise(Op):
    """An op made by ``elementwise``: ``fn`` is the forward, ``rule`` the backward."""
    __slots__ = ()
    fn = rule = None

    def forward(self, *xs):
        out = self.fn(*xs)
        if self.saves_output:
            self.saved = out
        return out

    def backward(self, g, *xs):
        if self.saves_output:
            return self.rule(g, *xs, self.output(g))
        return self.rule(g, *xs)


def elementwise(name, fn, rule, math, saves_output=False):
    """Register the op ``name`` computing ``fn`` with gradient ``rule``; return its function.

    ``rule(g, *inputs)`` (``rule(g, *inputs, out)`` with ``saves_output``) returns the gradient
    of each input at the output's shape, using operations that arrays and Tensors share.
    ``math`` is the one-line derivative, e.g. ``"sin x;  dx = g cos x"``.
    """
    op_class = type(name.title().replace("_", ""), (Elementwise,), {
        "__slots__": (), "__doc__": math, "name": name, "fn": staticmethod(fn),
        "rule": staticmethod(rule), "saves_output": saves_output,
        "__module__": _caller_module()})
    arity = fn.nin if isinstance(fn, np.ufunc) else fn.__code__.co_argcount
    if arity == 1:
        def function(x):
            return apply(op_class(), as_tensor(x))
    else:
        def function(x, y):
            if not isinstance(x, Tensor) and not isinstance(y, Tensor):
                x = Tensor(x)
            return apply(op_class(), x, y)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"Elementwise {math}"
    function.__module__ = op_class.__module__
    function.op = op_class
    return function


def as_tensor(x):
    """``x`` as a Tensor (numbers and lists become float64, arrays keep their dtype)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _caller_module():
    import sys
    return sys._getframe(2).f_globals["__name__"]
