"""nn.optim state dicts: plain structures that survive a JSON-like round trip, resume bit for
bit, and are checked in full before a load changes anything."""
import copy
import json

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, Adam, AdamW, Optimizer, RMSprop
from test_optim import GRADS, P0, VARIANT_IDS, VARIANTS, param


def check_plain(value, where="state"):
    """Assert ``value`` holds only dicts with str keys, lists, arrays, int/float/bool/str/None."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"{where}: key {key!r}"
            check_plain(item, f"{where}[{key!r}]")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]")
    elif isinstance(value, np.ndarray):
        assert value.dtype.kind in "biuf", f"{where}: dtype {value.dtype}"
    else:
        assert value is None or type(value) in (bool, int, float, str), \
            f"{where}: {type(value).__name__}"


def json_like(state):
    """What a save and load through a JSON header with arrays beside it gives back: the
    structure through ``json``, the arrays copied (so nothing is shared with ``state``)."""
    check_plain(state)
    arrays = []

    def pull(value):
        if isinstance(value, np.ndarray):
            arrays.append(value.copy())
            return {"__array__": len(arrays) - 1}
        if isinstance(value, dict):
            return {k: pull(v) for k, v in value.items()}
        if isinstance(value, list):
            return [pull(v) for v in value]
        return value

    def push(value):
        if isinstance(value, dict):
            if set(value) == {"__array__"}:
                return arrays[value["__array__"]]
            return {k: push(v) for k, v in value.items()}
        if isinstance(value, list):
            return [push(v) for v in value]
        return value

    return push(json.loads(json.dumps(pull(state))))


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
    check_plain(saved)
    frozen = copy.deepcopy(saved)

    clones = [param(p.data) for p in params]
    _, restored = two_group_optimizer(cls, hyper)
    restored.param_groups[0]["params"] = clones[:2]  # same layout, fresh parameter objects
    restored.param_groups[1]["params"] = clones[2:]
    restored.load_state_dict(json_like(saved))
    assert restored.param_groups[0].keys() == opt.param_groups[0].keys()
    for mine, theirs in zip(restored.param_groups, opt.param_groups):
        assert {k: v for k, v in mine.items() if k != "params"} == \
            {k: v for k, v in theirs.items() if k != "params"}  # betas a tuple again

    later = GRADS[::-1] * 2
    feed(params, opt, later)
    feed(clones, restored, later)
    for p, c in zip(params, clones):
        np.testing.assert_array_equal(p.data, c.data)
    # The saved dict is a snapshot: the run that produced it did not write into it.
    for index, entry in frozen["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(saved["state"][index][key], value)


def test_loading_copies_the_arrays():
    params, opt = two_group_optimizer(Adam, {})
    feed(params, opt, GRADS[:1])
    saved = opt.state_dict()
    _, restored = two_group_optimizer(Adam, {})
    restored.load_state_dict(saved)
    for entry in restored.state.values():
        for key, value in entry.items():
            if isinstance(value, np.ndarray):
                assert not any(np.shares_memory(value, s[key]) for s in saved["state"].values())


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
    ("bad index key", r"holds 'first'.*parameter indices.*'0'",
     lambda d: d["state"].update(first=d["state"].pop("0"))),
    ("index held twice", r"index 0 appears more than once",
     lambda d: d["param_groups"][1].update(params=[0])),
    ("negative index", r"group 1's 'params' holds -2",
     lambda d: d["param_groups"][1].update(params=[-2])),
    ("fractional step", r"'step' of parameter 0.*integer.*1\.5",
     lambda d: d["state"]["0"].update(step=1.5)),
    ("betas of one", r"betas must be a pair.*1 values",
     lambda d: d["param_groups"][0].update(betas=[0.9])),
]
for label, message, spoil in MISMATCHES:
    MISMATCHES[MISMATCHES.index((label, message, spoil))] = (label, ValueError, message, spoil)
MISMATCHES += [
    ("a Tensor buffer", TypeError, r"'exp_avg' of parameter 0 must be a numpy array, not Tensor",
     lambda d: d["state"]["0"].update(exp_avg=Tensor(d["state"]["0"]["exp_avg"]))),
    ("a list buffer", TypeError, r"'exp_avg_sq' of parameter 1 must be a numpy array, not list",
     lambda d: d["state"]["1"].update(exp_avg_sq=d["state"]["1"]["exp_avg_sq"].tolist())),
    ("an object array", TypeError, r"dtype object",
     lambda d: d["state"]["2"].update(exp_avg=np.array([None]))),
    ("a bool step", TypeError, r"'step' of parameter 0.*bool",
     lambda d: d["state"]["0"].update(step=True)),
    ("a Tensor lr", TypeError, r"parameter group 1\['lr'\] is a Tensor",
     lambda d: d["param_groups"][1].update(lr=Tensor(np.array(0.1)))),
    ("a string lr", TypeError, r"lr.*'0\.1'.*number",
     lambda d: d["param_groups"][1].update(lr="0.1")),
    ("state as a list", TypeError, r"state_dict\['state'\] must be a dict, not list",
     lambda d: d.update(state=list(d["state"].values()))),
    ("a group as a list", TypeError, r"parameter group 0 .*must be a dict, not list",
     lambda d: d["param_groups"].__setitem__(0, [0, 1])),
    ("params as a number", TypeError, r"group 1's 'params' must be a list, not int",
     lambda d: d["param_groups"][1].update(params=2)),
]


@pytest.mark.parametrize("label, error, message, spoil", MISMATCHES,
                         ids=[m[0] for m in MISMATCHES])
def test_load_mismatched_state_dict_raises_and_changes_nothing(label, error, message, spoil):
    params, opt = two_group_optimizer(Adam, dict(weight_decay=0.1))
    feed(params, opt, GRADS[:2])
    before = opt.state_dict()
    bad = copy.deepcopy(before)
    # A valid change, which a load that applied it before failing would show.
    bad["param_groups"][1]["lr"] = 7.0
    spoil(bad)
    with pytest.raises(error, match=message):
        opt.load_state_dict(bad)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    assert after["state"].keys() == before["state"].keys()
    for index, entry in before["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(after["state"][index][key], value)


def test_load_state_dict_rejects_what_is_not_a_dict():
    params, opt = two_group_optimizer(SGD, {})
    with pytest.raises(TypeError, match="optimizer state dict must be a dict, not list"):
        opt.load_state_dict([])


def test_integer_state_keys_are_accepted_too():
    params, opt = two_group_optimizer(Adam, {})
    feed(params, opt, GRADS[:2])
    saved = opt.state_dict()
    saved["state"] = {int(k): v for k, v in saved["state"].items()}
    _, restored = two_group_optimizer(Adam, {})
    restored.load_state_dict(saved)
    assert restored.state_dict()["state"].keys() == {"0", "1", "2"}


def test_state_dict_refuses_what_a_file_cannot_hold():
    params, opt = two_group_optimizer(SGD, {})
    opt.param_groups[0]["callback"] = print
    with pytest.raises(TypeError, match=r"param_groups\[0\]\['callback'\] is a builtin_function"):
        opt.state_dict()


def test_state_dict_refuses_keys_that_are_not_strings():
    params, opt = two_group_optimizer(SGD, {})
    opt.param_groups[1]["schedule"] = {3: 0.1}
    with pytest.raises(TypeError, match=r"param_groups\[1\]\['schedule'\] has the key 3.*strings"):
        opt.state_dict()


def test_numpy_scalars_in_groups_are_saved_as_python_numbers():
    params, opt = two_group_optimizer(Adam, {})
    opt.param_groups[0]["lr"] = np.float32(0.5)
    opt.param_groups[0]["betas"] = (np.float64(0.8), 0.9)
    saved = opt.state_dict()
    check_plain(saved)
    assert saved["param_groups"][0]["lr"] == 0.5 and saved["param_groups"][0]["betas"] == [0.8, 0.9]


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




def test_a_whole_checkpoint_resumes_training_bit_for_bit():
    import nn
    from nn import functional as F
    from nn.optim.lr_scheduler import OneCycleLR

    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((32, 4)), rng.integers(0, 3, 32)

    def build(seed):
        init = np.random.default_rng(seed)
        model = nn.Sequential(nn.Linear(4, 8, rng=init), nn.Tanh(), nn.Linear(8, 3, rng=init))
        opt = Adam(model.parameters(), lr=0.01, weight_decay=1e-3, amsgrad=True)
        return model, opt, OneCycleLR(opt, max_lr=0.05, total_steps=40)

    def epoch(model, opt, scheduler, seed):
        order = np.random.default_rng(seed).permutation(len(X))
        for batch in np.array_split(order, 4):
            loss = F.cross_entropy(model(Tensor(X[batch])), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            scheduler.step()

    model, opt, scheduler = build(0)
    for seed in range(3):
        epoch(model, opt, scheduler, seed)
    checkpoint = json_like({"model": model.state_dict(), "optimizer": opt.state_dict(),
                            "scheduler": scheduler.state_dict(), "epoch": 3})
    for seed in range(3, 6):
        epoch(model, opt, scheduler, seed)

    model2, opt2, scheduler2 = build(1)  # other weights, all overwritten by the checkpoint
    model2.load_state_dict(checkpoint["model"])
    opt2.load_state_dict(checkpoint["optimizer"])
    scheduler2.load_state_dict(checkpoint["scheduler"])
    for seed in range(checkpoint["epoch"], 6):
        epoch(model2, opt2, scheduler2, seed)
    for (name, p), q in zip(model.named_parameters(), model2.parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert opt2.param_groups[0]["betas"] == opt.param_groups[0]["betas"]
