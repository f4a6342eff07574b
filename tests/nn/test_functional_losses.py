"""nn.functional's losses beyond the seed's: cross_entropy's weight, ignore_index,
label_smoothing and probability targets, nll_loss, binary_cross_entropy (with logits), one_hot.

Hand-computed small cases, first and second order gradchecks in float64, the messages of bad
input, and torch.nn.functional as an oracle when it is installed."""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from autograd import Tensor, gradcheck
from nn import functional as F

gradient_settings = settings(max_examples=10, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])
LN2 = np.log(2.0)
# softmax of each row is (1/4, 1/4, 1/2): -log p = (2 ln2, 2 ln2, ln2)
QUARTERS = np.array([[0.0, 0.0, LN2], [0.0, 0.0, LN2]])


def leaf(array):
    return Tensor(np.array(array, dtype=np.float64), requires_grad=True)


# ---- hand-computed values ------------------------------------------------------------------
CROSS_ENTROPY_CASES = {
    # name: (target, options, expected loss)
    "weighted mean divides by the weights": ([2, 0], {"weight": [1.0, 2.0, 3.0]},
                                             (3 * LN2 + 1 * 2 * LN2) / 4),
    "weighted sum": ([2, 0], {"weight": [1.0, 2.0, 3.0], "reduction": "sum"}, 5 * LN2),
    "weighted none": ([2, 0], {"weight": [1.0, 2.0, 3.0], "reduction": "none"},
                      [3 * LN2, 2 * LN2]),
    "ignored row": ([2, -100], {}, LN2),
    "ignored row, sum": ([2, -100], {"reduction": "sum"}, LN2),
    "ignored row, none": ([-100, 1], {"reduction": "none"}, [0.0, 2 * LN2]),
    "ignore_index in range": ([2, 1], {"ignore_index": 1}, LN2),
    "weight and ignored row": ([0, 1], {"weight": [3.0, 1.0, 1.0], "ignore_index": 1},
                               2 * LN2),
    # (1 - ε) ln2 + ε/3 (2 ln2 + 2 ln2 + ln2) with ε = 0.3
    "label smoothing": ([2, 2], {"label_smoothing": 0.3}, 1.2 * LN2),
    # (1 - ε) w_y (-log p_y) + ε/C Σ_c w_c (-log p_c), over Σ w_y: row 0 only (row 1 ignored)
    "smoothing with weight and ignore": (
        [2, -100], {"label_smoothing": 0.3, "weight": [1.0, 2.0, 4.0]},
        (0.7 * 4 * LN2 + 0.1 * (2 * LN2 + 4 * LN2 + 4 * LN2)) / 4),
    "probabilities": ([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]], {}, (2 * LN2 + LN2) / 2),
    "probabilities, weighted (mean over N)": ([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]],
                                              {"weight": [2.0, 0.0, 1.0]}, (2 * LN2 + LN2) / 2),
    "probabilities, smoothed": ([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]], {"label_smoothing": 0.3},
                                1.2 * LN2),
}


@pytest.mark.parametrize("name", CROSS_ENTROPY_CASES)
def test_cross_entropy_hand_computed(name):
    target, options, expected = CROSS_ENTROPY_CASES[name]
    loss = F.cross_entropy(Tensor(QUARTERS), np.array(target), **options)
    np.testing.assert_allclose(loss.data, expected, rtol=1e-13)


def test_a_one_hot_target_gives_the_class_index_loss_and_gradient():
    # the case: one-hot (N, C) targets against (N, C) logits
    logits = np.random.default_rng(0).normal(size=(2, 3))
    labels = np.array([2, 0])
    for target in (F.one_hot(labels, 3), F.one_hot(labels, 3).data.astype(float)):
        x, y = leaf(logits), leaf(logits)
        F.cross_entropy(x, target).backward()
        F.cross_entropy(y, labels).backward()
        np.testing.assert_allclose(x.grad, y.grad, rtol=1e-13)


def test_plain_labels_keep_the_fused_single_node():
    x = leaf(QUARTERS)
    assert type(F.cross_entropy(x, np.array([0, 1])).grad_fn).__name__ == "CrossEntropy"
    assert type(F.cross_entropy(x, np.array([0, 1]), weight=np.ones(3)).grad_fn).__name__ \
        != "CrossEntropy"


def test_every_target_ignored_gives_nan_for_the_mean_and_zero_for_the_sum():
    x = leaf(QUARTERS)
    labels = np.array([-100, -100])
    assert np.isnan(F.cross_entropy(x, labels).item())
    assert F.cross_entropy(x, labels, reduction="sum").item() == 0.0


