"""nn.optim against its formulas written out by hand, and against torch.optim when installed."""
import copy

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, Adam, AdamW, Optimizer, RMSprop


def param(values, dtype=np.float64):
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


# ---------------------------------------------------------------------------------------------
# Reference updates, one plain line of math per formula (no in-place tricks), for a list of
# gradients and the learning rate of each step. Each returns the parameter after every step.

def reference_sgd(p, grads, lrs, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    trajectory, b = [], None
    for g, lr in zip(grads, lrs):
        g = g + weight_decay * p
        if momentum:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        trajectory.append(p)
    return trajectory


def reference_rmsprop(p, grads, lrs, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
    trajectory, v, b = [], 0.0, 0.0
    for g, lr in zip(grads, lrs):
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g ** 2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (np.sqrt(v) + eps)
        trajectory.append(p)
    return trajectory


def reference_adam(p, grads, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    trajectory, m, v = [], 0.0, 0.0
    beta1, beta2 = betas
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append(p)
    return trajectory


def reference_adamw(p, grads, lrs, weight_decay=0.01, **kwargs):
    return reference_adam(p, grads, lrs, weight_decay=weight_decay, decoupled=True, **kwargs)


# (id, optimizer class, hyper-parameters except lr, reference). eps and betas are far from
# their defaults so that a misplaced eps or bias correction shows in the numbers.
VARIANTS = [
    ("sgd", SGD, {}, reference_sgd),
    ("sgd-momentum", SGD, dict(momentum=0.9), reference_sgd),
    ("sgd-dampening", SGD, dict(momentum=0.9, dampening=0.3), reference_sgd),
    ("sgd-nesterov", SGD, dict(momentum=0.8, nesterov=True), reference_sgd),
    ("sgd-weight-decay", SGD, dict(weight_decay=0.2), reference_sgd),
    ("sgd-all", SGD, dict(momentum=0.7, nesterov=True, weight_decay=0.2), reference_sgd),
    ("rmsprop", RMSprop, dict(alpha=0.9, eps=0.1), reference_rmsprop),
    ("rmsprop-momentum", RMSprop, dict(alpha=0.9, eps=0.1, momentum=0.8), reference_rmsprop),
    ("rmsprop-weight-decay", RMSprop, dict(alpha=0.9, eps=0.1, weight_decay=0.2),
     reference_rmsprop),
    ("rmsprop-all", RMSprop, dict(alpha=0.9, eps=0.1, momentum=0.8, weight_decay=0.2),
     reference_rmsprop),
    ("adam", Adam, dict(betas=(0.8, 0.9), eps=0.1), reference_adam),
    ("adam-weight-decay", Adam, dict(betas=(0.8, 0.9), eps=0.1, weight_decay=0.2), reference_adam),
    ("adamw", AdamW, dict(betas=(0.8, 0.9), eps=0.1, weight_decay=0.2), reference_adamw),
    ("adamw-default-decay", AdamW, dict(), reference_adamw),
]
VARIANT_IDS = [v[0] for v in VARIANTS]

P0 = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.5]])
GRADS = [np.array([[0.5, -1.0, 2.0], [0.1, 0.0, -0.3]]),
         np.array([[-0.2, 0.4, 1.0], [0.7, -2.0, 0.3]]),
         np.array([[1.5, 0.3, -0.6], [-0.1, 0.2, 0.0]])]


def run(optimizer_cls, hyper, grads, lrs, dtype=np.float64):
    """Step a fresh parameter with the given gradients, setting group lr before each step."""
    p = param(P0, dtype)
    opt = optimizer_cls([p], lr=lrs[0], **hyper)
    trajectory = []
    for g, lr in zip(grads, lrs):
        opt.param_groups[0]["lr"] = lr
        p.grad = g.astype(dtype)
        opt.step()
        trajectory.append(p.data.copy())
    return trajectory, p, opt


@pytest.mark.parametrize("name, cls, hyper, reference", VARIANTS, ids=VARIANT_IDS)
def test_first_three_steps_match_the_formulas(name, cls, hyper, reference):
    lrs = [0.1, 0.1, 0.1]
    got, _, _ = run(cls, hyper, GRADS, lrs)
    for step, (g, want) in enumerate(zip(got, reference(P0, GRADS, lrs, **hyper)), start=1):
        np.testing.assert_allclose(g, want, rtol=1e-13, atol=1e-15, err_msg=f"step {step}")


