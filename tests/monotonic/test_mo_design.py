"""mo() terms: make_standata and get_prior equal brms 2.18's, and brms's error messages.

The references are recorded by ``tests/fixtures/monotonic/make_fixtures.R`` (brms 2.18.0) on
``data.csv`` of that folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.formula.errors import BrmsjaxError

HERE = Path(__file__).parents[1] / "fixtures" / "monotonic"
REFERENCE = json.loads((HERE / "brms_monotonic.json").read_text())
CASES = {c["id"]: c for c in REFERENCE["cases"]}
FIT_CASES = list(CASES)


def data() -> pd.DataFrame:
    d = pd.read_csv(HERE / "data.csv")
    levels = json.loads((HERE / "levels.json").read_text())["o"]
    d["o"] = pd.Categorical(d["o"], categories=levels, ordered=True)
    return d


def _prior(case: dict) -> str | None:
    if case["prior"] is None:
        return None
    return f"prior({case['prior']}, class = {case['prior_class']}, coef = {case['prior_coef']})"


@pytest.mark.parametrize("case_id", FIT_CASES)
def test_standata_equals_brms(case_id: str) -> None:
    case = CASES[case_id]
    got = brmsjax.make_standata(case["formula"], data(), prior=_prior(case))
    expected = case["standata"]
    assert list(got) == list(expected)
    for key, value in expected.items():
        ours = got[key]
        ours = ours.to_numpy() if isinstance(ours, pd.DataFrame) else np.asarray(ours)
        np.testing.assert_allclose(
            ours.reshape(-1), np.asarray(value, dtype=float).reshape(-1), err_msg=key
        )


@pytest.mark.parametrize("case_id", FIT_CASES)
def test_get_prior_equals_brms(case_id: str) -> None:
    case = CASES[case_id]
    table = brmsjax.get_prior(case["formula"], data())
    got = table[["prior", "class", "coef", "group", "dpar"]].to_dict("records")
    assert got == case["get_prior"]


def test_monotonic_columns_leave_x() -> None:
    """brms's X keeps only the terms without mo(); Xmo_j counts from 0 (x - min, level - 1)."""
    d = data()
    sd = brmsjax.make_standata("y ~ mo(o) + mo(x) + z", d)
    assert list(sd["X"].columns) == ["Intercept", "z"]
    np.testing.assert_array_equal(sd["Xmo_1"], d["o"].cat.codes.to_numpy())
    np.testing.assert_array_equal(sd["Xmo_2"], d["x"].to_numpy() - d["x"].min())
    assert list(sd["Jmo"]) == [3, 4]


ERRORS = [(e["formula"], e["prior"], e["message"]) for e in REFERENCE["errors"]]


@pytest.mark.parametrize(("formula", "prior", "message"), ERRORS)
def test_brms_error_messages(formula: str, prior: str | None, message: str) -> None:
    text = None if prior is None else f"prior({prior}, class = simo, coef = moo1)"
    assert message  # brms refuses each of them
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, data(), prior=text)
    assert message in str(err.value)


OWN_ERRORS = [
    ("y ~ z + (mo(x) | g)", "population-level terms:\nOccured for 'mox'"),
    ("y ~ mo(x, id = 'a') + mo(o, id = 'a')", "with id 'a' share a simplex, so their variables"),
    ("y ~ mo(x, id = 1)", 'The id of mo(x, id = "i") must be a string or a name.'),
    ("y ~ mo(x, z)", "mo() takes one variable, as in mo(x)"),
]


@pytest.mark.parametrize(("formula", "message"), OWN_ERRORS)
def test_unsupported_forms_are_refused(formula: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, data())
    assert message in str(err.value)


PRIOR_ERRORS = [
    ("prior(dirichlet(1), class = b, coef = mox)", "dirichlet priors apply only to the simplexes"),
    ("prior(normal(c(1, 2), 1), class = b)", "only the concentration of dirichlet may be"),
    ("prior(dirichlet(c(1, 2), 3), class = simo, coef = mox1)", "c(...) is not a valid argument"),
    ("prior(dirichlet(0), class = simo, coef = mox1)", "must be positive, but it has 0"),
]


@pytest.mark.parametrize(("prior", "message"), PRIOR_ERRORS)
def test_prior_errors(prior: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata("y ~ mo(x)", data(), prior=prior)
    assert message in str(err.value)


def test_newdata_outside_the_fitted_range() -> None:
    """brms's validate_newdata: integer values outside the fitted range or not whole."""
    from brmsjax.formula.design.design import build_design
    from brmsjax.formula.design.newdata import NewDataError, encode_newdata

    design = build_design("y ~ mo(x)", data())
    for values, shown in (([1, 3], "1"), ([7, 3], "7"), ([2.5, 3], "2.5")):
        with pytest.raises(NewDataError, match=f"Invalid values in variable 'x': {shown}"):
            encode_newdata(design, pd.DataFrame({"x": values}))
