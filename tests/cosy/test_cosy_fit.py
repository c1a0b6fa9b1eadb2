"""``cosy(time, gr)`` fitted: brms's draws names and summary section, posterior_epred equal to
brms's predictor from the draws, response draws correlated within series as ``cosy`` says,
new data (epred only), loo, the porter's code runs, and (slow) recovery of simulated truth."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.port import from_r
from tests.autocor.series_fits import (
    assert_epred_is_brms_predictor,
    fit_series,
    series_fit_tests,
    series_frame,
)

RHO, SIGMA = 0.6, 1.2
G, T = 40, 5


def simulated(seed: int = 1) -> pd.DataFrame:
    """y = 1 + 0.5 x + e, e of each series g N(0, SIGMA^2 ((1 - RHO) I + RHO 11')); rows
    shuffled, so that the design sorts them by g and time."""
    rng = np.random.default_rng(seed)
    w, z = rng.normal(size=G), rng.normal(size=(G, T))
    e = SIGMA * (np.sqrt(RHO) * w[:, None] + np.sqrt(1 - RHO) * z)
    return series_frame(e, rng.normal(size=(G, T)))


FORMULA = "y ~ x + cosy(time, g)"
fit, test_names_and_summary, test_new_data_response_draws_are_refused = series_fit_tests(
    FORMULA, simulated, "cosy"
)


def test_epred_is_brms_predictor(fit: brmsjax.BrmsFit) -> None:
    assert_epred_is_brms_predictor(fit, simulated().iloc[:7])


def test_response_draws_correlate_within_series(fit: brmsjax.BrmsFit) -> None:
    """Per draw, residuals of two rows of a series correlate as that draw's cosy."""
    resid = fit.posterior_predict(seed=3) - fit.posterior_epred()
    r = resid.reshape(fit.ndraws, G, T)
    scaled = r / fit.draws()["sigma"].to_numpy()[:, None, None]
    corr = np.mean(scaled[:, :, 0] * scaled[:, :, 1])
    assert corr == pytest.approx(np.mean(fit.draws()["cosy"]), abs=0.05)
    assert np.var(scaled) == pytest.approx(1.0, abs=0.05)


def test_loo(fit: brmsjax.BrmsFit) -> None:
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
    assert fit.log_lik().shape == (fit.ndraws, G * T)


def test_porter_code_runs() -> None:
    call = from_r("brm(y ~ x + cosy(time, g), data = d, family = student(), chains = 1)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = call.run(simulated().iloc[:60], seed=1, iter=100, warmup=50, progress=False)
    assert {"cosy", "nu"} <= set(fit.draws().columns)


@pytest.mark.slow
def test_recovers_simulated_truth() -> None:
    fit = fit_series(FORMULA, simulated(), 2, 1000)
    d = fit.draws()
    for name, truth in (("cosy", RHO), ("sigma", SIGMA), ("b_x", 0.5)):
        lo, hi = np.quantile(d[name], [0.025, 0.975])
        assert lo < truth < hi, (name, lo, hi)
