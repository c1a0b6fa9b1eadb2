"""Prior resolution: user priors over brms's defaults (precedence, bounds) and its errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import gaussian
from brmsjax.backend.priors.resolve import Prior, prior, prior_table, resolve_priors
from brmsjax.formula.errors import BrmsjaxError, PriorError
from tests.families.test_priors import fixture_case, sleep_design

# --- resolution ------------------------------------------------------------------------------

T_SD = PriorSpec("student_t", (3.0, 0.0, 59.3), lb=0.0)


def _half(dist: str, *args: float) -> PriorSpec:
    return PriorSpec(dist, args, lb=0.0)


@pytest.mark.parametrize(
    ("user", "param", "specs"),
    [
        ([], "sd_1", (T_SD, T_SD)),
        (
            [prior("exponential(1)", class_="sd")],
            "sd_1",
            (_half("exponential", 1.0), _half("exponential", 1.0)),
        ),
        (
            [
                prior("exponential(1)", class_="sd"),
                prior("exponential(2)", class_="sd", group="Subject"),
            ],
            "sd_1",
            (_half("exponential", 2.0), _half("exponential", 2.0)),
        ),
        (
            [
                prior("exponential(2)", class_="sd", group="Subject"),
                prior("normal(0, 5)", class_="sd", coef="Days", group="Subject"),
                prior("exponential(1)", class_="sd"),
            ],
            "sd_1",
            (_half("exponential", 2.0), _half("normal", 0.0, 5.0)),
        ),
        (
            [prior("normal(0, 5)", class_="sd", coef="Intercept", group="Subject")],
            "sd_1",
            (_half("normal", 0.0, 5.0), T_SD),
        ),
        ([prior("normal(0, 1)")], "b", (PriorSpec("normal", (0.0, 1.0)),)),
        (
            [prior("normal(0, 1)"), prior("normal(0, 10)", coef="Days")],
            "b",
            (PriorSpec("normal", (0.0, 10.0)),),
        ),
        ([prior("", lb=0)], "b", (PriorSpec("flat", (), 0.0, None),)),
        (
            [prior("normal(0, 1)", lb=-1, ub=2), prior("constant(1.5)", coef="Days")],
            "b",
            (PriorSpec("constant", (1.5,), -1.0, 2.0),),
        ),
        (
            [prior("normal(250, 50)", class_="Intercept")],
            "Intercept",
            (PriorSpec("normal", (250.0, 50.0)),),
        ),
        ([prior("exponential(0.1)", class_="sigma")], "sigma", (_half("exponential", 0.1),)),
        ([prior("constant(20)", class_="sigma")], "sigma", (_half("constant", 20.0),)),
        ([prior("lkj(2)", class_="cor")], "L_1", (PriorSpec("lkj", (2.0,)),)),
        (
            [
                prior("lkj(2)", class_="cor"),
                prior("lkj_corr_cholesky(4)", class_="cor", group="Subject"),
            ],
            "L_1",
            (PriorSpec("lkj", (4.0,)),),
        ),
        ([prior("lkj(3)", class_="L")], "L_1", (PriorSpec("lkj", (3.0,)),)),
    ],
)
def test_resolve_precedence(user: list[Prior], param: str, specs: tuple[PriorSpec, ...]) -> None:
    resolved = resolve_priors(sleep_design(), gaussian(), user)
    assert resolved[param].param == param
    assert resolved[param].specs == specs


def test_resolve_two_groups_and_predicted_sigma() -> None:
    design, family = fixture_case("star_two_groups")
    resolved = resolve_priors(design, family, prior("normal(0, 3)", class_="sd", group="class"))
    half = PriorSpec("student_t", (3.0, 0.0, 43.0), lb=0.0)
    assert list(resolved) == ["Intercept", "b", "sigma", "sd_1", "sd_2", "L_2"]
    assert resolved["sd_1"].specs == (half,)
    assert resolved["sd_2"].specs == (_half("normal", 0.0, 3.0),) * 2
    assert len(resolved["b"].specs) == 3
    design, family = fixture_case("sim_sigma")
    resolved = resolve_priors(design, family, prior("normal(0, 1)", dpar="sigma"))
    assert resolved["Intercept_sigma"].specs == (PriorSpec("student_t", (3.0, 0.0, 4.4)),)
    assert resolved["b_sigma"].specs == (PriorSpec("normal", (0.0, 1.0)),)
    assert resolved["Intercept"].specs == (PriorSpec("student_t", (3.0, 1.8, 2.7)),)
    assert "sigma" not in resolved


@pytest.mark.parametrize(
    ("user", "message"),
    [
        (
            prior("normal(0, 1)", coef="agee"),
            "The prior for class 'b' names coefficient 'agee', "
            "which the model lacks; its coefficients are: Days.",
        ),
        (
            prior("normal(0, 1)", class_="sd", group="Subj"),
            "The prior for class 'sd' names "
            "group 'Subj', which the model lacks; its groups are: Subject.",
        ),
        (
            prior("normal(0, 1)", class_="sd", coef="Day", group="Subject"),
            "The prior for class "
            "'sd' names coefficient 'Day' in group 'Subject', which the model lacks; its "
            "coefficients are: Intercept, Days.",
        ),
        (
            prior("normal(0, 1)", class_="sd", coef="Days"),
            "The prior for class 'sd' names "
            "coefficient 'Days' but no group; set group to one of: Subject.",
        ),
        (
            prior("lkj(2)", class_="cor", group="Days"),
            "The prior for class 'cor' names group "
            "'Days', which has no correlated group-level effects; groups with correlations: "
            "Subject.",
        ),
        (
            prior("normal(0, 1)", class_="cor"),
            "The prior for class 'cor' is 'normal(0, 1)'; "
            "correlation matrices take an lkj prior such as 'lkj(2)'.",
        ),
        (
            prior("lkj(2)", class_="sd"),
            "The prior for class 'sd' is 'lkj(2)', but lkj priors "
            "apply only to class 'cor'; use a prior for single values such as 'normal(0, 10)'.",
        ),
        (
            prior("normal(0, 1)", class_="sigmaa"),
            "The model has no parameters of class "
            "'sigmaa'; its classes are: b, cor, Intercept, sd, sigma.",
        ),
        (
            prior("normal(0, 1)", class_="Intercept", coef="Days"),
            "Priors of class 'Intercept' take no coef or group; drop coef='Days'.",
        ),
        (
            prior("normal(0, 1)", group="Subject"),
            "Priors of class 'b' take no group; drop group='Subject'.",
        ),
        (
            prior("normal(0, 1)", dpar="sigma"),
            "The prior names dpar 'sigma', which has no "
            "formula; set its prior with class_='sigma' and no dpar.",
        ),
        (
            prior("normal(0, 1)", dpar="nu"),
            "The model has no distributional parameter 'nu'; its parameters are: mu, sigma.",
        ),
        (
            prior("normal(0, 1)", resp="y2"),
            "The prior for class 'b' names response 'y2', but the "
            "model has one response ('Reaction'); leave resp empty.",
        ),
        (
            prior("normal(0, 1)", nlpar="a"),
            "The prior for class 'b' names non-linear parameter "
            "'a', but the model has none; leave nlpar empty.",
        ),
        (
            prior("normal(0, 1)", class_="sd", lb=1),
            "Bounds (lb, ub) can only be set on priors "
            "of class 'b' or of a family parameter such as 'sigma'; class 'sd' has fixed bounds.",
        ),
        (
            prior("normal(0, 1)", coef="Days", ub=1),
            "Bounds (lb, ub) apply to a whole class; set "
            "them on the class-level prior of class 'b' instead of on coefficient 'Days'.",
        ),
        (
            prior("gamma(1, 1)"),
            "The prior 'gamma(1, 1)' for coefficient 'Days' of class 'b' has "
            "support [0, inf], but the parameter is unbounded; set lb/ub on the class-level prior "
            "of class 'b' to match, or use a prior on the whole real line.",
        ),
        (
            prior("beta(2, 2)", class_="Intercept"),
            "The prior 'beta(2, 2)' for class 'Intercept' "
            "has support [0, 1], but the parameter is unbounded; use a prior on the whole real "
            "line.",
        ),
        (
            prior("constant(-1)", class_="sigma"),
            "The prior 'constant(-1)' for class 'sigma' "
            "fixes it outside its bounds [0, inf]; use a value inside them.",
        ),
        (
            prior("constant(3)", lb=0, ub=2),
            "The prior 'constant(3)' for coefficient 'Days' of "
            "class 'b' fixes it outside its bounds [0, 2]; use a value inside them.",
        ),
        (
            prior("uniform(-3, -1)", class_="sd", group="Subject"),
            "The prior 'uniform(-3, -1)' "
            "for coefficient 'Intercept' of class 'sd' in group 'Subject' has support [-3, -1], "
            "outside the parameter's bounds [0, inf]; choose a prior that covers them.",
        ),
        (
            [prior("normal(0, 1)"), prior("normal(0,2)")],
            "Two priors are given for the same "
            "parameters (b ~ normal(0, 1), and b ~ normal(0, 2)); keep one.",
        ),
        (
            "normal(0, 1)",
            "Priors must be made with prior() (one, a list, or joined with +), not 'normal(0, 1)'.",
        ),
        (
            [prior("normal(0, 1)"), 3],
            "Item 2 of the priors is 3; make every prior with prior(), "
            "e.g. prior('normal(0, 10)', class_='b').",
        ),
    ],
)
def test_resolve_errors(user: Any, message: str) -> None:
    with pytest.raises(PriorError, match=f"^{re.escape(message)}$"):
        resolve_priors(sleep_design(), gaussian(), user)
    with pytest.raises(BrmsjaxError):
        prior_table(sleep_design(), gaussian(), user)


@pytest.mark.parametrize(
    ("case_id", "user", "message"),
    [
        (
            "sleep_noint",
            prior("normal(0, 1)", class_="Intercept"),
            "The model has no parameters of class 'Intercept'; its classes are: b, sigma.",
        ),
        (
            "sleep_uncorr",
            prior("lkj(2)", class_="cor"),
            "The model has no parameters of class 'cor'; its classes are: b, Intercept, sd, sigma.",
        ),
        (
            "sim_sigma",
            prior("normal(0, 1)", class_="sigma"),
            "'sigma' is predicted by a formula; "
            "set its priors with class_='Intercept' or class_='b' and dpar='sigma'.",
        ),
        (
            "sim_sigma",
            prior("normal(0, 1)", coef="z", dpar="sigma"),
            "The prior for class 'b' "
            "and dpar 'sigma' names coefficient 'z', which the model lacks; its coefficients are: "
            "x.",
        ),
        (
            "sleep_sigma",
            prior("normal(0, 1)", class_="sd", coef="Days", group="Subject", dpar="sigma"),
            "The prior for class 'sd' and dpar 'sigma' names "
            "coefficient 'Days' in group 'Subject', which the model lacks; its coefficients are: "
            "Intercept.",
        ),
    ],
)
def test_resolve_errors_other_models(case_id: str, user: Prior, message: str) -> None:
    design, family = fixture_case(case_id)
    with pytest.raises(PriorError, match=f"^{re.escape(message)}$"):
        resolve_priors(design, family, user)
