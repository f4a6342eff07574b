"""batch_norm, layer_norm, BatchNorm1d/2d and LayerNorm: by hand, running stats, gradchecks."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor, grad, gradcheck, gradgradcheck
from nn import functional as F

EPS = 1e-5


def leaf(array):
    return Tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def channels_last(array):
    """The same (N, C, H, W) values, laid out in memory as (N, H, W, C), as conv2d outputs are."""
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


# ---- by hand ------------------------------------------------------------------------------------
def test_batch_norm_training_by_hand():
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0]])   # N=3, C=2
    running_mean, running_var = np.zeros(2), np.ones(2)
    out = F.batch_norm(Tensor(x), running_mean, running_var, training=True)
    # channel 0: mean 3, biased var 8/3; channel 1: mean 12, biased var 8
    expected = np.stack([(x[:, 0] - 3) / np.sqrt(8 / 3 + EPS), (x[:, 1] - 12) / np.sqrt(8 + EPS)],
                        axis=1)
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    # unbiased variances 4 and 12
    np.testing.assert_allclose(running_mean, [0.3, 1.2], rtol=1e-14)
    np.testing.assert_allclose(running_var, [0.9 + 0.4, 0.9 + 1.2], rtol=1e-14)


def test_batch_norm_eval_uses_the_running_statistics_and_leaves_them():
    x = np.array([[2.0], [4.0]])
    mean, var = np.array([1.0]), np.array([3.0])
    out = F.batch_norm(Tensor(x), mean, var, np.array([2.0]), np.array([0.5]))
    np.testing.assert_allclose(out.data, (x - 1) / np.sqrt(3 + EPS) * 2 + 0.5, rtol=1e-14)
    assert mean.tolist() == [1.0] and var.tolist() == [3.0]


def test_batch_norm_over_images_normalises_each_channel_over_n_h_w():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3, 5, 2)) * [[[[1.0]], [[5.0]], [[0.2]]]] + 7
    out = F.batch_norm(Tensor(x), None, None, training=True).data
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-14)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, rtol=1e-3)


def test_layer_norm_by_hand():
    x = np.array([[1.0, 2.0, 3.0, 6.0]])   # mean 3, biased var 3.5
    out = F.layer_norm(Tensor(x), 4, np.array([1.0, 2.0, 1.0, 1.0]), np.array([0, 0, 0, 1.0]))
    z = (x - 3) / np.sqrt(3.5 + EPS)
    np.testing.assert_allclose(out.data, z * [1, 2, 1, 1] + [0, 0, 0, 1], rtol=1e-14)


def test_layer_norm_normalises_each_sample_over_the_last_axes():
    x = np.random.default_rng(1).normal(size=(3, 2, 4, 5)) * 4 - 2
    out = F.layer_norm(Tensor(x), (4, 5)).data
    np.testing.assert_allclose(out.mean(axis=(2, 3)), 0, atol=1e-14)
    np.testing.assert_allclose(out.var(axis=(2, 3)), 1, rtol=1e-3)


# ---- gradchecks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5), (2, 3, 3, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck_first_and_second_order(shape, training):
    rng = np.random.default_rng(len(shape))
    channels = shape[1]
    x, w, b = leaf(rng.normal(size=shape)), leaf(rng.normal(size=channels)), leaf(
        rng.normal(size=channels))
    mean, var = rng.normal(size=channels), rng.uniform(0.5, 2, size=channels)

    def fn(x, w, b):  # fresh running statistics each call: centred differences see no drift
        return F.batch_norm(x, mean.copy(), var.copy(), w, b, training=training)

    assert gradcheck(fn, [x, w, b])
    assert gradgradcheck(fn, [x, w, b])


@pytest.mark.parametrize("shape, normalized", [((4, 3), 3), ((2, 3, 4), (3, 4)), ((5,), 5)])
def test_layer_norm_gradcheck_first_and_second_order(shape, normalized):
    rng = np.random.default_rng(len(shape))
    wshape = (normalized,) if isinstance(normalized, int) else normalized
    x, w, b = leaf(rng.normal(size=shape)), leaf(rng.normal(size=wshape)), leaf(
        rng.normal(size=wshape))
    fn = lambda x, w, b: F.layer_norm(x, normalized, w, b)  # noqa: E731
    assert gradcheck(fn, [x, w, b])
    assert gradgradcheck(fn, [x, w, b])


def test_the_batch_norm_gradient_of_a_plain_sum_is_zero():
    # Σ_n x̂ = 0 whatever x: the gradient of the sum with respect to x vanishes
    x = leaf(np.random.default_rng(0).normal(size=(6, 2)))
    (g,) = grad(F.batch_norm(x, None, None, training=True).sum(), x)
    np.testing.assert_allclose(g.data, 0, atol=1e-14)


def composite_batch_norm(x, w, b, eps=EPS):
    """The batch statistics' normalisation in the engine's elementwise ops and reductions: the
    reference that the fused op must equal, values and gradients."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    centred = x - x.mean(axis=axes, keepdims=True)
    out = centred / ((centred * centred).mean(axis=axes, keepdims=True) + eps).sqrt()
    if w is not None:
        out = out * w.reshape(shape)
    if b is not None:
        out = out + b.reshape(shape)
    return out


