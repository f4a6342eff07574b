"""Train a multilayer perceptron on scikit-learn's handwritten digits with npgrad: the main job.

    python demos/train_digits.py                        # defaults: under a second of training
    python demos/train_digits.py --plot digits.png      # loss/accuracy curves, confusion matrix
    python demos/train_digits.py --save model.npz       # then: --load model.npz
    python demos/train_digits.py --compare              # scikit-learn and plain numpy, same budget

The data are the 1797 8x8 digits bundled with scikit-learn, split 70/30 (stratified, by
``--seed``) and standardised with the training part's mean and deviation. The network is
``nn.Sequential`` of ``nn.Linear`` and ReLU (or tanh) layers, trained on the mean
cross-entropy by an ``nn.optim`` optimizer over ``nn.data.batches`` minibatches.
"""
import argparse
import contextlib
import importlib.util
import os
import sys
import time
import warnings
import zipfile

import numpy as np

# Run from a checkout without installing: the repository root holds the packages.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import nn  # noqa: E402
from autograd import no_grad  # noqa: E402
from nn import functional as F  # noqa: E402

HIDDEN = (256, 128)
# Per-optimizer defaults for the flags left unset: plain SGD takes smaller batches, more epochs.
OPTIMIZER_DEFAULTS = {
    "sgd": dict(lr=0.1, momentum=0.0, weight_decay=0.0, epochs=20, batch_size=16),
    "momentum": dict(lr=0.05, momentum=0.9, weight_decay=0.0, epochs=12, batch_size=32),
    "rmsprop": dict(lr=0.001, momentum=0.0, weight_decay=0.0, epochs=12, batch_size=32),
    "adam": dict(lr=0.003, momentum=0.0, weight_decay=0.0, epochs=12, batch_size=32),
    "adamw": dict(lr=0.003, momentum=0.0, weight_decay=0.01, epochs=12, batch_size=32),
}
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}
N_FEATURES, N_CLASSES = 64, 10


# ---- command line -----------------------------------------------------------------------------
def _number(kind, test, what):
    """An argparse ``type=``: ``kind(text)``, rejected unless ``test`` holds (exit 2)."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            noun = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text}")
        return value
    return parse


positive_int = _number(int, lambda v: v > 0, "a positive integer")
nonnegative_int = _number(int, lambda v: v >= 0, "a non-negative integer")
positive_float = _number(float, lambda v: v > 0 and np.isfinite(v), "a positive number")
nonnegative_float = _number(float, lambda v: v >= 0 and np.isfinite(v), "a non-negative number")
momentum_float = _number(float, lambda v: 0 <= v < 1, "in [0, 1)")


def _defaults_help():
    rows = [f"  {name:<9} lr {d['lr']:<6g} epochs {d['epochs']:<3} batch {d['batch_size']}"
            + (f", momentum {d['momentum']}" if d["momentum"] else "")
            + (f", weight decay {d['weight_decay']}" if d["weight_decay"] else "")
            for name, d in OPTIMIZER_DEFAULTS.items()]
    return "defaults of --lr, --epochs, --batch-size, --momentum, --weight-decay per optimizer:\n" \
        + "\n".join(rows)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Train an MLP on scikit-learn's digits with npgrad.",
        epilog=_defaults_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    model = parser.add_argument_group("model")
    model.add_argument("--hidden", type=positive_int, nargs="*", default=list(HIDDEN),
                       metavar="N", help="hidden layer widths, any number of them "
                       f"(default: {' '.join(map(str, HIDDEN))}; none gives softmax regression)")
    model.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu",
                       help="hidden activation (default: relu)")
    model.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                       help="parameter and data dtype (default: float32)")
    train = parser.add_argument_group("training (defaults depend on --optimizer; see below)")
    train.add_argument("--optimizer", choices=list(OPTIMIZER_DEFAULTS), default="adam",
                       help="sgd, SGD with momentum, rmsprop, adam or adamw (default: adam)")
    train.add_argument("--lr", type=positive_float, help="learning rate")
    train.add_argument("--momentum", type=momentum_float,
                       help="momentum of sgd/momentum/rmsprop (momentum's default: 0.9)")
    train.add_argument("--weight-decay", type=nonnegative_float, help="weight decay")
    train.add_argument("--schedule", choices=("none", "step", "cosine"), default="none",
                       help="learning-rate schedule over the epochs: none, step (x0.1 at 2/3 "
                       "of the epochs) or cosine (to 0 at the last epoch) (default: none)")
    train.add_argument("--epochs", type=positive_int, help="passes over the training set")
    train.add_argument("--batch-size", type=positive_int, help="minibatch size")
    train.add_argument("--seed", type=nonnegative_int, default=0,
                       help="seed of the split, the initial weights and the batch order "
                       "(default: 0)")
    output = parser.add_argument_group("output")
    output.add_argument("--plot", metavar="FILE.png",
                        help="save loss and accuracy curves and the test confusion matrix "
                        "(needs matplotlib)")
    output.add_argument("--save", metavar="FILE.npz", help="save the trained model (nn.save)")
    output.add_argument("--load", metavar="FILE.npz",
                        help="evaluate a saved model on the test split of --seed instead of "
                        "training; give the --hidden, --activation and --seed it was trained with")
    output.add_argument("--compare", action="store_true",
                        help="also train scikit-learn's MLPClassifier and a hand-written numpy "
                        "network of the same architecture on the same split and budget")
    args = parser.parse_args(argv)

    for key, value in OPTIMIZER_DEFAULTS[args.optimizer].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.load and (args.save or args.compare or args.plot):
        parser.error("--load evaluates a saved model; it does not go with --save, --plot "
                     "or --compare")
    if args.compare:
        unsupported = []
        if args.activation != "relu":
            unsupported.append(f"--activation {args.activation}")
        if args.optimizer not in ("sgd", "momentum", "adam"):
            unsupported.append(f"--optimizer {args.optimizer}")
        if args.weight_decay:
            unsupported.append("--weight-decay")
        if args.schedule != "none":
            unsupported.append(f"--schedule {args.schedule}")
        if unsupported:
            parser.error(f"--compare needs what all three systems have (relu; sgd, momentum or "
                         f"adam; no weight decay or schedule), not {', '.join(unsupported)}")
    for flag, path in (("--save", args.save), ("--plot", args.plot)):
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            parser.error(f"{flag} {path}: cannot write into the folder {folder}")
    if args.plot:
        if importlib.util.find_spec("matplotlib") is None:
            print("error: --plot needs matplotlib: pip install matplotlib "
                  "(or pip install -e '.[demos]' in the project)", file=sys.stderr)
            sys.exit(2)
    return args


# ---- data, model, optimizer ---------------------------------------------------------------------
def load_data(seed, dtype):
    """The stratified 70/30 split of the digits, standardised with the training statistics."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return (scaler.transform(X_train).astype(dtype), scaler.transform(X_test).astype(dtype),
            y_train, y_test)


