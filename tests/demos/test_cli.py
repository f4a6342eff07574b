"""Every demo misused as users misuse it, in a subprocess: closed pipes, bad --plot paths, flags
the optimizer does not take, a diverging run, short argument errors; and the figure's axes."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMOS = os.path.join(ROOT, "demos")
TRAIN = os.path.join(DEMOS, "train_digits.py")
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
needs_matplotlib = pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib is not installed")
FAST = ["--epochs", "1", "--hidden", "8"]  # a training run of a few tenths of a second

pytest.importorskip("sklearn")


def run(script, *args, **kwargs):
    return subprocess.run([sys.executable, os.path.join(DEMOS, script), *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, **kwargs)


def assert_short_usage_error(proc, *words):
    """Exit 2 with three lines: the one-line usage, the message, the pointer to --help."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3, proc.stderr
    assert lines[0].startswith("usage: ") and lines[0].endswith(" [-h] [options]"), lines
    assert ": error: " in lines[1] and "--help" in lines[2], lines
    for word in words:
        assert word in lines[1], lines
    assert proc.stdout == ""


# ---- a closed stdout ------------------------------------------------------------------------
@pytest.mark.parametrize("script, args", [("train_digits.py", FAST), ("expressions.py", []),
                                          ("gradcheck_layers.py", [])],
                         ids=["train_digits", "expressions", "gradcheck_layers"])
