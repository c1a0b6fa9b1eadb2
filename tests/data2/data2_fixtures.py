"""The brms 2.18 reference cases of tests/fixtures/data2/brms_data2.json (``make_fixtures.R``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FIXTURE = Path(__file__).parents[1] / "fixtures" / "data2" / "brms_data2.json"


@cache
def _load() -> dict[str, Any]:
    with FIXTURE.open() as fh:
        return dict(json.load(fh))


def data2_data() -> pd.DataFrame:
    """The simulated data of the cases (``g`` species sp1..sp5, ``obs`` one level per row)."""
    return pd.DataFrame(_load()["data"])


def cov_matrix() -> pd.DataFrame:
    """The known covariance ``A`` of the species, rows in another order than the levels and
    with one species (sp6) that has no data, as R's matrix with row and column names."""
    ref = _load()["A"]
    return pd.DataFrame(ref["values"], index=ref["names"], columns=ref["names"])


def data2_case(case: str) -> dict[str, Any]:
    """One case: ``formula``, ``family``, brms's ``standata``, ``prior`` and ``lcov_lines``."""
    return dict(_load()["cases"][case])


def brms_error(name: str) -> str:
    """brms's message for one of the bad inputs of ``make_fixtures.R``."""
    return str(_load()["errors"][name])


CASES = tuple(_load()["cases"])


def fcor_matrix() -> np.ndarray:
    """``fcor()``'s matrix ``V`` (``0.6^|i - j|``, one row per data row)."""
    return np.asarray(_load()["V"], dtype=float)


def fcor_case(case: str) -> dict[str, Any]:
    """One fcor() case: ``formula``, ``family``, ``na_row``, brms's ``standata`` and ``prior``."""
    return dict(_load()["fcor"][case])


def fcor_loglik() -> dict[str, Any]:
    """brms's leave-one-out ``log_lik`` of one draw (``mu``, ``sigma``, ``sigma_het``, ``nu``)
    and mvtnorm's joint densities."""
    return dict(_load()["fcor_loglik"])


def fcor_error(name: str) -> str:
    """brms's message for one of the bad fcor() inputs of ``make_fixtures.R``."""
    return str(_load()["fcor_errors"][name])


FCOR_CASES = tuple(_load()["fcor"])
