"""Ops that declare ``conforms`` (their rule's gradients already have the inputs' shapes and
dtypes, so the engine skips its check): ReLU, the fused cross-entropy and linear on inputs of
one dtype. Each gradient from backward() (the engine trusting the rule) must have its input's
shape and dtype and equal the one from grad(create_graph=True) (the engine checking it)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tensor, grad, relu
from autograd.ops import REGISTRY
from nn import functional as F
from nn.functional.linear import Linear, UniformLinear

FLOATS = (np.float16, np.float32, np.float64)


def assert_backward_is_exact(output, inputs, upstream):
    """backward()'s .grad of each input against grad(create_graph=True)'s, with ``upstream``."""
    checked = grad(output, inputs, upstream, create_graph=True)
    output.backward(upstream)
    for x, expected in zip(inputs, checked):
        assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
        np.testing.assert_array_equal(x.grad, expected.data)


def test_the_declaring_ops_are_the_ones_tested_here():
    declared = sorted(name for name, cls in REGISTRY.items() if cls.conforms)
    assert declared == ["cross_entropy", "relu"]
    assert UniformLinear.conforms and not Linear.conforms


shapes = st.lists(st.integers(0, 4), max_size=3).map(tuple)


@settings(max_examples=25, deadline=None)
@given(shape=shapes, dtype=st.sampled_from(FLOATS), seed=st.integers(0, 2 ** 16))
def test_relu_gradients_come_in_the_inputs_shape_and_dtype(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.normal(size=shape).astype(dtype), requires_grad=True)
    y = relu(x)
    assert_backward_is_exact(y, [x], rng.normal(size=shape).astype(dtype))
    np.testing.assert_array_equal(x.grad, np.where(x.data > 0, x.grad, 0))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 5), classes=st.integers(1, 4), dtype=st.sampled_from(FLOATS),
       reduction=st.sampled_from(["mean", "sum", "none"]), seed=st.integers(0, 2 ** 16))
def test_cross_entropy_gradients_come_in_the_logits_shape_and_dtype(n, classes, dtype,
                                                                    reduction, seed):
    rng = np.random.default_rng(seed)
    logits = Tensor(rng.normal(size=(n, classes)).astype(dtype), requires_grad=True)
    loss = F.cross_entropy(logits, rng.integers(0, classes, n), reduction=reduction)
    assert type(loss.grad_fn).__name__ == "CrossEntropy"
    assert_backward_is_exact(loss, [logits], rng.normal(size=loss.shape).astype(dtype))


@settings(max_examples=30, deadline=None)
@given(lead=st.lists(st.integers(0, 3), max_size=2).map(tuple), sizes=st.tuples(
    st.integers(1, 4), st.integers(1, 4)), dtype=st.sampled_from(FLOATS),
    bias=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_linear_on_one_dtype_conforms_and_its_gradients_are_exact(lead, sizes, dtype, bias,
                                                                  seed):
    rng = np.random.default_rng(seed)
    n_in, n_out = sizes
    x = Tensor(rng.normal(size=lead + (n_in,)).astype(dtype), requires_grad=True)
    w = Tensor(rng.normal(size=sizes).astype(dtype), requires_grad=True)
    b = Tensor(rng.normal(size=n_out).astype(dtype), requires_grad=True) if bias else None
    out = F.linear(x, w, b)
    assert type(out.grad_fn) is UniformLinear
    assert_backward_is_exact(out, [x, w] + [b] * bias,
                             rng.normal(size=out.shape).astype(dtype))


@pytest.mark.parametrize("case", ["mixed dtypes", "bias of one", "bias of a row",
                                  "float64 bias", "array input"])
def test_linear_otherwise_leaves_the_gradients_to_the_engine(case):
    rng = np.random.default_rng(0)
    x_dtype = np.float32 if case == "mixed dtypes" else np.float64
    b_shape = {"bias of one": (1,), "bias of a row": (1, 3)}.get(case, (3,))
    x = Tensor(rng.normal(size=(4, 2)).astype(x_dtype), requires_grad=True)
    w = Tensor(rng.normal(size=(2, 3)).astype(np.float32), requires_grad=True)
    b = Tensor(rng.normal(size=b_shape), requires_grad=True)  # float64
    if case == "array input":
        x = rng.integers(0, 3, (4, 2))
        w = Tensor(w.data.astype(np.float64), requires_grad=True)
    out = F.linear(x, w, b)
    assert type(out.grad_fn) is Linear
    inputs = [t for t in (x, w, b) if isinstance(t, Tensor)]
    upstream = rng.normal(size=out.shape)
    assert_backward_is_exact(out, inputs, upstream)
    summed = upstream.sum(axis=0, keepdims=len(b_shape) == 2)
    np.testing.assert_allclose(b.grad, summed.sum(axis=-1, keepdims=True)
                               if b_shape == (1,) else summed)
