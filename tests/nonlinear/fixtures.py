"""The brms 2.18 references of the non-linear tests (tests/fixtures/nonlinear, recorded by its
make_fixtures.R): data sets, cases and Stan code lines, and the comparison of a standata with
a recorded one (also for tests/nlf, whose make_fixtures.R records them the same way)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).parents[1] / "fixtures" / "nonlinear"
#: The columns of brms's get_prior table, in its order.
COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source"]
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
def recorded(folder: str, name: str) -> dict[str, Any]:
    """The recorded JSON file ``tests/fixtures/<folder>/<name>.json`` (a case, or brms's Stan
    code lines and error messages)."""
    path = FIXTURES.parent / folder / f"{name}.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def case(case_id: str) -> dict[str, Any]:
    """One recorded case: formula, data, family, standata (names, values), get_prior rows."""
    return recorded("nonlinear", case_id)


def stancode_errors() -> dict[str, Any]:
    """brms's Stan code lines of a bounded nlpar prior and brms's error messages."""
    return recorded("nonlinear", "stancode_errors")


def assert_standata_equal(got: dict[str, Any], want: dict[str, Any]) -> None:
    """``got`` (make_standata) has a recorded case's names in its order, and its values to
    1e-12 (a data frame's column names too)."""
    assert list(got) == want["names"]
    for key, expected in want["values"].items():
        ours = got[key]
        if isinstance(ours, pd.DataFrame):
            assert list(ours.columns) == np.atleast_1d(expected["colnames"]).tolist()
            ours = ours.to_numpy()
        ref = expected["rows"] if isinstance(expected, dict) else expected
        np.testing.assert_allclose(
            np.asarray(ours, dtype=float).reshape(-1),
            np.asarray(ref, dtype=float).reshape(-1),
            rtol=0,
            atol=1e-12,
            err_msg=key,
        )
