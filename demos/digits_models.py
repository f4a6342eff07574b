"""The data, networks, optimizers and schedules of the main job (demos/train_digits.py)."""
import numpy as np

import nn
from autograd import no_grad
from nn import functional as F

HIDDEN = (256, 128)
CHANNELS = (32, 64)
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}
N_FEATURES, N_CLASSES, SIDE = 64, 10, 8


def load_data(seed, dtype, model="mlp"):
    """The stratified 70/30 split of the digits: for the mlp (N, 64) standardised feature by
    feature, for the cnn (N, 1, 8, 8) standardised with one mean and deviation; both with the
    training part's statistics."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed)
    if model == "cnn":
        mean, std = X_train.mean(), X_train.std()
        X_train, X_test = [((part - mean) / std).reshape(-1, 1, SIDE, SIDE)
                           for part in (X_train, X_test)]
    else:
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return X_train.astype(dtype), X_test.astype(dtype), y_train, y_test


def layer_sizes(hidden):
    """[64, *hidden, 10]: the MLP's layer widths."""
    return [N_FEATURES, *hidden, N_CLASSES]


def build_model(hidden, activation, rng, dtype, dropout=0.0):
    """Linear, activation, ..., [Dropout,] Linear: logits for the 10 classes."""
    sizes = layer_sizes(hidden)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out, rng=rng, dtype=dtype), ACTIVATIONS[activation]()]
    layers = layers[:-1]
    if dropout:
        layers.insert(-1, nn.Dropout(dropout, rng=rng))
    return nn.Sequential(*layers)


def build_cnn(channels, rng, dtype, dropout=0.25):
    """(N, 1, 8, 8) -> conv 3x3 -> ReLU -> conv 3x3 -> ReLU -> max-pool 2x2 -> dropout -> linear.

    Both convolutions pad by one, so the pool sees 8x8 maps and the read-out C2 * 4 * 4
    features."""
    c1, c2 = channels
    layers = [nn.Conv2d(1, c1, 3, padding=1, rng=rng), nn.ReLU(),
              nn.Conv2d(c1, c2, 3, padding=1, rng=rng), nn.ReLU(),
              nn.MaxPool2d(2), nn.Flatten()]
    if dropout:
        layers.append(nn.Dropout(dropout, rng=rng))
    layers.append(nn.Linear(c2 * (SIDE // 2) ** 2, N_CLASSES, rng=rng))
    return nn.Sequential(*layers).astype(dtype)


def make_model(args, rng):
    """The network that --model and its flags describe."""
    dtype = np.dtype(args.dtype)
    if args.model == "cnn":
        return build_cnn(args.channels, rng, dtype, args.dropout)
    return build_model(args.hidden, args.activation, rng, dtype, args.dropout)


def build_optimizer(args, params):
    """The --optimizer over ``params`` with --lr, --momentum and --weight-decay."""
    params = list(params)
    lr, momentum, decay = args.lr, args.momentum, args.weight_decay
    if args.optimizer in ("sgd", "momentum"):
        return nn.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=decay)
    if args.optimizer == "rmsprop":
        return nn.optim.RMSprop(params, lr=lr, momentum=momentum, weight_decay=decay)
    if args.optimizer == "adam":
        return nn.optim.Adam(params, lr=lr, weight_decay=decay)
    return nn.optim.AdamW(params, lr=lr, weight_decay=decay)


def build_scheduler(name, optimizer, epochs, steps_per_epoch):
    """The --schedule, and whether it steps after every batch (else after every epoch)."""
    schedulers = nn.optim.lr_scheduler
    if name == "step":
        return schedulers.StepLR(optimizer, step_size=max(1, round(2 * epochs / 3))), False
    if name == "cosine":
        return schedulers.CosineAnnealingLR(optimizer, T_max=epochs), False
    if name == "onecycle":
        max_lr = optimizer.param_groups[0]["lr"]
        return schedulers.OneCycleLR(optimizer, max_lr, epochs * steps_per_epoch), True
    return None, False


@no_grad()
def evaluate(model, X, y):
    """(mean cross-entropy, accuracy, predicted labels) of the model on (X, y)."""
    model.eval()
    logits = model(X)
    model.train()
    predictions = logits.data.argmax(axis=1)
    return F.cross_entropy(logits, y).item(), float((predictions == y).mean()), predictions


def describe(args):
    """One line that says what this run trains, and how."""
    if args.model == "cnn":
        c1, c2 = args.channels
        net = f"CNN conv{c1}-conv{c2}-pool-linear"
    else:
        net = f"MLP {'-'.join(map(str, layer_sizes(args.hidden)))} ({args.activation})"
    extras = "".join([f", dropout {args.dropout:g}" if args.dropout else "",
                      f", momentum {args.momentum:g}" if args.momentum else "",
                      f", weight decay {args.weight_decay:g}" if args.weight_decay else "",
                      f", {args.schedule} schedule" if args.schedule != "none" else "",
                      f", shifts of up to {args.shift} px" if args.shift else ""])
    epochs = f"{args.epochs} epoch{'s' * (args.epochs != 1)}"
    return (f"{net}, {args.optimizer} lr {args.lr:g}{extras}, {epochs} of batches of "
            f"{args.batch_size}, {args.dtype}, seed {args.seed}")


def describe_model(args):
    """The network of --model in a few words: "MLP 64-256-128-10 (relu)", "CNN conv32-conv64"."""
    if args.model == "cnn":
        return f"CNN conv{args.channels[0]}-conv{args.channels[1]}"
    return f"MLP {'-'.join(map(str, layer_sizes(args.hidden)))} ({args.activation})"