def test_nll_loss_hand_computed():
    log_probs = np.log(np.array([[0.25, 0.25, 0.5], [0.1, 0.6, 0.3]]))
    assert F.nll_loss(Tensor(log_probs), [2, 1]).item() == pytest.approx(
        -(np.log(0.5) + np.log(0.6)) / 2, rel=1e-13)
    assert F.nll_loss(Tensor(log_probs), [2, 1], weight=[1, 1, 3]).item() == pytest.approx(
        -(3 * np.log(0.5) + np.log(0.6)) / 4, rel=1e-13)
    np.testing.assert_allclose(F.nll_loss(Tensor(log_probs), [2, 1], reduction="none",
                                          ignore_index=1).data, [-np.log(0.5), 0.0])


def test_nll_loss_of_log_softmax_is_cross_entropy():
    x = np.random.default_rng(1).normal(size=(4, 5))
    labels = np.array([4, 0, 1, 1])
    np.testing.assert_allclose(F.nll_loss(Tensor(x).log_softmax(axis=1), labels).data,
                               F.cross_entropy(Tensor(x), labels).data, rtol=1e-13)


def test_binary_cross_entropy_hand_computed_and_clamped_at_100():
    p = Tensor(np.array([0.5, 0.9, 0.0, 1.0]))
    t = np.array([1.0, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(F.binary_cross_entropy(p, t, reduction="none").data,
                               [LN2, -np.log(0.1), 100.0, 0.0], rtol=1e-12)
    assert F.binary_cross_entropy(p, t, weight=np.array([2.0, 0, 0, 0]),
                                  reduction="sum").item() == pytest.approx(2 * LN2)


def test_binary_cross_entropy_with_logits_hand_computed_and_stable():
    x = Tensor(np.array([0.0, 1000.0, -1000.0, 2.0]), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 0.25])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses = F.binary_cross_entropy_with_logits(x, t, reduction="none")
        losses.sum().backward()
    # (1 - t) x + log(1 + e^-x)
    np.testing.assert_allclose(losses.data, [LN2, 1000.0, 0.0, 1.5 + np.log1p(np.exp(-2.0))],
                               rtol=1e-12)
    with np.errstate(over="ignore"):  # the reference's own e^1000
        np.testing.assert_allclose(x.grad, 1 / (1 + np.exp(-x.data)) - t, rtol=1e-12)
    weighted = F.binary_cross_entropy_with_logits(Tensor([0.0]), [1.0], pos_weight=[3.0])
    assert weighted.item() == pytest.approx(3 * LN2)


def test_one_hot_values_shapes_and_inferred_classes():
    np.testing.assert_array_equal(F.one_hot([2, 0], 4).data, [[0, 0, 1, 0], [1, 0, 0, 0]])
    out = F.one_hot(np.array([[1], [3]]))
    assert out.shape == (2, 1, 4) and out.dtype == np.int64
    assert F.one_hot(np.zeros(0, dtype=int), 3).shape == (0, 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_composite_losses_keep_the_input_dtype(dtype):
    x = Tensor(QUARTERS.astype(dtype), requires_grad=True)
    losses = [F.cross_entropy(x, [2, 0], weight=[1.0, 2.0, 3.0], label_smoothing=0.1),
              F.cross_entropy(x, np.full((2, 3), 1 / 3)),
              F.nll_loss(x, [0, 1], weight=np.ones(3)),
              F.binary_cross_entropy(x.sigmoid(), np.ones((2, 3)), weight=np.ones(3)),
              F.binary_cross_entropy_with_logits(x, np.ones((2, 3)), pos_weight=np.ones(3))]
    for loss in losses:
        (g,) = autograd.grad(loss, x)
        assert loss.dtype == dtype and g.dtype == dtype


# ---- gradients, first and second order --------------------------------------------------------
@st.composite
def logits_targets(draw):
    n, classes = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    logits = draw(hnp.arrays(np.float64, (n, classes), elements=st.floats(-4, 4)))
    labels = draw(hnp.arrays(np.int64, (n,), elements=st.integers(-1, classes - 1)))
    probabilities = draw(hnp.arrays(np.float64, (n, classes), elements=st.floats(0.05, 1)))
    weight = draw(hnp.arrays(np.float64, (classes,), elements=st.floats(0.5, 2)))
    return logits, labels, probabilities / probabilities.sum(axis=1, keepdims=True), weight


def check_first_and_second_order(loss, x, *others):
    """gradcheck loss(x, *others) and the x-gradient of its sum, in float64."""
    def x_gradient(x, *others):
        # + x keeps a constant gradient (nll_loss is linear in x) on the graph
        return autograd.grad(loss(x, *others).sum(), x, create_graph=True)[0] + x

    inputs = (leaf(x),) + tuple(leaf(o) for o in others)
    assert gradcheck(loss, inputs)
    assert gradcheck(x_gradient, inputs)


@given(logits_targets(), st.sampled_from(["mean", "sum", "none"]))
@gradient_settings
def test_cross_entropy_options_gradcheck(data, reduction):
    logits, labels, _, weight = data
    if (labels == -1).all() and reduction == "mean":
        labels[0] = 0  # a mean over no targets is nan

    def loss(x):
        return F.cross_entropy(x, labels, reduction, weight=weight, ignore_index=-1,
                               label_smoothing=0.2)
    check_first_and_second_order(loss, logits)


@given(logits_targets())
@gradient_settings
def test_cross_entropy_probability_targets_gradcheck_in_logits_and_target(data):
    logits, _, probabilities, weight = data

    def loss(x, target):
        return F.cross_entropy(x, target, weight=weight, label_smoothing=0.1)
    check_first_and_second_order(loss, logits, probabilities)


@given(logits_targets())
@gradient_settings
def test_nll_loss_gradcheck(data):
    logits, labels, _, weight = data
    labels = np.abs(labels)
    check_first_and_second_order(lambda x: F.nll_loss(x, labels, weight=weight), logits)


@st.composite
def elementwise_pairs(draw):
    """(values in [-4, 4], probabilities in [0.05, 0.95], weights) of one shape, 0-d included."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    x = draw(hnp.arrays(np.float64, shape, elements=st.floats(-4, 4)))
    p, t = (draw(hnp.arrays(np.float64, shape, elements=st.floats(0.05, 0.95)))
            for _ in range(2))
    weight = draw(hnp.arrays(np.float64, shape[-1:], elements=st.floats(0.5, 2)))
    return x, p, t, weight


@given(elementwise_pairs(), st.sampled_from(["mean", "sum", "none"]))
@gradient_settings
def test_binary_cross_entropy_gradcheck_in_p_and_target(data, reduction):
    _, p, t, weight = data
    check_first_and_second_order(
        lambda p, t: F.binary_cross_entropy(p, t, weight=weight, reduction=reduction), p, t)


@given(elementwise_pairs(), st.sampled_from(["mean", "sum", "none"]))
@gradient_settings
def test_binary_cross_entropy_with_logits_gradcheck_in_logits_and_target(data, reduction):
    x, _, t, weight = data
    check_first_and_second_order(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=weight,
                                                        reduction=reduction), x, t)


# ---- bad input: the type and the words that matter -------------------------------------------
BAD_INPUTS = {
    "target of the wrong shape": (
        lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.zeros((2, 4))), ValueError,
        ["(2, 4)", "(2, 3)", "class indices of shape (2,)", "probabilities of shape (2, 3)"]),
    "weight of the wrong shape": (
        lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), [0, 1], weight=np.ones(4)),
        ValueError, ["weight of shape (4,)", "3 classes", "(3,)"]),
    "ignore_index with probabilities": (
        lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), np.ones((2, 3)) / 3, ignore_index=0),
        ValueError, ["ignore_index=0", "class indices only"]),
    "label smoothing outside [0, 1]": (
        lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), [0, 1], label_smoothing=1.5),
        ValueError, ["label_smoothing", "1.5"]),
    "label outside the classes on the composite path": (
        lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), [0, 5], label_smoothing=0.1),
        ValueError, ["label 5", "[0, 3)", "ignore_index=-100"]),
    "a bad label beside an ignored one": (  # the fused op finds both; ignore_index is -100
        lambda: F.cross_entropy(Tensor(np.zeros((3, 3))), [-100, 7, 0]),
        ValueError, ["label 7", "[0, 3)", "ignore_index=-100"]),
    "nll_loss target of the wrong shape": (
        lambda: F.nll_loss(Tensor(np.zeros((2, 3))), [0, 1, 2]), ValueError,
        ["(3,)", "(2, 3)", "class indices of shape (2,)"]),
    "nll_loss float labels": (lambda: F.nll_loss(Tensor(np.zeros((2, 3))), [0.5, 1]),
                              TypeError, ["integer class labels", "float64"]),
    "cross_entropy fractional labels": (
        lambda: F.cross_entropy(Tensor(np.zeros((2, 3))), [0.5, 1]), TypeError,
        ["integer class labels", "class probabilities", "float64", "(2,)"]),
    "bce p outside [0, 1]": (
        lambda: F.binary_cross_entropy(Tensor([0.5, 2.0]), [1.0, 0.0]), ValueError,
        ["[0, 1]", "2.0", "binary_cross_entropy_with_logits"]),
    "bce shapes differ": (lambda: F.binary_cross_entropy(Tensor([0.5, 0.5]), [1.0]),
                          ValueError, ["p of shape (2,)", "target of shape (1,)"]),
    "bce with logits shapes differ": (
        lambda: F.binary_cross_entropy_with_logits(Tensor(np.zeros((2, 1))), np.zeros(2)),
        ValueError, ["logits of shape (2, 1)", "target of shape (2,)"]),
    "one_hot label too large": (lambda: F.one_hot([0, 3], 3), ValueError,
                                ["label 3", "[0, 3)"]),
    "one_hot float labels": (lambda: F.one_hot([0.0, 1.0], 3), TypeError, ["integer"]),
    "one_hot of nothing without num_classes": (
        lambda: F.one_hot(np.zeros(0, dtype=int)), ValueError, ["num_classes"]),
    "unknown reduction": (lambda: F.nll_loss(Tensor(np.zeros((1, 2))), [0], reduction="avg"),
                          ValueError, ["'avg'", "'mean'"]),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_raises_a_message_naming_the_argument(name):
    call, error, words = BAD_INPUTS[name]
    with pytest.raises(error) as raised:
        call()
    for word in words:
        assert word in str(raised.value)


# ---- torch as an oracle -------------------------------------------------------------------------
def torch_case():
    rng = np.random.default_rng(4)
    logits = rng.normal(scale=3, size=(6, 5))
    labels = np.array([0, 4, -100, 2, 2, 1])
    probabilities = rng.dirichlet(np.ones(5), size=6)
    weight = rng.uniform(0.2, 3, size=5)
    return logits, labels, probabilities, weight


OPTIONS = [{}, {"weight": True}, {"label_smoothing": 0.25},
           {"weight": True, "label_smoothing": 0.4}, {"ignore_index": 2, "weight": True}]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("target_kind", ["indices", "probabilities"])
def test_cross_entropy_values_and_gradients_agree_with_torch(reduction, options, target_kind):
    torch = pytest.importorskip("torch")
    logits, labels, probabilities, weight = torch_case()
    options = dict(options)
    if target_kind == "probabilities":
        if "ignore_index" in options:
            return  # not defined for probabilities: tested as an error above
        target = probabilities
    else:
        target = labels if "ignore_index" not in options else np.where(labels < 0, 2, labels)
    if options.pop("weight", False):
        options["weight"] = weight
    torch_options = {k: torch.tensor(v) if k == "weight" else v for k, v in options.items()}
    tx, tt = torch.tensor(logits, requires_grad=True), torch.tensor(target)
    if target_kind == "probabilities":
        tt.requires_grad_(True)
    expected = torch.nn.functional.cross_entropy(tx, tt, reduction=reduction, **torch_options)
    expected.sum().backward()
    x = leaf(logits)
    t = leaf(target) if target_kind == "probabilities" else target
    loss = F.cross_entropy(x, t, reduction, **options)
    loss.sum().backward()
    np.testing.assert_allclose(loss.data, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    if target_kind == "probabilities":
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_bce_and_one_hot_agree_with_torch(reduction):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    logits, labels, probabilities, weight = torch_case()
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    p = np.concatenate([probabilities[:, :4], [[0.0], [1.0], [0.3], [1e-50], [1.0], [0.5]]], 1)
    cases = [
        (lambda x: F.nll_loss(x, labels, reduction, weight=weight),
         lambda x: tf.nll_loss(x, torch.tensor(labels), torch.tensor(weight),
                               reduction=reduction), log_probs),
        (lambda x: F.binary_cross_entropy(x, probabilities[:, ::-1].copy(), weight[None],
                                          reduction),
         lambda x: tf.binary_cross_entropy(x, torch.tensor(probabilities[:, ::-1].copy()),
                                           torch.tensor(weight[None]), reduction=reduction),
         p[:, :5]),
        (lambda x: F.binary_cross_entropy_with_logits(x, probabilities, weight, reduction,
                                                      pos_weight=weight[::-1].copy()),
         lambda x: tf.binary_cross_entropy_with_logits(
             x, torch.tensor(probabilities), torch.tensor(weight), reduction=reduction,
             pos_weight=torch.tensor(weight[::-1].copy())), logits * 30),
    ]
    for ours, theirs, array in cases:
        tx = torch.tensor(array, requires_grad=True)
        expected = theirs(tx)
        expected.sum().backward()
        x = leaf(array)
        loss = ours(x)
        loss.sum().backward()
        np.testing.assert_allclose(loss.data, expected.detach().numpy(), rtol=1e-12)
        # below p = e^-100 (and above 1 - e^-100) the clamp makes our BCE gradient that of
        # the other term only, where torch divides by max(p (1 - p), 1e-12): compare elsewhere
        finite = np.abs(tx.grad.numpy()) < 1e8
        assert np.isfinite(x.grad).all()
        np.testing.assert_allclose(x.grad[finite], tx.grad.numpy()[finite], rtol=1e-10,
                                   atol=1e-14)
    labels = np.where(labels < 0, 3, labels)
    np.testing.assert_array_equal(F.one_hot(labels, 5).data,
                                  tf.one_hot(torch.tensor(labels), 5).numpy())
