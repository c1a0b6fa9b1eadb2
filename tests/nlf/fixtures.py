"""The brms 2.18 references of the nlf() tests (tests/fixtures/nlf, recorded by its
make_fixtures.R): the data set, the cases and brms's Stan code lines and error messages."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import brmsjax as bj
from tests.nonlinear.fixtures import recorded

FIXTURES = Path(__file__).parents[1] / "fixtures" / "nlf"
CASES = sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem not in {"data", "stancode_errors"})
FAMILIES = {
    "gaussian": bj.gaussian(),
    "student": bj.student(),
    "lognormal": bj.lognormal(),
}


@cache
def data_set() -> pd.DataFrame:
    """The simulated data set as R had it (characters and numbers)."""
    raw = json.loads((FIXTURES / "data.json").read_text())
    cols: dict[str, Any] = {}
    for col, values in raw["sim"].items():
        cols[col] = values if col in raw["character"] else np.asarray(values, dtype=np.float64)
    return pd.DataFrame(cols)


def case(case_id: str) -> dict[str, Any]:
    """One recorded case: formula, family, standata (names, values), get_prior rows."""
    return recorded("nlf", case_id)


def stancode_errors() -> dict[str, Any]:
    """brms's Stan code lines of each case and brms's error messages."""
    return recorded("nlf", "stancode_errors")