@pytest.mark.parametrize("name, cls, hyper, reference", VARIANTS, ids=VARIANT_IDS)
def test_learning_rate_changed_between_steps(name, cls, hyper, reference):
    lrs = [0.1, 0.05, 0.2, 0.0]
    grads = GRADS + [GRADS[0]]
    got, _, _ = run(cls, hyper, grads, lrs)
    for step, (g, want) in enumerate(zip(got, reference(P0, grads, lrs, **hyper)), start=1):
        np.testing.assert_allclose(g, want, rtol=1e-13, atol=1e-15, err_msg=f"step {step}")


def test_sgd_momentum_by_hand():
    # PyTorch's convention: b1 = g1, then b = 0.9 b + g, p -= lr b (not cs231n's v = mu v - lr g).
    p = param([1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    for g, want in [(1.0, 0.9), (2.0, 0.61), (3.0, 0.049)]:
        p.grad = np.array([g])
        opt.step()
        np.testing.assert_allclose(p.data, [want], rtol=1e-14)


def test_sgd_nesterov_by_hand():
    # b1 = 1, p1 = 1 - 0.1 (1 + 0.5) = 0.85;  b2 = 0.5 + 2 = 2.5, p2 = 0.85 - 0.1 (2 + 1.25) = 0.525
    p = param([1.0])
    opt = SGD([p], lr=0.1, momentum=0.5, nesterov=True)
    for g, want in [(1.0, 0.85), (2.0, 0.525)]:
        p.grad = np.array([g])
        opt.step()
        np.testing.assert_allclose(p.data, [want], rtol=1e-14)


def test_adam_first_step_is_lr_times_sign():
    # With zero eps the bias-corrected first step is exactly lr * g / |g|.
    p = param([1.0, 1.0])
    opt = Adam([p], lr=0.01, eps=0.0)
    p.grad = np.array([3.0, -0.5])
    opt.step()
    np.testing.assert_allclose(p.data, [0.99, 1.01], rtol=1e-15)


@pytest.mark.parametrize("cls, hyper, steps", [
    (SGD, dict(lr=0.1), 200),
    (SGD, dict(lr=0.05, momentum=0.9), 300),
    (SGD, dict(lr=0.05, momentum=0.9, dampening=0.5), 300),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True), 300),
    (RMSprop, dict(lr=0.01, momentum=0.5), 600),
    (RMSprop, dict(lr=0.003), 1500),
    (Adam, dict(lr=0.05), 600),
    (AdamW, dict(lr=0.05, weight_decay=0.0), 600),
], ids=lambda v: v.__name__ if isinstance(v, type) else str(v))
def test_converges_on_a_convex_quadratic(cls, hyper, steps):
    # f(x) = x.A.x / 2 - b.x, minimised at A^-1 b; eigenvalues of A in [1, 4].
    A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.5]])
    b = np.array([1.0, -2.0, 0.5])
    x = param(np.zeros(3))
    opt = cls([x], **hyper)
    for _ in range(steps):
        x.grad = A @ x.data - b
        opt.step()
    np.testing.assert_allclose(x.data, np.linalg.solve(A, b), atol=2e-3)


@pytest.mark.parametrize("decay", [0.0, 0.1])
def test_weight_decay_moves_the_optimum(decay):
    # SGD with L2 decay minimises f + decay |x|^2 / 2: the optimum is (A + decay I)^-1 b.
    A = np.diag([1.0, 2.0])
    b = np.array([1.0, 1.0])
    x = param(np.zeros(2))
    opt = SGD([x], lr=0.2, weight_decay=decay)
    for _ in range(300):
        x.grad = A @ x.data - b
        opt.step()
    np.testing.assert_allclose(x.data, np.linalg.solve(A + decay * np.eye(2), b), rtol=1e-10)


