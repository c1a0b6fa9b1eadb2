"""The brms 2.18 references of the non-linear tests (tests/fixtures/nonlinear, recorded by its
make_fixtures.R): data sets, cases and Stan code lines."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).parents[1] / "fixtures" / "nonlinear"
CASES = sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem not in {"data", "stancode_errors"})


@cache
def data_set(name: str) -> pd.DataFrame:
    """The data set ``"orange"`` or ``"sim"`` as R had it (characters, logicals, numbers)."""
    raw = json.loads((FIXTURES / "data.json").read_text())
    cols: dict[str, Any] = {}
    for col, values in raw[name].items():
        if col in raw["character"]:
            cols[col] = values
        elif col in raw["logical"]:
            cols[col] = np.asarray(values, dtype=bool)
        else:
            cols[col] = np.asarray(values, dtype=np.float64)
    return pd.DataFrame(cols)


@cache
def case(case_id: str) -> dict[str, Any]:
    """One recorded case: formula, data, family, standata (names, values), get_prior rows."""
    return json.loads((FIXTURES / f"{case_id}.json").read_text())  # type: ignore[no-any-return]


@cache
def stancode_errors() -> dict[str, Any]:
    """brms's Stan code lines of a bounded nlpar prior and brms's error messages."""
    return json.loads((FIXTURES / "stancode_errors.json").read_text())  # type: ignore[no-any-return]
