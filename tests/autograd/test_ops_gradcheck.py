"""Every op in the registry, gradchecked in float64 over hypothesis-drawn shapes and values.

The cases come from ``opcases.OP_CASES`` and the ``CASES`` of every ``opcases_*.py`` module. A new
op cannot ship without an entry: ``test_every_registered_op_has_a_gradcheck_case`` fails until
it gets one.
"""
import importlib
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import concatenate, grad, gradcheck
from autograd.ops import REGISTRY

from .opcases import OP_CASES as FIRST_ROUND_CASES


def gathered_cases():
    """The first round's cases and every ``opcases_<family>.CASES``; a name given twice fails."""
    cases = dict(FIRST_ROUND_CASES)
    for path in sorted(pathlib.Path(__file__).parent.glob("opcases_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for name, case in module.CASES.items():
            if name in cases:
                raise RuntimeError(f"gradcheck case {name!r} is defined twice ({path.name})")
            cases[name] = case
    return cases


OP_CASES = gathered_cases()


def engine_op_names():
    """The registry's ops, without those that ``nn`` registers (tested in tests/nn)."""
    try:
        importlib.import_module("nn")  # registers nn's fused ops, which the filter drops
    except ImportError:
        pass
    return {name for name, op in REGISTRY.items() if op.__module__.split(".")[0] != "nn"}


def test_every_registered_op_has_a_gradcheck_case():
    missing = engine_op_names() - set(OP_CASES)
    assert not missing, f"ops without a gradcheck case in OP_CASES: {sorted(missing)}"


def test_the_registry_holds_every_primitive_of_the_issue():
    expected = {"add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "abs", "tanh",
                "sigmoid", "relu", "clip", "maximum", "minimum", "where", "sum", "max", "min",
                "logsumexp", "reshape", "transpose", "broadcast_to", "concatenate", "getitem",
                "matmul", "softmax"}
    assert expected <= set(REGISTRY)
    assert autograd.ops.REGISTRY is REGISTRY


# the cast case checks float32 inputs on purpose (with a coarse step): its warning is expected
FLOAT32_ON_PURPOSE = "ignore:gradcheck. input 0 has dtype float32:UserWarning"


@pytest.mark.filterwarnings(FLOAT32_ON_PURPOSE)
@pytest.mark.parametrize("name", sorted(OP_CASES))
@given(data=st.data())
def test_gradcheck(name, data):
    case = OP_CASES[name](data)
    assert gradcheck(case.fn, case.inputs, **case.tolerances)


def gradient_function(case):
    """x -> d/dx sum(fn(x)²), flattened: differentiating it differentiates every op's rule.

    The square makes even linear ops' rules receive an upstream gradient that depends on x,
    so their backward (run on Tensors under create_graph) must itself be differentiable.
    """
    def gradients(*xs):
        out = case.fn(*xs)
        grads = grad((out * out).sum(), xs, create_graph=True)
        return concatenate([g.reshape(-1) for g in grads])
    return gradients


@pytest.mark.filterwarnings(FLOAT32_ON_PURPOSE)
@pytest.mark.parametrize("name", sorted(OP_CASES))
@settings(max_examples=15)
@given(data=st.data())
def test_second_order_gradcheck(name, data):
    case = OP_CASES[name](data)
    assert gradcheck(gradient_function(case), case.inputs, **case.second_order_tolerances)
