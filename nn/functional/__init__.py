"""Functions on Tensors for networks, by family. ``linear`` and ``cross_entropy`` (for plain
class indices) are fused ops; the rest are composites of engine ops."""
from .activations import (dropout, elu, leaky_relu, log_softmax, logsigmoid, relu, sigmoid,
                          silu, softmax, softplus, tanh)
from .linear import Linear, linear
from .losses import (CrossEntropy, binary_cross_entropy, binary_cross_entropy_with_logits,
                     cross_entropy, mse_loss, nll_loss, one_hot)
from .conv import avg_pool2d, conv2d, max_pool2d
from .normalization import batch_norm, layer_norm
