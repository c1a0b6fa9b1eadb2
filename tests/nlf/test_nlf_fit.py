"""A fit of an nlf() model: recovery of simulated truth, draws' names and post-processing.

The data are simulated from ``y ~ normal(1 + 0.5 x, sigma)`` with
``sigma = exp(0.3 * exp(1.2 z))``, brms's ``bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) +
lf(a + b ~ 1)`` with the log link of sigma on top of the expression.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.fit import BrmsFit

TRUTH = {"b_Intercept": 1.0, "b_x": 0.5, "b_a_Intercept": 0.3, "b_b_Intercept": 1.2}
FORMULA = "bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a + b ~ 1)"


@cache
def data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 300
    x, z = rng.normal(size=n), rng.uniform(size=n)
    sigma = np.exp(0.3 * np.exp(1.2 * z))
    return pd.DataFrame({"x": x, "z": z, "y": 1 + 0.5 * x + rng.normal(size=n) * sigma})


@cache
def nlf_fit() -> BrmsFit:
    priors = [bj.prior("normal(0, 1)", nlpar="a"), bj.prior("normal(0, 1)", nlpar="b")]
    return bj.brm(FORMULA, data(), prior=priors, chains=2, iter=1000, seed=7)


@pytest.mark.slow
def test_recovers_simulated_truth() -> None:
    fit = nlf_fit()
    assert fit.variables() == [*TRUTH, "lprior", "lp__"]
    draws = fit.draws()
    for name, truth in TRUTH.items():
        mean, sd = draws[name].mean(), draws[name].std()
        assert abs(mean - truth) < 3 * sd, (name, mean, sd)
    text = str(fit.summary())
    assert "Links: mu = identity; sigma = log" in text
    assert "sigma ~ a * exp(b * z)" in text
    rows = [
        line.split()[0] for line in text.split("Population-Level Effects:")[1].splitlines()[2:6]
    ]
    assert rows == ["Intercept", "x", "a_Intercept", "b_Intercept"]


@pytest.mark.slow
def test_fitted_sigma_is_the_expression_of_the_draws() -> None:
    fit = nlf_fit()
    d = data()
    draws = fit.draws()
    a, b = draws["b_a_Intercept"].to_numpy(), draws["b_b_Intercept"].to_numpy()
    want = np.exp(a[:, None] * np.exp(b[:, None] * d["z"].to_numpy()[None, :]))
    got = np.asarray(fit.fitted(dpar="sigma", summary=False))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    new = pd.DataFrame({"x": [0.0, 0.0], "z": [0.0, 1.0]})
    got_new = np.asarray(fit.fitted(newdata=new, dpar="sigma", summary=False))
    np.testing.assert_allclose(got_new[:, 0], np.exp(a), rtol=1e-6)
    np.testing.assert_allclose(got_new[:, 1], np.exp(a * np.exp(b)), rtol=1e-6)


@pytest.mark.slow
def test_predict_and_loo_work() -> None:
    fit = nlf_fit()
    pred = np.asarray(fit.predict(summary=False))
    assert pred.shape == (1000, len(data()))
    assert np.all(np.isfinite(pred))
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])


@pytest.mark.slow
def test_conditional_effects_take_the_nlf_covariates() -> None:
    """brms's default effects: mu's terms, then the nlf() formula's covariates."""
    from brmsjax.methods.conditional_effects import model_effects

    fit = nlf_fit()
    assert model_effects(fit) == ["x", "z"]
    (table,) = bj.conditional_effects(fit, effects="z").effects.values()
    assert np.all(np.isfinite(table["estimate__"]))
