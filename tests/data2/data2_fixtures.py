"""The brms 2.18 reference cases of tests/fixtures/data2/brms_data2.json (``make_fixtures.R``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

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
