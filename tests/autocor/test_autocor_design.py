"""ARMA terms' standata and prior table against brms 2.18, and the errors brms gives.

References: brms 2.18.0 / R 4.2 ``make_standata()`` and ``get_prior()`` in
tests/fixtures/autocor/autocor.json (recorded by make_fixtures.R there, on the data stored in
it, whose rows are not in series order: brms sorts them by ``gr``, then ``time``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.design.design import build_design
from brmsjax.formula.errors import DesignError, FormulaError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "autocor" / "autocor.json"


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def case_data(case: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(fixture()["unique_t" if case["data"] == "unique_t" else "data"])


def case_formula(case: dict[str, Any]) -> bj.BrmsFormula:
    dpars = [case["sigma"]] if case.get("sigma") else []
    return bj.bf(case["formula"], *dpars, autocor=case.get("autocor"))


CASES = sorted(json.loads(FIXTURE.read_text())["cases"])


@pytest.mark.parametrize("case_id", CASES)
def test_standata_equals_brms(case_id: str) -> None:
    case = fixture()["cases"][case_id]
    family = bj.get_family(case["family"])
    got = bj.make_standata(case_formula(case), case_data(case), family=family)
    assert list(got) == case["standata_names"]
    for name, want in case["standata"].items():
        value = got[name]
        value = value.to_numpy() if isinstance(value, pd.DataFrame) else value
        np.testing.assert_allclose(
            np.asarray(value, dtype=float).reshape(-1),
            np.asarray(want, dtype=float).reshape(-1),
            rtol=1e-12,
            err_msg=name,
        )


@pytest.mark.parametrize("case_id", CASES)
def test_get_prior_equals_brms(case_id: str) -> None:
    case = fixture()["cases"][case_id]
    family = bj.get_family(case["family"])
    got = bj.get_prior(case_formula(case), case_data(case), family=family)
    want = pd.DataFrame(case["prior"])[list(got.columns)]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)


@pytest.mark.parametrize(
    ("formula", "data", "rows"),
    [  # R's order(d$g, d$t) - 1 and order(unique_t$t) - 1
        ("y ~ x + ar(t, g, p = 2)", "d", [6, 5, 7, 8, 10, 9, 2, 1, 3, 0, 4, 11, 13, 12, 14]),
        ("y ~ 1 + ar(t)", "unique_t", [2, 5, 1, 8, 4, 9, 0, 12, 13, 11, 6, 3, 7, 14, 10]),
    ],
)  # fmt: skip
def test_rows_are_sorted_by_group_then_time(formula: str, data: str, rows: list[int]) -> None:
    """brms's order(gr, time); the design's rows map each series position to its data row."""
    frame = case_data({"data": data})
    design = build_design(formula, frame)
    np.testing.assert_array_equal(design.rows, rows)
    np.testing.assert_array_equal(design.response.y, frame["y"].to_numpy()[rows])


def test_autocor_formula_line_is_printed_as_brms() -> None:
    bt = bj.formula.brms_terms(bj.bf("y ~ x", "sigma ~ x", autocor="~ ma(t, g)"))
    assert bt.formula_lines == ("y ~ x", "autocor ~ ma(t, g)", "sigma ~ x")
    string = bj.formula.brms_terms("bf(y ~ x, autocor = ~ ar(time = t, p = 2))")
    assert (string.arma.p, string.arma.q, string.arma.in_autocor) == (2, 0, True)


def _data(**changes: Any) -> pd.DataFrame:
    d = case_data({"data": "d"}).copy()
    for k, v in changes.items():
        d[k] = v
    return d


ERRORS = {
    "p not whole": ("y ~ ar(t, g, p = 1.5)", {}, "gaussian", FormulaError,
                    "Autoregressive order must be a non-negative integer."),
    "q negative": ("y ~ ma(t, g, q = -1)", {}, "gaussian", FormulaError,
                   "Moving-average order must be a non-negative integer."),
    "p and q zero": ("y ~ arma(t, g, p = 0, q = 0)", {}, "gaussian", FormulaError,
                     "At least one of 'p' and 'q' should be greater zero."),
    "cov order 2": ("y ~ ar(t, g, p = 2, cov = TRUE)", {}, "gaussian", FormulaError,
                    "Covariance formulation of ARMA structures is only possible for effects of "
                    "maximal order one."),
    "two terms": ("y ~ ar(t, g) + ma(t, g)", {}, "gaussian", FormulaError,
                  "Can only model one term per autocorrelation class."),
    "term and autocor": (bj.bf("y ~ ar(t, g)", autocor="~ ma(t, g)"), {}, "gaussian",
                         FormulaError, "Can only model one term per autocorrelation class."),
    "on sigma": (bj.bf("y ~ x", "sigma ~ ar(t, g)"), {}, "gaussian", FormulaError,
                 "Explicit covariance terms can only be specified on 'mu'."),
    "in a group term": ("y ~ (ar(t) | g)", {}, "gaussian", FormulaError,
                        "ARMA terms cannot be inside a group-level term."),
    "time expression": ("y ~ ar(time = t + 1)", {}, "gaussian", FormulaError,
                        "Argument 'time' of ar() must be a single variable of the data"),
    "unknown argument": ("y ~ ar(t, lag = 2)", {}, "gaussian", FormulaError,
                         "ar() has no argument 'lag'; its arguments are time, gr, p, cov."),
    "other autocor terms": ("y ~ x", {}, "gaussian", FormulaError,
                            "The autocor formula takes only autocorrelation terms"),
    "duplicate times": ("y ~ ar(t, g)", {"t": 1.0}, "gaussian", DesignError,
                        "Time points within groups must be unique."),
    "poisson ma": ("y ~ ma(t, g)", {"y": 3.0}, "poisson", DesignError,
                   "Please set cov = TRUE when modeling MA structures for this family."),
}  # fmt: skip


@pytest.mark.parametrize("case", ERRORS, ids=list(ERRORS))
def test_errors(case: str) -> None:
    formula, changes, family, error, message = ERRORS[case]
    if case == "other autocor terms":
        formula = bj.bf("y ~ x", autocor="~ x + ar(t)")
    with pytest.raises(error) as info:
        bj.make_standata(formula, _data(**changes), family=bj.get_family(family))
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("old", "want"),
    [
        (bj.bf("y ~ x", autocor="~ar(t, g)"), bj.bf("y ~ x + h", autocor="~ar(t, g)")),
        ("bf(y ~ x, autocor = ~ma(t))", bj.bf("y ~ x + h", autocor="~ma(t)")),
        ("y ~ x + ar(t, g)", "y ~ x + h + ar(t, g)"),
    ],
)
def test_update_keeps_the_autocor_formula(old: Any, want: Any) -> None:
    from brmsjax.formula.terms.update import update_brms_formula

    assert update_brms_formula(old, ". ~ . + h") == want


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shard_rows": True}, "Models with ARMA terms cannot split their rows over devices"),
        (
            {"algorithm": "meanfield", "batch_size": 5},
            "algorithm = 'meanfield' would take batches of rows, which a model with ARMA terms "
            "cannot use",
        ),
    ],
)
def test_fits_that_split_the_rows_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(bj.ModelError, match=message):
        bj.brm("y ~ ar(t, g)", case_data({"data": "d"}), **kwargs)


def test_new_data_are_ordered_by_their_own_series() -> None:
    """New data keep their row order; ``order`` lists them by series (a new series ``z`` too,
    also where ``gr`` is a grouping factor of a group-level term)."""
    from brmsjax.formula.design.newdata import encode_newdata

    design = build_design("y ~ x + (1 | g) + ar(t, g, p = 2)", case_data({"data": "d"}))
    new = pd.DataFrame({"x": 0.0, "t": [5, 1, 3, 2, 1], "g": ["z", "z", "a", "a", "z"]})
    with pytest.raises(DesignError, match="Time points within groups must be unique."):
        encode_newdata(design, new, allow_new_levels=True)
    new.loc[4, "t"] = 9
    nd = encode_newdata(design, new, allow_new_levels=True)
    assert nd.arma is not None
    np.testing.assert_array_equal(nd.arma.order, [3, 2, 1, 0, 4])
    np.testing.assert_array_equal(nd.arma.J_lag, [1, 0, 1, 2, 0])
