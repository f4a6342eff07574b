"""Train a network on scikit-learn's handwritten digits with npgrad: the main job.

    python demos/train_digits.py                        # the MLP: under a second of training
    python demos/train_digits.py --model cnn            # a small CNN on 1x8x8 images (~99%)
    python demos/train_digits.py --plot digits.png      # loss/accuracy curves, confusion matrix
    python demos/train_digits.py --save model.npz       # then: --load model.npz
    python demos/train_digits.py --compare              # scikit-learn and plain numpy, same budget

The data are the 1797 8x8 digits bundled with scikit-learn, split 70/30 (stratified, by
``--seed``). The MLP (``nn.Linear`` and ReLU or tanh layers) sees 64 features standardised one
by one with the training part's statistics; the CNN (two 3x3 ``nn.Conv2d`` layers, a 2x2
``nn.MaxPool2d``, dropout and a linear read-out) sees 1x8x8 images standardised with one global
mean and deviation, shifted by up to one pixel at random each epoch (``nn.data.random_shift``),
and is trained with a one-cycle learning-rate schedule. Both minimise the mean cross-entropy
with an ``nn.optim`` optimizer over ``nn.data.batches`` minibatches.
"""
import argparse
import contextlib
import importlib.util
import os
import sys
import time

import numpy as np

# Run from a checkout without installing: the repository root holds the packages.
DEMOS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(DEMOS))
sys.path.insert(0, DEMOS)

import cli  # noqa: E402
import nn  # noqa: E402
from autograd import no_grad  # noqa: E402
# the main job's parts, also reached as train_digits.<name> by the tests and digits_report
from digits_models import (ACTIVATIONS, CHANNELS, HIDDEN, N_CLASSES, N_FEATURES,  # noqa: E402,F401
                           build_cnn, build_model, build_optimizer, build_scheduler, describe,
                           describe_model, evaluate, layer_sizes, load_data, make_model)
from nn import functional as F  # noqa: E402

# Per-optimizer defaults for the flags left unset: plain SGD takes smaller batches, more epochs.
OPTIMIZER_DEFAULTS = {
    "sgd": dict(lr=0.1, momentum=0.0, weight_decay=0.0, epochs=20, batch_size=16),
    "momentum": dict(lr=0.05, momentum=0.9, weight_decay=0.0, epochs=12, batch_size=32),
    "rmsprop": dict(lr=0.001, momentum=0.0, weight_decay=0.0, epochs=12, batch_size=32),
    "adam": dict(lr=0.003, momentum=0.0, weight_decay=0.0, epochs=12, batch_size=32),
    "adamw": dict(lr=0.003, momentum=0.0, weight_decay=0.01, epochs=12, batch_size=32),
}
# What --model cnn changes in them: the one-cycle recipe (the lr is the schedule's peak).
CNN_DEFAULTS = dict(epochs=20, batch_size=64, schedule="onecycle", shift=1, dropout=0.5)
CNN_LR = {"sgd": 0.05, "momentum": 0.02, "rmsprop": 0.002, "adam": 0.01, "adamw": 0.01}
MLP_DEFAULTS = dict(schedule="none", dropout=0.0)
# The flags each choice takes; any other of them given is an error (exit 2).
OPTIMIZER_FLAGS = {"sgd": ("momentum", "weight_decay"), "momentum": ("momentum", "weight_decay"),
                   "rmsprop": ("momentum", "weight_decay"), "adam": ("weight_decay",),
                   "adamw": ("weight_decay",)}
MODEL_FLAGS = {"mlp": ("hidden", "activation"), "cnn": ("channels", "shift")}
ARCHITECTURE_FLAGS = ("model", "hidden", "activation", "channels", "dropout", "dtype")
TRAINING_FLAGS = ("optimizer", "lr", "momentum", "weight_decay", "schedule", "shift", "epochs",
                  "batch_size")
SCHEDULES = ("none", "step", "cosine", "onecycle")
PLOT_FORMATS = ("png", "svg", "pdf")


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
unit_float = _number(float, lambda v: 0 <= v < 1, "in [0, 1)")


