"""conv2d, Conv2d and Flatten: hand-computed cases, gradchecks, input gradients, PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor, grad, gradcheck, gradgradcheck
from nn import functional as F


def leaf(array):
    return Tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def channels_last(array):
    """The same (N, C, H, W) values, laid out in memory as (N, H, W, C), as conv2d outputs are."""
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


# ---- hand-computed cases ----------------------------------------------------------------------
def test_conv2d_by_hand():
    x = np.arange(9.0).reshape(1, 1, 3, 3)        # 0 1 2 / 3 4 5 / 6 7 8
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])   # x[i, j] - x[i+1, j+1]
    out = F.conv2d(Tensor(x), Tensor(w), Tensor(np.array([0.5])))
    np.testing.assert_array_equal(out.data, [[[[-3.5, -3.5], [-3.5, -3.5]]]])


def test_conv2d_with_padding_and_stride_by_hand():
    x = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)   # 1 2 / 3 4
    w = np.ones((1, 1, 2, 2))
    out = F.conv2d(Tensor(x), Tensor(w), stride=2, padding=1)
    # padded to 4x4, windows at (0, 0), (0, 2), (2, 0), (2, 2) each hold one input pixel
    np.testing.assert_array_equal(out.data, [[[[1.0, 2.0], [3.0, 4.0]]]])


def test_conv2d_sums_over_channels_and_keeps_out_channels_apart():
    x = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 10.0)])[None]   # (1, 2, 2, 2)
    w = np.zeros((3, 2, 1, 1))
    w[0, 0], w[1, 1], w[2] = 1.0, 1.0, [[[2.0]], [[-1.0]]]
    out = F.conv2d(Tensor(x), Tensor(w), Tensor(np.array([0.0, 0.0, 100.0])))
    np.testing.assert_array_equal(out.data[0, :, 0, 0], [1.0, 10.0, 92.0])
    assert out.shape == (1, 3, 2, 2)


def test_conv2d_gradients_by_hand():
    x, w = leaf(np.arange(9.0).reshape(1, 1, 3, 3)), leaf(np.ones((1, 1, 2, 2)))
    b = leaf([0.0])
    out = F.conv2d(x, w, b)
    gx, gw, gb = grad(out.sum(), (x, w, b))
    # each pixel is in as many windows as cover it: corners 1, edges 2, centre 4
    np.testing.assert_array_equal(gx.data[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    # dw[p, q] = the sum of the pixels that weight touches
    np.testing.assert_array_equal(gw.data[0, 0], [[8, 12], [20, 24]])
    np.testing.assert_array_equal(gb.data, [4.0])


def test_conv2d_with_a_constant_bias_computes_no_bias_gradient():
    x, w = leaf(np.arange(9.0).reshape(1, 1, 3, 3)), leaf(np.ones((1, 1, 2, 2)))
    out = F.conv2d(x, w, np.array([5.0]))
    np.testing.assert_array_equal(out.data[0, 0], [[13, 17], [25, 29]])
    gx, gw, gb = out.grad_fn.backward(np.ones(out.shape), x.data, w.data, np.array([5.0]))
    assert gb is None  # the rule skips the sum: b needs no gradient
    np.testing.assert_array_equal(gw[0, 0], [[8, 12], [20, 24]])
    np.testing.assert_array_equal(gx[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_unbatched_inputs_give_unbatched_outputs():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 5, 4)), rng.normal(size=(3, 2, 2, 2))
    batched = F.conv2d(Tensor(x[None]), Tensor(w), padding=1).data[0]
    np.testing.assert_allclose(F.conv2d(Tensor(x), Tensor(w), padding=1).data, batched)
    assert F.max_pool2d(Tensor(x), 2).shape == (2, 2, 2)
    assert F.avg_pool2d(Tensor(x), 2).shape == (2, 2, 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    x = Tensor(np.ones((2, 3, 6, 6), dtype=dtype), requires_grad=True)
    w = Tensor(np.ones((4, 3, 3, 3), dtype=dtype), requires_grad=True)
    out = F.avg_pool2d(F.max_pool2d(F.conv2d(x, w, padding=1), 2, padding=1), 2)
    assert out.dtype == dtype
    gx, gw = grad(out.sum(), (x, w))
    assert gx.dtype == dtype and gw.dtype == dtype


def test_channels_last_inputs_give_the_same_numbers_and_gradients():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 5, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    results = []
    for layout in (np.ascontiguousarray, channels_last):
        leaves = [leaf(layout(x)), leaf(w), leaf(b)]
        out = F.max_pool2d(F.conv2d(*leaves, stride=(1, 2), padding=1), 2, stride=1)
        results.append([out.data] + [g.data for g in grad((out * out).sum(), leaves)])
    for contiguous, last in zip(*results):
        np.testing.assert_allclose(last, contiguous, rtol=1e-12, atol=1e-12)
    leaves = [leaf(channels_last(x)), leaf(w), leaf(b)]
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, 2, (0, 1)), leaves)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, 1, 1), leaves)


def test_conv2d_outputs_are_channels_last_in_memory():
    out = F.conv2d(Tensor(np.ones((2, 3, 4, 4))), Tensor(np.ones((5, 3, 3, 3))), padding=1)
    assert out.data.strides[1] < out.data.strides[3]


def test_an_empty_batch_convolves_to_an_empty_batch():
    x, w = leaf(np.zeros((0, 2, 5, 5))), leaf(np.ones((3, 2, 3, 3)))
    out = F.conv2d(x, w, padding=1)
    assert out.shape == (0, 3, 5, 5)
    gx, gw = grad(out.sum(), (x, w))
    assert gx.shape == x.shape
    np.testing.assert_array_equal(gw.data, 0.0)


# ---- gradchecks, first and second order ---------------------------------------------------------
KERNELS = [(1, 1), (1, 5), (2, 3), (3, 3), (4, 2), (5, 4)]


def image_side(kernel, padding):
    return max(kernel - 2 * padding, 1) + 2


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("stride", [1, 2, (2, 1)])
@pytest.mark.parametrize("padding", [0, 1, (2, 1)])
def test_conv2d_gradcheck_over_kernels_strides_and_paddings(kernel, stride, padding):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    shape = (2, 2, image_side(kernel[0], ph), image_side(kernel[1], pw) + 1)  # never square
    rng = np.random.default_rng(sum(kernel))
    x, w, b = leaf(rng.normal(size=shape)), leaf(rng.normal(size=(3, 2) + kernel)), leaf(
        rng.normal(size=3))
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding), [x, w, b])


def conv_case(data):
    kernel = data.draw(st.tuples(st.integers(1, 5), st.integers(1, 5)), label="kernel")
    stride = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 2)), label="stride")
    padding = data.draw(st.tuples(st.integers(0, 2), st.integers(0, 2)), label="padding")
    size = [data.draw(st.integers(max(k - 2 * p, 1), max(k - 2 * p, 1) + 2), label="side")
            for k, p in zip(kernel, padding)]
    n, c, o = (data.draw(st.integers(1, 2), label=name) for name in ("N", "C", "O"))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16), label="seed"))
    inputs = [leaf(rng.normal(size=(n, c, *size))), leaf(rng.normal(size=(o, c) + kernel)),
              leaf(rng.normal(size=o))]
    return inputs, stride, padding


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_conv2d_gradgradcheck(data):
    inputs, stride, padding = conv_case(data)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding), inputs)


def input_gradients(x, w, stride, padding, upstream):
    """conv2d's input gradient of x (N, C, H, W) three ways: the rule's products per offset,
    for a C-ordered and for a channels-last x, and col2im (the rule on Tensors, as under
    create_graph), which they must equal."""
    results = []
    for layout, create_graph in ((np.ascontiguousarray, False), (channels_last, False),
                                 (np.ascontiguousarray, True)):
        image = leaf(layout(x))
        out = F.conv2d(image, w, None, stride, padding)
        results.append(grad(out, image, upstream, create_graph=create_graph)[0].data)
    return results


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("stride", [1, 2, (2, 1)])
@pytest.mark.parametrize("padding", [0, 1, (2, 1)])
def test_input_gradient_matches_col2im_over_kernels_strides_and_paddings(kernel, stride,
                                                                          padding):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    shape = (2, 3, image_side(kernel[0], ph) + 1, image_side(kernel[1], pw))
    rng = np.random.default_rng(sum(kernel))
    x, w, b = rng.normal(size=shape), rng.normal(size=(4, 3) + kernel), rng.normal(size=4)
    upstream = rng.normal(size=F.conv2d(Tensor(x), Tensor(w), None, stride, padding).shape)
    *products, reference = input_gradients(x, w, stride, padding, upstream)
    for gx in products:
        np.testing.assert_allclose(gx, reference, rtol=1e-12, atol=1e-12)
    grads = []  # and the other gradients do not depend on x's layout either
    for layout in (np.ascontiguousarray, channels_last):
        leaves = [leaf(layout(x)), leaf(w), leaf(b)]
        grads.append(grad(F.conv2d(*leaves, stride, padding), leaves, upstream))
    for contiguous, last in zip(*grads):
        np.testing.assert_allclose(last.data, contiguous.data, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x, w: F.conv2d(x, w, None, stride, padding),
                     [leaf(channels_last(x)), leaf(w)])


@pytest.mark.parametrize("kernel", [(3, 3), (5, 3), (1, 5), (5, 5)])
def test_same_size_input_gradient_matches_col2im_across_images_rows_and_columns(kernel):
    # stride 1 and an output of the image's size: the offsets are shifts of one flat grid,
    # and a window's element past an edge must not wrap into the next row or image
    padding = (kernel[0] // 2, kernel[1] // 2)
    rng = np.random.default_rng(kernel[0] * 10 + kernel[1])
    x, w = rng.normal(size=(3, 2, 4, 6)), rng.normal(size=(5, 2) + kernel)
    upstream = rng.normal(size=(3, 5, 4, 6))
    *products, reference = input_gradients(x, w, 1, padding, upstream)
    for gx in products:
        np.testing.assert_allclose(gx, reference, rtol=1e-12, atol=1e-12)


def test_input_gradient_where_kernel_offsets_meet_only_padding():
    # one row, kernel 3, padding 2, stride 2: the windows' middle row never meets the image
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(2, 3, 1, 2)), rng.normal(size=(4, 3, 3, 3))
    upstream = rng.normal(size=(2, 4, 2, 2))
    *products, reference = input_gradients(x, w, 2, 2, upstream)
    for gx in products:
        np.testing.assert_allclose(gx, reference, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x: F.conv2d(x, w, None, 2, 2), [leaf(x)])


def test_channels_last_second_order_with_strides():
    rng = np.random.default_rng(4)
    leaves = [leaf(channels_last(rng.normal(size=(2, 3, 5, 6)))),
              leaf(rng.normal(size=(2, 3, 3, 2))), leaf(rng.normal(size=2))]
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, (2, 1), (1, 0)), leaves)


def test_float32_channels_last_input_with_a_float64_weight():
    rng = np.random.default_rng(5)
    x64, w = channels_last(rng.normal(size=(2, 3, 4, 4))), rng.normal(size=(2, 3, 3, 3))
    x32 = Tensor(x64.astype(np.float32), requires_grad=True)
    gx32 = grad(F.conv2d(x32, Tensor(w), padding=1).sum(), [x32])[0]
    x = leaf(x64)
    gx = grad(F.conv2d(x, Tensor(w), padding=1).sum(), [x])[0]
    assert gx32.dtype == np.float32
    np.testing.assert_allclose(gx32.data, gx.data, rtol=1e-5)


def test_an_input_updated_after_the_forward_fails_the_weight_gradient_only():
    # as PyTorch's: the weight's gradient reads the input as it was
    x, w = leaf(np.ones((1, 1, 3, 3))), leaf(np.ones((1, 1, 2, 2)))
    h = x * 1.0
    out = F.conv2d(h, w)
    h += 1.0
    with pytest.raises(RuntimeError, match="modified in place"):
        out.sum().backward()
    h = x * 1.0
    out = F.conv2d(h, w.detach())
    h += 1.0
    out.sum().backward()  # dx reads only the weight
    np.testing.assert_array_equal(x.grad, [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]])


# ---- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 2, 3, 3))), "3 channels"),
    (lambda: F.conv2d(np.ones((5, 5)), np.ones((2, 1, 3, 3))), r"\(N, C, H, W\)"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 3, 3))), "out_channels, in_channels"),
    (lambda: F.conv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))), "larger than"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), np.ones(3)), r"\(2,\)"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), stride=0), "stride"),
    (lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), padding=-1), "padding"),
    (lambda: F.max_pool2d(np.ones((1, 1, 5, 5)), 2, padding=2), "half the kernel"),
    (lambda: F.avg_pool2d(np.ones((1, 1, 5, 5)), 7), "larger than"),
    (lambda: nn.MaxPool2d(3, padding=2), "half the kernel"),
    (lambda: nn.Conv2d(0, 2, 3), "in_channels"),
    (lambda: nn.Conv2d(1, 2, 0), "kernel_size"),
])
def test_bad_arguments_raise_value_error_naming_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call", [
    lambda: F.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), stride=1.5),
    lambda: F.max_pool2d(np.ones((1, 1, 5, 5)), (2, 2, 2)),
    lambda: nn.AvgPool2d("2"),
    lambda: nn.Flatten(1.0),
])
def test_bad_argument_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


# ---- modules -------------------------------------------------------------------------------------
def test_conv2d_module_attributes_and_init():
    conv = nn.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), rng=0)
    assert (conv.in_channels, conv.out_channels) == (3, 8)
    assert (conv.kernel_size, conv.stride, conv.padding) == ((3, 5), (2, 2), (1, 2))
    assert conv.weight.shape == (8, 3, 3, 5) and conv.bias.shape == (8,)
    bound = 1 / np.sqrt(3 * 3 * 5)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    # uniform on [-b, b]: standard deviation b / √3
    assert conv.weight.data.std() == pytest.approx(bound / np.sqrt(3), rel=0.15)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    same = nn.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), rng=np.random.default_rng(0))
    np.testing.assert_array_equal(same.weight.data, conv.weight.data)
    assert nn.Conv2d(3, 8, 3, bias=False).bias is None
    assert "kernel_size=(3, 5)" in repr(conv)


def test_conv2d_module_forward_is_the_functional():
    conv = nn.Conv2d(2, 4, 3, padding=1, rng=1)
    x = Tensor(np.random.default_rng(2).normal(size=(3, 2, 5, 6)))
    expected = F.conv2d(x, conv.weight, conv.bias, padding=1)
    np.testing.assert_array_equal(conv(x).data, expected.data)
    conv(x).sum().backward()
    assert conv.weight.grad.shape == conv.weight.shape and conv.bias.grad.shape == (4,)


def test_flatten():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4))
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0)(x).shape == (24,)
    assert nn.Flatten(-1)(x).shape == (2, 3, 4)
    assert nn.Flatten(2)(x).shape == (2, 3, 4)
    assert nn.Flatten()(Tensor(np.zeros((0, 3, 2)))).shape == (0, 6)
    np.testing.assert_array_equal(nn.Flatten()(x).data, x.data.reshape(2, 12))
    with pytest.raises(ValueError, match="start_axis 3"):
        nn.Flatten(3)(x)


def test_a_small_cnn_trains():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 1, 6, 6))
    y = (X[:, 0, :3].sum(axis=(1, 2)) > X[:, 0, 3:].sum(axis=(1, 2))).astype(int)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(36, 2, rng=np.random.default_rng(0)))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.3)
    losses = []
    for _ in range(30):
        loss = F.cross_entropy(model(Tensor(X)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


# ---- against PyTorch -----------------------------------------------------------------------------
@pytest.mark.parametrize("kernel, stride, padding", [
    (3, 1, 1), ((2, 5), (2, 1), (0, 2)), (1, 2, 0), (4, 3, 2)])
def test_conv2d_matches_torch(kernel, stride, padding):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x, w, b = rng.normal(size=(3, 2, 7, 9)), rng.normal(size=(4, 2, kh, kw)), rng.normal(size=4)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    expected = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    lx, lw, lb = leaf(x), leaf(w), leaf(b)
    out = F.conv2d(lx, lw, lb, stride, padding)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = rng.normal(size=out.shape)
    expected.backward(torch.tensor(upstream))
    for ours, theirs in zip(grad(out, (lx, lw, lb), upstream), (tx, tw, tb)):
        np.testing.assert_allclose(ours.data, theirs.grad.numpy(), rtol=1e-11, atol=1e-12)
