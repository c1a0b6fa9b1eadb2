"""The whitelisted R functions against R 4.2.2's own output (tests/fixtures/r_functions.json).

The fixture was made by running R on the same expressions (its ``generator`` field is the R
script); new-data cases went through R's predict machinery (``model.frame`` on the fitted terms,
which carries ``poly``'s coefs, ``scale``'s attributes and the factor levels).
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

from brmsjax.formula.errors import DesignError, FormulaTermError
from brmsjax.formula.evaluate.variables import Evaluator, Factor, Numeric, PolyState, ScaleState
from brmsjax.formula.syntax.parse import parse

FIXTURE = Path(__file__).parents[1] / "fixtures" / "r_functions.json"


@cache
def reference() -> dict[str, Any]:
    """The R reference file."""
    return json.loads(FIXTURE.read_text())


def r_number(value: Any) -> float:
    """A number of the fixture; R's NA, NaN and infinities are written as strings."""
    if isinstance(value, str):
        return {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}[value]
    return float(value)


def r_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A data frame typed as R typed the fixture's columns."""
    types = reference()["types"]
    out: dict[str, Any] = {}
    for name, column in columns.items():
        values = column if isinstance(column, list) else [column]
        kind = types[name]
        if kind == "numeric":
            out[name] = np.array([r_number(v) for v in values])
        elif kind == "integer":
            out[name] = np.array(values, dtype=np.int64)
        elif kind == "logical":
            out[name] = pd.array([None if v == "NA" else v for v in values], dtype="boolean")
        else:
            out[name] = np.array(values, dtype=object)
    return pd.DataFrame(out)


def r_cases(*kinds: str) -> list[Any]:
    """The fixture's cases of the given kinds, as pytest params named by their id."""
    return [
        pytest.param(c, id=c["id"])
        for c in reference()["cases"]
        if c.get("kind", "error") in kinds and "newdata" not in c
    ]


def _evaluate(case: dict[str, Any]) -> tuple[Evaluator, Any]:
    ev = Evaluator(r_frame(reference()["data"]), case["expr"])
    node = parse(case["expr"])
    warning = case.get("warning", "")
    if warning.startswith("NAs introduced by coercion"):
        with pytest.warns(UserWarning, match=re.escape("NAs introduced by coercion")):
            return ev, ev.value(node)
    return ev, ev.value(node)


def _as_matrix(values: list[Any], n: int) -> np.ndarray:
    return np.array([[r_number(v) for v in np.atleast_1d(row)] for row in values]).reshape(n, -1)


@pytest.mark.parametrize("case", r_cases("matrix", "numeric"))
def test_numeric_functions_match_r(case: dict[str, Any]) -> None:
    ev, value = _evaluate(case)
    assert isinstance(value, Numeric)
    expected = (
        np.array([r_number(v) for v in case["values"]])
        if case["kind"] == "numeric"
        else _as_matrix(case["values"], ev.n)
    )
    assert value.values.shape == expected.shape
    np.testing.assert_allclose(value.values, expected, rtol=1e-12, atol=1e-14)
    colnames = case.get("colnames")
    assert value.colnames == (tuple(np.atleast_1d(colnames)) if colnames else None)


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in r_cases("matrix")
        if "coefs" in c.values[0] or "scaled:center" in c.values[0] or "scaled:scale" in c.values[0]
    ],
)
def test_transform_state_matches_r_attributes(case: dict[str, Any]) -> None:
    ev, _ = _evaluate(case)
    state = ev.state[case["expr"]]
    if "coefs" in case:
        assert isinstance(state, PolyState)
        np.testing.assert_allclose(state.alpha, np.atleast_1d(case["coefs"]["alpha"]), rtol=1e-12)
        np.testing.assert_allclose(state.norm2, case["coefs"]["norm2"], rtol=1e-12)
    else:
        assert isinstance(state, ScaleState)
        for ours, key in ((state.center, "scaled:center"), (state.scale, "scaled:scale")):
            if key in case:
                assert ours is not None
                np.testing.assert_allclose(ours, [case[key]], rtol=1e-12)
            else:
                assert ours is None