@pytest.mark.parametrize("name, cls, hyper, reference", VARIANTS, ids=VARIANT_IDS)
def test_float32_parameters_and_state_stay_float32(name, cls, hyper, reference):
    lrs = [0.1, 0.1, 0.1]
    got, p, opt = run(cls, hyper, GRADS, lrs, dtype=np.float32)
    assert p.data.dtype == np.float32
    for buffers in opt.state.values():
        for value in buffers.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32
    for buffers in opt.state_dict()["state"].values():
        for value in buffers.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32
    want = reference(P0, GRADS, lrs, **hyper)[-1]
    np.testing.assert_allclose(got[-1], want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, cls, hyper, reference", VARIANTS, ids=VARIANT_IDS)
def test_updates_in_place_bump_version_and_leave_grad_alone(name, cls, hyper, reference):
    p = param(P0)
    data = p.data
    opt = cls([p], lr=0.1, **hyper)
    for step, g in enumerate(GRADS, start=1):
        version = p._version
        grad = g.copy()
        p.grad = grad
        opt.step()
        assert p.data is data, "the update must write into the same array"
        assert p._version == version + 1
        assert p.grad is grad
        np.testing.assert_array_equal(grad, g)  # the gradient was read, never written
    assert not np.array_equal(p.data, P0)


def test_backward_through_a_graph_saved_before_a_step_raises():
    # The engine sees the update through _version, as torch does for an in-place change.
    w = param([1.0, 2.0])
    loss = (w * w).sum()  # d/dw needs w itself
    w.grad = np.array([1.0, 1.0])
    SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified"):
        loss.backward()


@pytest.mark.parametrize("cls", [SGD, RMSprop, Adam, AdamW])
def test_empty_parameter_list_raises(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        cls(iter(()), lr=0.1)


@pytest.mark.parametrize("cls", [SGD, RMSprop, Adam, AdamW])
def test_parameters_without_gradient_are_skipped(cls):
    stepped, idle = param([1.0, 2.0]), param([3.0, 4.0])
    opt = cls([stepped, idle], lr=0.1, momentum=0.5) if cls is SGD else cls([stepped, idle], lr=0.1)
    stepped.grad = np.array([1.0, -1.0])
    for _ in range(2):
        opt.step()
    np.testing.assert_array_equal(idle.data, [3.0, 4.0])
    assert idle._version == 0 and idle.grad is None
    assert idle not in opt.state
    assert stepped._version == 2
    assert list(opt.state_dict()["state"]) == ["0"]


@pytest.mark.parametrize("cls, kwargs, message", [
    (SGD, dict(lr=-0.1), r"lr.*-0\.1"),
    (SGD, dict(lr=0.1, momentum=-0.5), r"momentum.*-0\.5"),
    (SGD, dict(lr=0.1, weight_decay=-1e-4), r"weight_decay.*-0\.0001"),
    (SGD, dict(lr=0.1, nesterov=True), r"[Nn]esterov.*momentum=0\.0"),
    (SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), r"[Nn]esterov.*dampening=0\.1"),
    (SGD, dict(lr=float("nan")), r"lr.*nan"),
    (RMSprop, dict(lr=-1.0), r"lr.*-1\.0"),
    (RMSprop, dict(alpha=-0.5), r"alpha.*-0\.5"),
    (RMSprop, dict(eps=-1e-8), r"eps.*-1e-08"),
    (RMSprop, dict(momentum=-0.1), r"momentum.*-0\.1"),
    (RMSprop, dict(weight_decay=-0.1), r"weight_decay.*-0\.1"),
    (Adam, dict(lr=-1e-3), r"lr.*-0\.001"),
    (Adam, dict(betas=(1.0, 0.999)), r"beta.*index 0.*1\.0"),
    (Adam, dict(betas=(0.9, -0.1)), r"beta.*index 1.*-0\.1"),
    (Adam, dict(eps=-1.0), r"eps.*-1\.0"),
    (Adam, dict(weight_decay=-0.5), r"weight_decay.*-0\.5"),
    (AdamW, dict(betas=(0.9, 1.5)), r"beta.*index 1.*1\.5"),
    (AdamW, dict(weight_decay=-0.01), r"weight_decay.*-0\.01"),
])
def test_invalid_hyperparameters_raise_naming_the_value(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls([param([1.0])], **kwargs)


def test_invalid_per_group_override_raises():
    with pytest.raises(ValueError, match=r"lr.*-2"):
        SGD([{"params": [param([1.0])]}, {"params": [param([2.0])], "lr": -2}], lr=0.1)


def test_wrong_params_argument_raises():
    with pytest.raises(TypeError):
        SGD(param([1.0]), lr=0.1)  # a single parameter, not an iterable of them
    with pytest.raises(TypeError):
        SGD([np.zeros(3)], lr=0.1)
    p = param([1.0])
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        SGD([p, p], lr=0.1)


def test_param_groups_take_per_group_overrides():
    a, b = param([1.0]), param([1.0])
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[0]["momentum"] == 0.0 and opt.param_groups[1]["momentum"] == 0.9
    assert set(opt.param_groups[0]) == {"params", "lr", "momentum", "dampening", "nesterov",
                                        "weight_decay", "maximize"}
    for p in (a, b):
        p.grad = np.array([1.0])
    opt.step()
    opt.step()
    np.testing.assert_allclose(a.data, [1.0 - 0.1 - 0.1])
    np.testing.assert_allclose(b.data, [1.0 - 0.5 - 0.5 * 1.9])


def test_add_param_group():
    a, b = param([1.0]), param([1.0])
    opt = Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.2})
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_zero_grad_sets_none_without_touching_the_old_gradient():
    a, b = param([1.0, 2.0]), param([3.0])
    grad = np.array([5.0, 6.0])
    a.grad = grad
    opt = SGD([a, b], lr=0.1)
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    np.testing.assert_array_equal(grad, [5.0, 6.0])


