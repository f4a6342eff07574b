"""nn.optim against its formulas written out by hand, and against torch.optim when installed."""
import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop


def param(values, dtype=np.float64):
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


# ---------------------------------------------------------------------------------------------
# Reference updates, one plain line of math per formula (no in-place tricks), for a list of
# gradients and the learning rate of each step. Each returns the parameter after every step.

def reference_sgd(p, grads, lrs, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
                  maximize=False):
    trajectory, b = [], None
    for g, lr in zip(grads, lrs):
        g = (-g if maximize else g) + weight_decay * p
        if momentum:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        trajectory.append(p)
    return trajectory


def reference_rmsprop(p, grads, lrs, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0,
                      centered=False, maximize=False):
    trajectory, v, a, b = [], 0.0, 0.0, 0.0
    for g, lr in zip(grads, lrs):
        g = (-g if maximize else g) + weight_decay * p
        v = alpha * v + (1 - alpha) * g ** 2
        a = alpha * a + (1 - alpha) * g
        denominator = np.sqrt(v - a ** 2 if centered else v) + eps
        if momentum > 0:
            b = momentum * b + g / denominator
            p = p - lr * b
        else:
            p = p - lr * g / denominator
        trajectory.append(p)
    return trajectory


def reference_adam(p, grads, lrs, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                   maximize=False, decoupled=False):
    trajectory, m, v, v_max = [], 0.0, 0.0, 0.0
    beta1, beta2 = betas
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        g = -g if maximize else g
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        v_max = np.maximum(v_max, v)
        m_hat, v_hat = m / (1 - beta1 ** t), (v_max if amsgrad else v) / (1 - beta2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append(p)
    return trajectory


def reference_adamw(p, grads, lrs, weight_decay=0.01, **kwargs):
    return reference_adam(p, grads, lrs, weight_decay=weight_decay, decoupled=True, **kwargs)


def reference_adagrad(p, grads, lrs, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                      eps=1e-10, maximize=False):
    trajectory, total = [], initial_accumulator_value
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        g = (-g if maximize else g) + weight_decay * p
        total = total + g ** 2
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)
        trajectory.append(p)
    return trajectory


# (id, optimizer class, hyper-parameters except lr, reference). eps and betas are far from
# their defaults so that a misplaced eps or bias correction shows in the numbers.
VARIANTS = [
    ("sgd", SGD, {}, reference_sgd),
    ("sgd-momentum", SGD, dict(momentum=0.9), reference_sgd),
    ("sgd-dampening", SGD, dict(momentum=0.9, dampening=0.3), reference_sgd),
    ("sgd-nesterov", SGD, dict(momentum=0.8, nesterov=True), reference_sgd),
    ("sgd-weight-decay", SGD, dict(weight_decay=0.2), reference_sgd),
    ("sgd-all", SGD, dict(momentum=0.7, nesterov=True, weight_decay=0.2), reference_sgd),
    ("sgd-maximize", SGD, dict(maximize=True), reference_sgd),
    ("sgd-maximize-all", SGD, dict(momentum=0.7, nesterov=True, weight_decay=0.2, maximize=True),
     reference_sgd),
    ("rmsprop", RMSprop, dict(alpha=0.9, eps=0.1), reference_rmsprop),
    ("rmsprop-momentum", RMSprop, dict(alpha=0.9, eps=0.1, momentum=0.8), reference_rmsprop),
    ("rmsprop-weight-decay", RMSprop, dict(alpha=0.9, eps=0.1, weight_decay=0.2),
     reference_rmsprop),
    ("rmsprop-all", RMSprop, dict(alpha=0.9, eps=0.1, momentum=0.8, weight_decay=0.2),
     reference_rmsprop),
    ("rmsprop-centered", RMSprop, dict(alpha=0.9, eps=0.1, centered=True), reference_rmsprop),
    ("rmsprop-centered-all", RMSprop, dict(alpha=0.9, eps=0.1, momentum=0.8, weight_decay=0.2,
                                           centered=True, maximize=True), reference_rmsprop),
    ("rmsprop-maximize", RMSprop, dict(alpha=0.9, eps=0.1, maximize=True), reference_rmsprop),
    ("adam", Adam, dict(betas=(0.8, 0.9), eps=0.1), reference_adam),
    ("adam-weight-decay", Adam, dict(betas=(0.8, 0.9), eps=0.1, weight_decay=0.2), reference_adam),
    ("adam-amsgrad", Adam, dict(betas=(0.8, 0.9), eps=0.1, amsgrad=True), reference_adam),
    ("adam-maximize", Adam, dict(betas=(0.8, 0.9), eps=0.1, maximize=True), reference_adam),
    ("adam-all", Adam, dict(betas=(0.8, 0.9), eps=0.1, weight_decay=0.2, amsgrad=True,
                            maximize=True), reference_adam),
    ("adamw", AdamW, dict(betas=(0.8, 0.9), eps=0.1, weight_decay=0.2), reference_adamw),
    ("adamw-default-decay", AdamW, dict(), reference_adamw),
    ("adamw-all", AdamW, dict(betas=(0.8, 0.9), eps=0.1, weight_decay=0.2, amsgrad=True,
                              maximize=True), reference_adamw),
    ("adagrad", Adagrad, dict(eps=0.1), reference_adagrad),
    ("adagrad-all", Adagrad, dict(lr_decay=0.5, weight_decay=0.2, initial_accumulator_value=0.3,
                                  eps=0.1, maximize=True), reference_adagrad),
]
VARIANT_IDS = [v[0] for v in VARIANTS]
ALL_OPTIMIZERS = [SGD, RMSprop, Adam, AdamW, Adagrad]

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


