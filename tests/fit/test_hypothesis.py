"""hypothesis(): brms 2.18's tests of parameter combinations.

Ground truth: tests/fixtures/hypothesis/hypothesis.json, made by make_hypothesis.R (brms 2.18's
``.hypothesis`` on the draws in draws.csv, printouts captured from R). The fit-method tests wrap
the same draws in a BrmsFit and compare with hand computations on ``fit.draws()``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from brmsjax.fit import BrmsFit, FitInfo
from brmsjax.fit import group_spec as GroupInfo
from brmsjax.methods.hypotheses.hypothesis import (
    HypothesisError,
    hypothesis_levels,
    hypothesis_table,
)
from brmsjax.methods.hypotheses.layout import format_frame, r_round

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hypothesis"
DRAWS = pd.read_csv(FIXTURES / "draws.csv")
CASES = json.loads((FIXTURES / "hypothesis.json").read_text())
COLUMNS = [
    "Hypothesis",
    "Estimate",
    "Est.Error",
    "CI.Lower",
    "CI.Upper",
    "Evid.Ratio",
    "Post.Prob",
    "Star",
]


def _r_value(v: Any) -> float:
    special = {"NA": np.nan, "Inf": np.inf}
    return special[v] if v in special else float(v)


def _fit() -> BrmsFit:
    draws = DRAWS.copy()
    rng = np.random.default_rng(4)
    for level in ("a", "b"):
        draws[f"r_Subject[{level},Days]"] = rng.normal(0, 2, len(draws))
    n = len(draws) // 2
    draws[".chain"] = np.repeat([1, 2], n)
    draws[".iteration"] = np.tile(np.arange(1, n + 1), 2)
    draws[".draw"] = np.arange(1, 2 * n + 1)
    info = FitInfo(
        formula="y ~ Days + age * size + (0 + Days | Subject)",
        family="gaussian",
        links="mu = identity; sigma = identity",
        response="y",
        data_name="d",
        nobs=10,
        chains=2,
        iter=2 * n,
        warmup=n,
        fixed={"": ("Intercept", "Days", "age:size", "age")},
        groups=(GroupInfo("Subject", ("a", "b"), ("Days",)),),
    )
    return BrmsFit(draws, info)


FIT = _fit()


@pytest.mark.parametrize("case", CASES, ids=[" | ".join(c["hypothesis"]) for c in CASES])
def test_matches_brms(case: dict[str, Any]) -> None:
    hyps = case["hypothesis"]
    names = case["names"]
    arg = dict(zip(names, hyps, strict=True)) if names != [""] else hyps
    label = case["class"][0]
    result = hypothesis_table(DRAWS, arg, prefix=f"{label}_" if label else "", class_label=label)
    table = result.hypothesis
    assert list(table.columns) == COLUMNS
    assert table["Hypothesis"].tolist() == case["Hypothesis"]
    assert table["Star"].tolist() == case["Star"]
    for col in COLUMNS[1:-1]:
        expected = [_r_value(v) for v in case[col]]
        np.testing.assert_allclose(table[col].to_numpy(float), expected, rtol=1e-12)
    assert str(result) == case["printout"][0]
    assert list(result.samples.columns) == [f"H{i + 1}" for i in range(len(hyps))]


def _hand(x: np.ndarray, sign: str, alpha: float = 0.05) -> dict[str, float]:
    probs = [alpha / 2, 1 - alpha / 2] if sign == "=" else [alpha, 1 - alpha]
    lo, hi = np.quantile(x, probs)
    if sign == "=":
        ratio = np.nan
    else:
        hits = np.sum(x > 0) if sign == ">" else np.sum(x < 0)
        ratio = hits / (len(x) - hits) if hits < len(x) else np.inf
    return {
        "Estimate": x.mean(),
        "Est.Error": x.std(ddof=1),
        "CI.Lower": lo,
        "CI.Upper": hi,
        "Evid.Ratio": ratio,
    }


D = FIT.draws()
METHOD_CASES = [
    ("Days > 5", {}, D["b_Days"] - 5, ">", "(Days)-(5) > 0"),
    (
        "Intercept - Days = 200",
        {},
        D["b_Intercept"] - D["b_Days"] - 200,
        "=",
        "(Intercept-Days)-(200) = 0",
    ),
    ("age + age:size = 0", {}, D["b_age"] + D["b_age:size"], "=", "(age+age:size) = 0"),
    (
        "2 * age:size < -age / 3",
        {"alpha": 0.1},
        2 * D["b_age:size"] + D["b_age"] / 3,
        "<",
        "(2*age:size)-(-age/3) < 0",
    ),
    (
        "sd_Subject__Days > 2",
        {"class_": ""},
        D["sd_Subject__Days"] - 2,
        ">",
        "(sd_Subject__Days)-(2) > 0",
    ),
    (
        "Days^2 > 4",
        {"class_": "sd", "group": "Subject"},
        D["sd_Subject__Days"] ** 2 - 4,
        ">",
        "(Days^2)-(4) > 0",
    ),
    ("exp(age) = 1", {"class_": None}, None, "=", None),
]


@pytest.mark.parametrize(("text", "kwargs", "values", "sign", "shown"), METHOD_CASES[:-1])
def test_fit_method_equals_hand_computation(
    text: str, kwargs: dict[str, Any], values: pd.Series, sign: str, shown: str
) -> None:
    result = FIT.hypothesis(text, **kwargs)
    row = result.hypothesis.iloc[0]
    assert row["Hypothesis"] == shown
    hand = _hand(values.to_numpy(), sign, kwargs.get("alpha", 0.05))
    for key, value in hand.items():
        np.testing.assert_allclose(row[key], value, rtol=1e-12)
    np.testing.assert_allclose(result.samples["H1"], values.to_numpy(), rtol=1e-12)


BRACKETS = pd.DataFrame(
    {
        "r_Subject[s308,Days]": np.arange(6.0),
        "b_Intercept[1]": np.ones(6),
        "b_x.1": np.linspace(0, 1, 6),
    }
)


@pytest.mark.parametrize(
    ("text", "prefix", "values", "shown"),
    [
        (
            "r_Subject[s308,Days] - 2*b_x.1 < 1",
            "",
            BRACKETS["r_Subject[s308,Days]"] - 2 * BRACKETS["b_x.1"] - 1,
            "(r_Subject[s308,Days]-2*b_x.1)-(1) < 0",
        ),
        (
            "Intercept[1] + x.1 > 3",
            "b_",
            BRACKETS["b_Intercept[1]"] + BRACKETS["b_x.1"] - 3,
            "(Intercept[1]+x.1)-(3) > 0",
        ),
    ],
)
def test_bracketed_and_dotted_names(text: str, prefix: str, values: pd.Series, shown: str) -> None:
    result = hypothesis_table(BRACKETS, text, prefix=prefix)
    assert result.hypothesis["Hypothesis"].tolist() == [shown]
    np.testing.assert_allclose(result.samples["H1"], values.to_numpy(), rtol=1e-12)


def test_levels_match_brms_hypothesis_coef() -> None:
    case = json.loads((FIXTURES / "coef.json").read_text())
    long = pd.read_csv(FIXTURES / "coef_draws.csv")
    levels, coefs = ["s308", "s309", "s310"], ["Intercept", "Days"]
    arr = np.stack(
        [
            np.stack(
                [
                    long[(long.level == lv) & (long.coef == c)]
                    .sort_values("draw")["value"]
                    .to_numpy()
                    for c in coefs
                ],
                axis=-1,
            )
            for lv in levels
        ],
        axis=1,
    )
    result = hypothesis_levels(arr, levels, coefs, case["hypothesis"], alpha=0.1)
    table = result.hypothesis
    assert table["Group"].tolist() == case["Group"]
    assert table["Hypothesis"].tolist() == case["Hypothesis"]
    for col in ("Estimate", "CI.Lower", "CI.Upper"):
        np.testing.assert_allclose(table[col], case[col], rtol=1e-12)
    assert str(result) == case["printout"][0]


@pytest.mark.parametrize("scope", ["ranef", "coef"])
def test_scope_tests_every_level(scope: str) -> None:
    result = FIT.hypothesis("Days > 9", scope=scope, group="Subject")
    arr = getattr(FIT, scope)(summary=False)["Subject"].sel(coef="Days").values
    table = result.hypothesis
    assert table["Group"].tolist() == ["a", "b"]
    assert not np.isnan(arr).any()
    np.testing.assert_allclose(table["Estimate"], arr.mean(axis=0) - 9, rtol=1e-12)


def test_several_hypotheses_and_header() -> None:
    result = FIT.hypothesis(["Days > 5", "age < 0"], class_="b")
    assert result.hypothesis["Hypothesis"].tolist() == ["(Days)-(5) > 0", "(age) < 0"]
    assert str(result).splitlines()[0] == "Hypothesis Tests for class b:"
    assert str(FIT.hypothesis("Days > 2", class_="sd", group="Subject")).startswith(
        "Hypothesis Tests for class sd_Subject:"
    )


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ([0.785, 0.125, 2.675, -0.785, 1.005], [0.78, 0.12, 2.67, -0.78, 1.0]),
        ([np.nan, np.inf, -np.inf, 0.0], [np.nan, np.inf, -np.inf, 0.0]),
    ],
)
def test_r_round(x: list[float], expected: list[float]) -> None:
    np.testing.assert_array_equal(r_round(np.array(x), 2), expected)


def test_format_frame_aligns_as_r() -> None:
    table = pd.DataFrame({"a": ["x", "long"], "b": [1.0, np.nan], "c": [0.5, 12.25]})
    assert format_frame(table) == "     a  b     c\n0    x  1  0.50\n1 long NA 12.25"


ERRORS = [
    (
        "Dayz > 5",
        {},
        "The model has no parameter(s) 'b_Dayz' (did you mean 'Days'?). Use "
        "names from fit.variables() without the prefix 'b_'.",
    ),
    (
        "sd_Subject__Dys > 1",
        {"class_": ""},
        "The model has no parameter(s) "
        "'sd_Subject__Dys' (did you mean 'sd_Subject__Days'?). Use names from fit.variables().",
    ),
    (
        "Days > 5 > 2",
        {},
        "The hypothesis 'Days>5>2' is not of the form 'left (= or < or >) "
        "right'; write one comparison per hypothesis, e.g. 'Days > 5'.",
    ),
    (
        "Days + 5",
        {},
        "The hypothesis 'Days+5' is not of the form 'left (= or < or >) right'; "
        "write one comparison per hypothesis, e.g. 'Days > 5'.",
    ),
    (
        "Days * (2 = 0",
        {},
        "The hypothesis 'Days * (2 = 0' cannot be read: 'Days*(2' is not an "
        "arithmetic expression of parameter names and numbers.",
    ),
    ("gamma(Days) = 0", {}, "The hypothesis 'gamma(Days) = 0' calls 'gamma' with 1 argument(s)"),
    ("Days > 0", {"alpha": 1.5}, "alpha must be a single number in [0, 1], not 1.5."),
    ([], {}, "hypothesis must be a string such as 'Days > 5', or a list or dict of such"),
    (
        "Days > 0",
        {"scope": "coef", "group": "Patient"},
        "group must be one of the model's "
        "grouping factors (Subject) when scope is 'coef', not 'Patient'.",
    ),
    ("Days > 0", {"scope": "levels"}, "scope must be 'standard', 'ranef' or 'coef', not 'levels'."),
]


@pytest.mark.parametrize(("text", "kwargs", "message"), ERRORS)
def test_errors(text: Any, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(HypothesisError, match=re.escape(message)):
        FIT.hypothesis(text, **kwargs)


DEEP = [
    ("+".join(["Days"] * 5000) + " = 0", 5000.0),
    ("(" * 5000 + "Days" + ")" * 5000 + " = 0", 1.0),
    ("-" * 5000 + "Days = 0", 1.0),
    ("abs(" * 5000 + "Days" + ")" * 5000 + " = 0", None),
]


@pytest.mark.parametrize(("text", "times"), DEEP, ids=["5000 terms", "parens", "signs", "calls"])
def test_deep_hypotheses_do_not_overflow_the_stack(text: str, times: float | None) -> None:
    # The tree of a 5,000-term hypothesis is 5,000 deep: its walk must not recurse.
    table = FIT.hypothesis(text).hypothesis
    if times is not None:
        days = FIT.draws()["b_Days"].to_numpy()
        assert table["Estimate"].iloc[0] == pytest.approx(times * days.mean())
