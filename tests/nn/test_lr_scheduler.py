"""nn.optim.lr_scheduler: learning-rate sequences against their closed forms and torch's."""
import math

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, Adam, lr_scheduler
from nn.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, LinearLR, LRScheduler,
                                   MultiStepLR, OneCycleLR, ReduceLROnPlateau, StepLR)


def optimizer(*lrs):
    """An SGD with one group per learning rate."""
    groups = [{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return SGD(groups, lr=lrs[0])


def lrs_over(scheduler, epochs):
    """The rate of every group at epochs 0 .. epochs - 1 (epoch 0 is the constructed state).

    The optimizer steps first each time (a no-op without gradients), in the order that does
    not warn.
    """
    seen = [scheduler.get_last_lr()]
    for _ in range(epochs - 1):
        scheduler.optimizer.step()
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
    opt.step()
    scheduler.step()
    assert scheduler.last_epoch == 1


def test_an_existing_initial_lr_is_kept_as_the_base():
    # As in torch: a second scheduler on the same optimizer anneals from the first one's base.
    opt = optimizer(1.0)
    opt.step()
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
    opt.step()
    scheduler.step()
    opt.param_groups[0]["lr"] = 4.0
    scheduler.step()
    assert scheduler.get_last_lr() == [2.0]


def test_cosine_rescales_a_rate_changed_by_hand_like_torch():
    opt = optimizer(1.0)
    scheduler = CosineAnnealingLR(opt, T_max=4, eta_min=0.2)
    opt.step()
    scheduler.step()
    opt.param_groups[0]["lr"] = 2.0
    scheduler.step()
    ratio = (1 + math.cos(math.pi / 2)) / (1 + math.cos(math.pi / 4))
    np.testing.assert_allclose(scheduler.get_last_lr(), [0.2 + ratio * (2.0 - 0.2)], rtol=1e-15)


def test_get_last_lr_is_a_copy():
    scheduler = StepLR(optimizer(1.0), step_size=1)
    scheduler.get_last_lr().append(5.0)
    assert scheduler.get_last_lr() == [1.0]


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


# ---------------------------------------------------------------------------------------------
# MultiStepLR, ExponentialLR, LinearLR against their closed forms.

def multistep_closed_form(base_lr, epoch, milestones, gamma):
    return base_lr * gamma ** sum(m <= epoch for m in milestones)


def linear_closed_form(base_lr, epoch, start, end, total):
    return base_lr * (start + (end - start) * min(epoch, total) / total)


@pytest.mark.parametrize("milestones, gamma", [([3, 7], 0.1), ([9, 2, 5, 5], 0.5), ([0, 4], 0.3)])
def test_multistep_lr_follows_the_closed_form(milestones, gamma):
    got = lrs_over(MultiStepLR(optimizer(0.1, 2.0), milestones, gamma=gamma), 14)
    want = [[multistep_closed_form(b, e, milestones, gamma) for b in (0.1, 2.0)] for e in range(14)]
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_multistep_lr_by_hand():
    got = lrs_over(MultiStepLR(optimizer(1.0), milestones=[4, 2, 4], gamma=0.5), 6)[:, 0]
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.5, 0.5, 0.125, 0.125])  # 4 listed twice


@pytest.mark.parametrize("gamma", [0.9, 0.5, 1.0])
def test_exponential_lr_follows_the_closed_form(gamma):
    got = lrs_over(ExponentialLR(optimizer(0.1, 2.0), gamma=gamma), 20)
    want = [[b * gamma ** e for b in (0.1, 2.0)] for e in range(20)]
    np.testing.assert_allclose(got, want, rtol=1e-13)


@pytest.mark.parametrize("start, end, total", [(1 / 3, 1.0, 5), (0.5, 0.1, 7), (1.0, 0.0, 3),
                                               (0.25, 0.25, 4)])
def test_linear_lr_follows_the_closed_form(start, end, total):
    got = lrs_over(LinearLR(optimizer(0.1, 2.0), start, end, total), total + 6)
    want = [[linear_closed_form(b, e, start, end, total) for b in (0.1, 2.0)]
            for e in range(total + 6)]
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-17)


def test_linear_lr_default_warm_up_by_hand():
    got = lrs_over(LinearLR(optimizer(0.3)), 8)[:, 0]
    np.testing.assert_allclose(got, [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3, 0.3], rtol=1e-14)


def test_linear_lr_with_no_iterations_keeps_the_start_factor():
    got = lrs_over(LinearLR(optimizer(1.0), start_factor=0.5, total_iters=0), 4)[:, 0]
    np.testing.assert_array_equal(got, [0.5, 0.5, 0.5, 0.5])


