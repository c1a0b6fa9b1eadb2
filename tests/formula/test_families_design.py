"""Design data and standata for every family kind against brms 2.18.

References: brms 2.18.0 / R 4.2.2 ``make_standata()`` outputs in tests/fixtures/standata_families
(recorded by its make_fixtures.R on the data set stored there as data.json).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from brmsjax.backend.families.registry import get_family
from brmsjax.formula.design.design import build_design, make_stan_names
from brmsjax.formula.design.standata import standata
from brmsjax.formula.errors import DesignError, FormulaError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "standata_families"
CASES = sorted(p.stem for p in FIXTURES.glob("*.json") if p.stem != "data")


@cache
def family_data() -> pd.DataFrame:
    """The data set the fixtures were made with (ordered factors as ordered Categoricals)."""
    raw = json.loads((FIXTURES / "data.json").read_text())
    cols: dict[str, Any] = {}
    for name, values in raw["columns"].items():
        if name in raw["character"]:
            cols[name] = values
        elif name in raw["logical"]:
            cols[name] = np.asarray(values, dtype=bool)
        else:
            cols[name] = np.asarray([np.nan if v == "NA" else v for v in values], dtype=np.float64)
    for name, levels in raw["ordered"].items():
        cols[name] = pd.Categorical(cols[name], categories=levels, ordered=True)
    return pd.DataFrame(cols)


def _case(case_id: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{case_id}.json").read_text())


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, dict):  # a matrix: {"colnames", "rows"}
        return np.asarray(value["rows"], dtype=np.float64).reshape(-1)
    return np.asarray(value, dtype=np.float64).reshape(-1)


@pytest.mark.parametrize("case_id", CASES)
def test_standata_equals_brms(case_id: str) -> None:
    case = _case(case_id)
    family = get_family(case["family"])
    design = build_design(case["formula"], family_data(), family=family)
    got = standata(design, family=family)
    assert list(got) == case["names"]
    assert (
        list(standata(build_design(case["formula"], family_data(), family=family.name)))
        == (case["names"])
    )
    for key, expected in case["values"].items():
        ours = got[key]
        if isinstance(ours, pd.DataFrame):
            colnames = expected["colnames"]
            assert list(ours.columns) == ([colnames] if isinstance(colnames, str) else colnames)
            ours = ours.to_numpy()
        want = np.asarray(
            [
                float(v) if isinstance(v, str) else v
                for v in np.ravel(expected["rows"] if isinstance(expected, dict) else expected)
            ],
            dtype=np.float64,
        )
        np.testing.assert_allclose(
            np.asarray(ours, dtype=np.float64).reshape(-1), want, rtol=0, atol=1e-12, err_msg=key
        )


# (formula, family, (mu's columns, thresholds, response levels, fixed dpars, block dpars))
DESIGN_CASES: list[tuple[str, str, tuple[Any, ...]]] = [
    ("y_ord ~ x + (1 | g)", "cumulative", (("x",), 3, ("1", "2", "3", "4"), {"disc": 1.0}, ("",))),
    ("y_ordf ~ x + z", "cumulative", (("x", "z"), 2, ("low", "mid", "high"), {"disc": 1.0}, ("",))),
    ("y_cat ~ x", "categorical", (("Intercept", "x"), 0, ("1", "a b", "c"), {}, ("muab", "muc"))),
    (
        "y_int ~ 1",
        "categorical",
        (("Intercept",), 0, ("2", "3", "4", "5"), {}, ("mu3", "mu4", "mu5")),
    ),
    ("y_gauss | se(s) ~ x", "gaussian", (("Intercept", "x"), 0, None, {"sigma": 0.0}, ("",))),
    ("y_gauss | se(s, sigma = TRUE) ~ x", "gaussian", (("Intercept", "x"), 0, None, {}, ("",))),
    ("bf(y_gauss ~ x, nu = 4)", "student", (("Intercept", "x"), 0, None, {"nu": 4.0}, ("",))),
]


@pytest.mark.parametrize(
    ("formula", "family", "expected"), DESIGN_CASES, ids=[c[0] for c in DESIGN_CASES]
)
def test_design_by_family(formula: str, family: str, expected: tuple[Any, ...]) -> None:
    design = build_design(formula, family_data(), family=family)
    mu = design.fixed[0]
    columns, nthres, levels, fixed, dpars = expected
    assert (mu.columns, mu.thresholds, mu.intercept) == (columns, nthres, nthres == 0)
    assert design.response.levels == levels
    assert dict(design.fixed_dpars) == fixed
    assert tuple(b.dpar for b in design.fixed) == dpars
    assert design.kind == {"cumulative": "ordinal", "categorical": "categorical"}.get(
        family, "continuous"
    )


def test_categorical_groups_replicate_per_category() -> None:
    # brms 2.18's make_standata of this formula (3 categories): Z_1_mu2_1, Z_2_mu2_1,
    # Z_2_mu3_2, Z_3_mu3_1; M_1 = 1, M_2 = 2, M_3 = 1. (brms refuses (1 | g) + (1 | p | g):
    # "Duplicated group-level effects are not allowed.")
    formula = "y_cat ~ x + (1 | g) + (0 + x | p | g)"
    design = build_design(formula, family_data(), family="categorical")
    assert [(g.id, g.coefs, g.dpars) for g in design.groups] == [
        (1, ("Intercept",), ("muab",)),
        (2, ("x", "x"), ("muab", "muc")),
        (3, ("Intercept",), ("muc",)),
    ]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["mu1", "mua b", "muc"], ("mu1", "muab", "muc")),
        # R 4.2.2: gsub("\\.|_", "", make.names(x, unique = TRUE))
        (["mua_b", "mua.b", "mua-b"], ("muab", "muab", "muab1")),
        (["mu-1", "mu1", "mu 1"], ("mu1", "mu1", "mu11")),
    ],
)
def test_make_stan_names(names: list[str], expected: tuple[str, ...]) -> None:
    assert make_stan_names(names) == expected


ERRORS = [
    (
        "y_ord ~ 0 + x",
        "cumulative",
        FormulaError,
        "The cumulative family needs the intercepts (its thresholds); remove '0 +' or '- 1' from "
        "the formula.",
    ),
    (
        "g ~ x",
        "cumulative",
        DesignError,
        "The cumulative family needs an ordered factor or positive integers (1, 2, ...) as "
        "response, but 'g' is an unordered factor; make it ordered "
        "(pandas.Categorical(..., ordered=True)).",
    ),
    (
        "y_gauss ~ x",
        "cumulative",
        DesignError,
        "The cumulative family needs an ordered factor or positive integers (1, 2, ...) as "
        "response, but 'y_gauss' is 4.628 in some rows; recode it.",
    ),
    (
        "y_gauss | cens(g) ~ x",
        "gaussian",
        DesignError,
        "cens(g) has the value 'a'; censoring values are 'left', 'none', 'right' and 'interval' "
        "(or -1, 0, 1, 2).",
    ),
    (
        "y_gauss | cens(y_cnt) ~ x",
        "gaussian",
        DesignError,
        "cens(y_cnt) has the value 8; censoring codes are -1 (left), 0 (none), 1 (right) and 2 "
        "(interval).",
    ),
    (
        "y_gauss | cens(cens_chr) ~ x",
        "gaussian",
        DesignError,
        "cens(cens_chr) has interval-censored rows but no upper bound; write cens(cens_chr, y2) "
        "with the upper bounds in y2.",
    ),
    (
        "y_cnt | trunc(ub = 5) ~ x",
        "poisson",
        DesignError,
        "Some values of the response 'y_cnt' lie outside the truncation bounds of trunc(); fix "
        "the bounds or the data.",
    ),
    (
        "y_cnt | trunc(lb = 3, ub = 1) ~ x",
        "poisson",
        DesignError,
        "trunc() needs lb < ub in every row; fix the truncation bounds.",
    ),
    (
        "y_succ | trials(x) ~ 1",
        "binomial",
        DesignError,
        "trials(x) must be non-negative whole numbers; fix the values of its variable.",
    ),
    (
        "y_gauss | weights(x) ~ 1",
        "gaussian",
        DesignError,
        "weights(x) must not be negative; fix the values of its variable.",
    ),
    (
        "y_gauss | trunc(lb = 0, up = 3) ~ 1",
        "gaussian",
        FormulaError,
        "trunc() has no argument 'up'; its arguments are: lb, ub.",
    ),
    (
        "y_gauss | se(sigma = TRUE) ~ 1",
        "gaussian",
        FormulaError,
        "se() needs a variable or number.",
    ),
    (
        "y_gauss | cens(cens_chr, z2_na) ~ x",
        "gaussian",
        DesignError,
        "The upper bound z2_na of cens() is missing in an interval-censored row; give every such "
        "row its upper bound.",
    ),
    (
        "y_gauss | mi() + trunc(lb = -50) ~ x",
        "gaussian",
        DesignError,
        "mi() together with trunc() is not supported yet in brmsjax; remove one of them.",
    ),
    (
        "y_ord | thres(2) ~ x",
        "cumulative",
        DesignError,
        "thres(2) allows 3 categories, but the response has 4; raise the number of thresholds.",
    ),
    (
        "y_ord | thres(2.5) ~ x",
        "cumulative",
        DesignError,
        "thres(2.5) needs a whole number of thresholds such as thres(3).",
    ),
    (
        "y_cnt | thres(3) ~ x",
        "poisson",
        FormulaError,
        "Argument 'thres' is not supported for family 'poisson(log)'.",
    ),
]


@pytest.mark.parametrize(
    ("formula", "family", "error", "message"), ERRORS, ids=[e[0] for e in ERRORS]
)
def test_design_errors(formula: str, family: str, error: type[Exception], message: str) -> None:
    data = family_data().assign(z2_na=lambda d: d["y2_na"].where(d.index > 3))
    with pytest.raises(error, match="^" + re.escape(message)):
        build_design(formula, data, family=family)
