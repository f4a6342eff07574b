"""A multilayer perceptron written by hand on NumPy arrays: the yardstick for npgrad's speed.

This is the network a person fluent in NumPy writes directly (the cs231n way): an affine layer,
ReLU and a softmax cross-entropy, each with its forward and hand-derived backward, and the
optimizers PyTorch uses, with PyTorch's update formulas. No autograd is involved.

Conventions (the same as npgrad's `nn.Linear`):
- a layer's weight `W` has shape (in, out) and its bias `b` shape (out,); `y = x @ W + b`;
- `init_params` draws every weight and bias from U(-1/sqrt(in), 1/sqrt(in)), like PyTorch's
  `Linear`, from a `numpy.random.Generator`, layer by layer, weight first, then bias. Another
  system given the same generator state gets identical initial weights (PyTorch, whose weight is
  (out, in), takes `W.T`).

Arrays are used as given and updated in place: gradients, activations and optimizer state live in
buffers allocated once, so a training step allocates little beyond the batch itself and a few
row- or column-sized reductions.

    params = init_params([64, 128, 10], np.random.default_rng(0))
    net = MLP(params)
    opt = Adam(net.parameters(), lr=1e-3)
    for epoch in range(10):
        order = rng.permutation(len(X))
        loss = train_epoch(net, X, y, order, opt, batch_size=64)
    accuracy = (net.predict(X_test) == y_test).mean()
"""
import numpy as np

__all__ = [
    "init_params", "affine_forward", "affine_backward", "softmax_cross_entropy",
    "MLP", "SGD", "Adam", "batch_indices", "train_epoch", "predict",
]


def init_params(sizes, rng, dtype=np.float64):
    """Initial weights of an MLP with layer widths `sizes` (e.g. [64, 128, 10]).

    Returns a list of (W, b), W of shape (sizes[i], sizes[i+1]), b of shape (sizes[i+1],), each
    drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) in float64 and then cast to `dtype`, in the order
    W0, b0, W1, b1, ...
    """
    if len(sizes) < 2:
        raise ValueError(f"an MLP needs at least an input and an output size, got {list(sizes)}")
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype, copy=False)
        b = rng.uniform(-bound, bound, size=fan_out).astype(dtype, copy=False)
        params.append((W, b))
    return params


def affine_forward(x, W, b, out=None):
    """out = x @ W + b.  x: (N, in), W: (in, out), b: (out,) -> (N, out), into `out` if given."""
    out = np.matmul(x, W, out=out)
    out += b
    return out


def affine_backward(dout, x, W, dW, db, dx=None):
    """Gradients of out = x @ W + b given dout = dL/dout of shape (N, out).

    dW = x.T @ dout (in, out) and db = sum_n dout (out,) are written into the given buffers;
    dx = dout @ W.T (N, in) is computed only when a buffer `dx` is passed, and returned.
    """
    np.matmul(x.T, dout, out=dW)
    np.sum(dout, axis=0, out=db)
    if dx is None:
        return None
    return np.matmul(dout, W.T, out=dx)


def softmax_cross_entropy(logits, y, dlogits=None):
    """Mean softmax cross-entropy of `logits` (N, C) against integer labels `y` (N,).

    loss = mean_n(logsumexp(logits_n) - logits_n[y_n]), computed after subtracting each row's
    max, so it is finite for logits of any size. Returns (loss as a Python float, dlogits) with
    dlogits = (softmax(logits) - onehot(y)) / N, written into `dlogits` if given; `logits` is
    not modified.
    """
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = np.subtract(logits, logits.max(axis=1, keepdims=True), out=dlogits)
    picked = shifted[rows, y]
    probs = np.exp(shifted, out=shifted)
    sums = probs.sum(axis=1, keepdims=True)
    loss = (np.log(sums).sum() - picked.sum()) / n
    sums *= n
    probs /= sums
    probs[rows, y] -= 1.0 / n
    return float(loss), probs


