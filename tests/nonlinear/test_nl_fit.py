"""Fits of non-linear formulas: brms's Orange model, its draws' names, and predictions.

Reference: brms 2.18's fit of the breadth case ``orange_nl``
(/work/shared/reference/brms_breadth/orange_nl.json: 4 chains x 2500 draws); its posterior
means and sds of the population-level parameters and sigma are copied below.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.fit import BrmsFit
from brmsjax.methods.prediction_inputs import PredictionError
from tests.nonlinear.fixtures import case, data_set

# brms 2.18 (orange_nl.json): variable -> (posterior mean, posterior sd)
BRMS = {
    "b_phi1_Intercept": (195.142, 20.531),
    "b_phi2_Intercept": (737.025, 38.282),
    "b_phi3_Intercept": (355.108, 28.497),
    "sigma": (8.496, 1.207),
}
PRIORS = [
    bj.prior("normal(200, 50)", nlpar="phi1"),
    bj.prior("normal(700, 200)", nlpar="phi2"),
    bj.prior("normal(350, 100)", nlpar="phi3"),
]


@cache
def orange_fit() -> BrmsFit:
    return bj.brm(
        case("orange")["formula"],
        data_set("orange"),
        prior=PRIORS,
        chains=2,
        iter=1000,
        seed=2026,
        control={"adapt_delta": 0.99},
    )


@pytest.mark.slow
def test_orange_draws_are_named_as_brms() -> None:
    fit = orange_fit()
    names = [v for v in fit.variables() if not v.startswith("r_")]
    assert names == [
        "b_phi1_Intercept",
        "b_phi2_Intercept",
        "b_phi3_Intercept",
        "sd_Tree__phi1_Intercept",
        "sigma",
        "lprior",
        "lp__",
    ]
    assert [v for v in fit.variables() if v.startswith("r_")] == [
        f"r_Tree__phi1[{k},Intercept]" for k in range(1, 6)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BRMS))
def test_orange_posterior_agrees_with_brms(name: str) -> None:
    mean, sd = BRMS[name]
    x = orange_fit().store.matrix([name])[:, 0]
    assert abs(x.mean() - mean) < 0.25 * sd
    assert abs(x.std(ddof=1) / sd - 1) < 0.25


@pytest.mark.slow
def test_orange_epred_at_newdata_is_the_expression_of_the_draws() -> None:
    fit = orange_fit()
    nd = pd.DataFrame({"age": [100.0, 1000.0, 1500.0], "Tree": [1.0, 2.0, 5.0]})
    got = fit.posterior_epred(newdata=nd)
    m = fit.store.matrix
    phi1 = m(["b_phi1_Intercept"]) + m([f"r_Tree__phi1[{k},Intercept]" for k in (1, 2, 5)])
    phi2, phi3 = m(["b_phi2_Intercept"]), m(["b_phi3_Intercept"])
    want = phi1 / (1 + np.exp(-(nd["age"].to_numpy() - phi2) / phi3))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    population = fit.posterior_epred(newdata=nd, re_formula=np.nan)
    want = m(["b_phi1_Intercept"]) / (1 + np.exp(-(nd["age"].to_numpy() - phi2) / phi3))
    np.testing.assert_allclose(population, want, rtol=1e-12)
    draws = fit.posterior_predict(newdata=nd, seed=1)
    assert draws.shape == got.shape
    resid = (draws - got) / m(["sigma"])
    assert abs(resid.mean()) < 0.1 and abs(resid.std() - 1) < 0.1


@pytest.mark.slow
def test_orange_log_lik_and_loo() -> None:
    fit = orange_fit()
    ll = fit.log_lik()
    m = fit.store.matrix
    d = data_set("orange")
    J = d["Tree"].to_numpy().astype(int)
    r = m([f"r_Tree__phi1[{k},Intercept]" for k in range(1, 6)])[:, J - 1]
    mu = (m(["b_phi1_Intercept"]) + r) / (
        1 + np.exp(-(d["age"].to_numpy() - m(["b_phi2_Intercept"])) / m(["b_phi3_Intercept"]))
    )
    sigma = m(["sigma"])
    want = (
        -0.5 * np.log(2 * np.pi)
        - np.log(sigma)
        - 0.5 * ((d["circumference"].to_numpy() - mu) / sigma) ** 2
    )
    np.testing.assert_allclose(ll, want, rtol=1e-10)
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])


@pytest.mark.slow
def test_orange_conditional_effects_of_the_covariate() -> None:
    """brms's default effects of a non-linear model are its covariates (here ``age``)."""
    ce = orange_fit().conditional_effects()
    table = ce.effects["age"]
    ages = table["age"].to_numpy()
    assert (ages.min(), ages.max(), len(ages)) == (118.0, 1582.0, 100)
    assert np.all(np.diff(table["estimate__"].to_numpy()) > 0)  # a growth curve


@pytest.mark.slow
def test_orange_nlpar_predictors_and_saved_fit(tmp_path: Path) -> None:
    fit = orange_fit()
    nd = pd.DataFrame({"age": [100.0, 1500.0], "Tree": [3.0, 4.0]})
    m = fit.store.matrix
    phi1 = fit.posterior_linpred(newdata=nd, nlpar="phi1")
    want = m(["b_phi1_Intercept"]) + m([f"r_Tree__phi1[{k},Intercept]" for k in (3, 4)])
    np.testing.assert_allclose(phi1, want, rtol=1e-13)
    np.testing.assert_allclose(
        fit.posterior_epred(newdata=nd, nlpar="phi3"), np.repeat(m(["b_phi3_Intercept"]), 2, axis=1)
    )
    with pytest.raises(
        PredictionError,
        match="^The model has no non-linear parameter 'phi4'; its non-linear parameters are: "
        "phi1, phi2, phi3.$",
    ):
        fit.posterior_linpred(nlpar="phi4")
    path = tmp_path / "orange.nc"
    fit.save(path)
    again = bj.load(path)
    np.testing.assert_allclose(again.posterior_epred(newdata=nd), fit.posterior_epred(newdata=nd))