@settings(max_examples=40, deadline=None)
@given(ndim=st.integers(2, 4), sides=st.lists(st.integers(1, 4), min_size=4, max_size=4),
       last=st.booleans(), dtype=st.sampled_from([np.float64, np.float32]),
       affine=st.sampled_from(["both", "weight", "bias", "none", "arrays"]),
       create_graph=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_the_batch_norm_op_equals_the_composite(ndim, sides, last, dtype, affine, create_graph,
                                                 seed):
    shape = tuple(sides[:ndim])
    if np.prod(shape) // shape[1] < 2:
        shape = (shape[0] + 1,) + shape[1:]  # more than one value per channel
    rng = np.random.default_rng(seed)
    data = (rng.normal(size=shape) * 3 + rng.normal(size=(1, shape[1]) + (1,) * (ndim - 2)))
    data = data.astype(dtype)
    if last and ndim == 4:
        data = channels_last(data)
    w, b = rng.normal(size=shape[1]).astype(dtype), rng.normal(size=shape[1]).astype(dtype)
    assert_fused_equals_composite(
        "batch_norm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        composite_batch_norm, data, w, b, affine, rng.normal(size=shape).astype(dtype),
        create_graph)


def assert_fused_equals_composite(name, fused, composite, data, w, b, affine, upstream,
                                  create_graph):
    """fused(x, weight, bias), one node called ``name``, against composite(x, weight, bias): the
    values, gradients, dtypes and shapes, and which gradients are on a graph; weight and bias
    as ``affine`` says (Tensors, constant arrays or None). In float32, both are compared with
    the composite in float64: the fused op may not be much further from it than the float32
    composite is (a row of close values makes either lose digits)."""
    results, recorded = [], []  # recorded: which gradients are on a graph (create_graph)
    runs = [(fused, data.dtype), (composite, data.dtype)]
    if data.dtype == np.float32:
        runs.append((composite, np.float64))
    for fn, dtype in runs:
        x = Tensor(data.astype(dtype), requires_grad=True)
        weight = None if affine in ("bias", "none") else Tensor(w.astype(dtype),
                                                                requires_grad=True)
        bias = None if affine in ("weight", "none") else Tensor(b.astype(dtype),
                                                              requires_grad=True)
        if affine == "arrays":
            weight, bias = w.astype(dtype), b.astype(dtype)  # constants: no gradient asked
        out = fn(x, weight, bias)
        assert out.shape == data.shape and (fn is composite or out.grad_fn.name == name)
        wanted = [t for t in (x, weight, bias) if isinstance(t, Tensor)]
        grads = grad(out, wanted, upstream.astype(dtype), create_graph=create_graph)
        results.append([out.data] + [g.data for g in grads])
        assert all(g.dtype == t.dtype and g.shape == t.shape for g, t in zip(grads, wanted))
        recorded.append([g.grad_fn is not None for g in grads])
    assert recorded[0] == recorded[1] and (create_graph or not any(recorded[0]))
    for values in zip(*results):
        assert values[0].dtype == values[1].dtype == data.dtype
        if data.dtype == np.float64:
            np.testing.assert_allclose(values[0], values[1], rtol=1e-9, atol=1e-10)
            continue
        fused_value, composite_value, exact = values
        own_error = np.abs(composite_value - exact)  # the float32 composite's
        bound = 4 * own_error + 1e-5 * (1 + np.abs(exact))
        assert np.all(np.abs(fused_value - exact) <= bound), np.abs(fused_value - exact).max()


@pytest.mark.parametrize("layout", [np.ascontiguousarray, channels_last])
def test_batch_norm_gradcheck_of_images_in_either_layout_and_without_affine(layout):
    rng = np.random.default_rng(3)
    x = leaf(layout(rng.normal(size=(2, 3, 4, 3))))
    w, b = leaf(rng.normal(size=3)), leaf(rng.normal(size=3))
    for fn, inputs in ((lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                        [x, w, b]),
                       (lambda x: F.batch_norm(x, None, None, training=True), [x])):
        assert gradcheck(fn, inputs)
        assert gradgradcheck(fn, inputs)


def test_batch_norm_output_can_be_written_without_changing_its_gradient():
    # without weight and bias the output is x̂, which the rule saves: it must be a copy
    rng = np.random.default_rng(1)
    data, upstream = rng.normal(size=(5, 2, 3)), rng.normal(size=(5, 2, 3))
    x = leaf(data)
    (expected,) = grad(composite_batch_norm(x, None, None), x, upstream)
    out = F.batch_norm(x, None, None, training=True)
    out.data[...] = 7.0
    (gx,) = grad(out, x, upstream)
    np.testing.assert_allclose(gx.data, expected.data, rtol=1e-12, atol=1e-12)


def test_batch_norm_backward_fails_after_its_input_is_updated_in_place():
    # the rule on Tensors (create_graph) reads x, as PyTorch's saves it
    x = leaf(np.arange(12.0).reshape(4, 3))
    out = F.batch_norm(x, None, None, training=True)
    x.data[...] += 1
    x._version += 1
    with pytest.raises(RuntimeError, match=r"'batch_norm' needs the values of its input 0"):
        (out * out).sum().backward()


def composite_layer_norm(x, k, w, b, eps=EPS):
    """Layer normalisation over the last k axes in the engine's ops: the fused op's reference."""
    axes = tuple(range(x.ndim - k, x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    out = centred / ((centred * centred).mean(axis=axes, keepdims=True) + eps).sqrt()
    if w is not None:
        out = out * w
    if b is not None:
        out = out + b
    return out


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(0, 4), min_size=1, max_size=4), k=st.integers(1, 3),
       dtype=st.sampled_from([np.float64, np.float32]),
       affine=st.sampled_from(["both", "weight", "bias", "none", "arrays"]),
       create_graph=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_the_layer_norm_op_equals_the_composite(shape, k, dtype, affine, create_graph, seed):
    shape = tuple(shape)
    k = min(k, len(shape))
    normalized = shape[len(shape) - k:]
    if 0 in normalized:
        normalized = tuple(max(n, 1) for n in normalized)  # empty rows, but no empty row
        shape = shape[:len(shape) - k] + normalized
    rng = np.random.default_rng(seed)
    data = (rng.normal(size=shape) * 3 + 1).astype(dtype)
    w, b = rng.normal(size=normalized).astype(dtype), rng.normal(size=normalized).astype(dtype)
    assert_fused_equals_composite(
        "layer_norm", lambda x, w, b: F.layer_norm(x, normalized, w, b),
        lambda x, w, b: composite_layer_norm(x, k, w, b), data, w, b, affine,
        rng.normal(size=shape).astype(dtype), create_graph)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("norm", ["layer", "batch"])
def test_rows_of_close_values_keep_float32_gradients_that_sum_to_zero(norm, create_graph):
    # x̂ of a row of close values does not quite sum to 0 in float32; the rules take the mean
    # of the gradient last, so its rows sum to 0 and stay near the exact gradient, within a few
    # times the composite's error (taking the mean first, the first row was 130 times off)
    x = np.array([[5.5487294, 5.649664], [1.0, 1.0001], [3.0, -2.0]], dtype=np.float32)
    upstream = np.array([[-1.2402565, 1.2607689], [0.3, -0.7], [1.0, 2.0]], dtype=np.float32)
    if norm == "layer":
        fused = lambda t: F.layer_norm(t, 2)  # noqa: E731
        composite = lambda t: composite_layer_norm(t, 1, None, None)  # noqa: E731
    else:  # the rows as the channels of a (2, 3) batch
        fused = lambda t: F.batch_norm(t.T, None, None, training=True).T  # noqa: E731
        composite = lambda t: composite_batch_norm(t.T, None, None).T  # noqa: E731
    grads = {}
    for name, fn, dtype in (("fused", fused, np.float32), ("composite", composite, np.float32),
                            ("exact", composite, np.float64)):
        t = Tensor(x.astype(dtype), requires_grad=True)
        (g,) = grad(fn(t), t, upstream.astype(dtype), create_graph=create_graph)
        grads[name] = g.data
    error = {name: np.abs(grads[name] - grads["exact"]) for name in ("fused", "composite")}
    assert np.all(error["fused"] <= 8 * error["composite"] + 1e-9)
    assert np.all(np.abs(grads["fused"].sum(axis=1)) <= 1e-6 * np.abs(grads["exact"]).max())


def test_layer_norm_output_can_be_written_without_changing_its_gradient():
    rng = np.random.default_rng(2)
    data, upstream = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 4, 5))
    x = leaf(data)
    (expected,) = grad(composite_layer_norm(x, 2, None, None), x, upstream)
    out = F.layer_norm(x, (4, 5))
    out.data[...] = 7.0
    (gx,) = grad(out, x, upstream)
    np.testing.assert_allclose(gx.data, expected.data, rtol=1e-12, atol=1e-12)


