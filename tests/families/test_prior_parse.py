"""Prior strings and prior() objects (parsing, validation, joining) and R's round/median/mad."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.priors.defaults import r_mad, r_median, r_round
from brmsjax.backend.priors.parse import parse_prior
from brmsjax.backend.priors.resolve import PriorList, as_priors, prior, set_prior
from brmsjax.backend.priors.rows import r_collate_key
from brmsjax.formula.errors import PriorError
from tests.families.test_priors import GET_PRIOR, _json

# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("normal(0, 10)", PriorSpec("normal", (0.0, 10.0))),
        ("student_t(3, 0, 2.5)", PriorSpec("student_t", (3.0, 0.0, 2.5))),
        ("cauchy(0,2)", PriorSpec("cauchy", (0.0, 2.0))),
        ("exponential(1)", PriorSpec("exponential", (1.0,))),
        ("gamma(0.01, 0.01)", PriorSpec("gamma", (0.01, 0.01))),
        ("inv_gamma(0.4, 0.3)", PriorSpec("inv_gamma", (0.4, 0.3))),
        ("lognormal(-1, 1)", PriorSpec("lognormal", (-1.0, 1.0))),
        ("beta(1, 1)", PriorSpec("beta", (1.0, 1.0))),
        ("uniform(-1, 1)", PriorSpec("uniform", (-1.0, 1.0))),
        ("lkj(2)", PriorSpec("lkj", (2.0,))),
        ("lkj_corr_cholesky(2)", PriorSpec("lkj_corr_cholesky", (2.0,))),
        ("constant(1)", PriorSpec("constant", (1.0,))),
        ("logistic(0, 1)", PriorSpec("logistic", (0.0, 1.0))),
        ("double_exponential(0, 1)", PriorSpec("double_exponential", (0.0, 1.0))),
        ("weibull(2, 1)", PriorSpec("weibull", (2.0, 1.0))),
        ("chi_square(3)", PriorSpec("chi_square", (3.0,))),
        ("std_normal()", PriorSpec("std_normal")),
        ("  normal( -1.5e-3 ,\t+2E2 )  ", PriorSpec("normal", (-0.0015, 200.0))),
        ("normal(.5, 1.)", PriorSpec("normal", (0.5, 1.0))),
        ("constant(- 2)", PriorSpec("constant", (-2.0,))),
        ("", PriorSpec("flat")),
        ("flat", PriorSpec("flat")),
        ("  ", PriorSpec("flat")),
    ],
)
def test_parse_prior(text: str, spec: PriorSpec) -> None:
    assert parse_prior(text) == spec


SUPPORTED = (
    "beta, cauchy, chi_square, constant, dirichlet, double_exponential, exponential, flat, "
    "frechet, gamma, inv_chi_square, inv_gamma, lkj, lkj_corr_cholesky, logistic, lognormal, "
    "normal, std_normal, student_t, uniform, weibull"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "normel(0, 1)",
            f"Unknown prior distribution 'normel'; supported distributions are: "
            f"{SUPPORTED}; and for class 'b' as a whole: R2D2(), horseshoe(), lasso().\n"
            "  normel(0, 1)\n  ^^^^^^",
        ),
        (
            "normal(0)",
            "The prior distribution 'normal' takes 2 arguments, normal(mu, sigma), but "
            "the prior gives 1.\n  normal(0)\n  ^^^^^^^^^",
        ),
        (
            "normal",
            "The prior distribution 'normal' takes 2 arguments, normal(mu, sigma), but the "
            "prior gives none.\n  normal\n  ^^^^^^",
        ),
        (
            "exponential(1, 2)",
            "The prior distribution 'exponential' takes 1 argument, "
            "exponential(beta), but the prior gives 2.\n  exponential(1, 2)\n  ^^^^^^^^^^^^^^^^^",
        ),
        (
            "student_t(3, 0, -2.5)",
            "The argument sigma of 'student_t' must be positive, but it is "
            "-2.5.\n  student_t(3, 0, -2.5)\n                  ^^^^",
        ),
        ("lkj(0)", "The argument eta of 'lkj' must be positive, but it is 0.\n  lkj(0)\n      ^"),
        (
            "normal(0, 1e999)",
            "The argument sigma of 'normal' must be finite.\n  normal(0, 1e999)\n            ^^^^^",
        ),
        (
            "uniform(1, -1)",
            "The bounds of 'uniform(alpha, beta)' need alpha < beta.\n"
            "  uniform(1, -1)\n  ^^^^^^^^^^^^^^",
        ),
        (
            "normal(0 10)",
            "Unexpected '10' in the prior 'normal(0 10)'; write a distribution call "
            "such as 'normal(0, 10)'.\n  normal(0 10)\n           ^^",
        ),
        (
            "normal(0, a)",
            "'a' in the prior 'normal(0, a)' is not a constant; a prior argument is a "
            "number or an expression of numbers such as log(9) or pi() (brms hands it to "
            "Stan, which knows no R variables).\n  normal(0, a)\n            ^",
        ),
        (
            "normal(0;1)",
            "Unexpected ';' in the prior 'normal(0;1)'; write a distribution call "
            "such as 'normal(0, 10)'.\n  normal(0;1)\n          ^",
        ),
        (
            "normal(0, 1",
            "The prior 'normal(0, 1' ends too early; write a distribution call such "
            "as 'normal(0, 10)'.\n  normal(0, 1\n             ^",
        ),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(PriorError, match=f"^{re.escape(message)}$"):
        parse_prior(text)


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(PriorError, match=re.escape("A prior must be a string such as")):
        parse_prior(3)  # type: ignore[arg-type]


# --- R numerics ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "digits", "r_value"),
    [  # R 4.2.2's round(); Python's round() gives 0.5, 1.1, 4.5, 5.5, 0.1 for the first five
        (0.45, 1, 0.4),
        (1.05, 1, 1.0),
        (4.45, 1, 4.4),
        (5.55, 1, 5.6),
        (0.05, 1, 0.0),
        (0.15, 1, 0.1),
        (0.25, 1, 0.2),
        (2.675, 2, 2.67),
        (59.25, 1, 59.2),
        (288.65, 1, 288.6),
        (288.75, 1, 288.8),
        (-2.675, 1, -2.7),
        (2.5, 0, 2.0),
        (-0.5, 0, -0.0),
        (1234.5, -1, 1230.0),
        (59.339285879999991, 1, 59.3),
        (288.6508, 1, 288.7),
        (1e-20, 1, 0.0),
    ],
)
def test_r_round_table(x: float, digits: int, r_value: float) -> None:
    assert r_round(x, digits) == r_value


@pytest.mark.parametrize(
    "block", _json(GET_PRIOR / "r_round_mad.json")["round"], ids=lambda b: f"digits={b['digits']}"
)
def test_r_round_matches_r(block: dict[str, Any]) -> None:
    got = [r_round(float(x), block["digits"]) for x in block["x"]]
    want = [float(r) for r in block["rounded"]]
    assert len(got) > 3000
    assert [g for g, w in zip(got, want, strict=True) if g != w] == []


@pytest.mark.parametrize("name", sorted(_json(GET_PRIOR / "r_round_mad.json")["stats"]))
def test_r_median_mad_match_r(name: str) -> None:
    case = _json(GET_PRIOR / "r_round_mad.json")["stats"][name]
    x = np.array([float(v) for v in case["x"]])
    assert r_median(x) == float(case["median"])
    assert r_mad(x) == float(case["mad"])


def test_r_median_mad_nan() -> None:
    assert math.isnan(r_median([1.0, np.nan, 2.0]))
    assert math.isnan(r_mad([1.0, np.nan, 2.0]))


def test_collation_matches_r() -> None:
    ordered = _json(GET_PRIOR / "r_collate.json")["sorted"]
    assert sorted(reversed(ordered), key=r_collate_key) == ordered


# --- the user API ----------------------------------------------------------------------------


def test_prior_arithmetic_and_sequences() -> None:
    a, b, c = prior("normal(0, 1)"), set_prior("exponential(1)", "sd"), prior("lkj(2)", "cor")
    joined = a + b + c
    assert isinstance(joined, PriorList)
    assert tuple(joined) == (a, b, c) == as_priors([a, b, c]) == as_priors((a, b) + (c,))
    assert a + (b + c) == joined == (a + b) + PriorList((c,))
    assert joined[1:] == PriorList((b, c))
    assert joined[0] is a and len(joined) == 3
    assert [b, c] + PriorList((a,)) == PriorList((b, c, a))
    assert as_priors(None) == () and as_priors(a) == (a,)
    assert str(prior("normal(0,10)", coef="Days")) == "b (coef=Days) ~ normal(0, 10)"
    assert a.spec == PriorSpec("normal", (0.0, 1.0))
    with pytest.raises(AttributeError):
        a.prior = "normal(0, 2)"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"prior": "normal(0, 1)", "lb": 2, "ub": 1},
            "The prior bounds need lb < ub, but lb = 2 and ub = 1.",
        ),
        (
            {"prior": "normal(0, 1)", "lb": "0"},
            "The prior bound lb must be a number or None, not '0'.",
        ),
        (
            {"prior": "normal(0, 1)", "ub": True},
            "The prior bound ub must be a number or None, not True.",
        ),
        (
            {"prior": "normal(0, 1)", "class_": ""},
            "The prior class must not be empty; use e.g. class_='b'.",
        ),
        ({"prior": "normal(0, 1)", "coef": 1}, "The prior argument coef must be a string, not 1."),
        ({"prior": "normal(0 1)"}, "Unexpected '1' in the prior 'normal(0 1)'"),
    ],
)
def test_prior_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PriorError, match=f"^{re.escape(message)}"):
        prior(**kwargs)
