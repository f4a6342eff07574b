"""Issue 14's nn.functional items: each error names the argument at fault, both shapes and
the remedy (the exception type and the words that matter are asserted)."""
import numpy as np
import pytest

import nn
from autograd import Tensor
from nn import functional as F


def ones(*shape):
    return Tensor(np.ones(shape))


# name: (x shape, w shape, b shape or None, words the message must hold, words it must not)
LINEAR_CASES = {
    "the issue's bad bias": ((2, 3), (3, 4), (5,),
                             ["bias of shape (5,)", "(2, 4)", "(3, 4)", "bias of shape (4,)"],
                             ["input features", "does not fit a weight"]),
    "a bias that would grow the output": ((3,), (3, 4), (1, 4),
                                          ["bias of shape (1, 4)", "output of shape (4,)"], []),
    "a bias that broadcasts nowhere": ((2, 3), (3, 4), (3, 1),
                                       ["bias of shape (3, 1)", "(2, 4)"], []),
    "an input with the wrong feature count": ((2, 5), (3, 4), (4,),
                                              ["input of shape (2, 5)", "weight of shape (3, 4)",
                                               "3 (in_features)"], ["bias"]),
    "a 0-d input": ((), (3, 4), None, ["input of shape ()", "3 (in_features)"], []),
    "a 1-D weight": ((2, 3), (3,), None, ["2-D weight", "weight of shape (3,)",
                                          "input of shape (2, 3)"], []),
}


@pytest.mark.parametrize("name", LINEAR_CASES)
def test_linear_blames_the_argument_at_fault(name):
    x_shape, w_shape, b_shape, words, absent = LINEAR_CASES[name]
    b = None if b_shape is None else ones(*b_shape)
    with pytest.raises(ValueError) as error:
        F.linear(ones(*x_shape), ones(*w_shape), b)
    message = str(error.value)
    for word in words:
        assert word in message
    for word in absent:
        assert word not in message


@pytest.mark.parametrize("b_shape", [(4,), (1, 4), (2, 4), ()])
def test_linear_accepts_every_bias_that_broadcasts_to_the_output(b_shape):
    out = F.linear(ones(2, 3), ones(3, 4), Tensor(np.full(b_shape, 2.0)))
    np.testing.assert_array_equal(out.data, np.full((2, 4), 5.0))


def test_linear_module_with_the_wrong_input_names_the_input():
    with pytest.raises(ValueError, match=r"input of shape \(7, 2\).*weight of shape \(3, 5\)"):
        nn.Linear(3, 5, rng=0)(ones(7, 2))


def test_cross_entropy_with_a_target_of_neither_shape_says_what_it_expects():
    with pytest.raises(ValueError) as error:
        F.cross_entropy(ones(2, 3), np.zeros((3, 3)))
    message = str(error.value)
    assert "target of shape (3, 3)" in message and "logits of shape (2, 3)" in message
    assert "class indices of shape (2,)" in message
    assert "class probabilities of shape (2, 3)" in message


def test_cross_entropy_takes_probability_targets_with_the_gradient():
    # the case: (2, 3) probabilities against (2, 3) logits, no longer an error
    logits = Tensor(np.zeros((2, 3)), requires_grad=True)
    target = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    loss = F.cross_entropy(logits, target)
    loss.backward()
    assert loss.item() == pytest.approx(np.log(3))
    np.testing.assert_allclose(logits.grad, (1 / 3 - target) / 2, rtol=1e-13)


def test_linear_with_an_int_rng_no_longer_raises_attributeerror():
    assert nn.Linear(2, 3, rng=42).weight.shape == (2, 3)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator, an int seed "
                                        r"or None, not float"):
        nn.Linear(2, 3, rng=4.2)
