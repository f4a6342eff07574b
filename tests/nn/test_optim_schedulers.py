"""Schedulers: argument and order checks, state dicts that survive a JSON-like round trip and
resume step for step, and PyTorch's own schedulers as the oracle over many steps."""
import copy
import warnings

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, Adam, RMSprop
from nn.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR,
                                   OneCycleLR, ReduceLROnPlateau, StepLR)
from test_lr_scheduler import lrs_over, optimizer
from test_optim_state import check_plain, json_like

# ---------------------------------------------------------------------------------------------
# Stepping out of order.

def test_stepping_before_the_optimizer_warns_once():
    scheduler = StepLR(optimizer(1.0), step_size=1)
    with pytest.warns(UserWarning, match=r"Detected call of `StepLR\.step\(\)`.* before "
                                         r"`SGD\.step\(\)`.*Call `optimizer\.step\(\)` first"):
        scheduler.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step()
        scheduler.step()


@pytest.mark.parametrize("make", [
    lambda opt: StepLR(opt, 2), lambda opt: MultiStepLR(opt, [1]),
    lambda opt: ExponentialLR(opt, 0.5),
    lambda opt: LinearLR(opt), lambda opt: CosineAnnealingLR(opt, 3),
    lambda opt: OneCycleLR(opt, 1.0, total_steps=5)])
def test_the_right_order_does_not_warn_and_the_wrong_one_does(make):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lrs_over(make(optimizer(1.0)), 4)
        scheduler = ReduceLROnPlateau(optimizer(1.0))  # stepped with a metric: never warns
        scheduler.step(1.0)
    with pytest.warns(UserWarning, match="Detected call of"):
        make(optimizer(1.0)).step()


# ---------------------------------------------------------------------------------------------
# Bad arguments.

@pytest.mark.parametrize("make, error, message", [
    (lambda opt: MultiStepLR(opt, [2, -1]), ValueError, r"each milestone.*-1"),
    (lambda opt: MultiStepLR(opt, [1.5]), ValueError, r"each milestone.*1\.5"),
    (lambda opt: MultiStepLR(opt, 3), TypeError, r"milestones must be a list"),
    (lambda opt: MultiStepLR(opt, [2], gamma=-0.5), ValueError, r"gamma.*-0\.5"),
    (lambda opt: ExponentialLR(opt, gamma="0.9"), TypeError, r"gamma must be a number"),
    (lambda opt: StepLR(opt, 2, gamma=-1.0), ValueError, r"gamma.*-1\.0"),
    (lambda opt: LinearLR(opt, start_factor=0.0), ValueError, r"start_factor.*\(0\.0, 1\.0\]"),
    (lambda opt: LinearLR(opt, start_factor=1.5), ValueError, r"start_factor.*1\.5"),
    (lambda opt: LinearLR(opt, end_factor=-0.1), ValueError, r"end_factor.*\[0\.0, 1\.0\].*-0\.1"),
    (lambda opt: LinearLR(opt, total_iters=-1), ValueError, r"total_iters.*-1"),
    (lambda opt: OneCycleLR(opt, 1.0), ValueError, r"total_steps, or both epochs and steps_per"),
    (lambda opt: OneCycleLR(opt, 1.0, total_steps=0), ValueError, r"total_steps.*>= 1.*0"),
    (lambda opt: OneCycleLR(opt, 1.0, epochs=2, steps_per_epoch=0), ValueError,
     r"steps_per_epoch.*0"),
    (lambda opt: OneCycleLR(opt, 1.0, 10, pct_start=1.5), ValueError, r"pct_start.*1\.5"),
    (lambda opt: OneCycleLR(opt, 1.0, 10, anneal_strategy="exp"), ValueError,
     r"'cos' or 'linear'.*'exp'"),
    (lambda opt: OneCycleLR(opt, [1.0, 2.0, 3.0], 10), ValueError,
     r"max_lr has 3 values.*2 parameter groups"),
    (lambda opt: OneCycleLR(opt, 1.0, 10, max_momentum=1.0), ValueError, r"momentum.*1\.0"),
    (lambda opt: OneCycleLR(opt, 1.0, 10, three_phase=1), TypeError, r"three_phase.*True or"),
    (lambda opt: ReduceLROnPlateau(opt, factor=1.0), ValueError, r"factor.*1\.0"),
    (lambda opt: ReduceLROnPlateau(opt, mode="up"), ValueError, r"'min' or 'max'.*'up'"),
    (lambda opt: ReduceLROnPlateau(opt, threshold_mode="x"), ValueError, r"'rel' or 'abs'"),
    (lambda opt: ReduceLROnPlateau(opt, patience=-1), ValueError, r"patience.*-1"),
    (lambda opt: ReduceLROnPlateau(opt, min_lr=[0.1]), ValueError,
     r"min_lr has 1 values.*2 parameter groups"),
    (lambda opt: StepLR(opt, "2"), TypeError, r"step_size must be an integer"),
])
def test_bad_arguments_raise_naming_them(make, error, message):
    with pytest.raises(error, match=message):
        make(optimizer(1.0, 0.5))