def test_gradient_of_the_wrong_shape_raises():
    p = param([1.0, 2.0])
    p.grad = np.array([1.0])
    with pytest.raises(ValueError, match=r"\(1,\).*\(2,\)"):
        SGD([p], lr=0.1).step()


def test_step_with_closure_uses_the_engine():
    w = param([0.0, 0.0])
    x = np.array([[1.0, 2.0], [3.0, 1.0], [0.0, 1.0]])
    y = x @ np.array([0.5, -1.0])
    opt = SGD([w], lr=0.05, momentum=0.9)

    def closure():
        opt.zero_grad()
        loss = ((Tensor(x) @ w - y) ** 2).mean()
        loss.backward()
        return loss

    first = opt.step(closure).item()
    for _ in range(200):
        last = opt.step(closure).item()
    assert last < 1e-8 < first
    np.testing.assert_allclose(w.data, [0.5, -1.0], atol=1e-4)


# ---------------------------------------------------------------------------------------------
# Saving and loading.

def two_group_optimizer(cls, hyper):
    params = [param(P0), param(P0[0] * 2), param([0.25])]
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": 0.05}]
    return params, cls(groups, lr=0.1, **hyper)


def feed(params, opt, grads):
    for g in grads:
        for p in params:
            p.grad = g.reshape(-1)[:p.data.size].reshape(p.data.shape)
        opt.step()