def layer_sizes(hidden):
    return [N_FEATURES, *hidden, N_CLASSES]


def build_model(hidden, activation, rng, dtype):
    """Linear, activation, ..., Linear: logits for the 10 classes."""
    sizes = layer_sizes(hidden)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out, rng=rng, dtype=dtype), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers[:-1])


def build_optimizer(args, params):
    params = list(params)
    lr, momentum, decay = args.lr, args.momentum, args.weight_decay
    if args.optimizer in ("sgd", "momentum"):
        return nn.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=decay)
    if args.optimizer == "rmsprop":
        return nn.optim.RMSprop(params, lr=lr, momentum=momentum, weight_decay=decay)
    if args.optimizer == "adam":
        return nn.optim.Adam(params, lr=lr, weight_decay=decay)
    return nn.optim.AdamW(params, lr=lr, weight_decay=decay)


def build_scheduler(name, optimizer, epochs):
    if name == "step":
        return nn.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, round(2 * epochs / 3)))
    if name == "cosine":
        return nn.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    return None


@no_grad()
def evaluate(model, X, y):
    """(mean cross-entropy, accuracy, predicted labels) of the model on (X, y)."""
    model.eval()
    logits = model(X)
    model.train()
    predictions = logits.data.argmax(axis=1)
    return F.cross_entropy(logits, y).item(), float((predictions == y).mean()), predictions


def describe(args):
    sizes = "-".join(map(str, layer_sizes(args.hidden)))
    extras = "".join([f", momentum {args.momentum:g}" if args.momentum else "",
                      f", weight decay {args.weight_decay:g}" if args.weight_decay else "",
                      f", {args.schedule} schedule" if args.schedule != "none" else ""])
    return (f"MLP {sizes} ({args.activation}), {args.optimizer} lr {args.lr:g}{extras}, "
            f"{args.epochs} epochs of batches of {args.batch_size}, {args.dtype}, seed {args.seed}")


