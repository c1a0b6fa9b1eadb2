"""make_standata and get_prior of sratio, cratio, acat and cs() against brms 2.18.

References: brms 2.18.0 ``make_standata()`` and ``get_prior()`` on ordinal's wine data,
recorded by tests/fixtures/ordinal/make_design.R in design.json.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from brmsjax import datasets
from brmsjax.backend.families import registry as fam
from brmsjax.backend.priors.resolve import prior_table
from brmsjax.formula.design.design import build_design
from brmsjax.formula.design.standata import standata

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ordinal"
RECORDED = json.loads((FIXTURES / "design.json").read_text())
DESIGN = {k: v for k, v in RECORDED.items() if k != "brms"}
COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source"]


def _design(case: dict[str, Any]) -> tuple[Any, fam.Family]:
    family = getattr(fam, case["family"])(case["link"], threshold=case["threshold"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cumulative's cs() warning is tested on its own
        return build_design(case["formula"], datasets.wine(), family=family), family


def _values(value: Any) -> np.ndarray:
    if isinstance(value, dict):
        return np.asarray(value["rows"], dtype=np.float64)
    return np.asarray(value, dtype=np.float64)


@pytest.mark.parametrize("case_id", sorted(DESIGN))
def test_standata_equals_brms(case_id: str) -> None:
    case = DESIGN[case_id]
    design, family = _design(case)
    got = standata(design, family=family)
    assert list(got) == case["names"]
    for key, expected in case["standata"].items():
        ours = got[key]
        if isinstance(ours, pd.DataFrame):
            colnames = expected["colnames"] or []  # jsonlite writes no names as {}
            assert list(ours.columns) == ([colnames] if isinstance(colnames, str) else colnames)
            ours = ours.to_numpy()
        want = _values(expected)
        np.testing.assert_array_equal(np.asarray(ours, dtype=np.float64).reshape(want.shape), want)


@pytest.mark.parametrize("case_id", sorted(DESIGN))
def test_get_prior_equals_brms(case_id: str) -> None:
    case = DESIGN[case_id]
    design, family = _design(case)
    expected = pd.DataFrame(case["prior"], columns=COLUMNS)
    pd.testing.assert_frame_equal(prior_table(design, family).reset_index(drop=True), expected)
