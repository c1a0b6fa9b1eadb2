"""Errors of nlf() models: brms 2.18's messages (tests/fixtures/nlf/stancode_errors.json,
recorded by make_fixtures.R) and brmsjax's refusals of what it does not support yet."""

from __future__ import annotations

import re

import pytest

import brmsjax as bj
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.design.design import build_design
from brmsjax.formula.errors import BrmsjaxError, DesignError, FormulaTermError, PriorError
from tests.nlf.fixtures import data_set, stancode_errors

BRMS = stancode_errors()["errors"]

# (formula, family, error, brms's message: the start of ours)
DESIGN_ERRORS = [
    (
        "bf(y ~ x) + nlf(nu ~ a * z) + lf(a ~ 1)",
        bj.gaussian(),
        FormulaTermError,
        BRMS["invalid_dpar"],
    ),
    ("bf(y ~ x) + nlf(sigma ~ a * exp(z))", bj.gaussian(), FormulaTermError, BRMS["no_nlpars"]),
    (
        "bf(y ~ x) + nlf(sigma ~ a * exp(z)) + lf(a ~ 1, c ~ 1)",
        bj.gaussian(),
        FormulaTermError,
        BRMS["unused_nlpar"],
    ),
    (
        "bf(y ~ x) + nlf(sigma ~ a * g) + lf(a ~ 1)",
        bj.gaussian(),
        DesignError,
        BRMS["factor_covariate"],
    ),
    ("bf(y ~ x) + nlf(~ a * z) + lf(a ~ 1)", bj.gaussian(), FormulaTermError, BRMS["one_sided"]),
    # brmsjax's own refusals
    (
        "bf(y ~ x) + nlf(sigma ~ a * z) + lf(a ~ 1) + nlf(a ~ c * 2) + lf(c ~ 1)",
        bj.gaussian(),
        FormulaTermError,
        "nlf() of 'a', which is not a distributional parameter (a non-linear formula of a "
        "non-linear parameter), is not supported yet.",
    ),
    (
        "bf(y ~ x, sigma ~ z) + nlf(sigma ~ a * z) + lf(a ~ 1)",
        bj.gaussian(),
        FormulaTermError,
        "The parameter 'sigma' has two formulas.",
    ),
    (
        "bf(y ~ x) + nlf(sigma + nu ~ a * z) + lf(a ~ 1)",
        bj.student(),
        FormulaTermError,
        "nlf() takes one parameter on the left of '~', such as sigma ~ a * x.",
    ),
    (
        "bf(f2 ~ x) + nlf(disc ~ a * z) + lf(a ~ 1)",
        bj.cumulative(),
        FormulaTermError,
        "nlf() formulas of ordinal families are not supported yet.",
    ),
]


@pytest.mark.parametrize(("formula", "family", "error", "message"), DESIGN_ERRORS)
def test_design_errors(formula: str, family: object, error: type[Exception], message: str) -> None:
    assert message
    with pytest.raises(error, match="^" + re.escape(message)):
        bj.make_standata(formula, data_set(), family=family)


@pytest.mark.parametrize(
    ("priors", "message"),
    [
        ([bj.prior("normal(0, 1)", nlpar="a")], BRMS["missing_prior"]),
        (
            [bj.prior("normal(0, 1)", nlpar="b")],
            BRMS["missing_prior"].replace("parameter 'b'", "parameter 'a'"),
        ),
    ],
)
def test_nlpars_need_priors_as_in_brms(priors: list[object], message: str) -> None:
    design = build_design(
        "bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a + b ~ 1)", data_set(), family="gaussian"
    )
    family = bj.gaussian()
    with pytest.raises(PriorError, match="^" + re.escape(message)):
        lower(design, family, resolve_priors(design, family, priors))


def test_mixture_and_update_are_refused() -> None:
    formula = "bf(y ~ x) + nlf(sigma1 ~ a * z) + lf(a ~ 1)"
    family = bj.mixture(bj.gaussian(), bj.gaussian())
    design = build_design(formula, data_set(), family=family)
    with pytest.raises(BrmsjaxError, match="nlf\\(\\) formulas in mixture models"):
        lower(design, family, resolve_priors(design, family, [bj.prior("normal(0, 1)", nlpar="a")]))
    made = bj.bf("y ~ x") + bj.nlf("sigma ~ a * z") + bj.lf("a ~ 1")
    from brmsjax.formula.terms.update import update_brms_formula

    with pytest.raises(FormulaTermError, match="update\\(\\) of a formula with nlf\\(\\) parts"):
        update_brms_formula(made, ". ~ . + z")
