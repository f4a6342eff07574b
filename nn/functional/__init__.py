"""Functions on Tensors for networks, by family. ``linear`` and ``cross_entropy`` are fused ops."""
from .activations import dropout, log_softmax, relu, sigmoid, softmax, tanh
from .linear import Linear, linear
from .losses import CrossEntropy, cross_entropy, mse_loss
from .conv import avg_pool2d, conv2d, max_pool2d
from .normalization import batch_norm, layer_norm
