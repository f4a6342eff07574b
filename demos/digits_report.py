"""The main job's figure (--plot) and side-by-side table (--compare), for demos/train_digits.py.

``plot`` returns the matplotlib Figure, so that its axes can be checked; ``save_figure`` writes
it at exactly the path given, in the format its extension names.
"""
import os
import time
import warnings

import numpy as np

import cli

N_CLASSES = 10


# ---- --plot ------------------------------------------------------------------------------------
def plot(history, y_test, predictions, title, note=None):
    """Loss curves, accuracy curves and the test confusion matrix, side by side.

    ``history``: one dict per finished epoch (``epoch``, ``train_loss``, ``train_acc``,
    ``test_loss``, ``test_acc``); ``predictions``: the test labels predicted, or None when there
    are none to show (a diverged run). ``note`` says why training stopped; it goes in the title
    and, where a panel has nothing to draw, in the panel. Returns the Figure (Agg backend).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, NullFormatter

    fig, (ax_loss, ax_acc, ax_cm) = plt.subplots(1, 3, figsize=(13, 4.2),
                                                 gridspec_kw=dict(width_ratios=[1, 1, 0.9]))
    epochs = [h["epoch"] for h in history]
    final = f" (final test {history[-1]['test_acc']:.4f})" if history else ""
    for ax, key, name in ((ax_loss, "loss", "cross-entropy loss"),
                          (ax_acc, "acc", f"accuracy{final}")):
        ax.set(title=name, xlabel="epoch")
        # whole epochs, with half an epoch of room either side: one epoch is one tick
        ax.set_xlim(0.5, max(epochs, default=1) + 0.5)
        if len(epochs) <= 10:
            ax.set_xticks(epochs)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if not history:
            ax.set(yticks=[], xlabel="")
            ax.text(0.5, 0.5, "no epoch finished:\n" + (note or "nothing to draw"),
                    transform=ax.transAxes, ha="center", va="center", wrap=True, fontsize=9)
            continue
        for split in ("train", "test"):
            values = np.array([h[f"{split}_{key}"] for h in history], dtype=float)
            label = "train (mean over the epoch)" if split == "train" else "test"
            broken = [e for e, v in zip(epochs, values) if not np.isfinite(v)]
            if broken:  # drawn as gaps, and said
                values[~np.isfinite(values)] = np.nan
                label += f" (not finite at epoch {', '.join(map(str, broken))})"
            ax.plot(epochs, values, "o-", ms=3, label=label)
        ax.legend()
    if history:
        losses = np.array([h[k] for h in history for k in ("train_loss", "test_loss")])
        losses = losses[np.isfinite(losses)]
        # a log scale only when the losses span more than a decade: under that it has no
        # labelled tick at all
        if losses.size and losses.min() > 0 and losses.max() / losses.min() > 10:
            ax_loss.set_yscale("log")
            ax_loss.yaxis.set_minor_formatter(NullFormatter())
            ax_loss.set_title("cross-entropy loss (log scale)")
        ax_acc.set_ylim(top=1.005)
    if predictions is None:
        ax_cm.set(xticks=[], yticks=[], title="test confusion matrix")
        ax_cm.text(0.5, 0.5, "no confusion matrix:\n" + (note or "no predictions"),
                   transform=ax_cm.transAxes, ha="center", va="center", wrap=True, fontsize=9)
    else:
        matrix = np.zeros((N_CLASSES, N_CLASSES), dtype=int)
        np.add.at(matrix, (y_test, predictions), 1)
        ax_cm.imshow(matrix, cmap="Blues")
        for (i, j), count in np.ndenumerate(matrix):
            if count:
                ax_cm.text(j, i, count, ha="center", va="center", fontsize=8,
                           color="white" if count > matrix.max() / 2 else "black")
        ax_cm.set(title="test confusion matrix", xlabel="predicted", ylabel="true",
                  xticks=range(N_CLASSES), yticks=range(N_CLASSES))
    fig.suptitle(title + (f"\n{note}" if note else ""), fontsize=10)
    fig.tight_layout()
    return fig


def save_figure(fig, path):
    """Write ``fig`` at exactly ``path`` (no extension appended) and close it."""
    import matplotlib.pyplot as plt
    try:
        fig.savefig(path, format=cli.extension_of(path), dpi=80)
    finally:
        plt.close(fig)


# ---- --compare ---------------------------------------------------------------------------------
def compare(args, data, npgrad_accuracy, npgrad_seconds):
    """Print a table of the npgrad run next to the systems it is compared with."""
    if args.model == "cnn":
        rows = compare_cnn(args, data, npgrad_accuracy, npgrad_seconds)
        print("\nsame split and seed; the MLP trains on the 64 features with its own defaults")
    else:
        rows = compare_mlp(args, data, npgrad_accuracy, npgrad_seconds)
        print("\nsame split and budget; npgrad and numpy start from the same weights and batch "
              "order")
    width = max(len(name) for name, _, _ in rows)
    print(f"{'system':<{width}}  test accuracy  seconds")
    for name, accuracy, seconds in rows:
        print(f"{name:<{width}}  {accuracy:>13.4f}  {seconds:>7.2f}")


def compare_cnn(args, data, npgrad_accuracy, npgrad_seconds):
    """The CNN against npgrad's default MLP on the same split (scikit-learn has no CNN)."""
    import train_digits as td
    mlp_args = td.parse_args(["--seed", str(args.seed), "--dtype", args.dtype])
    mlp_data = td.load_data(args.seed, np.dtype(args.dtype), "mlp")
    model = td.make_model(mlp_args, np.random.default_rng(args.seed))
    history = td.train(mlp_args, model, mlp_data, np.random.default_rng(args.seed),
                       log=lambda line: None)
    _, accuracy, _ = td.evaluate(model, mlp_data[1], mlp_data[3])
    return [(f"npgrad CNN ({td.describe_model(args)})", npgrad_accuracy, npgrad_seconds),
            (f"npgrad MLP ({td.describe_model(mlp_args)})", accuracy,
             sum(h["seconds"] for h in history))]


def compare_mlp(args, data, npgrad_accuracy, npgrad_seconds):
    """scikit-learn's MLPClassifier and the numpy network like ours, on the same budget."""
    import numpy_mlp
    import train_digits as td
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
    net = numpy_mlp.MLP(numpy_mlp.init_params(td.layer_sizes(args.hidden), rng,
                                              dtype=args.dtype))
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
    rows.append((f"hand-written numpy ({os.path.join('demos', 'numpy_mlp.py')})", accuracy,
                 seconds))
    return rows
