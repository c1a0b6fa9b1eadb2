"""Wide data, deep nesting, huge powers and odd terms: a result, R's warning or a caret error.

Each row is a reproducer from the reliability issue (items 3, 4, 5 and 7); the R and brms
behaviour each row pins is named in its comment.
"""

from __future__ import annotations

import re
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula import build_design, deparse, parse
from brmsjax.formula.design.design import DataWarning, model_matrix
from brmsjax.formula.errors import FormulaSyntaxError, FormulaTermError
from brmsjax.formula.terms.brmsterms import brms_terms

RNG = np.random.default_rng(1)
DATA = pd.DataFrame(
    {
        "y": RNG.normal(size=12),
        "x": RNG.normal(size=12) + 5,
        "z": RNG.normal(size=12),
        "g": list("abc") * 4,
    }
)
CONTEXT = 'R\'s parser stops ("contextstack overflow")'
POWER = (
    "Invalid power in formula: the power of a term must be a number from 2 to 2147483647 "
    "(R truncates it: 2.5 is 2); write I(x^2) for arithmetic."
)


def _wide(columns: int, rows: int = 50) -> pd.DataFrame:
    frame = pd.DataFrame(
        RNG.normal(size=(rows, columns)), columns=[f"v{i}" for i in range(columns)]
    )
    return frame.assign(y=RNG.normal(size=rows))


def test_dot_over_2000_columns_builds_quickly() -> None:
    """``y ~ .`` with 2,000 numeric columns: 0.3 s (make_standata, 50 rows) on the 2-core box."""
    data = _wide(2000)
    start = time.perf_counter()
    standata = bj.make_standata("y ~ .", data)
    elapsed = time.perf_counter() - start
    assert standata["K"] == 2001
    assert elapsed < 10.0


def test_dot_over_500_columns_keeps_rs_order() -> None:
    design = build_design("y ~ .", _wide(500))
    assert design.fixed[0].columns[:3] == ("Intercept", "v0", "v1")
    assert design.fixed[0].columns[-1] == "v499"


def test_deparse_prints_a_sum_of_5000_terms() -> None:
    text = " + ".join(f"x{i}" for i in range(5000))
    assert deparse(parse(text)) == text


# (formula, number of terms, seconds allowed): the power stops once the term list is stable.
POWERS = [
    ("y ~ (x + z)^1e9", ("x", "z", "x:z"), 1.0),
    ("y ~ (x + z)^1e7", ("x", "z", "x:z"), 1.0),
    ("y ~ (x + z)^2.5", ("x", "z", "x:z"), 1.0),  # R's asInteger truncates 2.5 to 2
    ("y ~ (x + z + g)^2", ("x", "z", "g", "x:z", "x:g", "z:g"), 1.0),
]


@pytest.mark.parametrize(("formula", "labels", "limit"), POWERS, ids=[p[0] for p in POWERS])
def test_power_stops_at_its_fixpoint(formula: str, labels: tuple[str, ...], limit: float) -> None:
    start = time.perf_counter()
    terms = brms_terms(formula).dpars[0].fixed
    assert time.perf_counter() - start < limit
    assert terms.labels == labels


def test_thirteen_variables_to_the_thirteenth_is_near_linear() -> None:
    names = [f"v{i}" for i in range(13)]
    start = time.perf_counter()
    terms = brms_terms(f"y ~ ({' + '.join(names)})^13").dpars[0].fixed
    assert len(terms.terms) == 2**13 - 1
    assert time.perf_counter() - start < 15.0  # 2 s on the dev box; 36 s before


# (formula, error type, message, caret start): R's limits, with R's words where it has them.
ERRORS = [
    ("y ~ (x + z)^1e10", FormulaTermError, POWER, 12),  # NA in asInteger: R's error
    ("y ~ (x + z)^1", FormulaTermError, POWER, 12),  # PowerTerms: ip <= 1 is an error
    ("y ~ (x + z)^1.9", FormulaTermError, POWER, 12),  # truncated to 1
    ("y ~ (x + z)^(2)", FormulaTermError, POWER, 12),  # ExtractVars: not a number literal
    ("y ~ " + "I(" * 247 + "x" + ")" * 247, FormulaSyntaxError, CONTEXT, 105),
    ("y ~ " + "log(" * 197 + "x" + ")" * 197, FormulaSyntaxError, CONTEXT, 207),
    ("y ~ " + "(" * 987 + "x" + ")" * 987, FormulaSyntaxError, CONTEXT, 54),
    (
        "y ~ x:(1|g)",
        FormulaTermError,
        "The group-level term (1 | g) cannot be part of the term 'x:(1 | g)'",
        4,
    ),
    ("y ~ x*(1|g)", FormulaTermError, "cannot be part of the term 'x * (1 | g)'", 4),
    ("y ~ I(" + "-" * 3000 + "x)", FormulaTermError, "nests its operators too deeply", 4),
]


@pytest.mark.parametrize(
    ("formula", "kind", "message", "caret"), ERRORS, ids=[e[0][:40] for e in ERRORS]
)
def test_limits_are_caret_errors(formula: str, kind: type, message: str, caret: int) -> None:
    with pytest.raises(kind, match=re.escape(message)) as info:
        build_design(formula, DATA)
    assert info.value.span is not None
    assert info.value.span.start == caret


def test_fifty_nested_calls_are_fine() -> None:
    design = build_design("y ~ " + "I(" * 50 + "x" + ")" * 50, DATA)
    assert len(design.fixed[0].columns) == 2
    np.testing.assert_allclose(design.fixed[0].X[:, 1], DATA.x)


@pytest.mark.parametrize("formula", ["y ~ x + (0 | g)", "y ~ x + (-1 | g)", "y ~ x + (0 || g)"])
def test_group_term_without_coefficients_is_dropped_as_brms_does(formula: str) -> None:
    """brms 2.18's split_re_terms builds no term for (0 | g): it vanishes, silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        standata = bj.make_standata(formula, DATA)
    assert "M_1" not in standata
    assert standata["K"] == 2


# (formula, term position R reports, remaining columns)
RESPONSE_ON_RHS = [
    ("y ~ y", 1, ("(Intercept)",)),
    ("y ~ y + x", 1, ("(Intercept)", "x")),
    ("y ~ x + y", 2, ("(Intercept)", "x")),
]


@pytest.mark.parametrize(("formula", "position", "columns"), RESPONSE_ON_RHS)
def test_response_on_the_right_warns_as_r(
    formula: str, position: int, columns: tuple[str, ...]
) -> None:
    """R's model.matrix drops the term and gives both of these warnings (stats/src/model.c)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = model_matrix(formula, DATA)
        build_design(formula, DATA)
    assert tuple(frame.columns) == columns
    messages = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert messages == 2 * [
        "the response appeared on the right-hand side and was dropped",
        f"problem with term {position} in model.matrix: no columns are assigned",
    ]


def test_interaction_with_the_response_is_kept_as_r_does() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = model_matrix("y ~ y:x", DATA)
    assert list(frame.columns) == ["(Intercept)", "y:x"]
