"""Grad mode and anomaly mode are per thread; the in-place count and version table are shared.

Events force the overlaps (each thread waits for the other to reach a point), so every test
runs the interleaving it names, whatever the scheduler does.
"""
import sys
import threading

import numpy as np
import pytest

from autograd import Tensor, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.grad_mode import _Mode, _off_default, is_anomaly_enabled
from autograd.versions import record_update, updated_after

TIMEOUT = 10  # seconds: a wait that long means a thread died; fail instead of hanging


def run_threads(*targets):
    """Run each target in its own thread; re-raise the first failure in the calling thread."""
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a thread is stuck"
    if errors:
        raise errors[0]


def wait(event):
    assert event.wait(TIMEOUT), "the other thread never got there"


def test_no_grad_in_one_thread_does_not_affect_another():
    inside, checked = threading.Event(), threading.Event()
    seen = {}

    def quiet():
        with no_grad():
            inside.set()
            wait(checked)
            y = Tensor([1.0], requires_grad=True) * 2
            seen["quiet"] = (is_grad_enabled(), y.requires_grad, len(_off_default))

    def recording():
        wait(inside)
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        seen["recording"] = is_grad_enabled()
        y.backward()
        np.testing.assert_array_equal(x.grad, [2.0, 4.0])
        checked.set()

    run_threads(quiet, recording)
    assert seen == {"quiet": (False, False, 1), "recording": True}
    assert is_grad_enabled()


def test_overlapping_blocks_in_two_threads_restore_each_thread():
    # A enters, B enters, A exits, B exits: with one process-wide switch B's exit would leave
    # recording off for everyone (it saved A's "off")
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    after = {}

    def a():
        with no_grad():
            a_in.set()
            wait(b_in)
        after["a"] = is_grad_enabled()
        a_out.set()

    def b():
        wait(a_in)
        with no_grad():
            b_in.set()
            wait(a_out)
            after["b inside"] = is_grad_enabled()
        after["b"] = is_grad_enabled()

    run_threads(a, b)
    assert after == {"a": True, "b inside": False, "b": True}
    assert len(_off_default) == 0
    assert is_grad_enabled()


def test_a_thread_started_inside_no_grad_starts_recording():
    seen = []

    def child():
        seen.append(is_grad_enabled())
        with no_grad():
            seen.append(is_grad_enabled())
        seen.append((Tensor([1.0], requires_grad=True) * 3).requires_grad)

    with no_grad():
        run_threads(child)
        assert not is_grad_enabled()
    assert seen == [True, False, True]


def test_enable_grad_in_one_thread_does_not_leak_into_a_no_grad_thread():
    quiet_in, enabled = threading.Event(), threading.Event()
    seen = []

    def quiet():
        with no_grad():
            quiet_in.set()
            wait(enabled)
            seen.append(is_grad_enabled())

    def loud():
        wait(quiet_in)
        with no_grad(), enable_grad():
            enabled.set()

    run_threads(quiet, loud)
    assert seen == [False]


def test_anomaly_mode_is_per_thread():
    inside, checked = threading.Event(), threading.Event()
    seen = {}

    def detecting():
        with detect_anomaly():
            inside.set()
            wait(checked)
            with np.errstate(divide="ignore"), pytest.raises(FloatingPointError, match="log"):
                Tensor([0.0]).log()
            seen["detecting"] = is_anomaly_enabled()

    def other():
        wait(inside)
        with np.errstate(divide="ignore"):
            y = Tensor([0.0], requires_grad=True).log()  # no error here
        seen["other"] = (is_anomaly_enabled(), float(y.data[0]))
        checked.set()

    run_threads(detecting, other)
    assert seen == {"detecting": True, "other": (False, -np.inf)}
    assert not is_anomaly_enabled()


def test_a_graph_survives_in_place_updates_of_other_buffers_in_another_thread():
    # the process-wide count moves on between this thread's forward and backward: the check
    # looks at this graph's own buffers and lets it through, with the right gradient
    recorded, updated = threading.Event(), threading.Event()
    grads = {}

    def learner():
        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        loss = (x.exp() * x).sum()
        recorded.set()
        wait(updated)
        loss.backward()
        grads["x"] = x.grad

    def updater():
        wait(recorded)
        w = Tensor(np.zeros(3), requires_grad=True)
        for _ in range(5):
            with no_grad():
                w += 1.0
        updated.set()

    run_threads(learner, updater)
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(grads["x"], np.exp(x) * (1 + x))


def test_an_in_place_update_is_still_caught_when_another_thread_updates_too():
    recorded, updated = threading.Event(), threading.Event()

    def learner():
        x = Tensor([1.0, 2.0], requires_grad=True)
        h = x * 1.0
        loss = (h * h).sum()  # mul reads h
        recorded.set()
        wait(updated)
        with no_grad():
            h += 1.0  # this graph's own buffer, after another thread's updates
        with pytest.raises(RuntimeError, match="modified in place"):
            loss.backward()

    def updater():
        wait(recorded)
        w = Tensor(np.zeros(2))
        for _ in range(3):
            w += 1.0
        updated.set()

    run_threads(learner, updater)


def test_in_place_stamps_are_unique_and_never_go_back_under_threads():
    n_threads, n_updates = 4, 2000
    start = threading.Barrier(n_threads)
    arrays = [np.zeros(3) for _ in range(n_threads)]
    stamps = [[] for _ in range(n_threads)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        def hammer(array, mine):
            def run():
                start.wait(TIMEOUT)
                for _ in range(n_updates):
                    mine.append(record_update(array))
                    assert _Mode.last_update >= mine[-1]
            return run
        run_threads(*[hammer(a, mine) for a, mine in zip(arrays, stamps)])
    finally:
        sys.setswitchinterval(interval)
    everything = [stamp for mine in stamps for stamp in mine]
    assert len(set(everything)) == n_threads * n_updates  # no two updates share a stamp
    assert all(mine == sorted(mine) for mine in stamps)
    assert _Mode.last_update >= max(everything)
    for array, mine in zip(arrays, stamps):
        assert updated_after(array, mine[-1] - 1) and not updated_after(array, mine[-1])