# ---- training ------------------------------------------------------------------------------------
def progress_bar(total):
    """A tqdm bar on a terminal, else None (then the epoch lines are all the progress shown)."""
    if not sys.stdout.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="batch", file=sys.stdout, dynamic_ncols=True)


def train(args, model, data, rng, log=print):
    """Train ``model`` on the data; returns the history: one dict per epoch.

    Each epoch's ``seconds`` covers its minibatch steps only (forward, backward, update); the
    train loss and accuracy are means over those batches, the test numbers are taken after it.
    """
    X_train, X_test, y_train, y_test = data
    optimizer = build_optimizer(args, model.parameters())
    scheduler = build_scheduler(args.schedule, optimizer, args.epochs)
    n_batches = -(-len(X_train) // args.batch_size)
    bar = progress_bar(args.epochs * n_batches)
    write = bar.write if bar is not None else log
    history = []
    for epoch in range(1, args.epochs + 1):
        loss_sum = correct = 0.0
        start = time.perf_counter()
        for X, y in nn.data.batches(X_train, y_train, args.batch_size, rng=rng):
            logits = model(X)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.data.argmax(axis=1) == y).sum()
            if bar is not None:
                bar.update()
        seconds = time.perf_counter() - start
        if scheduler is not None:
            scheduler.step()
        test_loss, test_acc, _ = evaluate(model, X_test, y_test)
        record = dict(epoch=epoch, train_loss=loss_sum / len(y_train),
                      train_acc=float(correct) / len(y_train), test_loss=test_loss,
                      test_acc=test_acc, seconds=seconds)
        history.append(record)
        write(f"epoch {epoch:{len(str(args.epochs))}d}/{args.epochs}  "
              f"train loss {record['train_loss']:.4f}  train acc {record['train_acc']:.4f}  "
              f"test loss {test_loss:.4f}  test acc {test_acc:.4f}  {seconds:.3f} s")
        if bar is not None:
            bar.set_postfix(loss=f"{record['train_loss']:.3f}", test_acc=f"{test_acc:.3f}")
    if bar is not None:
        bar.close()
    return history


# ---- --load, --plot, --compare ------------------------------------------------------------------
def load_model(args, model):
    """Load --load into ``model``, or print one line on stderr and exit 2; the file is only read."""
    path = args.load
    if not os.path.isfile(path):
        fail(f"cannot load {path}: {'not a file' if os.path.exists(path) else 'no such file'}")
    if not zipfile.is_zipfile(path):
        # checked here because nn.load reports any file that is not a zip as holding objects
        fail(f"cannot load {path}: not a .npz file (no zip archive) - was it written by --save?")
    try:
        state = nn.load(path)
    except Exception as error:  # noqa: BLE001 - a damaged file can fail inside zipfile, zlib, numpy
        detail = str(error).removeprefix(f"cannot read {path}: ")
        fail(f"cannot load {path}: {detail}")
    try:
        model.load_state_dict(state)
    except (KeyError, ValueError, TypeError) as error:
        detail = error.args[0] if error.args else error
        sizes = "-".join(map(str, layer_sizes(args.hidden)))
        fail(f"cannot load {path}: it does not fit the model {sizes} "
             f"(give the --hidden it was trained with): {detail}")


def fail(message):
    print("error: " + " ".join(str(message).split()), file=sys.stderr)
    sys.exit(2)