# ---- modules: running statistics -----------------------------------------------------------------
def test_batchnorm_running_stats_over_several_steps_then_eval():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(3, momentum=0.2)
    mean, var = np.zeros(3), np.ones(3)
    for step in range(1, 5):
        x = rng.normal(size=(8, 3)) * [1, 2, 3] + [0, 1, -1]
        bn(Tensor(x))
        mean = 0.8 * mean + 0.2 * x.mean(axis=0)
        var = 0.8 * var + 0.2 * x.var(axis=0, ddof=1)
        np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-13)
        np.testing.assert_allclose(bn.running_var, var, rtol=1e-13)
        assert int(bn.num_batches_tracked) == step
    bn.eval()
    x = rng.normal(size=(5, 3))
    out = bn(Tensor(x))
    np.testing.assert_allclose(out.data, (x - mean) / np.sqrt(var + EPS), rtol=1e-13)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-13)   # eval leaves them
    assert int(bn.num_batches_tracked) == 4
    bn.train()
    bn(Tensor(x))
    assert int(bn.num_batches_tracked) == 5
    np.testing.assert_allclose(bn.running_mean, 0.8 * mean + 0.2 * x.mean(axis=0), rtol=1e-13)


def test_batchnorm_in_train_mode_normalises_with_the_batch():
    bn = nn.BatchNorm2d(2)
    bn.running_mean[...] = 100.0  # ignored in training
    x = np.random.default_rng(0).normal(size=(3, 2, 4, 4))
    expected = F.batch_norm(Tensor(x), None, None, training=True).data
    np.testing.assert_allclose(bn(Tensor(x)).data, expected, rtol=1e-14)


