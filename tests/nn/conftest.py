"""Fixtures shared by nn's tests."""
import pytest


@pytest.fixture(scope="module")
def one_blas_thread():
    """BLAS on one thread for a module of tiny matmuls: more threads gain nothing, and on a busy
    machine they spin against each other and make every fit (scikit-learn's too) many times
    slower. Modules ask for it with ``pytestmark = pytest.mark.usefixtures("one_blas_thread")``."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn, as those tests need
    with threadpool_limits(limits=1, user_api="blas"):
        yield