def _codes(case: dict[str, Any]) -> list[int]:
    return [-1 if c == "NA" else int(c) - 1 for c in case["codes"]]


@pytest.mark.parametrize("case", r_cases("factor"))
def test_factor_functions_match_r(case: dict[str, Any]) -> None:
    _, value = _evaluate(case)
    assert isinstance(value, Factor)
    assert value.levels == tuple(case["levels"])
    assert value.codes.tolist() == _codes(case)
    assert value.ordered == case["ordered"]
    assert not value.logical


@pytest.mark.parametrize("case", r_cases("logical"))
def test_logical_results_match_r(case: dict[str, Any]) -> None:
    _, value = _evaluate(case)
    assert isinstance(value, Factor)
    assert (value.levels, value.logical) == (("FALSE", "TRUE"), True)
    assert value.codes.tolist() == [-1 if v == "NA" else int(v) for v in case["values"]]


@pytest.mark.parametrize("case", r_cases("group"))
def test_group_factor_matches_brms_paste(case: dict[str, Any]) -> None:
    ev = Evaluator(r_frame(reference()["data"]), case["expr"])
    group = ev.group(parse(case["expr"]))
    assert group.levels == tuple(case["levels"])
    assert group.codes.tolist() == _codes(case)


NEW_DATA = [pytest.param(c, id=c["id"]) for c in reference()["cases"] if "newdata" in c]


@pytest.mark.parametrize("case", NEW_DATA)
def test_new_data_matches_r_predict(case: dict[str, Any]) -> None:
    node = parse(case["expr"])
    fitted = Evaluator(r_frame(reference()["data"]), case["expr"])
    fitted.value(node)
    new = Evaluator(r_frame(case["newdata"]), case["expr"], state=fitted.state)
    if "error" in case:
        level = case["error"].rsplit(" ", 1)[1]
        message = (
            f"Level '{level}' of '{case['expr']}' does not occur in the data the model "
            "was fitted to; drop the rows with new levels or refit the model on data that "
            "includes them."
        )
        with pytest.raises(DesignError, match=re.escape(message)):
            new.value(node)
        return
    value = new.value(node)
    if case["kind"] == "factor":
        assert isinstance(value, Factor)
        assert (value.levels, value.codes.tolist()) == (tuple(case["levels"]), _codes(case))
    else:
        assert isinstance(value, Numeric)
        np.testing.assert_allclose(
            value.values, _as_matrix(case["values"], new.n), rtol=1e-12, atol=1e-14
        )


def test_reference_was_made_by_r() -> None:
    ref = reference()
    assert ref["source"].startswith("R version 4.2.2")
    assert any('Sys.setlocale("LC_COLLATE", "C")' in line for line in ref["generator"])
    assert len(ref["cases"]) >= 60


# ----------------------------------------------------------------------------------------------
# R's algorithm definitions, independent of the implementation


def _gram_schmidt(x: np.ndarray, degree: int) -> np.ndarray:
    """Orthonormal polynomials of the centred powers, leading coefficient positive (R's poly)."""
    basis = [np.ones_like(x)]
    for k in range(1, degree + 1):
        v = (x - x.mean()) ** k
        for b in basis:
            v = v - (v @ b) / (b @ b) * b
        basis.append(v)
    return np.column_stack([b / np.linalg.norm(b) for b in basis[1:]])


GS_DATA = [
    pytest.param(np.array([0.1, 4.0, 2.5, 9.0, 3.3, 7.7, 5.1, 0.9, 6.4, 2.2]), 3, id="irregular"),
    pytest.param(np.arange(1.0, 21.0), 4, id="regular"),
    pytest.param(np.array([3.0, 3.0, 1.0, 1.0, 2.0, 8.0]), 2, id="ties"),
]