# ---------------------------------------------------------------------------------------------
# OneCycleLR against the closed form, written out phase by phase.

def cos_anneal(start, end, pct):
    return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2


def linear_anneal(start, end, pct):
    return start + (end - start) * pct


def one_cycle_closed_form(peak, t, T, pct_start=0.3, div=25.0, final_div=1e4,
                          three_phase=False, anneal=cos_anneal, low=0.85, high=0.95):
    """(lr, momentum) at step t: warm up over pct_start T - 1 steps, then anneal down."""
    initial = peak / div
    final = initial / final_div
    up = pct_start * T - 1
    if not three_phase:
        if t <= up:
            p = t / up
            return anneal(initial, peak, p), anneal(high, low, p)
        p = (t - up) / (T - 1 - up)
        return anneal(peak, final, p), anneal(low, high, p)
    down = 2 * pct_start * T - 2
    if t <= up:
        p = t / up
        return anneal(initial, peak, p), anneal(high, low, p)
    if t <= down:
        p = (t - up) / (down - up)
        return anneal(peak, initial, p), anneal(low, high, p)
    p = (t - down) / (T - 1 - down)
    return anneal(initial, final, p), high


ONE_CYCLE_CASES = [
    (dict(total_steps=100), {}),
    (dict(total_steps=37, pct_start=0.25), dict(pct_start=0.25)),
    (dict(total_steps=50, anneal_strategy="linear"), dict(anneal=linear_anneal)),
    (dict(total_steps=40, three_phase=True), dict(three_phase=True)),
    (dict(epochs=6, steps_per_epoch=7, div_factor=10.0, final_div_factor=100.0,
          base_momentum=0.8, max_momentum=0.9), dict(div=10.0, final_div=100.0, low=0.8, high=0.9)),
]


@pytest.mark.parametrize("kwargs, form", ONE_CYCLE_CASES, ids=lambda v: str(v)[:40])
@pytest.mark.parametrize("opt_cls", [SGD, Adam])
def test_one_cycle_follows_the_closed_form_for_rate_and_momentum(kwargs, form, opt_cls):
    groups = [{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": 9.0} for _ in range(2)]
    opt = opt_cls(groups, lr=9.0, **({"momentum": 0.5} if opt_cls is SGD else {}))
    scheduler = OneCycleLR(opt, max_lr=[1.0, 0.2], **kwargs)
    T = scheduler.total_steps
    for t in range(T):
        for group, peak in zip(opt.param_groups, (1.0, 0.2)):
            lr, momentum = one_cycle_closed_form(peak, t, T, **form)
            np.testing.assert_allclose(group["lr"], lr, rtol=1e-12, err_msg=f"step {t}")
            if opt_cls is SGD:
                np.testing.assert_allclose(group["momentum"], momentum, rtol=1e-12)
            else:
                np.testing.assert_allclose(group["betas"][0], momentum, rtol=1e-12)
                assert group["betas"][1] == 0.999 and isinstance(group["betas"], tuple)
        opt.step()
        scheduler.step()  # the step to t = T is allowed; the next one is not


def test_one_cycle_landmarks_by_hand():
    opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(opt, max_lr=2.5, total_steps=11, pct_start=0.5)  # peak at step 4.5
    lrs = lrs_over(scheduler, 11)[:, 0]
    assert opt.param_groups[0]["initial_lr"] == 0.1
    np.testing.assert_allclose(lrs[0], 0.1, rtol=1e-14)  # the cosine's end point, rounded
    assert opt.param_groups[0]["min_lr"] == 0.1 / 1e4 and opt.param_groups[0]["max_lr"] == 2.5
    np.testing.assert_allclose(lrs[-1], 1e-5, rtol=1e-12)
    assert np.all(np.diff(lrs[:5]) > 0) and np.all(np.diff(lrs[5:]) < 0)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)


def test_one_cycle_refuses_to_step_past_total_steps_and_changes_nothing():
    opt = optimizer(1.0)
    scheduler = OneCycleLR(opt, max_lr=1.0, total_steps=3)
    lrs_over(scheduler, 4)  # steps 0..3: the last is allowed, as in PyTorch
    before = (scheduler.last_epoch, opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"])
    with pytest.raises(ValueError, match=r"stepped 4 times.*total_steps is 3"):
        scheduler.step()
    assert (scheduler.last_epoch, opt.param_groups[0]["lr"],
            opt.param_groups[0]["momentum"]) == before


def test_one_cycle_zero_length_warm_up_starts_at_the_peak():
    # pct_start * total_steps == 1 leaves the warm-up no steps (PyTorch divides by zero there).
    lrs = lrs_over(OneCycleLR(optimizer(1.0), max_lr=1.0, total_steps=10, pct_start=0.1), 10)
    assert lrs[0, 0] == 1.0
    np.testing.assert_allclose(lrs[1:, 0], [one_cycle_closed_form(1.0, t, 10, 0.1)[0]
                                            for t in range(1, 10)], rtol=1e-12)


def test_one_cycle_without_momentum_cycling_leaves_momentum_alone():
    opt = SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1, momentum=0.3)
    lrs_over(OneCycleLR(opt, max_lr=1.0, total_steps=5, cycle_momentum=False), 5)
    assert opt.param_groups[0]["momentum"] == 0.3 and "max_momentum" not in opt.param_groups[0]


# ---------------------------------------------------------------------------------------------
# ReduceLROnPlateau by hand.

def plateau_lrs(metrics, lr=1.0, **kwargs):
    opt = optimizer(lr)
    scheduler = ReduceLROnPlateau(opt, **kwargs)
    seen = []
    for metric in metrics:
        opt.step()
        scheduler.step(metric)
        seen.append(opt.param_groups[0]["lr"])
        assert scheduler.get_last_lr() == [seen[-1]]
    return seen


def test_plateau_cuts_after_patience_bad_steps():
    got = plateau_lrs([5, 4, 4, 4, 4, 4, 4, 4], patience=2, factor=0.5)
    assert got == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25]