# ---------------------------------------------------------------------------------------------
# Saving and resuming.

# (id, optimizer class and options, scheduler factory); each is stepped once per optimizer step.
SCHEDULES = [
    ("step", SGD, dict(momentum=0.9), lambda opt: StepLR(opt, step_size=3, gamma=0.5)),
    ("multistep", SGD, {}, lambda opt: MultiStepLR(opt, [2, 5, 5, 9], gamma=0.3)),
    ("exponential", RMSprop, {}, lambda opt: ExponentialLR(opt, gamma=0.8)),
    ("linear", Adam, {}, lambda opt: LinearLR(opt, start_factor=0.2, total_iters=8)),
    ("cosine", SGD, {}, lambda opt: CosineAnnealingLR(opt, T_max=7, eta_min=0.01)),
    ("one-cycle-sgd", SGD, dict(momentum=0.9, nesterov=True),
     lambda opt: OneCycleLR(opt, max_lr=[0.5, 0.1], total_steps=20)),
    ("one-cycle-adam", Adam, {}, lambda opt: OneCycleLR(opt, max_lr=0.5, total_steps=20,
                                                         three_phase=True)),
    ("plateau", SGD, {}, lambda opt: ReduceLROnPlateau(opt, patience=1, cooldown=1, factor=0.5,
                                                        min_lr=[0.0, 0.01])),
]


def training(opt_cls, options, make, seed=0):
    """Two parameters in two groups, an optimizer, and its scheduler."""
    rng = np.random.default_rng(seed)
    params = [Tensor(rng.standard_normal((3, 2)), requires_grad=True),
              Tensor(rng.standard_normal(4), requires_grad=True)]
    opt = opt_cls([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], lr=0.1,
                  **options)
    return params, opt, make(opt)