def test_a_closed_stdout_ends_the_demo_quietly(script, args, tmp_path):
    """What `python demos/SCRIPT | head -1` does once head has gone, made certain: the reader
    closes before the demo writes anything (Python ignores SIGPIPE, so writes raise)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line: every write fails
    extra = ["--dot-dir", tmp_path] if script == "expressions.py" else []
    try:
        proc = subprocess.run([sys.executable, os.path.join(DEMOS, script), *args,
                               *map(str, extra)], cwd=ROOT, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode in (0, 141), proc.stderr
    assert proc.stderr == ""  # no traceback, no "Exception ignored"


# ---- argument errors ------------------------------------------------------------------------
@pytest.mark.parametrize("args, words", [
    (["--optimizer", "adam", "--momentum", "0.9"],
     ["--momentum does not apply to --optimizer adam", "sgd, momentum, rmsprop"]),
    (["--model", "cnn", "--activation", "tanh"], ["--activation does not apply to --model cnn"]),
    (["--epochs", "0"], ["--epochs", "positive integer"]),
], ids=["momentum-for-adam", "activation-for-cnn", "epochs-0"])
def test_argument_errors_are_three_short_lines(args, words):
    assert_short_usage_error(run("train_digits.py", *args), *words)


def test_other_demos_give_short_argument_errors_too():
    assert_short_usage_error(run("expressions.py", "--no-such-flag"), "--no-such-flag")


@pytest.mark.parametrize("args, words", [
    (["w1", "--data", "no-such-file.npz"], ["--data no-such-file.npz: no such file"]),
    (["w2", "--steps", "0"], ["--steps must be at least 1, got 0"]),
    (["w3"], ["invalid choice: 'w3'"]),
], ids=["missing-data", "steps-0", "unknown-workload"])
def test_the_instruction_count_driver_gives_short_argument_errors(args, words):
    assert_short_usage_error(run("benchmark_counts.py", *args), *words)


def test_the_instruction_count_driver_finds_the_checkout_by_itself(monkeypatch):
    """Under valgrind it runs as a plain script, without PYTHONPATH: importing it puts the
    checkout (autograd, nn) and demos/ on sys.path, ahead of any installed copy."""
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in (ROOT, DEMOS)])
    spec = importlib.util.spec_from_file_location(
        "benchmark_counts_probe", os.path.join(DEMOS, "benchmark_counts.py"))
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert sys.path[:2] == [ROOT, DEMOS]


@pytest.mark.parametrize("name, words", [
    ("folder", ["is a folder", "FILE.png, FILE.svg or FILE.pdf"]),
    ("curves", ["has no extension"]), ("curves.xyz", ["has the extension .xyz"]),
    ("missing/curves.png", ["no folder"]),
], ids=["a-folder", "no-extension", "xyz", "no-such-folder"])
def test_bad_plot_paths_fail_before_training(tmp_path, name, words):
    (tmp_path / "folder").mkdir()
    proc = run("train_digits.py", "--plot", tmp_path / name)
    assert_short_usage_error(proc, "argument --plot", *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]  # nothing written


@needs_matplotlib
def test_plot_writes_exactly_the_path_it_prints(tmp_path, capsys):
    sys.path.insert(0, DEMOS)
    import train_digits
    path = tmp_path / "curves.SVG"
    train_digits.main([*FAST, "--plot", str(path)])
    assert capsys.readouterr().out.strip().endswith(f"saved the plot to {path}")
    assert [p.name for p in tmp_path.iterdir()] == ["curves.SVG"]
    assert b"<svg" in path.read_bytes()[:1000]


# ---- a diverging run ------------------------------------------------------------------------
def test_a_diverging_run_stops_with_one_line_and_exit_1(tmp_path):
    plot = tmp_path / "diverged.pdf"
    args = ["--optimizer", "sgd", "--lr", "10"] + (["--plot", plot] if HAS_MATPLOTLIB else [])
    proc = run("train_digits.py", *args)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # no RuntimeWarning from inside the library
    assert lines[0].startswith("error: training diverged: the loss is nan at epoch 1, step ")
    assert lines[0].endswith("; lower --lr (it is 10)")
    assert "epoch 1/" not in proc.stdout  # it stopped inside the first epoch
    if HAS_MATPLOTLIB:
        assert plot.read_bytes().startswith(b"%PDF")


# ---- the figure -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report():
    sys.path.insert(0, DEMOS)
    import digits_report
    return digits_report


@pytest.fixture(autouse=True)
def close_figures():
    yield
    if HAS_MATPLOTLIB and "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def record(epoch, train_loss, test_loss, train_acc=0.8, test_acc=0.9):
    return dict(epoch=epoch, train_loss=train_loss, test_loss=test_loss, train_acc=train_acc,
                test_acc=test_acc)


def visible_ticks(ax, axis):
    low, high = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    ticks = ax.get_xticks() if axis == "x" else ax.get_yticks()
    return [t for t in ticks if low <= t <= high]


@needs_matplotlib
def test_one_epoch_draws_one_whole_tick_and_labelled_loss_axis(report):
    y = np.arange(10)
    fig = report.plot([record(1, 0.77, 0.19)], y, y, "one epoch")
    ax_loss, ax_acc, _ = fig.axes
    for ax in (ax_loss, ax_acc):
        assert visible_ticks(ax, "x") == [1.0]
        assert ax.get_xlim() == (0.5, 1.5)
    assert ax_loss.get_yscale() == "linear"  # a log axis under a decade has no labelled tick
    assert len(visible_ticks(ax_loss, "y")) >= 3
    lows, highs = ax_loss.get_ylim()
    assert lows < 0.19 and highs > 0.77


@needs_matplotlib
def test_many_epochs_use_a_log_loss_axis_when_it_spans_decades(report):
    history = [record(e, 10.0 ** -e, 0.1) for e in range(1, 13)]
    fig = report.plot(history, np.arange(10), np.arange(10), "twelve epochs")
    assert fig.axes[0].get_yscale() == "log"
    assert all(float(t).is_integer() for t in visible_ticks(fig.axes[0], "x"))


@needs_matplotlib
def test_a_run_that_diverged_before_an_epoch_says_so_in_every_panel(report):
    note = "training diverged: the loss is nan at epoch 1, step 8"
    fig = report.plot([], np.arange(10), None, "diverged", note=note)
    for ax in fig.axes:
        texts = " ".join(text.get_text() for text in ax.texts)
        assert note in texts, texts
        assert not ax.lines and not ax.images
    assert note in fig._suptitle.get_text()


@needs_matplotlib
def test_a_non_finite_test_loss_is_a_gap_that_the_legend_names(report):
    history = [record(1, 0.5, 0.4), record(2, 0.3, float("inf")), record(3, 0.2, 0.3)]
    fig = report.plot(history, np.arange(10), np.arange(10), "a blow-up at epoch 2")
    ax_loss = fig.axes[0]
    labels = [text.get_text() for text in ax_loss.get_legend().get_texts()]
    assert labels == ["train (mean over the epoch)", "test (not finite at epoch 2)"]
    test_curve = ax_loss.lines[1].get_ydata()
    assert np.isnan(test_curve[1]) and test_curve[0] == 0.4
    assert np.isfinite(ax_loss.get_ylim()).all() and ax_loss.get_yscale() == "linear"
