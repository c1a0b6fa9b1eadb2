"""Multivariate models' standata and prior table against brms 2.18, and brms's errors.

References: brms 2.18.0 / R 4.2 ``make_standata()`` and ``get_prior()`` in
tests/fixtures/multivariate/multivariate.json (recorded by make_fixtures.R there, on the data
stored in it; ``y2`` has a missing value, so every response loses that row as in brms).
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.design.mv.mv_design import RESCOR_DEFAULT_WARNING, RESCOR_ERROR
from brmsjax.formula.errors import FormulaError, PriorError
from brmsjax.formula.terms.mv import mv_parts, resp_name

FIXTURE = Path(__file__).parents[1] / "fixtures" / "multivariate" / "multivariate.json"
COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub"]


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def data() -> pd.DataFrame:
    return pd.DataFrame(fixture()["data"]).replace({None: np.nan}).astype({"y2": float})


# The Python spelling of each recorded R formula (the text forms are read as well).
PYTHON = {
    "mvbind_rescor": bj.bf("mvbind(y_1, y2) ~ x + (1 | p | g)") + bj.set_rescor(True),
    "mvbind_default": "mvbind(y_1, y2) ~ x + (1 | p | g)",
    "bf_plus_bf": bj.bf("y_1 ~ x + (1 | g)")
    + bj.bf("y2 ~ z + (1 | g) + (1 | h)")
    + bj.set_rescor(False),
    "sigma_pred": bj.mvbf(
        bj.bf("y_1 ~ x + (1 | p | g)", "sigma ~ x + (1 | p | g)"), "y2 ~ z", rescor=False
    ),
    "student_rescor": "bf(y_1 ~ x) + bf(y2 ~ z) + set_rescor(TRUE)",
    "mixed_poisson": bj.bf("y_1 ~ x + (1 | g)") + bj.bf("cnt ~ z + (1 | g)", family="poisson"),
    "mvbf_call": "mvbf(bf(y_1 ~ x), bf(y2 ~ x + z), rescor = TRUE)",
    "smooths": bj.bf("y_1 ~ x + s(z) + (1 | g)") + bj.bf("y2 ~ s(x)") + bj.set_rescor(False),
}


def _standata(case: str) -> dict[str, Any]:
    c = fixture()["cases"][case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bj.make_standata(PYTHON[case], data(), family=c["family"])


@pytest.mark.parametrize("case", sorted(PYTHON))
def test_standata_equals_brms(case: str) -> None:
    ref = fixture()["cases"][case]
    sd = _standata(case)
    assert list(sd) == ref["standata_names"]
    for key in ref["standata_names"]:
        mine = np.asarray(sd[key], dtype=float)
        theirs = np.asarray(ref["standata"][key], dtype=float).reshape(mine.shape)
        np.testing.assert_allclose(mine, theirs, err_msg=key)


@pytest.mark.parametrize("case", sorted(PYTHON))
def test_get_prior_equals_brms(case: str) -> None:
    ref = fixture()["cases"][case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = bj.get_prior(PYTHON[case], data(), family=ref["family"])
    theirs = pd.DataFrame(ref["prior"])[COLUMNS]
    pd.testing.assert_frame_equal(table[COLUMNS].reset_index(drop=True), theirs)


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("mvbind_rescor", "bf(mvbind(y_1, y2) ~ x + (1 | p | g)) + set_rescor(TRUE)"),
        (
            "bf_plus_bf",
            "bf(y_1 ~ x + (1 | g)) + bf(y2 ~ z + (1 | g) + (1 | h)) + set_rescor(FALSE)",
        ),
    ],
)
def test_text_formula_equals_python(case: str, text: str) -> None:
    ref = _standata(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = bj.make_standata(text, data())
    assert list(sd) == list(ref)


@pytest.mark.parametrize(
    ("label", "name"), [("Sepal.Length", "SepalLength"), ("y_1", "y1"), ("log(y)", "logy")]
)
def test_response_names_as_brms(label: str, name: str) -> None:
    assert resp_name(label) == name


def test_rescor_default_warns_as_brms() -> None:
    with pytest.warns(UserWarning, match="Setting 'rescor' to TRUE by default"):
        bj.make_standata("mvbind(y_1, y2) ~ x", data().dropna())
    assert "explicitely set 'rescor'" in RESCOR_DEFAULT_WARNING


@pytest.mark.parametrize(
    ("formula", "family", "error", "message"),
    [
        (
            bj.bf("y_1 ~ x") + bj.bf("cnt ~ z", family="poisson") + bj.set_rescor(True),
            "gaussian",
            FormulaError,
            RESCOR_ERROR,
        ),
        ("mvbind(cnt, y_1) ~ x + set_rescor", "gaussian", FormulaError, "set_rescor"),
        ("bf(y_1 ~ x) + bf(y1 ~ z)", "gaussian", FormulaError, "'y1' appears twice"),
        ("mvbind(y_1, y2) ~ x + gp(z)", "gaussian", FormulaError, "gp\\(\\) terms"),
    ],
)
def test_errors(formula: Any, family: str, error: type, message: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=message):
            bj.make_standata(formula, data(), family=family)


@pytest.mark.parametrize(
    ("prior", "message"),
    [
        (bj.prior("normal(0, 1)", class_="b", resp="y3"), "responses are: y1, y2"),
        (bj.prior("lkj(2)", class_="rescor"), "no residual correlations"),
    ],
)
def test_prior_errors(prior: Any, message: str) -> None:
    with warnings.catch_warnings(), pytest.raises(PriorError, match=message):
        warnings.simplefilter("ignore")
        bj.get_prior(PYTHON["bf_plus_bf"], data(), prior=prior)


def test_resp_prior_in_table() -> None:
    priors = [bj.prior("normal(0, 2)", class_="b", resp="y2"), bj.prior("lkj(2)", "rescor")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = bj.get_prior(PYTHON["mvbind_rescor"], data(), prior=priors)
    user = table[table.source == "user"][["prior", "class", "resp"]].values.tolist()
    assert user == [["lkj(2)", "rescor", ""], ["normal(0, 2)", "b", "y2"]]


def test_mvbind_parts() -> None:
    parts, rescor = mv_parts("bf(mvbind(a, b.c) ~ x, sigma ~ z) + set_rescor(FALSE)")
    assert [(r, f.formulas) for r, f in parts] == [
        ("a", ("a ~ x", "sigma ~ z")),
        ("bc", ("b.c ~ x", "sigma ~ z")),
    ]
    assert rescor is False
