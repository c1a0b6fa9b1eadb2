"""The recorded brms 2.18 cases of tests/fixtures/intercept0 and their comparison with brmsjax."""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import brmsjax as bj

FIXTURE = Path(__file__).parents[1] / "fixtures" / "intercept0" / "cases.json"
PRIOR_COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source"]


@cache
def recorded() -> dict[str, Any]:
    """The fixture: brms and R versions, the toy data and the cases by id."""
    return json.loads(FIXTURE.read_text())


def case(case_id: str) -> dict[str, Any]:
    """One recorded case."""
    return recorded()["cases"][case_id]


def data(name: str) -> pd.DataFrame:
    """The case's data: cbpp as brmsjax ships it, or the toy data R made."""
    if name == "cbpp":
        return bj.datasets.load("cbpp")
    return pd.DataFrame(recorded()["toy"])


def call(c: dict[str, Any], what: Any) -> Any:
    """``what(formula, data, family, prior)`` for case ``c`` (R's prior code as the prior)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return what(c["formula"], data(c["data"]), c["family"], c["prior"])


def assert_standata(c: dict[str, Any]) -> None:
    """brmsjax's make_standata equals brms's: names, X's columns and every recorded value."""
    got = call(c, bj.make_standata)
    assert list(got) == c["standata_names"]
    assert list(got["X"].columns) == c["X_colnames"]
    for key, want in c["standata"].items():
        ours = got[key]
        ours = ours.to_numpy() if isinstance(ours, pd.DataFrame) else np.asarray(ours)
        np.testing.assert_allclose(
            ours.reshape(-1), np.asarray(want, dtype=float).reshape(-1), err_msg=key, rtol=1e-12
        )


def assert_prior_rows(c: dict[str, Any]) -> None:
    """brmsjax's get_prior table (without user priors) equals brms's, row for row."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = bj.get_prior(c["formula"], data(c["data"]), c["family"])
    want = pd.DataFrame(c["prior_rows"]).astype(object)
    assert list(got.columns) == PRIOR_COLUMNS
    assert got.astype(object).to_dict("records") == want[PRIOR_COLUMNS].to_dict("records")
