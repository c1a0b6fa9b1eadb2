"""Errors of non-linear formulas, their priors and their bounds, pinned; brms's messages where
brms has one (tests/fixtures/nonlinear/stancode_errors.json, recorded from brms 2.18)."""

from __future__ import annotations

import math
import re
from typing import Any

import jax
import numpy as np
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.design.design import build_design
from brmsjax.formula.errors import (
    DesignError,
    FormulaTermError,
    PriorError,
    UnknownVariableError,
)
from brmsjax.formula.terms.update import update_brms_formula
from brmsjax.port import RCodeError, from_r
from tests.nonlinear.fixtures import data_set, stancode_errors

BRMS = stancode_errors()["errors"]
DECAY = "bf(y ~ a * exp(-b * t), a ~ 1, b ~ 1, nl = TRUE)"
A_PRIOR = bj.prior("normal(5, 2)", nlpar="a")

# (formula, family, error class, message start)
DESIGN_ERRORS: list[tuple[str, str, type[Exception], str]] = [
    (
        "bf(y ~ a * exp(-b * t), a ~ 1, nl = TRUE)",
        "gaussian",
        UnknownVariableError,
        BRMS["no_formula"].replace("\n", " ") + ". Give a non-linear parameter its formula",
    ),
    ("bf(y ~ a * exp(-b * t), a ~ 1, b ~ 1, c ~ 1, nl = TRUE)", "gaussian", FormulaTermError,
     BRMS["unused_nlpar"]),
    ("bf(y ~ a * g, a ~ 1, nl = TRUE)", "gaussian", DesignError, BRMS["factor_covariate"]),
    ("bf(y ~ a * pnorm(t), a ~ 1, nl = TRUE)", "gaussian", FormulaTermError,
     "Unknown function 'pnorm()' in a non-linear formula; brmsjax evaluates Stan's functions: "
     "abs, acos,"),
    ("bf(y ~ a * pow(t), a ~ 1, nl = TRUE)", "gaussian", FormulaTermError,
     "pow() takes 2 unnamed arguments in a non-linear formula."),
    ("bf(y ~ a * exp(x = t), a ~ 1, nl = TRUE)", "gaussian", FormulaTermError,
     "exp() takes 1 unnamed argument in a non-linear formula."),
    ("bf(y ~ (a | t), a ~ 1, nl = TRUE)", "gaussian", FormulaTermError,
     "The operator '|' has no meaning in a non-linear formula; use arithmetic"),
    ("bf(y ~ a * TRUE, a ~ 1, nl = TRUE)", "gaussian", FormulaTermError,
     "'TRUE' cannot be part of a non-linear formula; use numbers."),
    ("bf(y ~ a * t, a ~ 1, a ~ x, nl = TRUE)", "gaussian", FormulaTermError,
     "The parameter 'a' has two formulas."),
    ("bf(y ~ a * t, a ~ 1, nl = maybe)", "gaussian", FormulaTermError,
     "bf() argument 'nl' must be TRUE or FALSE."),
    ("bf(yb ~ a * t, a ~ 1, nl = TRUE)", "categorical", FormulaTermError,
     "Non-linear formulas of categorical families are not supported yet"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("formula", "family", "error", "message"), DESIGN_ERRORS, ids=[f for f, *_ in DESIGN_ERRORS]
)
def test_design_errors(formula: str, family: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match="^" + re.escape(message)):
        build_design(formula, data_set("sim"), family=family)


def test_unknown_function_error_points_at_the_call() -> None:
    with pytest.raises(FormulaTermError) as err:
        build_design("bf(y ~ a * pnorm(t), a ~ 1, nl = TRUE)", data_set("sim"))
    assert str(err.value).endswith(
        "  bf(y ~ a * pnorm(t), a ~ 1, nl = TRUE)\n             ^^^^^^^^"
    )


def test_missing_nlpar_prior_is_brms_error_at_fit_time_only() -> None:
    data = data_set("sim")
    assert len(bj.get_prior(DECAY, data, prior=A_PRIOR)) == 5  # get_prior does not check it
    with pytest.raises(PriorError, match="^" + re.escape(BRMS["missing_prior"]) + "$"):
        bj.brm(DECAY, data, prior=A_PRIOR)


def test_group_terms_give_an_nlpar_a_proper_prior() -> None:
    """brms counts the default prior of an nlpar's sd: no coefficient prior is needed then."""
    design = build_design(
        "bf(y ~ a * exp(-b * t), a ~ 1, b ~ 1 + (1 | g), nl = TRUE)", data_set("sim")
    )
    family = bj.gaussian()
    lower(design, family, resolve_priors(design, family, A_PRIOR))


@pytest.mark.parametrize(
    ("priors", "message"),
    [
        (
            [bj.prior("normal(0, 1)", nlpar="c")],
            "The prior names non-linear parameter 'c', which the model lacks; its non-linear "
            "parameters are: a, b.",
        ),
        (
            [bj.prior("normal(0, 1)", nlpar="a", coef="x")],
            "The prior for class 'b' and dpar 'a' names coefficient 'x', which the model lacks; "
            "its coefficients are: Intercept.",
        ),
        (
            [bj.prior("exponential(1)", nlpar="b")],
            "The prior 'exponential(1)' for coefficient 'Intercept' of class 'b' of dpar 'b' has "
            "support [0, inf], but the parameter is unbounded;",
        ),
    ],
)
def test_nlpar_prior_errors(priors: list[Any], message: str) -> None:
    with pytest.raises(PriorError, match="^" + re.escape(message)):
        bj.get_prior(DECAY, data_set("sim"), prior=priors)


def test_lb_on_an_nlpar_prior_bounds_and_truncates_as_brms() -> None:
    """brms: ``vector<lower=0>[K_b] b_b`` and ``normal_lpdf(b_b | 0, 1) - normal_lccdf(0 |
    0, 1)``."""
    lines = stancode_errors()
    assert "  vector<lower=0>[K_b] b_b;  // population-level effects" in lines["lb_parameters"]
    assert "    - 1 * normal_lccdf(0 | 0, 1);" in lines["lb_lprior"]
    design = build_design(DECAY, data_set("sim"))
    family = bj.gaussian()
    priors = [A_PRIOR, bj.prior("normal(0, 1)", nlpar="b", lb=0)]
    lowered = lower(design, family, resolve_priors(design, family, priors))
    plans = {v.name: v for v in lowered.structure.vectors}
    assert (plans["b_b"].lb, plans["b_b"].ub, plans["b_a"].lb) == (0.0, None, None)
    params = {"b_a": np.array([4.0]), "b_b": np.array([0.3]), "sigma": np.array(0.5)}
    with jax.enable_x64(True):
        _, prepared = lowered.model_args
        got = float(lowered.program.lprior(params, prepared))
    scale = lowered.prior_args["sigma"]["p0"][0]
    want = (
        stats.norm.logpdf(4.0, 5, 2)
        + stats.norm.logpdf(0.3, 0, 1)
        - math.log(0.5)
        + stats.t.logpdf(0.5, scale[0], scale[1], scale[2])
        - math.log(0.5)
    )
    assert got == pytest.approx(want, rel=1e-12)


def test_update_of_a_nonlinear_formula_is_refused() -> None:
    with pytest.raises(FormulaTermError, match="update\\(\\) of a non-linear formula"):
        update_brms_formula(DECAY, ". ~ . + x")


def test_porter_refuses_an_nl_flag_that_is_not_logical() -> None:
    with pytest.raises(RCodeError, match="The bf\\(\\) argument 'nl' must be TRUE or FALSE."):
        from_r("brm(bf(y ~ a * t, a ~ 1, nl = 1), data = d)")


@pytest.mark.parametrize(("name", "family"), [("sigma", bj.gaussian()), ("nu", bj.student())])
def test_an_nlpar_cannot_take_a_family_parameters_name(name: str, family: Any) -> None:
    with pytest.raises(FormulaTermError, match=f"^The non-linear parameter '{name}' has the name"):
        build_design(f"bf(y ~ {name} * t, {name} ~ 1, nl = TRUE)", data_set("sim"), family=family)
    # a dpar name of another family is an nlpar here, as in brms
    design = build_design("bf(y ~ phi * t, phi ~ 1, nl = TRUE)", data_set("sim"), family=family)
    assert design.nonlinear is not None and design.nonlinear.nlpars == ("phi",)
