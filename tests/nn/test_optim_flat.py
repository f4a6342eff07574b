"""The update of a whole group of small parameters at once (nn.optim.flat) against the same
optimizer updating them one by one: bit for bit, through every fallback and re-layout."""
import numpy as np
import pytest

import nn.optim.flat as flat
from autograd import Tensor
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop

SHAPES = [(3, 4), (4,), (), (0, 2), (2, 2, 2)]

CONFIGS = [
    (Adam, {}),
    (Adam, {"amsgrad": True}),
    (Adam, {"maximize": True}),
    (Adam, {"weight_decay": 0.1}),
    (Adam, {"weight_decay": 0.1, "maximize": True, "amsgrad": True}),
    (AdamW, {}),
    (AdamW, {"weight_decay": 0.3, "maximize": True}),
    (SGD, {"momentum": 0.9}),
    (SGD, {"momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    (SGD, {"momentum": 0.8, "nesterov": True, "maximize": True}),
    (SGD, {"momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    (RMSprop, {}),
    (RMSprop, {"centered": True, "momentum": 0.9}),
    (RMSprop, {"momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    (Adagrad, {}),
    (Adagrad, {"lr_decay": 0.1, "initial_accumulator_value": 0.2, "weight_decay": 0.1,
               "maximize": True}),
]


def make_params(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in SHAPES]


def gradients(params, step, skip=()):
    """A gradient of each parameter's own shape and dtype for step ``step``; None for those
    in ``skip``."""
    rng = np.random.default_rng(100 + step)
    for i, p in enumerate(params):
        p.grad = None if i in skip else rng.standard_normal(p.shape).astype(p.dtype)


def run(cls, hyper, dtype, steps, flat_max_size, monkeypatch, skip_at=None, between=None):
    """Parameters and optimizer after ``steps`` steps; ``skip_at(step)`` names the parameters
    without a gradient at a step, ``between(step, params, opt)`` runs before each step."""
    monkeypatch.setattr(flat, "MAX_SIZE", flat_max_size)
    params = make_params(dtype)
    opt = cls(params, lr=0.05, **hyper)
    for step in range(steps):
        gradients(params, step, skip_at(step) if skip_at else ())
        if between:
            between(step, params, opt)
        opt.step()
    return params, opt


def assert_same(run_a, run_b):
    (params_a, opt_a), (params_b, opt_b) = run_a, run_b
    for i, (a, b) in enumerate(zip(params_a, params_b)):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.data, b.data, err_msg=f"parameter {i}")
        state_a, state_b = opt_a.state.get(a, {}), opt_b.state.get(b, {})
        assert sorted(state_a) == sorted(state_b)
        for name in state_a:
            np.testing.assert_array_equal(state_a[name], state_b[name],
                                          err_msg=f"parameter {i}, {name}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls, hyper", CONFIGS)
def test_a_flat_group_updates_bit_for_bit_as_one_by_one(cls, hyper, dtype, monkeypatch):
    at_once = run(cls, hyper, dtype, 6, 1 << 17, monkeypatch)
    one_by_one = run(cls, hyper, dtype, 6, 0, monkeypatch)
    assert at_once[1]._flat and not one_by_one[1]._flat
    assert_same(at_once, one_by_one)
    if cls is not SGD:
        assert at_once[1].state[at_once[0][0]]["step"] == 6


def test_plain_sgd_keeps_no_state_and_goes_one_by_one(monkeypatch):
    at_once = run(SGD, {"weight_decay": 0.1}, np.float64, 3, 1 << 17, monkeypatch)
    assert not at_once[1]._flat and not at_once[1].state[at_once[0][0]]
    assert_same(at_once, run(SGD, {"weight_decay": 0.1}, np.float64, 3, 0, monkeypatch))


def test_sgd_starts_its_momentum_buffers_from_the_first_gradient(monkeypatch):
    params, opt = run(SGD, {"momentum": 0.9}, np.float64, 1, 1 << 17, monkeypatch)
    assert not opt._flat  # the buffers are made one by one, as copies of the gradients
    first = [opt.state[p]["momentum_buffer"].copy() for p in params]
    gradients(params, 1)
    opt.step()
    assert opt._flat
    for p, buf in zip(params, first):
        np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], 0.9 * buf + p.grad)


def test_the_state_is_views_of_one_buffer_per_name_that_stay_live(monkeypatch):
    params, opt = run(Adam, {"amsgrad": True}, np.float64, 1, 1 << 17, monkeypatch)
    held = opt.state[params[0]]["exp_avg"]
    for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        bases = {id(opt.state[p][name].base) for p in params}
        assert len(bases) == 1, name
        assert all(opt.state[p][name].shape == p.shape for p in params)
    before = held.copy()
    gradients(params, 1)
    opt.step()
    assert opt.state[params[0]]["exp_avg"] is held  # updated in place, not replaced
    assert not np.array_equal(held, before)


def test_a_parameter_that_misses_steps_lags_and_the_group_goes_one_by_one(monkeypatch):
    # parameter 1 misses steps 2 and 3: its step count lags, so the group goes one by one
    def skip_at(step):
        return (1,) if step in (2, 3) else ()
    assert_same(run(Adam, {}, np.float64, 7, 1 << 17, monkeypatch, skip_at),
                run(Adam, {}, np.float64, 7, 0, monkeypatch, skip_at))


def test_a_step_count_set_by_hand_takes_the_group_one_by_one(monkeypatch):
    # after two flat steps, parameter 1's count is moved on by hand: its bias correction must
    # use its own count from then on, as one by one
    def set_count(step, params, opt):
        if step == 2:
            opt.state[params[1]]["step"] = 10
    at_once = run(Adam, {}, np.float64, 5, 1 << 17, monkeypatch, between=set_count)
    assert at_once[1].state[at_once[0][1]]["step"] == 13  # 10, then steps 2, 3 and 4
    assert_same(at_once, run(Adam, {}, np.float64, 5, 0, monkeypatch, between=set_count))


def test_a_parameter_never_given_a_gradient_is_left_out_of_the_layout(monkeypatch):
    params, opt = run(Adam, {}, np.float32, 4, 1 << 17, monkeypatch, lambda step: (2,))
    assert params[2] not in opt.state
    (layout,) = opt._flat.values()
    assert [id(q) for q in layout.params] == [id(p) for i, p in enumerate(params) if i != 2]
    assert_same((params, opt), run(Adam, {}, np.float32, 4, 0, monkeypatch, lambda step: (2,)))


def test_mixed_dtypes_and_oversized_groups_go_one_by_one(monkeypatch):
    params = make_params(np.float64)
    params[1] = Tensor(params[1].data.astype(np.float32), requires_grad=True)
    opt = Adam(params)
    gradients(params, 0)
    opt.step()
    assert not opt._flat
    monkeypatch.setattr(flat, "MAX_SIZE", 10)  # the group holds 25 numbers
    opt = Adam(make_params(np.float64))
    gradients(opt.param_groups[0]["params"], 0)
    opt.step()
    assert not opt._flat


def test_a_gradient_of_another_dtype_goes_one_by_one(monkeypatch):
    def float32_gradient(step, params, opt):
        params[0].grad = params[0].grad.astype(np.float32)
    at_once = run(Adam, {}, np.float64, 3, 1 << 17, monkeypatch, between=float32_gradient)
    assert not at_once[1]._flat
    assert_same(at_once, run(Adam, {}, np.float64, 3, 0, monkeypatch, between=float32_gradient))


def test_a_gradient_of_the_wrong_shape_still_raises(monkeypatch):
    params = make_params(np.float64)
    opt = Adam(params)
    gradients(params, 0)
    params[0].grad = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"gradient of shape \(4, 3\) for a parameter of shape "
                                         r"\(3, 4\)"):
        opt.step()


def test_loading_a_state_dict_lays_the_group_out_again(monkeypatch):
    def reload_at_3(step, params, opt):
        if step == 3:
            saved = opt.state_dict()
            opt.load_state_dict(saved)
    at_once = run(Adam, {"amsgrad": True}, np.float64, 6, 1 << 17, monkeypatch,
                  between=reload_at_3)
    assert_same(at_once, run(Adam, {"amsgrad": True}, np.float64, 6, 0, monkeypatch))
    params, opt = at_once
    assert len({id(opt.state[p]["exp_avg"].base) for p in params}) == 1


def test_a_saved_state_is_a_copy_of_the_flat_buffers(monkeypatch):
    params, opt = run(Adam, {}, np.float64, 2, 1 << 17, monkeypatch)
    saved = opt.state_dict()
    kept = saved["state"]["0"]["exp_avg"].copy()
    gradients(params, 2)
    opt.step()
    np.testing.assert_array_equal(saved["state"]["0"]["exp_avg"], kept)


def test_rebinding_a_parameters_data_lays_the_group_out_again(monkeypatch):
    def rebind_at_2(step, params, opt):
        if step == 2:
            params[0].data = params[0].data.copy()
    at_once = run(AdamW, {}, np.float32, 5, 1 << 17, monkeypatch, between=rebind_at_2)
    params, opt = at_once
    (layout,) = opt._flat.values()
    assert layout.datas[0] is params[0].data
    assert_same(at_once, run(AdamW, {}, np.float32, 5, 0, monkeypatch, between=rebind_at_2))


def test_turning_amsgrad_on_adds_its_buffer_to_the_layout(monkeypatch):
    def amsgrad_from_2(step, params, opt):
        opt.param_groups[0]["amsgrad"] = step >= 2
    assert_same(run(Adam, {}, np.float64, 5, 1 << 17, monkeypatch, between=amsgrad_from_2),
                run(Adam, {}, np.float64, 5, 0, monkeypatch, between=amsgrad_from_2))


def test_every_update_bumps_each_parameters_version(monkeypatch):
    params, opt = run(Adam, {}, np.float64, 1, 1 << 17, monkeypatch)
    versions = [p._version for p in params]
    gradients(params, 1)
    opt.step()
    assert [p._version for p in params] == [v + 1 for v in versions]


def test_a_state_array_replaced_by_hand_is_read_at_the_next_step(monkeypatch):
    def replace_at_2(step, params, opt):
        if step == 2:
            entry = opt.state[params[0]]
            entry["exp_avg"] = np.full_like(entry["exp_avg"], 0.25)
    assert_same(run(Adam, {}, np.float64, 4, 1 << 17, monkeypatch, between=replace_at_2),
                run(Adam, {}, np.float64, 4, 0, monkeypatch, between=replace_at_2))


@pytest.mark.parametrize("cls, hyper", CONFIGS)
def test_a_flat_step_writes_into_the_parameters_and_reads_the_gradients_only(cls, hyper):
    params = make_params(np.float64)
    datas = [p.data for p in params]
    opt = cls(params, lr=0.05, **hyper)
    for step in range(2):
        gradients(params, step)
        grads = [p.grad for p in params]
        kept = [g.copy() for g in grads]
        opt.step()
        assert opt._flat or cls is SGD
        for p, data, grad, g in zip(params, datas, grads, kept):
            assert p.data is data and p.grad is grad
            np.testing.assert_array_equal(grad, g)


def test_backward_through_a_graph_saved_before_a_flat_step_raises():
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    loss = (Tensor(np.ones((4, 3))) @ w + b).sum()  # d/dx would need w; d/dw needs x only
    loss2 = (w * w).sum() + b.sum()  # d/dw needs w itself
    w.grad, b.grad = np.ones((3, 2)), np.ones(2)
    opt = Adam([w, b])
    opt.step()
    assert opt._flat
    loss.backward()  # reads no updated value
    with pytest.raises(RuntimeError, match="modified in place"):
        loss2.backward()


def test_every_flat_step_is_seen_by_graphs_saved_before_it_views_included():
    # the layout keeps its parameters' memory keys from its first step: later steps through
    # the same layout must still reach the record, for a parameter that views a larger buffer
    buffer = np.ones(8)
    w = Tensor(buffer[:6].reshape(3, 2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = Adam([w, b])
    for step in range(3):
        loss = (w * w).sum() + (b * b).sum()
        untouched = (Tensor(np.ones((4, 3))) @ w).sum()  # d/dw reads x only
        w.grad, b.grad = np.full((3, 2), 0.5), np.full(2, 0.5)
        opt.step()
        (layout,) = opt._flat.values()
        assert layout.params == (w, b)
        untouched.backward()
        with pytest.raises(RuntimeError, match="modified in place"):
            loss.backward()
    assert w._version == b._version == 3
    alias = Tensor(buffer[6:], requires_grad=True)  # another view of w's buffer
    read = (alias * alias).sum()
    w.grad, b.grad = np.ones((3, 2)), np.ones(2)
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        read.backward()  # the buffer was written, as PyTorch's shared storage


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_optimizer_steps_as_the_original(how, monkeypatch):
    import copy
    import pickle
    params, opt = run(Adam, {"amsgrad": True}, np.float32, 2, 1 << 17, monkeypatch)
    copied = copy.deepcopy(opt) if how == "deepcopy" else pickle.loads(pickle.dumps(opt))
    copied_params = copied.param_groups[0]["params"]
    for step in (2, 3):
        gradients(params, step)
        gradients(copied_params, step)
        opt.step()
        copied.step()
    assert_same((params, opt), (copied_params, copied))
    (layout,) = copied._flat.values()
    assert all(copied.state[p]["exp_avg"].base is layout.flat_state["exp_avg"]
               for p in copied_params)
