"""Design data and priors of nlf() formulas against brms 2.18.

References: brms 2.18.0 / R 4.2.2 ``make_standata()`` and ``get_prior()`` of the cases in
tests/fixtures/nlf (recorded by its make_fixtures.R).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.terms.brmsterms import brms_terms
from tests.nlf.fixtures import CASES, FAMILIES, case, data_set
from tests.nonlinear.fixtures import COLUMNS, assert_standata_equal


def test_every_case_is_recorded() -> None:
    assert CASES == ["group", "lognormal", "nl_mu", "order", "sigma", "student_nu"]


@pytest.mark.parametrize("case_id", CASES)
def test_standata_equals_brms(case_id: str) -> None:
    c = case(case_id)
    got = bj.make_standata(c["formula"], data_set(), family=FAMILIES[c["family"]])
    assert_standata_equal(got, c)


@pytest.mark.parametrize("case_id", CASES)
def test_get_prior_equals_brms(case_id: str) -> None:
    c = case(case_id)
    got = bj.get_prior(c["formula"], data_set(), family=FAMILIES[c["family"]])
    expected = pd.DataFrame(c["prior"], columns=COLUMNS)
    pd.testing.assert_frame_equal(got.reset_index(drop=True)[COLUMNS], expected)


# (formula, nl dpar, nlpars, covariates, position among the linear formulas)
TERMS = [
    ("bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a + b ~ 1)", "sigma", ("a", "b"), ("z",), 0),
    ("bf(y ~ x, nlf(sigma ~ a * exp(b * z)), lf(a ~ 1, b ~ 1))", "sigma", ("a", "b"), ("z",), 0),
    ("bf(y ~ x) + nlf(sigma ~ a * exp(b * z), a ~ 1, b ~ 1)", "sigma", ("a", "b"), ("z",), 0),
    ("bf(y ~ x, nu ~ z) + nlf(sigma ~ a + w) + lf(a ~ 1)", "sigma", ("a",), ("w",), 1),
    ("bf(y ~ x) + nlf(sigma ~ a + w, loop = FALSE) + lf(a ~ 1)", "sigma", ("a",), ("w",), 0),
]


@pytest.mark.parametrize(("formula", "dpar", "nlpars", "covariates", "position"), TERMS)
def test_nlf_terms(
    formula: str, dpar: str, nlpars: tuple[str, ...], covariates: tuple[str, ...], position: int
) -> None:
    bt = brms_terms(formula)
    (nt,) = bt.nlf
    assert (nt.dpar, nt.terms.nlpars, nt.terms.covariates, nt.position) == (
        dpar,
        nlpars,
        covariates,
        position,
    )
    assert bt.nonlinear is None
    assert [d.dpar for d in bt.dpars] == ["", *(["nu"] if position else []), *nlpars]


def test_nlf_of_mu_replaces_the_main_formula() -> None:
    """brms's ``bf(y ~ x) + nlf(mu ~ ...)`` reads as ``bf(y ~ ..., nl = TRUE)`` (make_standata
    in R: C_1, K_a, X_a, K_b, X_b and no X)."""
    bt = brms_terms("bf(y ~ x) + nlf(mu ~ a * exp(b * z)) + lf(a ~ 1, b ~ 1)")
    plain = brms_terms("bf(y ~ a * exp(b * z), a ~ 1, b ~ 1, nl = TRUE)")
    assert bt.nonlinear == plain.nonlinear and not bt.nlf
    assert [d.dpar for d in bt.dpars] == ["a", "b"]


def test_python_nlf_reads_like_the_r_call() -> None:
    made = bj.bf("y ~ x", "nu ~ z") + bj.nlf("sigma ~ a * exp(b * z)") + bj.lf("a ~ 1", "b ~ 1")
    text = "bf(y ~ x, nu ~ z) + nlf(sigma ~ a * exp(b * z)) + lf(a ~ 1, b ~ 1)"
    assert str(made) == text
    ours, theirs = brms_terms(made), brms_terms(text)
    assert [(t.dpar, t.terms, t.position) for t in ours.nlf] == [
        (t.dpar, t.terms, t.position) for t in theirs.nlf
    ]
    d = data_set()
    a = bj.make_standata(made, d, family=bj.student())
    b = bj.make_standata(text, d, family=bj.student())
    assert list(a) == list(b)
    np.testing.assert_array_equal(a["C_sigma_1"], d["z"].to_numpy())


def test_saved_fit_formula_keeps_nlf() -> None:
    """A fit saved as netCDF stores its formula as JSON; nlf() marks survive the round trip."""
    from brmsjax.fit_files import _formula_from, _formula_json

    made = bj.bf("y ~ x") + bj.nlf("sigma ~ a * exp(b * z)") + bj.lf("a ~ 1", "b ~ 1")
    back = _formula_from(_formula_json(made))
    assert back == made
    assert str(back) == "bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a ~ 1, b ~ 1)"
