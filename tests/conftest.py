"""Strict test setup: CPU only, float64, seeded."""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seed() -> None:
    np.random.seed(20261125)