def train(params, opt, scheduler, steps, seed):
    """Steps with gradients and a metric drawn from ``seed``; returns each step's rates."""
    rng = np.random.default_rng(seed)
    seen = []
    for _ in range(steps):
        for p in params:
            p.grad = rng.standard_normal(p.shape)
        opt.step()
        if isinstance(scheduler, ReduceLROnPlateau):
            scheduler.step(float(rng.integers(0, 3)))
        else:
            scheduler.step()
        seen.append([(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups])
    return seen


@pytest.mark.parametrize("name, opt_cls, options, make", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_checkpoint_through_json_resumes_step_for_step(name, opt_cls, options, make):
    params, opt, scheduler = training(opt_cls, options, make)
    train(params, opt, scheduler, 8, seed=1)
    saved = {"optimizer": opt.state_dict(), "scheduler": scheduler.state_dict(),
             "params": [p.data.copy() for p in params]}
    check_plain(saved)
    saved = json_like(saved)
    expected = train(params, opt, scheduler, 10, seed=2)

    # Resume as a new process would: build everything, then load the states into it.
    fresh, opt2, scheduler2 = training(opt_cls, options, make, seed=99)
    for p, data in zip(fresh, saved["params"]):
        p.data[...] = data
    opt2.load_state_dict(saved["optimizer"])
    scheduler2.load_state_dict(saved["scheduler"])
    assert train(fresh, opt2, scheduler2, 10, seed=2) == expected
    for p, q in zip(params, fresh):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("name, opt_cls, options, make", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_state_dict_is_a_snapshot(name, opt_cls, options, make):
    params, opt, scheduler = training(opt_cls, options, make)
    saved = scheduler.state_dict()
    frozen = copy.deepcopy(saved)
    train(params, opt, scheduler, 3, seed=1)
    assert saved == frozen and "optimizer" not in saved


# (what is wrong, error, message pattern, how to spoil an OneCycleLR state dict)
SCHEDULER_MISMATCHES = [
    ("missing entry", ValueError, r"missing entries \['total_steps'\]",
     lambda d: d.pop("total_steps")),
    ("unknown entry", ValueError, r"unknown entries \['T_max'\]", lambda d: d.update(T_max=3)),
    ("wrong kind", TypeError, r"'base_lrs' must be a list, not a number",
     lambda d: d.update(base_lrs=0.1)),
    ("a Tensor", TypeError, r"'last_epoch'\] is a Tensor",
     lambda d: d.update(last_epoch=Tensor(np.array(3)))),
    ("bad strategy", ValueError, r"'cos' or 'linear'.*'exp'",
     lambda d: d.update(anneal_strategy="exp")),
    ("group count", ValueError, r"'base_lrs' has 1 values.*2 parameter groups",
     lambda d: d["base_lrs"].pop()),
    ("negative epoch", ValueError, r"last_epoch.*-5", lambda d: d.update(last_epoch=-5)),
    ("fractional total", ValueError, r"total_steps.*2\.5", lambda d: d.update(total_steps=2.5)),
    ("not a dict", TypeError, r"OneCycleLR state dict must be a dict", lambda d: [d]),
    ("other optimizer", ValueError, r"cycles betas, which SGD does not have",
     lambda d: d.update(use_beta1=True)),
]


@pytest.mark.parametrize("label, error, message, spoil", SCHEDULER_MISMATCHES,
                         ids=[m[0] for m in SCHEDULER_MISMATCHES])
def test_bad_scheduler_state_raises_and_changes_nothing(label, error, message, spoil):
    opt = optimizer(1.0, 0.5)
    scheduler = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    lrs_over(scheduler, 3)
    before = scheduler.state_dict()
    bad = copy.deepcopy(before)
    bad["last_epoch"] = 6  # a valid change, which a half-done load would show
    spoiled = spoil(bad)
    bad = spoiled if isinstance(spoiled, list) else bad
    with pytest.raises(error, match=message):
        scheduler.load_state_dict(bad)
    assert scheduler.state_dict() == before


def test_plateau_state_may_switch_between_one_and_per_group_min_lr():
    scheduler = ReduceLROnPlateau(optimizer(1.0, 0.5), min_lr=[0.1, 0.2])
    other = ReduceLROnPlateau(optimizer(1.0, 0.5), min_lr=0.3)
    other.load_state_dict(json_like(scheduler.state_dict()))
    assert other.min_lrs == [0.1, 0.2] and other.default_min_lr is None
    with pytest.raises(ValueError, match=r"mode must be 'min' or 'max'"):
        other.load_state_dict({**scheduler.state_dict(), "mode": "sideways"})
    assert other.mode == "min"


# ---------------------------------------------------------------------------------------------
# Oracle: torch.optim.lr_scheduler, many steps, with a rate set by hand midway where the
# schedule rescales the current rate.

TORCH_SCHEDULES = [
    ("SGD", dict(momentum=0.9), "StepLR", dict(step_size=4, gamma=0.3), True),
    ("SGD", {}, "MultiStepLR", dict(milestones=[3, 7, 7, 20, 41], gamma=0.5), True),
    ("SGD", {}, "ExponentialLR", dict(gamma=0.93), True),
    ("SGD", {}, "LinearLR", {}, True),
    ("Adam", {}, "LinearLR", dict(start_factor=0.8, end_factor=0.05, total_iters=30), True),
    ("SGD", {}, "CosineAnnealingLR", dict(T_max=9, eta_min=0.001), True),
    ("SGD", dict(momentum=0.5), "OneCycleLR", dict(max_lr=[1.0, 0.3], total_steps=60), False),
    ("Adam", {}, "OneCycleLR", dict(max_lr=0.4, total_steps=63, three_phase=True), False),
    ("RMSprop", {}, "OneCycleLR", dict(max_lr=0.4, epochs=5, steps_per_epoch=12,
                                       anneal_strategy="linear", pct_start=0.45,
                                       div_factor=5.0, final_div_factor=50.0,
                                       base_momentum=0.7, max_momentum=0.9), False),
    ("AdamW", {}, "OneCycleLR", dict(max_lr=0.4, total_steps=60, cycle_momentum=False), False),
]


@pytest.mark.parametrize("opt_name, options, name, kwargs, by_hand", TORCH_SCHEDULES,
                         ids=[f"{s[2]}-{s[0]}-{i}" for i, s in enumerate(TORCH_SCHEDULES)])
def test_rates_and_momenta_match_torch(opt_name, options, name, kwargs, by_hand):
    torch = pytest.importorskip("torch")
    import nn.optim

    def build(module, param):
        groups = [{"params": [param()]}, {"params": [param()], "lr": 0.02}]
        opt = getattr(module.optim, opt_name)(groups, lr=0.1, **options)
        return opt, getattr(module.optim.lr_scheduler, name)(opt, **kwargs)

    ours, mine = build(nn, lambda: Tensor(np.zeros(1), requires_grad=True))
    theirs, ref = build(torch, lambda: torch.zeros(1, requires_grad=True))
    for step in range(60):
        assert mine.get_last_lr() == ref.get_last_lr(), f"step {step}"
        for a, b in zip(ours.param_groups, theirs.param_groups):
            assert a.get("momentum") == b.get("momentum")
            assert a.get("betas") == b.get("betas")
        if by_hand and step == 25:
            for a, b in zip(ours.param_groups, theirs.param_groups):
                a["lr"] = b["lr"] = a["lr"] * 0.5
        ours.step()
        theirs.step()
        mine.step()
        ref.step()
    assert mine.last_epoch == ref.last_epoch == 60


@pytest.mark.parametrize("kwargs", [
    dict(), dict(patience=2, factor=0.5), dict(mode="max", threshold_mode="abs", threshold=0.5,
                                               patience=1, cooldown=2),
    dict(patience=0, min_lr=[0.01, 0.005], cooldown=1, eps=1e-3),
    dict(threshold=0.2, patience=3, factor=0.3, min_lr=1e-3),
])
def test_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ours = SGD([{"params": [Tensor(np.zeros(1), requires_grad=True)], "lr": lr}
                for lr in (0.1, 0.02)], lr=0.1)
    theirs = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                              for lr in (0.1, 0.02)], lr=0.1)
    mine = ReduceLROnPlateau(ours, **kwargs)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
    rng = np.random.default_rng(len(str(kwargs)))
    metric = 10.0
    for step in range(150):
        metric += float(rng.normal(-0.05, 1.0))  # drifting, with plateaus and jumps
        mine.step(metric)
        ref.step(metric)
        assert mine.get_last_lr() == ref.get_last_lr(), f"step {step}"
        assert (mine.best, mine.num_bad_epochs, mine.cooldown_counter) == \
            (ref.best, ref.num_bad_epochs, ref.cooldown_counter)


@pytest.mark.parametrize("first, second", [
    (("LinearLR", dict(start_factor=0.1, total_iters=5)), ("CosineAnnealingLR", dict(T_max=20))),
    (("MultiStepLR", dict(milestones=[4, 9])), ("ExponentialLR", dict(gamma=0.9))),
    (("StepLR", dict(step_size=3, gamma=0.5)), ("LinearLR", dict(start_factor=0.5))),
])
def test_two_schedulers_on_one_optimizer_compose_like_torch(first, second):
    torch = pytest.importorskip("torch")
    import nn.optim

    def build(module, param):
        opt = module.optim.SGD([{"params": [param()]}, {"params": [param()], "lr": 0.3}], lr=0.1)
        return opt, [getattr(module.optim.lr_scheduler, name)(opt, **kwargs)
                     for name, kwargs in (first, second)]

    ours, mine = build(nn, lambda: Tensor(np.zeros(1), requires_grad=True))
    theirs, ref = build(torch, lambda: torch.zeros(1, requires_grad=True))
    for step in range(25):
        assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups], \
            f"step {step}"
        ours.step()
        theirs.step()
        for a, b in zip(mine, ref):
            a.step()
            b.step()
