"""Design data and priors of non-linear formulas against brms 2.18.

References: brms 2.18.0 / R 4.2.2 ``make_standata()`` and ``get_prior()`` of the cases in
tests/fixtures/nonlinear (recorded by its make_fixtures.R).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.families.registry import Family
from brmsjax.backend.priors.resolve import prior_table, resolve_priors
from brmsjax.formula.design.design import build_design
from brmsjax.formula.design.standata import standata
from brmsjax.formula.terms.brmsterms import brms_terms
from tests.nonlinear.fixtures import CASES, COLUMNS, assert_standata_equal, case, data_set

FAMILIES = {
    "gaussian": bj.gaussian(),
    "bernoulli_identity": bj.bernoulli("identity"),
}


def _design(case_id: str) -> tuple[object, Family]:
    c = case(case_id)
    family = FAMILIES[c["family"]]
    return build_design(c["formula"], data_set(c["data"]), family=family), family


def test_every_case_is_recorded() -> None:
    assert CASES == [
        "covariates",
        "expdecay",
        "invlogit",
        "lf_parts",
        "orange",
        "phi",
        "shared_id",
        "shared_lhs",
    ]


@pytest.mark.parametrize("case_id", CASES)
def test_standata_equals_brms(case_id: str) -> None:
    design, family = _design(case_id)
    got = standata(design, family=family)  # type: ignore[arg-type]
    assert_standata_equal(got, case(case_id))


@pytest.mark.parametrize("case_id", CASES)
def test_get_prior_equals_brms(case_id: str) -> None:
    design, family = _design(case_id)
    expected = pd.DataFrame(case(case_id)["prior"], columns=COLUMNS)
    got = prior_table(design, family)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)


# (formula, nlpars, covariates): R's all.vars order, nlpars in the order of their formulas.
TERMS = [
    ("bf(y ~ a * exp(-b * t), a ~ 1, b ~ 1, nl = TRUE)", ("a", "b"), ("t",)),
    ("bf(y ~ w + b * t^a, b ~ 1, a ~ x, nl = TRUE)", ("b", "a"), ("w", "t")),
    ("bf(y ~ fmax(t, z) * phi, phi ~ 1, nl = TRUE)", ("phi",), ("t", "z")),
    ("bf(y ~ a * exp(b), a + b ~ 1, sigma ~ x, nl = TRUE)", ("a", "b"), ()),
    ("bf(y ~ pi() * a, a ~ 1, nl = TRUE)", ("a",), ()),
]


@pytest.mark.parametrize(("formula", "nlpars", "covariates"), TERMS)
def test_nlpars_and_covariates(
    formula: str, nlpars: tuple[str, ...], covariates: tuple[str, ...]
) -> None:
    bt = brms_terms(formula)
    assert bt.nonlinear is not None
    assert (bt.nonlinear.nlpars, bt.nonlinear.covariates) == (nlpars, covariates)
    assert [d.dpar for d in bt.dpars if d.dpar in nlpars] == list(nlpars)


@pytest.mark.parametrize(
    "text",
    [
        "bf(y ~ a * exp(-b * t), lf(a ~ 1 + x, b ~ 1 + (1 | g)), nl = TRUE)",
        "bf(y ~ a * exp(-b * t), nl = TRUE) + lf(a ~ 1 + x) + lf(b ~ 1 + (1 | g))",
        "(bf(y ~ a * exp(-b * t), a ~ 1 + x, nl = TRUE) + lf(b ~ 1 + (1 | g)))",
    ],
)
def test_lf_parts_read_as_bf_arguments(text: str) -> None:
    plain = brms_terms("bf(y ~ a * exp(-b * t), a ~ 1 + x, b ~ 1 + (1 | g), nl = TRUE)")
    parts = brms_terms(text)
    assert parts.nonlinear == plain.nonlinear
    assert [(d.dpar, d.fixed, [g.group for g in d.groups]) for d in parts.dpars] == [
        (d.dpar, d.fixed, [g.group for g in d.groups]) for d in plain.dpars
    ]


def test_python_bf_reads_like_the_r_call() -> None:
    text = case("orange")["formula"]
    made = bj.bf(
        "circumference ~ phi1 / (1 + exp(-(age - phi2) / phi3))",
        "phi1 ~ 1 + (1 | Tree)",
        "phi2 ~ 1",
        "phi3 ~ 1",
        nl=True,
    )
    assert str(made).endswith("nl = TRUE)")
    ours, theirs = brms_terms(made), brms_terms(text)
    assert ours.nonlinear == theirs.nonlinear
    assert [(d.dpar, d.fixed, [g.group for g in d.groups]) for d in ours.dpars] == [
        (d.dpar, d.fixed, [g.group for g in d.groups]) for d in theirs.dpars
    ]
    orange = data_set("orange")
    a, b = build_design(made, orange), build_design(text, orange)
    assert a.nonlinear is not None and b.nonlinear is not None
    np.testing.assert_array_equal(a.nonlinear.C, b.nonlinear.C)
    assert [blk.columns for blk in a.fixed] == [blk.columns for blk in b.fixed]


def test_nlpar_priors_resolve_with_bounds() -> None:
    design = build_design(
        "bf(y ~ a * exp(-b * t), a ~ 1 + x, b ~ 1, nl = TRUE)", data_set("sim"), family="gaussian"
    )
    priors = [
        bj.prior("normal(5, 2)", nlpar="a"),
        bj.prior("normal(0, 0.5)", nlpar="a", coef="x"),
        bj.prior("normal(0, 1)", nlpar="b", lb=0),
    ]
    resolved = resolve_priors(design, bj.gaussian(), priors)
    assert [str(s) for s in resolved["b_a"].specs] == ["normal(5, 2)", "normal(0, 0.5)"]
    (spec,) = resolved["b_b"].specs
    assert (spec.dist, spec.args, spec.lb, spec.ub) == ("normal", (0.0, 1.0), 0.0, None)
    table = prior_table(design, bj.gaussian(), priors)
    rows = table[(table["nlpar"] == "b") & (table["coef"] == "")]
    assert rows[["prior", "lb", "source"]].values.tolist() == [["normal(0, 1)", "0", "user"]]
