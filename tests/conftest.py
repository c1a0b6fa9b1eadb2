"""Strict test setup: CPU only, float64, seeded; compiled programs freed after each module."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed() -> None:
    np.random.seed(20261125)


@pytest.fixture(autouse=True, scope="module")
def _release_compiled() -> Iterator[None]:
    """Free a test module's compiled programs when it ends.

    Every XLA:CPU executable holds memory maps; the whole suite's thousands of programs kept in
    one process passed the kernel's ``vm.max_map_count`` (65530) and crashed it with a
    segfault inside XLA. A user's session compiles a few programs, not thousands.
    """
    yield
    import jax

    from brmsjax.backend import cache

    cache.clear()
    jax.clear_caches()
    gc.collect()
