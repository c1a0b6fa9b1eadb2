"""Fixtures shared by the multivariate-response family tests."""

from __future__ import annotations

from collections.abc import Iterator

import jax
import pytest


@pytest.fixture
def x64() -> Iterator[None]:
    """Float64 JAX for the tests that compare densities with scipy to 1e-10 and closer."""
    with jax.enable_x64(True):
        yield
