"""demos/benchmark_floor.py: its engine trains exactly as the hand-written network does (else its
time would be no yardstick), and its command line prints the three systems (no timing is
asserted)."""
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOOR = os.path.join(ROOT, "demos", "benchmark_floor.py")
sys.path.insert(0, os.path.join(ROOT, "demos"))

pytest.importorskip("sklearn")

import benchmark_floor  # noqa: E402
import numpy_mlp  # noqa: E402
from benchmark_common import TRAINERS, W1_SIZES, initial_params  # noqa: E402


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_floor_engine_takes_the_hand_written_networks_steps(dtype):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(150, W1_SIZES[0])).astype(dtype), rng.integers(0, 10, 150)
    params = initial_params(W1_SIZES, np.dtype(dtype))
    floor = benchmark_floor.FloorTrainer(params, X, y)
    hand_written = TRAINERS["numpy"](params, X, y, "adam", 1e-3)
    batches = numpy_mlp.batch_indices(rng.permutation(len(X)), 64)  # the last one is short
    for idx in batches * 2:
        loss, *seconds = floor.step_phases(idx)
        expected, *_ = benchmark_floor.numpy_phases(hand_written, idx)
        assert loss == pytest.approx(expected, rel=1e-12 if dtype == np.float64 else 1e-5)
        assert all(s >= 0 for s in seconds)
    expected = [a for pair in hand_written.net.params for a in pair]  # W0, b0, W1, b1
    # relative to each array's scale: BLAS kernels differ by host in the last bits, and an entry
    # that Adam brought near zero keeps an absolute error of that size, not a relative one
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    for p, a in zip(floor.params, expected, strict=True):
        np.testing.assert_allclose(p.data, a, rtol=rtol, atol=rtol * np.abs(a).max())
    assert floor.params[0].data.dtype == dtype
    assert not np.array_equal(floor.params[0].data, params[0][0])  # it did train


def test_the_command_prints_each_system_with_the_same_last_loss():
    proc = subprocess.run([sys.executable, FLOOR, "--epochs", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == ("W1 float64 on sklearn.datasets.load_digits, median of 1 epochs, the "
                        "systems in turn:")
    rows = {line.split()[0]: line for line in lines[1:]}
    assert list(rows) == ["numpy", "npgrad", "floor"]
    assert "1.00x numpy" in rows["numpy"]
    assert len({row.rsplit("last loss ", 1)[1] for row in rows.values()}) == 1


def test_a_bad_epoch_count_is_a_short_usage_error():
    proc = subprocess.run([sys.executable, FLOOR, "--epochs", "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--epochs must be at least 1, got 0" in proc.stderr
    assert "Traceback" not in proc.stderr