class MLP:
    """A ReLU MLP on given parameters: affine, ReLU, ..., affine (the last layer gives logits).

    `params` is a list of (W, b) as `init_params` returns; the arrays are used, not copied, and
    the optimizers update them in place. `grads` holds (dW, db) buffers of the same shapes, filled
    by `loss_and_grad`. All arrays share the parameters' dtype.
    """

    def __init__(self, params):
        self.params = [(W, b) for W, b in params]
        self.dtype = self.params[0][0].dtype
        self.grads = [(np.empty_like(W), np.empty_like(b)) for W, b in self.params]
        self._flat_params = [a for pair in self.params for a in pair]
        self._flat_grads = [a for pair in self.grads for a in pair]
        self._workspaces = {}
        self._input = None

    @property
    def sizes(self):
        return [self.params[0][0].shape[0]] + [W.shape[1] for W, _ in self.params]

    def parameters(self):
        """The parameter arrays in a flat list, W0, b0, W1, b1, ... (what the optimizers take)."""
        return self._flat_params

    def gradients(self):
        """The gradient buffers in the order of `parameters()`."""
        return self._flat_grads

    def _workspace(self, n):
        # One set of activation buffers per batch size: an epoch sees at most two (full, last).
        ws = self._workspaces.get(n)
        if ws is None:
            if len(self._workspaces) >= 4:
                self._workspaces.pop(next(iter(self._workspaces)))
            widths = [W.shape[1] for W, _ in self.params]
            ws = {
                "out": [np.empty((n, w), self.dtype) for w in widths],
                "dout": [np.empty((n, w), self.dtype) for w in widths],
            }
            self._workspaces[n] = ws
        return ws

    def forward(self, X):
        """Logits (N, C) of a batch X (N, in). Keeps the activations for `backward`; the returned
        array is a buffer that the next call overwrites."""
        outs = self._workspace(X.shape[0])["out"]
        self._input = X
        h = X
        last = len(self.params) - 1
        for i, (W, b) in enumerate(self.params):
            h = affine_forward(h, W, b, out=outs[i])
            if i < last:
                np.maximum(h, 0, out=h)
        return h

    def backward(self, dlogits):
        """Fill `grads` from dL/dlogits (N, C), through the activations of the last `forward`.
        No gradient is computed for the input X."""
        ws = self._workspace(dlogits.shape[0])
        outs, douts = ws["out"], ws["dout"]
        d = dlogits
        for i in range(len(self.params) - 1, -1, -1):
            W, _ = self.params[i]
            dW, db = self.grads[i]
            x = self._input if i == 0 else outs[i - 1]
            if i == 0:
                affine_backward(d, x, W, dW, db)
            else:
                d = affine_backward(d, x, W, dW, db, dx=douts[i - 1])
                np.multiply(d, x > 0, out=d)  # ReLU: x is the ReLU's output, > 0 where it passed
        return self.grads

    def loss_and_grad(self, X, y):
        """Mean cross-entropy of batch (X, y) as a float; fills `grads` with its gradient."""
        logits = self.forward(X)
        dlogits = self._workspace(X.shape[0])["dout"][-1]
        loss, dlogits = softmax_cross_entropy(logits, y, dlogits=dlogits)
        self.backward(dlogits)
        return loss

    def logits(self, X):
        """Logits of X in fresh arrays, touching neither the buffers nor the saved activations."""
        h = X
        last = len(self.params) - 1
        for i, (W, b) in enumerate(self.params):
            h = affine_forward(h, W, b)
            if i < last:
                np.maximum(h, 0, out=h)
        return h

    def predict(self, X):
        """Predicted class labels (N,) of X (N, in)."""
        return self.logits(X).argmax(axis=1)


class SGD:
    """Stochastic gradient descent with optional momentum, PyTorch's `torch.optim.SGD` formula:

        buf = g (first step), then buf = momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf         (when momentum != 0)
        p = p - lr * g
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.params = list(params)
        self.lr, self.momentum, self.dampening, self.nesterov = lr, momentum, dampening, nesterov
        self._tmp = [np.empty_like(p) for p in self.params]
        self._buf = [np.empty_like(p) for p in self.params] if momentum else None
        self.steps = 0

    def step(self, grads):
        """Update the parameters in place from `grads` (arrays in the order of `params`)."""
        for i, (p, g, tmp) in enumerate(zip(self.params, grads, self._tmp)):
            if self.momentum:
                buf = self._buf[i]
                if self.steps == 0:
                    np.copyto(buf, g)
                else:
                    buf *= self.momentum
                    if self.dampening:
                        np.multiply(g, 1 - self.dampening, out=tmp)
                        buf += tmp
                    else:
                        buf += g
                if self.nesterov:
                    np.multiply(buf, self.momentum, out=tmp)
                    tmp += g
                    g = tmp
                else:
                    g = buf
            np.multiply(g, -self.lr, out=tmp)
            p += tmp
        self.steps += 1


class Adam:
    """Adam, PyTorch's `torch.optim.Adam` formula (no weight decay, no amsgrad), to its rounding:

        m = m + (1 - beta1) * (g - m)                 (torch's lerp)
        v = beta2 * v + ((1 - beta2) * g) * g
        p = p + (-lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = list(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self._tmp = [np.empty_like(p) for p in self.params]
        self._denom = [np.empty_like(p) for p in self.params]
        self.steps = 0

    def step(self, grads):
        """Update the parameters in place from `grads` (arrays in the order of `params`)."""
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = -(self.lr / (1 - beta1 ** self.steps))
        bias_correction2_sqrt = (1 - beta2 ** self.steps) ** 0.5
        state = zip(self.params, grads, self.m, self.v, self._tmp, self._denom)
        for p, g, m, v, tmp, denom in state:
            np.subtract(g, m, out=tmp)
            tmp *= 1 - beta1
            m += tmp
            v *= beta2
            np.multiply(g, 1 - beta2, out=tmp)
            tmp *= g
            v += tmp
            np.sqrt(v, out=denom)
            denom /= bias_correction2_sqrt
            denom += self.eps
            np.multiply(m, step_size, out=tmp)
            tmp /= denom
            p += tmp


def batch_indices(order, batch_size):
    """Consecutive chunks of `order` (a permutation of row indices): the batches of one epoch."""
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def train_epoch(net, X, y, order, optimizer, batch_size=64):
    """One epoch of minibatch training of `net` (an MLP) on (X, y), in the batch order given by
    the permutation `order`. Returns the epoch's mean training loss (batches weighted by size)."""
    total = 0.0
    for idx in batch_indices(order, batch_size):
        loss = net.loss_and_grad(X[idx], y[idx])
        optimizer.step(net.gradients())
        total += loss * len(idx)
    return total / len(order)


def predict(params, X):
    """Predicted class labels of X for the parameters `params` (a list of (W, b))."""
    return MLP(params).predict(X)