@pytest.mark.parametrize(("x", "degree"), GS_DATA)
def test_poly_is_gram_schmidt_and_predicts_its_own_polynomials(x: np.ndarray, degree: int) -> None:
    text = f"poly(x, {degree})"
    fitted = Evaluator({"x": x}, text)
    z = fitted.value(parse(text)).values
    np.testing.assert_allclose(z, _gram_schmidt(x, degree), atol=1e-12)
    # new data: the fitted polynomials evaluated at new points (coefficients by least squares)
    powers = (x[:, None] - x.mean()) ** np.arange(degree + 1)
    coef = np.linalg.lstsq(powers, z, rcond=None)[0]
    t = np.array([-3.0, 0.5, 4.4, 12.0])
    new = Evaluator({"x": t}, text, state=fitted.state).value(parse(text)).values
    np.testing.assert_allclose(
        new, ((t[:, None] - x.mean()) ** np.arange(degree + 1)) @ coef, rtol=1e-8, atol=1e-9
    )


@pytest.mark.parametrize(
    ("x", "center", "scale"),
    [
        pytest.param(np.array([1.0, 2, 3, 4, 5]), 3.0, np.sqrt(2.5), id="1:5"),
        pytest.param(np.array([2.0, np.nan, 8, 5]), 5.0, 3.0, id="with NA"),
    ],
)
def test_scale_uses_the_sample_sd_and_replays_it(
    x: np.ndarray, center: float, scale: float
) -> None:
    fitted = Evaluator({"x": x}, "scale(x)")
    np.testing.assert_allclose(fitted.value(parse("scale(x)")).values[:, 0], (x - center) / scale)
    t = np.array([0.0, 10.0])
    new = Evaluator({"x": t}, "scale(x)", state=fitted.state).value(parse("scale(x)"))
    np.testing.assert_allclose(new.values[:, 0], (t - center) / scale)


# ----------------------------------------------------------------------------------------------
# errors


DATA = {
    "x": [1.0, 2.0, 3.0],
    "a": ["p", "q", "p"],
    "o": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True),
}

ERRORS = [
    (
        "foo(x)",
        FormulaTermError,
        "Unknown function 'foo' in the formula; supported functions "
        "are: I, abs, as.character, as.double, as.factor, as.integer, as.logical, as.numeric, c, "
        "cbind, ceiling, cos, exp, expm1, factor, floor, inv_logit, log, log10, log1p, log2, "
        "offset, ordered, plogis, pmax, pmin, poly, qlogis, round, scale, sin, sqrt, tan, trunc.\n"
        "  foo(x)\n  ^^^^^^",
    ),
    ("eval(x)", FormulaTermError, "Unknown function 'eval' in the formula"),
    ('system("rm -rf x")', FormulaTermError, "Unknown function 'system' in the formula"),
    (
        "log(x, bas = 2)",
        FormulaTermError,
        "log() has no argument 'bas'; its arguments are: x, "
        "base.\n  log(x, bas = 2)\n         ^^^^^^^",
    ),
    (
        "log(x, 2, 3)",
        FormulaTermError,
        "log() takes at most 2 argument(s) (x, base), but 3 are given.",
    ),
    ("log(base = 2)", FormulaTermError, "log() needs the argument 'x'."),
    (
        "log(x, base = 2, base = 3)",
        FormulaTermError,
        "The argument 'base' of log() is given twice.",
    ),
    (
        "log(a)",
        FormulaTermError,
        "log() needs numbers, but 'a' is a character variable; use "
        "as.numeric(a) for its codes or a numeric variable.\n  log(a)\n      ^",
    ),
    ("I(o + 1)", FormulaTermError, "'+' needs numbers, but 'o' is a factor"),
    (
        "poly(x, 3)",
        FormulaTermError,
        "poly() needs more distinct values of 'x' than its degree "
        "(3), but there are 3; lower the degree.",
    ),
    ("poly(x, 0)", FormulaTermError, "The degree of poly() must be a whole number of at least 1."),
    ("poly(x, 2, TRUE)", FormulaTermError, "poly() of several variables is not supported"),
    ("poly(a, 1)", FormulaTermError, "poly() needs numbers, but 'a' is a character variable"),
    (
        'scale(x, center = "yes")',
        FormulaTermError,
        "The argument 'center' of scale() must be TRUE, FALSE or one number per column.",
    ),
    ("log(x, base = x)", FormulaTermError, "The argument 'base' of log() must be one number."),
    (
        'factor(a, labels = c("P", "Q"))',
        FormulaTermError,
        "factor() with labels needs the levels too, so that new data gets the same labels.",
    ),
    (
        'factor(a, levels = c("p", "p"))',
        FormulaTermError,
        "The levels of factor() must be distinct.",
    ),
    ("I(x:x)", FormulaTermError, "'x:x' needs one finite number on each side of ':'."),
    (
        "I(x > 1 || x < 0)",
        FormulaTermError,
        "The operator '||' has no meaning inside a function "
        "call here; use arithmetic (+ - * / ^ %% %/%), comparisons, & | !, %in% or a:b.",
    ),
    (
        "factor(x, levels = 1:1e9)",
        FormulaTermError,
        "'1:1e+09' is too long a sequence for a formula.",
    ),
    (
        "as.numeric(poly(x, 2))",
        FormulaTermError,
        "'as.numeric(poly(x, 2))' has 6 values but the data has 3 rows.",
    ),
    (
        "poly(x, 1e20, raw = TRUE)",
        FormulaTermError,
        "The degree of a raw poly() must be at most 50.",
    ),
    (
        "I(2)",
        FormulaTermError,
        "'I(2)' is a constant, not a variable of the data; remove it from the formula.",
    ),
    ("c(x, x)", FormulaTermError, "'c(x, x)' has 6 values but the data has 3 rows."),
    (
        "I(x + c(1, 2))",
        FormulaTermError,
        "The operands of 'x + c(1, 2)' have different lengths (2, 3).",
    ),
    ("log(NULL)", FormulaTermError, "'NULL' has no value in a formula; remove it."),
]


