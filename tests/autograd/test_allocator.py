"""glibc's malloc thresholds (autograd.allocator): arrays freed at every step reuse their pages."""
import os
import subprocess
import sys

import pytest

from autograd import allocator

# Allocates five 2 MB arrays and frees them, 20 times, as a step's activations are built and
# freed; prints the page faults of the last 19 rounds.
ROUNDS = """
import resource, numpy as np
{setup}
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def step():
    arrays = [np.ones(1 << 18) for _ in range(5)]
    del arrays
step()
before = faults()
for _ in range(19):
    step()
print(faults() - before)
"""


def faults_of(setup, **environ):
    env = {k: v for k, v in os.environ.items()
           if k not in allocator._USER_SETTINGS and k != "GLIBC_TUNABLES"}
    env.update(environ)
    out = subprocess.run([sys.executable, "-c", ROUNDS.format(setup=setup)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return int(out)


glibc_only = pytest.mark.skipif(allocator._glibc() is None, reason="glibc's malloc only")


@glibc_only
def test_importing_autograd_lets_freed_arrays_keep_their_pages():
    assert allocator.TUNED
    untuned = faults_of("")
    tuned = faults_of("import autograd")
    # 10 MB of fresh pages a round is ~2,500 faults: glibc raises its thresholds to 2 MB and
    # 4 MB after the first round, so it trims the heap at each round's end; tuned, it keeps it
    assert untuned > 19 * 1000
    assert tuned < 19 * 50


@glibc_only
@pytest.mark.parametrize("environ", [{"MALLOC_TOP_PAD_": "0"},
                                     {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0"}])
def test_malloc_settings_of_the_environment_are_kept(environ):
    assert faults_of("import autograd; assert not autograd.allocator.TUNED", **environ) \
        > 19 * 1000


def test_user_set_malloc_reads_glibcs_variables():
    assert not allocator.user_set_malloc({"PATH": "/bin"})
    assert not allocator.user_set_malloc({"GLIBC_TUNABLES": "glibc.pthread.rseq=0"})
    assert allocator.user_set_malloc({"MALLOC_MMAP_THRESHOLD_": "131072"})
    assert allocator.user_set_malloc({"GLIBC_TUNABLES": "glibc.malloc.mmap_max=0"})
