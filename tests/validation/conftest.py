"""A small well-specified gaussian fit shared by the cross-validation tests."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning


def simulated(n: int = 40) -> pd.DataFrame:
    """``y = 1 + 0.5 x + N(0, 1)`` with 8 groups ``g`` of 5 rows."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=n)
    return pd.DataFrame(
        {"y": 1 + 0.5 * x + rng.normal(size=n), "x": x, "g": np.repeat(list("abcdefgh"), n // 8)}
    )


@pytest.fixture(scope="session")
def gauss() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm("y ~ x", simulated(), chains=2, iter=600, seed=1, progress=False)