@pytest.mark.parametrize(("text", "error", "message"), ERRORS)
def test_bad_calls_raise_clear_errors(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        Evaluator(DATA, text).value(parse(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('I(o < "hi")', [1, 0, 1]),
        ('I(o >= "hi")', [0, 1, 0]),
        ('I(o == "lo")', [1, 0, 1]),
        ("as.numeric(o)", [1.0, 2.0, 1.0]),
        ("I(x %in% c(2, 3))", [0, 1, 1]),
        ("offset(x)", [1.0, 2.0, 3.0]),
        ("inv_logit(log(x))", [0.5, 2 / 3, 0.75]),
        ("pmin(x, NA, na.rm = TRUE)", [1.0, 2.0, 3.0]),
        ("I(-x^2)", [-1.0, -4.0, -9.0]),
        ("as.integer(as.character(x))", [1.0, 2.0, 3.0]),
        ('I(a < "q")', [1, 0, 1]),
        ('I(o < "top")', [-1, -1, -1]),
        ('I(o != "top")', [1, 1, 1]),
        ('factor(x, levels = 3:2, labels = c("C", "B"))', [-1, 1, 0]),
        ("I(x * 2:4)", [2.0, 6.0, 12.0]),
        ("round(x, -400)", [0.0, 0.0, 0.0]),
        ("round(x / 3, 1e6)", [1 / 3, 2 / 3, 1.0]),
    ],
)
def test_ordered_comparisons_and_misc(text: str, expected: list[float]) -> None:
    value = Evaluator(DATA, text).value(parse(text))
    got = value.codes.tolist() if isinstance(value, Factor) else value.values.tolist()
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_unordered_factor_comparison_is_refused() -> None:
    data = {"f": pd.Categorical(["a", "b"])}
    message = (
        "'<' is not meaningful for an unordered factor in 'f < \"b\"'; compare with == or "
        "!= or use an ordered factor."
    )
    with pytest.raises(FormulaTermError, match=re.escape(message)):
        Evaluator(data, 'I(f < "b")').value(parse('I(f < "b")'))
