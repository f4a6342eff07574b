"""W8: NumPy's functions called on Tensors (`np.exp(t)`), against the Tensor method they dispatch
to (`t.exp()`): the time of one recorded call, np.* / method, on a (64,) float64 Tensor that
requires grad, where the call's fixed cost is most of its time. npgrad only (np.* on a PyTorch
tensor converts it to an array and drops its graph).

Each function's two forms are timed in alternating loops, and each form's fastest loop counts,
so that the machine's drift hits both alike; the figure is the worst ratio over the functions,
with each function's ratio beside it. Beside them, the floor that numpy's override protocol
sets: np.exp on a Tensor whose `__array_ufunc__` does nothing but apply the op, over `t.exp()`.
"""
import time

import numpy as np

W8_SHAPE = (64,)
W8_CALLS = 2000
W8_ROUNDS = 7


def _functions(autograd, t, a):
    """name -> (the np.* call, the Tensor method or autograd function it dispatches to)."""
    return {
        "np.exp": (lambda: np.exp(t), lambda: t.exp()),
        "np.sin": (lambda: np.sin(t), lambda: t.sin()),
        "np.add(t, a)": (lambda: np.add(t, a), lambda: t + a),
        "np.maximum": (lambda: np.maximum(t, a), lambda: autograd.maximum(t, a)),
        "np.sum": (lambda: np.sum(t, axis=0), lambda: t.sum(axis=0)),
        "np.reshape": (lambda: np.reshape(t, (8, 8)), lambda: t.reshape(8, 8)),
        "np.matmul": (lambda: np.matmul(t, a), lambda: t @ a),
    }


def _loop_seconds(call, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        call()
    return time.perf_counter() - t0


def _ratio(np_call, method, calls, rounds):
    """(fastest np_call loop) / (fastest method loop), over `rounds` alternating loops."""
    np.testing.assert_array_equal(np_call().data, method().data)  # the same op either way
    best = {np_call: float("inf"), method: float("inf")}
    _loop_seconds(np_call, calls // 10)  # warm-up
    _loop_seconds(method, calls // 10)
    for _ in range(rounds):
        for call in (np_call, method):
            best[call] = min(best[call], _loop_seconds(call, calls))
    return best[np_call] / best[method]


def _tensor(autograd):
    rng = np.random.default_rng(8)
    t = autograd.Tensor(rng.uniform(0.5, 1.5, W8_SHAPE), requires_grad=True)
    return t, rng.uniform(0.5, 1.5, W8_SHAPE)


def dispatch_ratios(autograd, calls=W8_CALLS, rounds=W8_ROUNDS):
    """name -> (fastest np.* loop) / (fastest method loop), over `rounds` alternating loops."""
    t, a = _tensor(autograd)
    return {name: _ratio(np_call, method, calls, rounds)
            for name, (np_call, method) in _functions(autograd, t, a).items()}


def protocol_floor(autograd, calls=W8_CALLS, rounds=W8_ROUNDS):
    """np.exp on a Tensor whose ``__array_ufunc__`` only applies Exp, over ``t.exp()``: what
    numpy's override protocol alone costs (no dispatch of npgrad's can go below it)."""
    from autograd.ops import apply
    from autograd.ops.transcendental import Exp

    class Bare(autograd.Tensor):
        __slots__ = ()

        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return apply(Exp(), self)

    t, _ = _tensor(autograd)
    bare = Bare(t.data, requires_grad=True)
    return _ratio(lambda: np.exp(bare), lambda: t.exp(), calls, rounds)


def npgrad_w8(runner, req):
    import autograd
    ratios = dispatch_ratios(autograd, req["w8_calls"])
    worst = max(ratios, key=ratios.get)
    return {"value": ratios[worst], "worst": worst, "ratios": ratios,
            "floor": protocol_floor(autograd, req["w8_calls"])}


RUNS = {"npgrad": npgrad_w8}