@pytest.mark.parametrize("cls", ALL_OPTIMIZERS)
def test_empty_parameter_list_raises(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        cls(iter(()), lr=0.1)


@pytest.mark.parametrize("cls", ALL_OPTIMIZERS)
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
    (Adam, dict(betas=(0.9, 0.99, 0.999)), r"betas must be a pair.*3 values"),
    (Adagrad, dict(lr=-0.1), r"lr.*-0\.1"),
    (Adagrad, dict(lr_decay=-1.0), r"lr_decay.*-1\.0"),
    (Adagrad, dict(weight_decay=-1.0), r"weight_decay.*-1\.0"),
    (Adagrad, dict(initial_accumulator_value=-0.5), r"initial_accumulator_value.*-0\.5"),
    (Adagrad, dict(eps=-1e-10), r"eps.*-1e-10"),
])
def test_invalid_hyperparameters_raise_naming_the_value(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls([param([1.0])], **kwargs)


@pytest.mark.parametrize("cls, kwargs, message", [
    (SGD, dict(lr="0.1"), r"lr.*'0\.1'.*number"),
    (SGD, dict(lr=0.1, maximize="yes"), r"maximize must be True or False.*'yes'"),
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=1), r"nesterov must be True or False"),
    (RMSprop, dict(centered=None), r"centered must be True or False.*None"),
    (Adam, dict(amsgrad=1), r"amsgrad must be True or False.*1"),
    (Adam, dict(betas=0.9), r"betas must be a pair.*float"),
    (Adam, dict(betas=(0.9, "0.999")), r"beta.*index 1.*'0\.999'.*number"),
    (AdamW, dict(maximize=0), r"maximize must be True or False"),
    (Adagrad, dict(eps=None), r"eps.*None.*number"),
])
def test_hyperparameters_of_the_wrong_type_raise_type_error(cls, kwargs, message):
    with pytest.raises(TypeError, match=message):
        cls([param([1.0])], **{"lr": 0.1, **kwargs})


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


def test_zero_grad_set_to_none_false_zeroes_in_place_and_backward_accumulates_there():
    a, b = param([1.0, 2.0]), param([3.0])
    (a * a).sum().backward()
    grad = a.grad
    opt = SGD([a, b], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and b.grad is None  # zeroed where it was, None left as None
    np.testing.assert_array_equal(grad, [0.0, 0.0])
    (a * 3.0).sum().backward()
    assert a.grad is grad
    np.testing.assert_array_equal(grad, [3.0, 3.0])


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


def test_adagrad_accumulator_starts_at_its_groups_value():
    a, b = param([1.0]), param([1.0])
    opt = Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}], lr=0.1,
                  initial_accumulator_value=1.0)
    a.grad, b.grad = np.array([1.0]), np.array([1.0])
    opt.step()
    np.testing.assert_allclose(opt.state[a]["sum"], [2.0])
    np.testing.assert_allclose(opt.state[b]["sum"], [4.0])
    np.testing.assert_allclose(b.data, [1.0 - 0.1 / (2.0 + 1e-10)], rtol=1e-15)


def test_maximize_climbs_a_concave_function():
    # f(x) = -(x - 2)^2 has its maximum at 2; each optimizer ascends with maximize=True.
    for cls, hyper in [(SGD, dict(lr=0.1, momentum=0.5)), (RMSprop, dict(lr=0.01)),
                       (Adam, dict(lr=0.05)), (AdamW, dict(lr=0.05, weight_decay=0.0)),
                       (Adagrad, dict(lr=0.5))]:
        x = param([0.0])
        opt = cls([x], maximize=True, **hyper)
        for _ in range(500):
            x.grad = -2.0 * (x.data - 2.0)
            opt.step()
        np.testing.assert_allclose(x.data, [2.0], atol=2e-2, err_msg=cls.__name__)
