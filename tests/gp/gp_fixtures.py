"""The brms 2.18 reference cases of tests/fixtures/gp/brms_gp.json (``make_fixtures.R``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

FIXTURE = Path(__file__).parents[1] / "fixtures" / "gp" / "brms_gp.json"


@cache
def _load() -> dict[str, Any]:
    with FIXTURE.open() as fh:
        return dict(json.load(fh))


def gp_data() -> pd.DataFrame:
    """The simulated data of the cases (``f`` a factor with levels a, b, c)."""
    data = pd.DataFrame(_load()["data"])
    data["f"] = pd.Categorical(data["f"], categories=["a", "b", "c"])
    return data


def gp_case(case: str) -> dict[str, Any]:
    """One case: ``formula``, brms's ``standata`` and ``prior`` (get_prior rows)."""
    return dict(_load()["cases"][case])


CASES = tuple(_load()["cases"])
