"""``ar(time, gr, cov = TRUE)`` fitted: brms's draws names and summary section, posterior_epred
equal to brms's predictor from the draws, log_lik equal to brms's leave-one-out densities of
the draws, response draws with the ARMA covariance (also student and predicted sigma, drawn
directly), new data (epred only), the porter's code runs, and (slow) recovery of simulated
truth."""

from __future__ import annotations

import warnings

import jax
import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.backend.model.terms.arcov import arcov_data, arcov_draw, arcov_pointwise
from brmsjax.formula.errors import ModelError
from brmsjax.port import from_r
from tests.autocor.series_fits import (
    assert_epred_is_brms_predictor,
    fit_series,
    series_fit_tests,
    series_frame,
)

AR, SIGMA = 0.6, 0.8


def simulated(G: int = 12, T: int = 6, seed: int = 1) -> pd.DataFrame:
    """y = 1 + 0.5 x + e, e of each series a stationary AR(1) with coefficient AR and
    innovation sd SIGMA; rows shuffled, so that the design sorts them by g and time."""
    rng = np.random.default_rng(seed)
    e = np.zeros((G, T))
    e[:, 0] = rng.normal(size=G) * SIGMA / np.sqrt(1 - AR**2)
    for t in range(1, T):
        e[:, t] = AR * e[:, t - 1] + SIGMA * rng.normal(size=G)
    return series_frame(e, rng.normal(size=(G, T)))


FORMULA = "y ~ x + ar(time, g, cov = TRUE)"
fit, test_names_and_summary, test_new_data_response_draws_are_refused = series_fit_tests(
    FORMULA, simulated, "ar[1]"
)


def test_epred_is_brms_predictor(fit: brmsjax.BrmsFit) -> None:
    new = simulated().iloc[:7]
    expected = assert_epred_is_brms_predictor(fit, new)
    # mu does not depend on time or gr: new data need not have them (as for cosy())
    np.testing.assert_allclose(fit.posterior_epred(newdata=new[["x"]]), expected, rtol=1e-8)
    effects = fit.conditional_effects()
    assert effects is not None


def test_log_lik_is_brms_loo_density(fit: brmsjax.BrmsFit) -> None:
    d = fit.draws()
    dpars = {
        "sigma": np.outer(d["sigma"], np.ones(fit.design.N)),
        "ar": d[["ar[1]"]].to_numpy(),
    }
    with jax.enable_x64(True):
        expected = arcov_pointwise(
            "gaussian",
            fit.design.response.y,
            fit.posterior_epred(),
            dpars,
            arcov_data(fit.design.arcov.series),
        )
    np.testing.assert_allclose(fit.log_lik(), np.asarray(expected), rtol=1e-8)
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])


def test_response_draws_follow_the_ar_process(fit: brmsjax.BrmsFit) -> None:
    """Per draw, scaled residuals of consecutive rows correlate as the draws' ar (their
    variance 1 / (1 - ar^2))."""
    resid = fit.posterior_predict(seed=3) - fit.posterior_epred()
    r = resid.reshape(fit.ndraws, 12, 6) / fit.draws()["sigma"].to_numpy()[:, None, None]
    ar = fit.draws()["ar[1]"].to_numpy()[:, None]
    lag1 = np.mean(r[:, :, 1:] * r[:, :, :-1] * (1 - ar[:, :, None] ** 2))
    assert lag1 == pytest.approx(np.mean(ar), abs=0.06)
    assert np.mean(r**2 * (1 - ar[:, :, None] ** 2)) == pytest.approx(1.0, abs=0.06)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"shard_rows": True}, "cannot split their rows over devices"),
        ({"algorithm": "meanfield", "batch_size": 10}, "would take batches of rows"),
    ],
)
def test_row_splitting_fits_are_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        brmsjax.brm(FORMULA, simulated(), chains=1, iter=50, **settings)  # type: ignore[arg-type]


def _covariance(ar: float, ma: float, sigma: np.ndarray) -> np.ndarray:
    n = len(sigma)
    k = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    g0 = (1 + ma**2 + 2 * ar * ma) / (1 - ar**2)
    gk = (1 + ar * ma) * (ar + ma) * ar ** np.maximum(k - 1, 0) / (1 - ar**2)
    return np.where(k == 0, g0, gk) * np.outer(sigma, sigma)


@pytest.mark.parametrize("family", ["gaussian", "student"])
def test_draws_have_the_series_covariance(family: str) -> None:
    """arma(cov = TRUE) draws with sigma per row: each series' covariance is D C D (student:
    times nu / (nu - 2))."""
    series = np.array([0, 0, 0, 1, 1, 1, 1])
    sigma = np.array([0.5, 1.0, 1.5, 0.8, 1.2, 0.9, 1.1])
    S, nu = 40000, 7.0
    dpars = {
        "sigma": np.tile(sigma, (S, 1)),
        "ar": np.full((S, 1), 0.5),
        "ma": np.full((S, 1), -0.3),
        "nu": np.full(S, nu),
    }
    with jax.enable_x64(True):
        y = np.asarray(
            arcov_draw(family, jax.random.key(1), np.zeros((S, 7)), dpars, arcov_data(series))
        )
    scale = nu / (nu - 2) if family == "student" else 1.0
    for rows in (slice(0, 3), slice(3, 7)):
        expected = _covariance(0.5, -0.3, sigma[rows]) * scale
        np.testing.assert_allclose(np.cov(y[:, rows].T), expected, atol=0.06)
    assert abs(np.corrcoef(y[:, 2], y[:, 3])[0, 1]) < 0.03  # series are independent


def test_porter_code_runs() -> None:
    call = from_r(
        "brm(bf(y ~ x + arma(time, g, cov = TRUE), sigma ~ x), data = d, "
        "family = student(), chains = 1)"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = call.run(simulated(G=6, T=5), seed=1, iter=60, warmup=30, progress=False)
    assert {"ar[1]", "ma[1]", "nu", "b_sigma_x"} <= set(fit.draws().columns)
    assert fit.posterior_predict().shape == (30, 30)
    assert np.isfinite(fit.log_lik()).all()


@pytest.mark.slow
def test_recovers_simulated_truth() -> None:
    fit = fit_series(FORMULA, simulated(G=40, T=10, seed=5), 2, 1000)
    d = fit.draws()
    for name, truth in (("ar[1]", AR), ("sigma", SIGMA), ("b_x", 0.5)):
        lo, hi = np.quantile(d[name], [0.025, 0.975])
        assert lo < truth < hi, (name, lo, hi)