def test_plateau_cooldown_ignores_bad_steps():
    got = plateau_lrs([5, 4] + [4] * 8, patience=2, factor=0.5, cooldown=2)
    assert got == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]


def test_plateau_improvement_resets_the_count():
    got = plateau_lrs([5, 5, 5, 4, 4, 4, 4], patience=2, factor=0.5)
    assert got == [1, 1, 1, 1, 1, 1, 0.5]


def test_plateau_relative_threshold():
    # 9.99 < 10 (1 - 1e-2) = 9.9 is false: no improvement; 9.8 is one.
    got = plateau_lrs([10, 9.99, 9.98, 9.8, 9.79, 9.78], patience=1, factor=0.5, threshold=1e-2)
    assert got == [1, 1, 0.5, 0.5, 0.5, 0.25]


def test_plateau_max_mode_with_absolute_threshold():
    got = plateau_lrs([1.0, 1.5, 1.55, 1.58, 1.7, 1.75], mode="max", threshold=0.1,
                      threshold_mode="abs", patience=1, factor=0.5)
    assert got == [1, 1, 1, 0.5, 0.5, 0.5]


def test_plateau_min_lr_and_eps():
    assert plateau_lrs([1] * 4, patience=0, factor=0.1, min_lr=0.05) == [1, 0.1, 0.05, 0.05]
    # A cut smaller than eps is skipped.
    assert plateau_lrs([1] * 3, lr=1e-8, patience=0, factor=0.5) == [1e-8, 1e-8, 1e-8]
    assert plateau_lrs([1, 1], lr=4e-8, patience=0, factor=0.5) == [4e-8, 2e-8]


def test_plateau_takes_tensors_and_arrays_and_refuses_text():
    opt = optimizer(1.0)
    scheduler = ReduceLROnPlateau(opt)
    scheduler.step(Tensor(np.array(2.0)))
    scheduler.step(np.array([1.0]))
    assert scheduler.best == 1.0 and scheduler.last_epoch == 2
    with pytest.raises(TypeError, match="metric to watch as a number, not str"):
        scheduler.step("low")


def test_plateau_per_group_min_lr():
    opt = optimizer(1.0, 1.0)
    scheduler = ReduceLROnPlateau(opt, patience=0, min_lr=[0.5, 0.01])
    for _ in range(3):
        scheduler.step(1.0)
    assert scheduler.get_last_lr() == [0.5, pytest.approx(0.01)]


def test_one_cycle_needs_momentum_and_a_refusal_changes_no_group():
    from nn.optim import Adagrad
    opt = Adagrad([Tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=r"Adagrad has neither: pass cycle_momentum=False"):
        OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert set(opt.param_groups[0]) == {"params", "lr", "lr_decay", "weight_decay",
                                        "initial_accumulator_value", "eps", "maximize"}
    OneCycleLR(opt, max_lr=1.0, total_steps=10, cycle_momentum=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0 / 25, rel=1e-14)