def test_momentum_none_is_the_cumulative_average():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rng.normal(size=(4, 2)) + i for i in range(3)]
    for x in batches:
        bn(Tensor(x))
    np.testing.assert_allclose(bn.running_mean, np.mean([x.mean(axis=0) for x in batches], axis=0),
                               rtol=1e-13)


def test_without_running_stats_eval_still_uses_the_batch():
    bn = nn.BatchNorm1d(2, track_running_stats=False, affine=False).eval()
    assert bn.running_mean is None and bn.num_batches_tracked is None
    assert not list(bn.parameters()) and not list(bn.state_dict())
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    np.testing.assert_allclose(bn(Tensor(x)).data, [[-1, -1], [1, 1]], rtol=1e-5)


def test_batchnorm_attributes_buffers_and_state_dict():
    bn = nn.BatchNorm2d(4, eps=1e-3, momentum=0.3)
    assert (bn.num_features, bn.eps, bn.momentum) == (4, 1e-3, 0.3)
    assert [name for name, _ in bn.named_buffers()] == ["running_mean", "running_var",
                                                        "num_batches_tracked"]
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    bn(Tensor(np.random.default_rng(0).normal(size=(2, 4, 3, 3))))
    fresh = nn.BatchNorm2d(4).load_state_dict(bn.state_dict())
    np.testing.assert_array_equal(fresh.running_var, bn.running_var)
    assert int(fresh.num_batches_tracked) == 1
    fresh.reset_running_stats()
    assert fresh.running_var.tolist() == [1.0] * 4 and int(fresh.num_batches_tracked) == 0


def test_batchnorm_in_float32_stays_float32():
    bn = nn.BatchNorm1d(3).astype(np.float32)
    x = Tensor(np.ones((4, 3), dtype=np.float32))
    assert bn(x).dtype == np.float32 and bn.running_mean.dtype == np.float32
    assert bn.eval()(x).dtype == np.float32
    assert bn.num_batches_tracked.dtype == np.int64


