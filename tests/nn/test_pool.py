"""max_pool2d, avg_pool2d and their Modules: hand-computed cases, the strided pools against
windows and a reduction, gradchecks, PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor, detect_anomaly, grad, gradcheck, gradgradcheck
from autograd.ops.windows import windows
from nn import functional as F


def leaf(array):
    return Tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def channels_last(array):
    """The same (N, C, H, W) values, laid out in memory as (N, H, W, C), as conv2d outputs are."""
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def test_max_pool2d_by_hand():
    x = np.array([[1.0, 5.0, 2.0, 0.0],
                  [3.0, 4.0, 7.0, 1.0],
                  [0.0, 0.0, 1.0, 2.0],
                  [9.0, 0.0, 3.0, 3.0]]).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(F.max_pool2d(Tensor(x), 2).data[0, 0], [[5, 7], [9, 3]])
    np.testing.assert_array_equal(F.max_pool2d(Tensor(x), 3, stride=1).data[0, 0],
                                  [[7, 7], [9, 7]])


def test_max_pool2d_padding_never_wins_even_below_zero():
    x = -np.arange(1.0, 5.0).reshape(1, 1, 2, 2)  # -1 -2 / -3 -4
    out = F.max_pool2d(Tensor(x), 2, stride=1, padding=1)
    np.testing.assert_array_equal(out.data[0, 0], [[-1, -1, -2], [-1, -1, -2], [-3, -3, -4]])


def test_max_pool2d_splits_the_gradient_of_ties_evenly():
    x = leaf(np.array([[2.0, 2.0, 0.0, 1.0],
                       [1.0, 2.0, 1.0, 1.0]]).reshape(1, 1, 2, 4))
    (g,) = grad(F.max_pool2d(x, 2).sum(), x)
    # three tied 2s share the first window's gradient; three tied 1s the second's
    np.testing.assert_allclose(g.data[0, 0], [[1 / 3, 1 / 3, 0, 1 / 3], [0, 1 / 3, 1 / 3, 1 / 3]])


def test_max_pool2d_overlapping_windows_add_up_at_a_shared_maximum():
    x = leaf(np.array([[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]).reshape(1, 1, 3, 3))
    (g,) = grad(F.max_pool2d(x, 2, stride=1).sum(), x)
    expected = np.zeros((3, 3))
    expected[1, 1] = 4.0  # the centre is the maximum of all four windows
    np.testing.assert_array_equal(g.data[0, 0], expected)


def window_pool(pool, x, kernel, stride, padding):
    """The pool as the engine's ``windows`` and ``max`` or ``mean``: the reference for the
    strided pools' values and gradients, ties and NaN included (a max pool's padding is the
    dtype's lowest value, an average pool's zeros)."""
    if pool == "max":
        lowest = np.finfo(x.dtype).min
        return windows(x, kernel, stride, padding, lowest).max(axis=(-2, -1))
    return windows(x, kernel, stride, padding).mean(axis=(-2, -1))


@settings(max_examples=80, deadline=None)
@given(shape=st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(1, 7),
                       st.integers(1, 7)),
       kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       stride=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       padded=st.tuples(st.booleans(), st.booleans()), seed=st.integers(0, 2**16),
       dtype=st.sampled_from([np.float32, np.float64]), last=st.booleans(),
       nan=st.booleans(), pool=st.sampled_from(["max", "avg"]))
def test_pools_match_windows_and_a_reduction_with_ties_and_nan(shape, kernel, stride, padded,
                                                              seed, dtype, last, nan, pool):
    kernel = (min(kernel[0], shape[2]), min(kernel[1], shape[3]))
    padding = tuple(k // 2 if p else 0 for k, p in zip(kernel, padded))
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 3, size=shape).astype(dtype)  # three values: many ties
    if nan and values.size:
        values.flat[rng.integers(values.size)] = np.nan
    x = Tensor(channels_last(values) if last else values, requires_grad=True)
    function = F.max_pool2d if pool == "max" else F.avg_pool2d
    pooled = function(x, kernel, stride, padding)
    assert pooled.grad_fn.name == ("strided_max" if pool == "max" else "strided_mean")
    reference = window_pool(pool, x, kernel, stride, padding)
    assert pooled.dtype == dtype and pooled.shape == reference.shape
    if pool == "max":
        np.testing.assert_array_equal(pooled.data, reference.data)  # NaN where NaN
    else:  # the same values summed in another order
        np.testing.assert_allclose(pooled.data, reference.data,
                                   rtol=1e-6 if dtype == np.float32 else 1e-14, atol=0)
    upstream = rng.normal(size=pooled.shape).astype(dtype)
    (g_pooled,) = grad(pooled, x, upstream)
    (g_reference,) = grad(reference, x, upstream)
    (g_graph,) = grad(function(x, kernel, stride, padding), x, upstream,
                      create_graph=True)  # the Tensor rule
    assert g_pooled.dtype == g_graph.dtype == dtype
    for g in (g_pooled, g_graph):
        np.testing.assert_allclose(g.data, g_reference.data, rtol=1e-6 if dtype == np.float32
                                   else 1e-14, atol=1e-6 if dtype == np.float32 else 1e-14)


def test_tiling_max_pool_gives_no_gradient_past_the_last_whole_tile_and_keeps_the_layout():
    x = leaf(channels_last(np.arange(2 * 3 * 5 * 7, dtype=np.float64).reshape(2, 3, 5, 7)))
    out = F.max_pool2d(x, 2)  # 2 x 3 tiles: row 4 and column 6 belong to none
    np.testing.assert_array_equal(out.data, x.data[:, :, 1:4:2, 1:6:2])
    assert out.data.strides[1] < out.data.strides[3]  # channels last, as its input
    (g,) = grad(out.sum(), x)
    expected = np.zeros((2, 3, 5, 7))
    expected[:, :, 1:4:2, 1:6:2] = 1.0
    np.testing.assert_array_equal(g.data, expected)
    (g1,) = grad(F.max_pool2d(x, 1).sum(), x)  # a 1 x 1 tile is the identity, copied
    np.testing.assert_array_equal(g1.data, np.ones((2, 3, 5, 7)))
    assert not np.shares_memory(F.max_pool2d(x, 1).data, x.data)


def test_tiling_max_pool_backward_fails_after_its_output_is_updated_in_place():
    x = leaf(np.arange(16.0).reshape(1, 1, 4, 4))
    out = F.max_pool2d(x, 2)
    loss = (out * 1.0).sum()
    out[0, 0, 0, 0] = 5.0  # through the engine: the saved output is overwritten
    with pytest.raises(RuntimeError, match="max_pool2d"):
        loss.backward()


def test_avg_pool2d_by_hand_with_padding_counted():
    x = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    np.testing.assert_array_equal(F.avg_pool2d(Tensor(x), 2).data, [[[[2.5]]]])
    out = F.avg_pool2d(Tensor(x), 2, stride=1, padding=1)
    np.testing.assert_allclose(out.data[0, 0], [[0.25, 0.75, 0.5], [1.0, 2.5, 1.5],
                                                [0.75, 1.75, 1.0]])


def test_padded_max_pool_is_quiet_under_detect_anomaly():
    x = leaf(np.random.default_rng(0).normal(size=(1, 2, 4, 5)))
    with detect_anomaly():
        F.max_pool2d(x, 3, stride=2, padding=1).sum().backward()
    assert np.isfinite(x.grad).all()


def distinct_image(shape, seed):
    """Distinct values 0.1 apart: no ties, so the max is differentiable."""
    return leaf(0.1 * np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape))


@pytest.mark.parametrize("pool", [F.max_pool2d, F.avg_pool2d])
@pytest.mark.parametrize("kernel, stride, padding", [
    (1, None, 0), (2, None, 0), ((3, 2), None, 0), (2, None, 1), (3, 1, 1),
    ((2, 3), (1, 2), (1, 0)), (4, 2, 2),
    ((5, 3), 2, (2, 1)), (5, 1, 0)])
def test_pool_gradcheck_first_and_second_order(pool, kernel, stride, padding):
    x = distinct_image((1, 2, 6, 7), seed=3)
    fn = lambda x: pool(x, kernel, stride, padding)  # noqa: E731
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


def test_pool_modules_attributes_and_forward():
    pool = nn.MaxPool2d(3, padding=1)
    assert (pool.kernel_size, pool.stride, pool.padding) == ((3, 3), (3, 3), (1, 1))
    avg = nn.AvgPool2d((2, 3), stride=1)
    assert (avg.kernel_size, avg.stride, avg.padding) == ((2, 3), (1, 1), (0, 0))
    x = Tensor(np.random.default_rng(0).normal(size=(2, 3, 7, 8)))
    np.testing.assert_array_equal(pool(x).data, F.max_pool2d(x, 3, padding=1).data)
    np.testing.assert_array_equal(avg(x).data, F.avg_pool2d(x, (2, 3), stride=1).data)
    assert not list(pool.parameters()) and not list(avg.parameters())


@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 2, 1), ((2, 3), 1, (1, 1))])
def test_pools_match_torch_without_ties(kernel, stride, padding):
    torch = pytest.importorskip("torch")
    x = distinct_image((2, 3, 7, 6), seed=5)
    upstream = None
    for ours_fn, theirs_fn in ((F.max_pool2d, torch.nn.functional.max_pool2d),
                               (F.avg_pool2d, torch.nn.functional.avg_pool2d)):
        tx = torch.tensor(x.data, requires_grad=True)
        expected = theirs_fn(tx, kernel, stride, padding)
        out = ours_fn(x, kernel, stride, padding)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-14)
        upstream = np.random.default_rng(1).normal(size=out.shape)
        expected.backward(torch.tensor(upstream))
        (gx,) = grad(out, x, upstream)
        np.testing.assert_allclose(gx.data, tx.grad.numpy(), rtol=1e-13, atol=1e-15)


def test_max_pool_ties_differ_from_torch_by_design():
    torch = pytest.importorskip("torch")
    x = np.ones((1, 1, 2, 2))
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 2).sum().backward()
    ours = leaf(x)
    (g,) = grad(F.max_pool2d(ours, 2).sum(), ours)
    assert tx.grad.numpy().sum() == g.data.sum() == 1.0
    assert sorted(tx.grad.numpy().ravel()) == [0, 0, 0, 1]  # one element takes it all
    np.testing.assert_array_equal(g.data, 0.25)             # split evenly
