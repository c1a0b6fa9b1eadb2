"""The brms 2.18 / RWiener / mpmath references of tests/fixtures/wiener, read once."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wiener"


@cache
def brms_fixture() -> dict[str, Any]:
    """make_fixtures.R's record: brms's tables, RWiener's density, CDF and draws."""
    return json.loads((FIXTURES / "wiener.json").read_text())


@cache
def mpmath_rows() -> np.ndarray:
    """make_reference.py's 60-digit log densities: ``y, dec, alpha, tau, beta, delta, lpdf``."""
    return np.asarray(json.loads((FIXTURES / "mpmath.json").read_text())["rows"], dtype=float)


def wiener_data() -> pd.DataFrame:
    """The data set of the fixtures (response times ``rt``, decisions as ``resp`` 0/1,
    ``respf``/``respc`` lower/upper, ``respl`` logical, ``resp2`` 0/2; ``x``, ``id``)."""
    rows = json.loads((FIXTURES / "data.json").read_text())["columns"]
    return pd.DataFrame(rows)


def frame(name: str) -> pd.DataFrame:
    """A table of the brms fixture (``density``, ``cdf``, ``epred``) as a DataFrame."""
    return pd.DataFrame(brms_fixture()[name])
