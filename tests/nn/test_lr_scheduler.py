"""nn.optim.lr_scheduler: learning-rate sequences against their closed forms and torch's."""
import math

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, Adam, lr_scheduler
from nn.optim.lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR


def optimizer(*lrs):
    """An SGD with one group per learning rate."""
    groups = [{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return SGD(groups, lr=lrs[0])


def lrs_over(scheduler, epochs):
    """The rate of every group at epochs 0 .. epochs - 1 (epoch 0 is the constructed state)."""
    seen = [scheduler.get_last_lr()]
    for _ in range(epochs - 1):
        scheduler.step()
        seen.append(scheduler.get_last_lr())
    return np.array(seen)


def step_closed_form(base_lr, epoch, step_size, gamma):
    return base_lr * gamma ** (epoch // step_size)


def cosine_closed_form(base_lr, epoch, T_max, eta_min):
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2


@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (3, 0.1), (4, 0.9)])
def test_step_lr_follows_the_closed_form(step_size, gamma):
    opt = optimizer(0.1, 2.0)
    got = lrs_over(StepLR(opt, step_size, gamma=gamma), 15)
    want = [[step_closed_form(base, e, step_size, gamma) for base in (0.1, 2.0)] for e in range(15)]
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert [g["lr"] for g in opt.param_groups] == list(got[-1])


def test_step_lr_by_hand():
    got = lrs_over(StepLR(optimizer(1.0), step_size=2, gamma=0.5), 7)[:, 0]
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125])


@pytest.mark.parametrize("T_max, eta_min", [(10, 0.0), (7, 0.01), (1, 0.5)])
def test_cosine_follows_the_closed_form_also_past_T_max(T_max, eta_min):
    opt = optimizer(0.1, 2.0)
    epochs = 3 * T_max + 2
    got = lrs_over(CosineAnnealingLR(opt, T_max, eta_min=eta_min), epochs)
    want = [[cosine_closed_form(b, e, T_max, eta_min) for b in (0.1, 2.0)] for e in range(epochs)]
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(got[T_max], [eta_min, eta_min], atol=1e-16)


def test_cosine_by_hand():
    got = lrs_over(CosineAnnealingLR(optimizer(1.0), T_max=4), 5)[:, 0]
    half = math.sqrt(2) / 2
    np.testing.assert_allclose(got, [1.0, (1 + half) / 2, 0.5, (1 - half) / 2, 0.0], atol=1e-16)


def test_construction_leaves_the_rate_and_records_initial_lr():
    opt = optimizer(0.3, 0.7)
    scheduler = CosineAnnealingLR(opt, T_max=5, eta_min=0.1)
    assert scheduler.last_epoch == 0
    assert [g["lr"] for g in opt.param_groups] == [0.3, 0.7]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.3, 0.7]
    assert scheduler.base_lrs == [0.3, 0.7]
    scheduler.step()
    assert scheduler.last_epoch == 1


def test_an_existing_initial_lr_is_kept_as_the_base():
    # As in torch: a second scheduler on the same optimizer anneals from the first one's base.
    opt = optimizer(1.0)
    StepLR(opt, step_size=1, gamma=0.5).step()
    cosine = CosineAnnealingLR(opt, T_max=2)
    assert cosine.base_lrs == [1.0] and opt.param_groups[0]["lr"] == 0.5
    cosine.step()
    # Each step rescales the current rate by the cosine's ratio, so the halving carries over.
    assert cosine.get_last_lr() == [0.25]


def test_the_optimizer_steps_with_the_scheduled_rate():
    p = Tensor(np.array([0.0]), requires_grad=True)
    opt = SGD([p], lr=1.0)
    scheduler = StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = np.array([-1.0])
        opt.step()
        scheduler.step()
    np.testing.assert_allclose(p.data, [1.0 + 0.5 + 0.25])


def test_step_lr_scales_a_rate_changed_by_hand_like_torch():
    opt = optimizer(1.0)
    scheduler = StepLR(opt, step_size=2, gamma=0.5)
    scheduler.step()
    opt.param_groups[0]["lr"] = 4.0
    scheduler.step()
    assert scheduler.get_last_lr() == [2.0]


def test_cosine_rescales_a_rate_changed_by_hand_like_torch():
    opt = optimizer(1.0)
    scheduler = CosineAnnealingLR(opt, T_max=4, eta_min=0.2)
    scheduler.step()
    opt.param_groups[0]["lr"] = 2.0
    scheduler.step()
    ratio = (1 + math.cos(math.pi / 2)) / (1 + math.cos(math.pi / 4))
    np.testing.assert_allclose(scheduler.get_last_lr(), [0.2 + ratio * (2.0 - 0.2)], rtol=1e-15)


def test_get_last_lr_is_a_copy():
    scheduler = StepLR(optimizer(1.0), step_size=1)
    scheduler.get_last_lr().append(5.0)
    assert scheduler.get_last_lr() == [1.0]


@pytest.mark.parametrize("make", [
    lambda opt: StepLR(opt, step_size=3, gamma=0.5),
    lambda opt: CosineAnnealingLR(opt, T_max=6, eta_min=0.01),
], ids=["StepLR", "CosineAnnealingLR"])
def test_state_dict_round_trip_resumes_the_sequence(make):
    opt = optimizer(0.2, 1.0)
    scheduler = make(opt)
    for _ in range(4):
        scheduler.step()
    saved = scheduler.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 4
    saved_opt = opt.state_dict()
    expected = lrs_over(scheduler, 10)

    fresh_opt = optimizer(0.2, 1.0)
    fresh_opt.load_state_dict(saved_opt)
    resumed = make(fresh_opt)
    resumed.load_state_dict(saved)
    np.testing.assert_array_equal(lrs_over(resumed, 10), expected)


def test_load_state_dict_rejects_unknown_entries():
    scheduler = StepLR(optimizer(1.0), step_size=1)
    with pytest.raises(ValueError, match="T_max"):
        scheduler.load_state_dict({"T_max": 3})


@pytest.mark.parametrize("make, message", [
    (lambda opt: StepLR(opt, step_size=0), "step_size.*0"),
    (lambda opt: StepLR(opt, step_size=1.5), "step_size.*1.5"),
    (lambda opt: CosineAnnealingLR(opt, T_max=0), "T_max.*0"),
])
def test_invalid_arguments_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make(optimizer(1.0))


def test_needs_an_optimizer():
    with pytest.raises(TypeError, match="not an Optimizer"):
        StepLR(object(), step_size=1)


def test_module_exports():
    assert lr_scheduler.StepLR is StepLR and issubclass(CosineAnnealingLR, LRScheduler)


@pytest.mark.parametrize("name, kwargs", [
    ("StepLR", dict(step_size=3, gamma=0.3)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.001)),
])
def test_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    ours = Adam([{"params": [Tensor(np.zeros(1), requires_grad=True)], "lr": lr}
                 for lr in (0.1, 0.02)])
    theirs = torch.optim.Adam([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                               for lr in (0.1, 0.02)])
    mine = getattr(lr_scheduler, name)(ours, **kwargs)
    ref = getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    for epoch in range(17):
        np.testing.assert_allclose(mine.get_last_lr(), ref.get_last_lr(), rtol=1e-13, atol=1e-16)
        assert mine.last_epoch == ref.last_epoch
        if epoch == 7:  # a rate set by hand mid-run is rescaled from there on
            for a, b in zip(ours.param_groups, theirs.param_groups):
                a["lr"] = b["lr"] = a["lr"] * 0.5
        theirs.step()  # torch warns when the scheduler steps before the optimizer
        mine.step()
        ref.step()