@pytest.mark.parametrize("name, cls, hyper, reference", VARIANTS, ids=VARIANT_IDS)
def test_state_dict_round_trip_continues_identically(name, cls, hyper, reference):
    params, opt = two_group_optimizer(cls, hyper)
    feed(params, opt, GRADS[:2])
    saved = opt.state_dict()
    frozen = copy.deepcopy(saved)

    clones = [param(p.data) for p in params]
    _, restored = two_group_optimizer(cls, hyper)
    restored.param_groups[0]["params"] = clones[:2]  # same layout, fresh parameter objects
    restored.param_groups[1]["params"] = clones[2:]
    restored.load_state_dict(saved)

    later = GRADS[::-1] * 2
    feed(params, opt, later)
    feed(clones, restored, later)
    for p, c in zip(params, clones):
        np.testing.assert_array_equal(p.data, c.data)
    # The saved dict is a snapshot: the run that produced it did not write into it.
    for index, entry in frozen["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(saved["state"][index][key], value)
    # And loading copied the arrays rather than sharing them.
    for entry in restored.state.values():
        for key, value in entry.items():
            if isinstance(value, np.ndarray):
                assert all(value is not s[key] for s in saved["state"].values())


def test_state_dict_layout():
    params, opt = two_group_optimizer(Adam, {})
    feed(params, opt, GRADS[:1])
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert saved["param_groups"][1]["lr"] == 0.05
    assert saved["param_groups"][0]["betas"] == [0.9, 0.999]  # plain: tuples saved as lists
    assert set(saved["state"]) == {"0", "1", "2"}
    assert saved["state"]["0"]["step"] == 1
    assert set(saved["state"]["0"]) == {"step", "exp_avg", "exp_avg_sq"}
    assert saved["state"]["0"]["exp_avg"] is not opt.state[params[0]]["exp_avg"]


def test_load_state_dict_restores_hyperparameters():
    params, opt = two_group_optimizer(SGD, dict(momentum=0.9))
    saved = opt.state_dict()
    opt.param_groups[1]["lr"] = 123.0
    opt.load_state_dict(saved)
    assert opt.param_groups[1]["lr"] == 0.05
    assert opt.param_groups[1]["params"] == params[2:]


# (what is wrong, message pattern, how to spoil a saved Adam state dict of two groups)
MISMATCHES = [
    ("group count", "1 parameter groups.*has 2", lambda d: d["param_groups"].pop()),
    ("param count", r"group 0.*3 parameters.*has 2",
     lambda d: d["param_groups"][0]["params"].append(7)),
    ("buffer shape", r"'exp_avg' of parameter 1 has shape \(2,\).*\(3,\)",
     lambda d: d["state"]["1"].update(exp_avg=np.zeros(2))),
    ("missing buffer", r"parameter 0 lacks \['exp_avg_sq'\]",
     lambda d: d["state"]["0"].pop("exp_avg_sq")),
    ("unknown buffer", r"unknown entries \['momentum_buffer'\]",
     lambda d: d["state"]["2"].update(momentum_buffer=np.zeros(1))),
    ("unknown parameter", r"parameter 9", lambda d: d["state"].update({"9": d["state"]["0"]})),
    ("missing hyper-parameter", r"group 1.*lacks \['betas'\]",
     lambda d: d["param_groups"][1].pop("betas")),
    ("invalid hyper-parameter", r"lr.*-1", lambda d: d["param_groups"][1].update(lr=-1.0)),
    ("negative step", r"'step' of parameter 0.*-3", lambda d: d["state"]["0"].update(step=-3)),
    ("not a state dict", r"'state' and 'param_groups'", lambda d: d.pop("param_groups")),
]


@pytest.mark.parametrize("label, message, spoil", MISMATCHES, ids=[m[0] for m in MISMATCHES])
def test_load_mismatched_state_dict_raises_and_changes_nothing(label, message, spoil):
    params, opt = two_group_optimizer(Adam, dict(weight_decay=0.1))
    feed(params, opt, GRADS[:2])
    before = opt.state_dict()
    bad = copy.deepcopy(before)
    spoil(bad)
    if "param_groups" in bad:  # a valid change, which a load that applied it too early would show
        bad["param_groups"][0]["lr"] = 7.0
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(bad)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    assert after["state"].keys() == before["state"].keys()
    for index, entry in before["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(after["state"][index][key], value)


def test_load_state_dict_casts_buffers_to_the_parameter_dtype():
    p64, p32 = param(P0), param(P0, np.float32)
    opt64, opt32 = Adam([p64]), Adam([p32])
    feed([p64], opt64, GRADS[:1])
    opt32.load_state_dict(opt64.state_dict())
    assert opt32.state[p32]["exp_avg"].dtype == np.float32
    assert opt32.state[p32]["step"] == 1


def test_optimizer_is_the_base_class():
    for cls in (SGD, RMSprop, Adam, AdamW):
        assert issubclass(cls, Optimizer)
    assert "lr=0.1" in repr(SGD([param([1.0])], lr=0.1))


# ---------------------------------------------------------------------------------------------
# Oracle: torch.optim itself, same random gradients, 20 steps, an lr change and two groups.

ORACLE_CASES = [(cls, hyper) for _, cls, hyper, _ in VARIANTS] + [
    (RMSprop, {}), (Adam, {}), (SGD, dict(momentum=0.9, dampening=0.5, weight_decay=1e-3))]


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
        for p, t in zip(ours, theirs):
            g = rng.standard_normal(p.data.shape)
            p.grad = g
            t.grad = torch.tensor(g.copy())
        opt.step()
        ref.step()
        for p, t in zip(ours, theirs):
            # torch fuses multiply-adds and rounds its sqrt differently: agreement is to a few ulps.
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-14,
                                       err_msg=f"step {step + 1}")