def test_running_statistics_given_as_tensors_are_updated_in_place():
    mean, var = Tensor(np.zeros(2)), Tensor(np.ones(2))
    F.batch_norm(Tensor(np.array([[0.0, 1.0], [2.0, 3.0]])), mean, var, training=True)
    np.testing.assert_allclose(mean.data, [0.1, 0.2])
    np.testing.assert_allclose(var.data, [1.1, 1.1])
    assert mean._version == 1


def test_layernorm_module():
    ln = nn.LayerNorm((2, 3), eps=1e-6)
    assert ln.normalized_shape == (2, 3) and ln.eps == 1e-6
    assert ln.weight.shape == ln.bias.shape == (2, 3)
    assert nn.LayerNorm(5).normalized_shape == (5,)
    x = Tensor(np.random.default_rng(0).normal(size=(4, 2, 3)))
    np.testing.assert_array_equal(ln(x).data, F.layer_norm(x, (2, 3), eps=1e-6).data)
    assert nn.LayerNorm(3, elementwise_affine=False).weight is None


# ---- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: nn.BatchNorm1d(3)(Tensor(np.ones((4, 2)))), r"C = 3"),
    (lambda: nn.BatchNorm2d(3)(Tensor(np.ones((4, 3)))), r"\(N, C, H, W\)"),
    (lambda: nn.BatchNorm1d(3)(Tensor(np.ones((1, 3)))), "more than 1 value"),
    (lambda: F.batch_norm(np.ones((4, 3)), None, None), "running_mean"),
    (lambda: F.batch_norm(np.ones((4, 3)), np.zeros(2), np.ones(2)), r"\(3,\)"),
    (lambda: F.layer_norm(np.ones((4, 3)), (4,)), "last axes"),
    (lambda: F.layer_norm(np.ones((4, 3)), 3, np.ones(4)), "weight"),
    (lambda: nn.BatchNorm1d(0), "num_features"),
    (lambda: nn.BatchNorm1d(3, momentum=2.0), "momentum"),
    (lambda: nn.LayerNorm((3, 0)), "normalized_shape"),
])
def test_bad_inputs_raise_value_error_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- against PyTorch -----------------------------------------------------------------------------
def test_batchnorm1d_matches_torch_over_steps_and_modes():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3).double()
    ours.weight.data[...] = theirs.weight.data.numpy()[...] = [0.5, 1.5, -1.0]
    for step, mode in enumerate(["train", "train", "eval", "train", "eval"]):
        ours.train(mode == "train")
        theirs.train(mode == "train")
        assert_step_matches_torch(torch, ours, theirs, rng.normal(size=(6, 3, 4)) * 2 + step,
                                  np.asarray, rng)
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 3


def assert_step_matches_torch(torch, ours, theirs, x, layout, rng):
    """One forward and backward of a batch-norm module and PyTorch's on x (laid out by
    ``layout`` for ours): outputs, the three gradients and the running statistics equal."""
    leaf_x, torch_x = leaf(layout(x)), torch.tensor(x, requires_grad=True)
    out, expected = ours(leaf_x), theirs(torch_x)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-13)
    upstream = rng.normal(size=x.shape)
    expected.backward(torch.tensor(upstream))
    gx, gw, gb = grad(out, (leaf_x, ours.weight, ours.bias), upstream)
    np.testing.assert_allclose(gx.data, torch_x.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gw.data, theirs.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gb.data, theirs.bias.grad.numpy(), rtol=1e-10)
    theirs.zero_grad()
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-13,
                               atol=1e-15)


def test_layer_norm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(3, 4, 5)), rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    expected = torch.nn.functional.layer_norm(tensors[0], (4, 5), tensors[1], tensors[2])
    leaves = [leaf(a) for a in (x, w, b)]
    out = F.layer_norm(leaves[0], (4, 5), leaves[1], leaves[2])
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-13)
    upstream = rng.normal(size=out.shape)
    expected.backward(torch.tensor(upstream))
    for ours, theirs in zip(grad(out, leaves, upstream), tensors):
        np.testing.assert_allclose(ours.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layout", [np.ascontiguousarray, channels_last])
def test_batchnorm2d_matches_torch_in_training_in_either_layout(layout):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    ours, theirs = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3).double()
    ours.weight.data[...] = theirs.weight.data.numpy()[...] = [0.5, 1.5, -1.0]
    ours.bias.data[...] = theirs.bias.data.numpy()[...] = [0.1, -0.2, 0.3]
    for step in range(2):
        assert_step_matches_torch(torch, ours, theirs, rng.normal(size=(4, 3, 5, 6)) * 2 + step,
                                  layout, rng)
