"""mi() responses: make_standata and get_prior equal brms 2.18's, and brms's error messages.

The references are recorded by ``tests/fixtures/mime/make_fixtures.R`` (brms 2.18.0) on
``data.csv`` of that folder; the JSON writes brms's ``Inf`` as 1e300.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.formula.errors import BrmsjaxError

HERE = Path(__file__).parents[1] / "fixtures" / "mime"
REFERENCE = json.loads((HERE / "brms_mime.json").read_text())
CASES = {c["id"]: c for c in REFERENCE["cases"]}
MI_CASES = ["mi", "mi_student", "mi_sdy"]


def data() -> pd.DataFrame:
    return pd.read_csv(HERE / "data.csv")


def _inf(values: object) -> np.ndarray:
    out = np.asarray(values, dtype=float).reshape(-1)
    out[out >= 1e300], out[out <= -1e300] = np.inf, -np.inf
    return out


def _standata(case: dict) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brmsjax.make_standata(case["formula"], data(), family=case["family"])


@pytest.mark.parametrize("case_id", MI_CASES)
def test_standata_equals_brms(case_id: str) -> None:
    case = CASES[case_id]
    got = _standata(case)
    assert list(got) == list(case["standata"])
    for key, value in case["standata"].items():
        ours = got[key]
        ours = ours.to_numpy() if isinstance(ours, pd.DataFrame) else np.asarray(ours)
        np.testing.assert_array_equal(ours.reshape(-1), _inf(value), err_msg=key)


@pytest.mark.parametrize("case_id", MI_CASES)
def test_get_prior_equals_brms(case_id: str) -> None:
    case = CASES[case_id]
    table = brmsjax.get_prior(case["formula"], data(), family=case["family"])
    got = table[["prior", "class", "coef", "group", "dpar"]].to_dict("records")
    assert got == case["get_prior"]


@pytest.mark.parametrize(
    ("formula", "kept", "jmi"),
    [
        ("y | mi() ~ z", 12, [3, 7, 8]),  # rows with a missing y are kept
        ("y | mi() ~ x", 11, [3, 6, 7]),  # a missing x (row 5) still drops its row
        ("y ~ z", 9, None),  # without mi() the missing responses drop their rows
    ],
)
def test_rows_kept(formula: str, kept: int, jmi: list[int] | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = brmsjax.make_standata(formula, data())
    assert sd["N"] == kept
    if jmi is not None:
        assert list(sd["Jmi"]) == jmi


ERRORS = [(e["formula"], e["family"], e["message"]) for e in REFERENCE["errors"]]


@pytest.mark.parametrize(("formula", "family", "message"), ERRORS)
def test_brms_error_messages(formula: str, family: str, message: str) -> None:
    assert message  # brms refuses each of them
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, data(), family=family)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y | mi(g) ~ z", "mi(g): the measurement error must be numeric."),
        ("y | mi(-z) ~ z", "mi(-z): measurement errors must be non-negative."),
        ("y | mi() + trunc(lb = -5) ~ z", "mi() together with trunc() is not supported yet"),
        ("y | mi(s = sdy) ~ z", "mi() has no argument 's'; its arguments are: sdy."),
    ],
)
def test_mi_argument_errors(formula: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        brmsjax.make_standata(formula, data())
    assert message in str(err.value)
