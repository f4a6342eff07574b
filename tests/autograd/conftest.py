"""Hypothesis profiles for the engine's tests, and a guard that no test leaks global engine state.

Profiles: ``autograd-fast`` (the default: quick enough for every run) and ``autograd-thorough``
(select with ``HYPOTHESIS_PROFILE=autograd-thorough``).
"""
import os

import pytest
from hypothesis import HealthCheck, settings

from autograd.grad_mode import _off_default, _restore_defaults, _thread

settings.register_profile(
    "autograd-fast", max_examples=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "autograd-thorough", max_examples=300, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_requested = os.environ.get("HYPOTHESIS_PROFILE", "")
settings.load_profile(_requested if _requested.startswith("autograd-") else "autograd-fast")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a test that takes seconds (the million-op chain)")


@pytest.fixture(autouse=True)
def engine_modes_restored():
    """Every test starts and ends with gradients recorded and anomaly detection off, in this
    thread and (by the set of threads off the default) every other."""
    assert _thread.modes == (True, False) and len(_off_default) == 0
    yield
    leaked = (_thread.modes, len(_off_default))
    _restore_defaults()
    assert leaked == ((True, False), 0), \
        "a test left gradient recording or anomaly detection changed"