def plot(path, history, y_test, predictions, title):
    """Loss curves, accuracy curves and the test confusion matrix, side by side, as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, NullFormatter

    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc, ax_cm) = plt.subplots(1, 3, figsize=(13, 4.2),
                                                 gridspec_kw=dict(width_ratios=[1, 1, 0.9]))
    for ax, key, name in ((ax_loss, "loss", "cross-entropy loss (log scale)"),
                          (ax_acc, "acc", f"accuracy (final test {history[-1]['test_acc']:.4f})")):
        for split in ("train", "test"):
            ax.plot(epochs, [h[f"{split}_{key}"] for h in history], "o-", ms=3,
                    label="train (mean over the epoch)" if split == "train" else "test")
        ax.set(title=name, xlabel="epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    ax_loss.set_yscale("log")
    ax_loss.yaxis.set_minor_formatter(NullFormatter())
    ax_acc.set_ylim(top=1.005)
    matrix = np.zeros((N_CLASSES, N_CLASSES), dtype=int)
    np.add.at(matrix, (y_test, predictions), 1)
    ax_cm.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax_cm.text(j, i, count, ha="center", va="center", fontsize=8,
                       color="white" if count > matrix.max() / 2 else "black")
    ax_cm.set(title="test confusion matrix", xlabel="predicted", ylabel="true",
              xticks=range(N_CLASSES), yticks=range(N_CLASSES))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def compare(args, data, npgrad_accuracy, npgrad_seconds):
    """Train scikit-learn's MLPClassifier and the numpy network like ours; print the table."""
    import numpy_mlp
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X_train, X_test, y_train, y_test = data
    momentum = args.momentum if args.optimizer in ("sgd", "momentum") else 0.0
    rows = [("npgrad (nn.Sequential)", npgrad_accuracy, npgrad_seconds)]

    # scikit-learn: its own (Glorot) initialisation, no L2 penalty, every epoch run.
    solver = "adam" if args.optimizer == "adam" else "sgd"
    sklearn_net = MLPClassifier(
        hidden_layer_sizes=tuple(args.hidden), solver=solver, alpha=0.0,
        batch_size=args.batch_size, learning_rate_init=args.lr, max_iter=args.epochs,
        momentum=momentum, nesterovs_momentum=False, tol=0.0,
        n_iter_no_change=args.epochs + 1, random_state=args.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        sklearn_net.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    rows.append(("scikit-learn MLPClassifier", sklearn_net.score(X_test, y_test), seconds))

    # The hand-written numpy network: the same initial weights and batch order as npgrad's.
    rng = np.random.default_rng(args.seed)
    net = numpy_mlp.MLP(numpy_mlp.init_params(layer_sizes(args.hidden), rng, dtype=args.dtype))
    if args.optimizer == "adam":
        optimizer = numpy_mlp.Adam(net.parameters(), lr=args.lr)
    else:
        optimizer = numpy_mlp.SGD(net.parameters(), lr=args.lr, momentum=momentum)
    start = time.perf_counter()
    for _ in range(args.epochs):
        numpy_mlp.train_epoch(net, X_train, y_train, rng.permutation(len(X_train)), optimizer,
                              batch_size=args.batch_size)
    seconds = time.perf_counter() - start
    accuracy = float((net.predict(X_test) == y_test).mean())
    rows.append(("hand-written numpy (demos/numpy_mlp.py)", accuracy, seconds))

    width = max(len(name) for name, _, _ in rows)
    print("\nsame split and budget; npgrad and numpy start from the same weights and batch order")
    print(f"{'system':<{width}}  test accuracy  seconds")
    for name, accuracy, seconds in rows:
        print(f"{name:<{width}}  {accuracy:>13.4f}  {seconds:>7.2f}")


def one_blas_thread():
    """Limit BLAS to one thread: these matrices are small (at most 1257 x 256), so a second
    thread only adds synchronisation, and on busy cores its spinning makes training two to
    three times slower. threadpoolctl comes with scikit-learn."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


# ---- main ------------------------------------------------------------------------------------
def main(argv=None):
    args = parse_args(argv)
    with one_blas_thread():
        run(args)


def run(args):
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(args.seed)
    model = build_model(args.hidden, args.activation, rng, dtype)
    if args.load:
        load_model(args, model)  # before the data: a bad file fails fast
    data = load_data(args.seed, dtype)
    X_train, X_test, y_train, y_test = data

    if args.load:
        loss, accuracy, _ = evaluate(model, X_test, y_test)
        sizes = "-".join(map(str, layer_sizes(args.hidden)))
        print(f"loaded {args.load}: MLP {sizes} ({args.activation}), evaluated on the "
              f"{len(y_test)} test digits of seed {args.seed}")
        print(f"final test loss {loss:.4f}, test accuracy {accuracy:.4f}")
        return

    print(f"digits: {len(y_train)} train / {len(y_test)} test, {N_FEATURES} features, "
          f"{N_CLASSES} classes")
    print(describe(args))
    history = train(args, model, data, rng)
    seconds = sum(h["seconds"] for h in history)
    _, accuracy, predictions = evaluate(model, X_test, y_test)
    print(f"final test accuracy {accuracy:.4f} (trained in {seconds:.2f} s)")

    try:
        if args.save:
            nn.save(model, args.save)
            print(f"saved the model to {args.save}")
        if args.plot:
            plot(args.plot, history, y_test, predictions, describe(args))
            print(f"saved the plot to {args.plot}")
    except OSError as error:
        fail(f"cannot write {error.filename}: {error.strerror}")
    if args.compare:
        compare(args, data, accuracy, seconds)


if __name__ == "__main__":
    main()
