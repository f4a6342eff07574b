"""nn.optim against torch.optim itself: same random gradients, 20 steps, an lr change and two
groups, for every option combination in test_optim's VARIANTS and a few more."""
import numpy as np
import pytest

from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from test_optim import VARIANTS, param


ORACLE_CASES = [(cls, hyper) for _, cls, hyper, _ in VARIANTS] + [
    (RMSprop, {}), (Adam, {}), (Adagrad, {}),
    (SGD, dict(momentum=0.9, dampening=0.5, weight_decay=1e-3)),
    (SGD, dict(momentum=0.9, dampening=0.5, maximize=True)),
    (RMSprop, dict(centered=True)), (RMSprop, dict(centered=True, momentum=0.9, maximize=True)),
    (Adam, dict(amsgrad=True)), (AdamW, dict(amsgrad=True)), (AdamW, dict(maximize=True)),
    (Adagrad, dict(lr_decay=0.1, initial_accumulator_value=0.1)),
    (Adagrad, dict(weight_decay=0.1, maximize=True))]


def give_both_the_same_gradients(ours, theirs, rng, torch):
    for p, t in zip(ours, theirs):
        g = rng.standard_normal(p.data.shape)
        p.grad = g
        t.grad = torch.tensor(g.copy())


def assert_same_parameters(ours, theirs, step):
    # torch fuses multiply-adds and rounds its sqrt differently: agreement is to a few ulps.
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=f"step {step + 1}")


@pytest.mark.parametrize("cls, hyper", ORACLE_CASES, ids=[
    f"{cls.__name__}-{'-'.join(f'{k}={v}' for k, v in hyper.items()) or 'defaults'}"
    for cls, hyper in ORACLE_CASES])
def test_matches_torch_optim(cls, hyper):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(abs(hash((cls.__name__, str(hyper)))) % 2**32)
    shapes = [(5, 4), (4,), (3, 2)]
    starts = [rng.standard_normal(s) for s in shapes]
    ours = [param(s) for s in starts]
    theirs = [torch.tensor(s, requires_grad=True) for s in starts]

    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.03}]

    opt = cls(groups(ours), lr=0.01, **hyper)
    ref = getattr(torch.optim, cls.__name__)(groups(theirs), lr=0.01, **hyper)
    for step in range(20):
        if step == 10:
            for o, r in zip(opt.param_groups, ref.param_groups):
                o["lr"] = r["lr"] = o["lr"] * 3
        give_both_the_same_gradients(ours, theirs, rng, torch)
        opt.step()
        ref.step()
        assert_same_parameters(ours, theirs, step)


SCHEDULED = [
    (SGD, dict(momentum=0.9, nesterov=True), "OneCycleLR", dict(max_lr=0.3, total_steps=30)),
    (Adam, dict(amsgrad=True), "OneCycleLR", dict(max_lr=0.05, total_steps=30, three_phase=True)),
    (RMSprop, dict(centered=True), "OneCycleLR", dict(max_lr=0.01, total_steps=30)),
    (Adagrad, dict(lr_decay=0.01), "LinearLR", dict(start_factor=0.1, total_iters=10)),
    (AdamW, dict(maximize=True), "CosineAnnealingLR", dict(T_max=12, eta_min=1e-4)),
]


@pytest.mark.parametrize("cls, hyper, name, kwargs", SCHEDULED,
                         ids=[f"{c.__name__}-{n}" for c, _, n, _ in SCHEDULED])
def test_scheduled_training_matches_torch(cls, hyper, name, kwargs):
    torch = pytest.importorskip("torch")
    from nn.optim import lr_scheduler
    rng = np.random.default_rng(7)
    starts = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    ours = [param(s) for s in starts]
    theirs = [torch.tensor(s, requires_grad=True) for s in starts]
    opt = cls(ours, lr=0.01, **hyper)
    ref = getattr(torch.optim, cls.__name__)(theirs, lr=0.01, **hyper)
    mine = getattr(lr_scheduler, name)(opt, **kwargs)
    their_schedule = getattr(torch.optim.lr_scheduler, name)(ref, **kwargs)
    for step in range(30):
        give_both_the_same_gradients(ours, theirs, rng, torch)
        opt.step()
        ref.step()
        mine.step()
        their_schedule.step()
        assert_same_parameters(ours, theirs, step)
