"""Fits with ARMA terms: predictions as brms's ``.predictor_arma``, in the data's row order.

The small fit (one short chain) checks the post-processing against hand computations from its
own draws: ``posterior_epred`` and ``log_lik`` follow brms's loop over the observed residuals
in series order (rows sorted by ``gr``, then ``time``) and come back in the data's order; new
data without the response are predicted; ``incl_autocor = FALSE`` drops the ARMA part. The slow
test recovers a simulated AR(1) process.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.port import from_r


def series(n_per: int, phi: float, theta: float, seed: int) -> pd.DataFrame:
    """Two ARMA(1, 1) series (groups b and a), rows shuffled; y = 1 + 0.5 x + e."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in ("b", "a"):
        e_prev = z_prev = 0.0
        for t in range(1, n_per + 1):
            z = rng.normal()
            e = phi * e_prev + z + theta * z_prev
            x = rng.normal()
            rows.append({"g": g, "t": t * 10, "x": x, "y": 1 + 0.5 * x + e})
            e_prev, z_prev = e, z
    return pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)


@cache
def small_fit() -> tuple[bj.BrmsFit, pd.DataFrame]:
    d = series(20, 0.5, 0.3, seed=5)
    # ar and ma are flat by default (brms 2.18); proper priors keep ar = -ma from drifting
    priors = [bj.prior("normal(0, 0.5)", class_="ar"), bj.prior("normal(0, 0.5)", class_="ma")]
    fit = bj.brm(
        "y ~ x + arma(time = t, gr = g, p = 1, q = 1)",
        d,
        prior=priors,
        chains=1,
        iter=300,
        seed=3,
        control={"adapt_delta": 0.95},
    )
    return fit, d


def hand_mu(fit: bj.BrmsFit, d: pd.DataFrame, incl: bool = True) -> np.ndarray:
    """brms's mu per draw and row (data order): residuals of the row before in the series."""
    dr = fit.draws()
    b0, b1 = dr["b_Intercept"].to_numpy(), dr["b_x"].to_numpy()
    ar, ma = dr["ar[1]"].to_numpy(), dr["ma[1]"].to_numpy()
    eta = b0[:, None] + b1[:, None] * d["x"].to_numpy()[None, :]
    mu = eta.copy()
    if not incl:
        return mu
    for _, rows in d.sort_values(["g", "t"]).groupby("g", sort=False):
        err_prev = np.zeros(len(b0))
        for k, i in enumerate(rows.index):
            if k:
                mu[:, i] += ma * err_prev
            err = d.loc[i, "y"] - mu[:, i]  # before the AR part
            if k:
                mu[:, i] += ar * err_prev
            err_prev = err
    return mu


def test_draw_names_follow_brms() -> None:
    fit, _ = small_fit()
    names = [c for c in fit.draws().columns if not c.startswith(".")]
    assert names == ["b_Intercept", "b_x", "ar[1]", "ma[1]", "sigma", "lprior", "lp__"]
    text = str(fit.summary())
    assert "Correlation Structures:\n" in text
    assert text.index("Correlation Structures:") < text.index("Population-Level Effects:")
    assert "\nar[1]" in text and "\nma[1]" in text


def test_epred_and_log_lik_use_the_observed_residuals_in_data_order() -> None:
    fit, d = small_fit()
    mu = hand_mu(fit, d)
    np.testing.assert_allclose(fit.posterior_epred(), mu, rtol=1e-10, atol=1e-10)
    sigma = fit.draws()["sigma"].to_numpy()[:, None]
    want = stats.norm.logpdf(d["y"].to_numpy()[None, :], mu, sigma)
    np.testing.assert_allclose(fit.log_lik(), want, rtol=1e-10, atol=1e-10)
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
    np.testing.assert_allclose(fit.posterior_epred(newdata=d), mu, rtol=1e-10, atol=1e-10)
    no_ac = fit.posterior_epred(incl_autocor=False)
    np.testing.assert_allclose(no_ac, hand_mu(fit, d, incl=False), rtol=1e-10, atol=1e-10)


def test_new_data_without_the_response_are_drawn_in_series_order() -> None:
    fit, d = small_fit()
    new = d.drop(columns="y").iloc[:12]
    draws = fit.posterior_predict(newdata=new, seed=1)
    assert draws.shape == (fit.ndraws, 12)
    assert np.isfinite(draws).all()
    # the first row of each series has no lags: its prediction is eta's
    first = [new.index.get_loc(i) for i in new.sort_values(["g", "t"]).groupby("g").head(1).index]
    epred = fit.posterior_epred(newdata=new, seed=1)
    np.testing.assert_allclose(epred[:, first], hand_mu(fit, new, incl=False)[:, first])
    grid = fit.conditional_effects()  # brms: incl_autocor = FALSE, no time or gr needed
    assert list(grid.effects) == ["x"]


def test_porter_reads_brm_autocor() -> None:
    call = from_r("brm(y ~ x, data = d, autocor = ~ arma(time = t, gr = g, p = 1, q = 1))")
    assert call.formula == bj.bf("y ~ x", autocor="~arma(time = t, gr = g, p = 1, q = 1)")
    assert 'bj.bf("y ~ x", autocor="~arma(time = t, gr = g, p = 1, q = 1)")' in call.to_python()
    _, d = small_fit()
    sd = bj.make_standata(call.formula, d)
    assert (sd["Kar"], sd["Kma"]) == (1, 1)
    np.testing.assert_array_equal(sd["J_lag"], ([1] * 19 + [0]) * 2)


@pytest.mark.slow
def test_recovers_a_simulated_ar1_process() -> None:
    d = series(150, 0.6, 0.0, seed=11)
    fit = bj.brm("y ~ x + ar(time = t, gr = g)", d, chains=2, iter=1000, seed=2)
    s = fit.posterior_summary()
    for name, truth in {"ar[1]": 0.6, "b_x": 0.5, "b_Intercept": 1.0, "sigma": 1.0}.items():
        est, err = s.loc[name, "Estimate"], s.loc[name, "Est.Error"]
        assert abs(est - truth) < 3 * err, (name, est, err)


def test_observed_response_is_in_the_data_order_beside_the_predictions() -> None:
    fit, d = small_fit()
    idata = fit.to_arviz()
    np.testing.assert_array_equal(idata.observed_data["y"].values, d["y"].to_numpy())
    ll = idata.log_likelihood["y"].values.reshape(fit.ndraws, -1)
    np.testing.assert_allclose(ll, fit.log_lik(), rtol=1e-12)
    r2 = fit.bayes_R2(summary=False)
    epred = fit.posterior_epred()
    e = d["y"].to_numpy()[None, :] - epred
    want = np.var(epred, axis=1, ddof=1)
    np.testing.assert_allclose(r2, want / (want + np.var(e, axis=1, ddof=1)), rtol=1e-12)