def _defaults_help():
    rows = [f"  {name:<9} lr {d['lr']:<6g} epochs {d['epochs']:<3} batch {d['batch_size']}"
            + (f", momentum {d['momentum']}" if d["momentum"] else "")
            + (f", weight decay {d['weight_decay']}" if d["weight_decay"] else "")
            for name, d in OPTIMIZER_DEFAULTS.items()]
    cnn = ", ".join(f"{name} {lr:g}" for name, lr in CNN_LR.items())
    return ("defaults of --lr, --epochs, --batch-size, --momentum, --weight-decay per optimizer:\n"
            + "\n".join(rows) + f"\n--model cnn changes them to {CNN_DEFAULTS['epochs']} epochs of "
            f"batches of {CNN_DEFAULTS['batch_size']}, a onecycle schedule,\n--shift "
            f"{CNN_DEFAULTS['shift']} and dropout {CNN_DEFAULTS['dropout']}; its peak lr:\n  {cnn}")


def build_parser():
    """The command line (argparse) of the main job."""
    parser = cli.Parser(
        description="Train an MLP or a CNN on scikit-learn's digits with npgrad.",
        epilog=_defaults_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    model = parser.add_argument_group("model")
    model.add_argument("--model", choices=("mlp", "cnn"),
                       help="a multilayer perceptron or a small convolutional net (default: mlp)")
    model.add_argument("--hidden", type=positive_int, nargs="*", metavar="N",
                       help="mlp: hidden layer widths, any number of them "
                       f"(default: {' '.join(map(str, HIDDEN))}; none gives softmax regression)")
    model.add_argument("--activation", choices=sorted(ACTIVATIONS),
                       help="mlp: hidden activation (default: relu)")
    model.add_argument("--channels", type=positive_int, nargs=2, metavar=("C1", "C2"),
                       help="cnn: channels of its two conv layers (default: 32 64)")
    model.add_argument("--dropout", type=unit_float,
                       help="dropout before the last layer (default: 0 for mlp, "
                       f"{CNN_DEFAULTS['dropout']} for cnn)")
    model.add_argument("--dtype", choices=("float32", "float64"),
                       help="parameter and data dtype (default: float32)")
    train = parser.add_argument_group("training (defaults depend on --optimizer; see below)")
    train.add_argument("--optimizer", choices=list(OPTIMIZER_DEFAULTS),
                       help="sgd, SGD with momentum, rmsprop, adam or adamw (default: adam)")
    train.add_argument("--lr", type=positive_float,
                       help="learning rate (the peak one of the onecycle schedule)")
    train.add_argument("--momentum", type=unit_float,
                       help="momentum of sgd/momentum/rmsprop (momentum's default: 0.9)")
    train.add_argument("--weight-decay", type=nonnegative_float, help="weight decay")
    train.add_argument("--schedule", choices=SCHEDULES,
                       help="learning-rate schedule: none, step (x0.1 at 2/3 of the epochs), "
                       "cosine (to 0 at the last epoch) or onecycle (up, then down to ~0, step "
                       "by step) (default: none for mlp, onecycle for cnn)")
    train.add_argument("--shift", type=nonnegative_int,
                       help="cnn: shift each training image by up to this many pixels at "
                       "random every epoch, 0 for none (default: 1)")
    train.add_argument("--epochs", type=positive_int, help="passes over the training set")
    train.add_argument("--batch-size", type=positive_int, help="minibatch size")
    train.add_argument("--seed", type=nonnegative_int, default=0,
                       help="seed of the split, the initial weights and the batch order "
                       "(default: 0)")
    output = parser.add_argument_group("output")
    output.add_argument("--plot", metavar="FILE.png", type=cli.output_file(*PLOT_FORMATS),
                        help="save loss and accuracy curves and the test confusion matrix "
                        "as .png, .svg or .pdf (needs matplotlib)")
    output.add_argument("--save", metavar="FILE.npz", type=cli.output_file("npz", "safetensors"),
                        help="save the trained model, architecture and weights (nn.save), as "
                        ".npz or .safetensors")
    output.add_argument("--load", metavar="FILE.npz",
                        help="evaluate a model saved by --save on the test split of --seed "
                        "instead of training; its architecture comes from the file")
    output.add_argument("--compare", action="store_true",
                        help="also train, on the same split: scikit-learn's MLPClassifier and a "
                        "hand-written numpy network with the same budget (mlp), or the default "
                        "MLP (cnn)")
    return parser


def parse_args(argv=None):
    """The parsed flags, with the defaults of the chosen --model and --optimizer filled in;
    misuse exits 2 with the short usage (cli.Parser)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.load:
        given = ["--" + dest.replace("_", "-") for dest in ARCHITECTURE_FLAGS + TRAINING_FLAGS
                 if getattr(args, dest) is not None]
        if given:
            parser.error(f"--load rebuilds the model saved in {args.load} and evaluates it; "
                         f"leave out {', '.join(given)}")
    args.optimizer = args.optimizer or "adam"
    args.model = args.model or "mlp"
    args.dtype = args.dtype or "float32"
    cli.reject_inapplicable(parser, args, "optimizer", OPTIMIZER_FLAGS)
    cli.reject_inapplicable(parser, args, "model", MODEL_FLAGS)
    defaults = dict(OPTIMIZER_DEFAULTS[args.optimizer])
    if args.model == "cnn":
        defaults.update(CNN_DEFAULTS, lr=CNN_LR[args.optimizer], channels=list(CHANNELS))
    else:
        defaults.update(MLP_DEFAULTS, hidden=list(HIDDEN), activation="relu")
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.load and (args.save or args.compare or args.plot):
        parser.error("--load evaluates a saved model; it does not go with --save, --plot "
                     "or --compare")
    if args.compare and args.model == "mlp":
        unsupported = []
        if args.activation != "relu":
            unsupported.append(f"--activation {args.activation}")
        if args.optimizer not in ("sgd", "momentum", "adam"):
            unsupported.append(f"--optimizer {args.optimizer}")
        if args.weight_decay:
            unsupported.append("--weight-decay")
        if args.schedule != "none":
            unsupported.append(f"--schedule {args.schedule}")
        if args.dropout:
            unsupported.append("--dropout")
        if unsupported:
            parser.error(f"--compare needs what all three systems have (relu; sgd, momentum or "
                         f"adam; no weight decay, schedule or dropout), not "
                         f"{', '.join(unsupported)}")
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        print("error: --plot needs matplotlib: pip install matplotlib "
              "(or pip install -e '.[demos]' in the project)", file=sys.stderr)
        sys.exit(2)
    return args


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


def train(args, model, data, rng, log=print, history=None):
    """Train ``model`` on the data; returns the history: one dict per epoch (appended to
    ``history`` if given, so that a caller keeps the finished epochs of a run that diverges).

    Each epoch's ``seconds`` covers its minibatch steps only (forward, backward, update); the
    train loss and accuracy are means over those batches, the test numbers are taken after it.
    Raises ``cli.Diverged`` at the first non-finite loss.
    """
    X_train, X_test, y_train, y_test = data
    history = [] if history is None else history
    n_batches = -(-len(X_train) // args.batch_size)
    optimizer = build_optimizer(args, model.parameters())
    scheduler, per_batch = build_scheduler(args.schedule, optimizer, args.epochs, n_batches)
    hint = f"lower --lr (it is {args.lr:g})"
    # what shifts bring into view is blank paper: a 0 pixel before standardising, the smallest
    # value after it
    background = float(X_train.min()) if args.shift else None
    bar = progress_bar(args.epochs * n_batches)
    write = bar.write if bar is not None else log
    try:
        for epoch in range(1, args.epochs + 1):
            loss_sum = correct = 0.0
            start = time.perf_counter()
            X_epoch = (nn.data.random_shift(X_train, args.shift, rng=rng, fill=background)
                       if args.shift else X_train)
            batches = nn.data.batches(X_epoch, y_train, args.batch_size, rng=rng)
            for step, (X, y) in enumerate(batches, 1):
                logits = model(X)
                loss = F.cross_entropy(logits, y)
                cli.check_loss(loss.item(), epoch, step, n_batches, hint)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if per_batch:
                    scheduler.step()
                loss_sum += loss.item() * len(y)
                correct += (logits.data.argmax(axis=1) == y).sum()
                if bar is not None:
                    bar.update()
            seconds = time.perf_counter() - start
            if scheduler is not None and not per_batch:
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
    finally:
        if bar is not None:
            bar.close()
    return history


# ---- --load ------------------------------------------------------------------------------------
def load_saved(path):
    """The model saved at ``path``, rebuilt by ``nn.load_model``, and the input it takes
    ("cnn": 1x8x8 images, "mlp": 64 features); or one line on stderr and exit 2. The file is
    only read."""
    if not os.path.isfile(path):
        fail(f"cannot load {path}: {'not a file' if os.path.exists(path) else 'no such file'}")
    try:
        model = nn.load_model(path)
    except Exception as error:  # noqa: BLE001 - a damaged file can fail inside zipfile, zlib, json
        detail = str(error).removeprefix(f"cannot read {path}: ")
        fail(f"cannot load {path}: {detail}")
    kind = "cnn" if any(isinstance(m, nn.Conv2d) for m in model.modules()) else "mlp"
    return model, kind


def evaluate_loaded(path, model, kind, seed):
    """Evaluate the loaded ``model`` on the test split of ``seed``, in its parameters' dtype."""
    dtype = next((p.data.dtype for p in model.parameters()), np.dtype(np.float32))
    _, X_test, _, y_test = load_data(seed, dtype, kind)
    wanted = "1x8x8 images" if kind == "cnn" else f"{N_FEATURES} features"
    try:
        with no_grad():
            outputs = model.eval()(X_test[:1]).shape[1:]
        if outputs != (N_CLASSES,):
            raise ValueError(f"it gives outputs of shape {outputs}, not ({N_CLASSES},)")
        loss, accuracy, _ = evaluate(model, X_test, y_test)
    except ValueError as error:
        fail(f"cannot evaluate {path} on the digits ({wanted}, {N_CLASSES} classes): {error}")
    print(f"loaded {path}:\n{model}")
    print(f"evaluated on the {len(y_test)} test digits of seed {seed}")
    print(f"final test loss {loss:.4f}, test accuracy {accuracy:.4f}")


def fail(message):
    """One ``error:`` line on stderr, exit 2."""
    print("error: " + " ".join(str(message).split()), file=sys.stderr)
    sys.exit(2)


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
    """The command line: parse, then train (or evaluate --load) with one BLAS thread."""
    args = parse_args(argv)
    with one_blas_thread():
        run(args)


def run(args):
    """Train (or with --load, evaluate) as ``args`` say, and write --save and --plot."""
    if args.load:
        model, kind = load_saved(args.load)  # before the data: a bad file fails fast
        evaluate_loaded(args.load, model, kind, args.seed)
        return
    rng = np.random.default_rng(args.seed)
    model = make_model(args, rng)
    data = load_data(args.seed, np.dtype(args.dtype), args.model)
    X_train, X_test, y_train, y_test = data

    shape = "x".join(map(str, X_train.shape[1:]))
    print(f"digits: {len(y_train)} train / {len(y_test)} test, "
          + (f"{shape} images" if args.model == "cnn" else f"{N_FEATURES} features")
          + f", {N_CLASSES} classes")
    print(describe(args))
    history = []
    try:
        with cli.quiet_numerics():
            train(args, model, data, rng, history=history)
    except cli.Diverged as diverged:
        if args.plot:
            write_plot(args, history, y_test, None, note=f"training diverged: the loss is "
                       f"{diverged.value} at epoch {diverged.epoch}, step {diverged.step}")
        raise
    seconds = sum(h["seconds"] for h in history)
    _, accuracy, predictions = evaluate(model, X_test, y_test)
    print(f"final test accuracy {accuracy:.4f} (trained in {seconds:.2f} s)")

    if args.save:
        try:
            nn.save(model, args.save)
        except OSError as error:
            fail(f"cannot write {args.save}: {error.strerror}")
        print(f"saved the model to {args.save}")
    if args.plot:
        write_plot(args, history, y_test, predictions)
    if args.compare:
        import digits_report
        digits_report.compare(args, data, accuracy, seconds)


def write_plot(args, history, y_test, predictions, note=None):
    """Draw the figure and save it at exactly --plot, in the format its extension names."""
    import digits_report
    figure = digits_report.plot(history, y_test, predictions, describe(args), note=note)
    try:
        digits_report.save_figure(figure, args.plot)
    except OSError as error:
        fail(f"cannot write {args.plot}: {error.strerror}")
    print(f"saved the plot to {args.plot}")


if __name__ == "__main__":
    cli.run_main(main)

