"""mixture() fits recover simulated truth, and their post-processing is the mixture's.

Two fits: a two-component gaussian mixture with a slope per component (brms's ordered
intercepts identify the components, so there is no label switching between chains), and a
mixture of two poisson components whose mixing proportion is predicted (``theta2 ~ w``).
Checked against the draws: ``posterior_epred`` is ``sum_k theta_k mu_k``, ``log_lik`` the
log of the scipy mixture density, ``pp_mixture`` the normalized component densities.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

import brmsjax as bj
from brmsjax.fit import BrmsFit

SETTINGS = {"chains": 2, "iter": 1000, "warmup": 500, "seed": 11, "progress": False}


@cache
def gaussian_fit() -> tuple[BrmsFit, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    n = 300
    first = rng.random(n) < 0.4
    x = rng.normal(size=n)
    y = np.where(first, -1 + 0.5 * x + rng.normal(0, 0.7, n), 3 + x + rng.normal(0, 1.0, n))
    data = pd.DataFrame({"y": y, "x": x})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm("y ~ x", data, family=bj.mixture("gaussian", "gaussian"), **SETTINGS)
    return fit, data, first


@cache
def poisson_fit() -> tuple[BrmsFit, pd.DataFrame]:
    rng = np.random.default_rng(8)
    n = 400
    w = rng.normal(size=n)
    second = rng.random(n) < expit(0.3 + 1.2 * w)
    k = np.where(second, rng.poisson(12.0, n), rng.poisson(2.0, n))
    data = pd.DataFrame({"k": k, "w": w})
    family = bj.mixture("poisson", "poisson")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(bj.bf("k ~ 1", "theta2 ~ w"), data, family=family, **SETTINGS)
    return fit, data


def _within(fit: BrmsFit, truth: dict[str, float]) -> None:
    draws = fit.draws()
    for name, value in truth.items():
        lo, hi = np.quantile(draws[name], [0.005, 0.995])
        assert lo < value < hi, (name, lo, value, hi)


@pytest.mark.slow
def test_gaussian_mixture_recovers_truth() -> None:
    fit, _, _ = gaussian_fit()
    assert fit.variables()[:8] == [
        "b_mu1_Intercept",
        "b_mu2_Intercept",
        "b_mu1_x",
        "b_mu2_x",
        "sigma1",
        "sigma2",
        "theta1",
        "theta2",
    ]
    _within(
        fit,
        {
            "b_mu1_Intercept": -1.0,
            "b_mu2_Intercept": 3.0,
            "b_mu1_x": 0.5,
            "b_mu2_x": 1.0,
            "sigma1": 0.7,
            "sigma2": 1.0,
            "theta1": 0.4,
        },
    )
    summary = str(fit.summary())
    assert "Family: mixture(gaussian, gaussian)" in summary
    assert "Links: mu1 = identity; sigma1 = identity; mu2 = identity" in summary
    rhat = fit.rhat()
    assert max(rhat[v] for v in fit.variables()[:8]) < 1.05  # no label switching


@pytest.mark.slow
def test_gaussian_mixture_post_processing() -> None:
    fit, data, first = gaussian_fit()
    d = fit.draws()
    x, y = data["x"].to_numpy(), data["y"].to_numpy()
    th = d["theta1"].to_numpy()[:, None]
    m1 = d["b_mu1_Intercept"].to_numpy()[:, None] + d["b_mu1_x"].to_numpy()[:, None] * x
    m2 = d["b_mu2_Intercept"].to_numpy()[:, None] + d["b_mu2_x"].to_numpy()[:, None] * x
    s1, s2 = d["sigma1"].to_numpy()[:, None], d["sigma2"].to_numpy()[:, None]
    np.testing.assert_allclose(fit.posterior_epred(), th * m1 + (1 - th) * m2, atol=1e-10)
    p1 = th * stats.norm.pdf(y, m1, s1)
    p2 = (1 - th) * stats.norm.pdf(y, m2, s2)
    np.testing.assert_allclose(fit.log_lik(), np.log(p1 + p2), atol=1e-10)
    draws = fit.pp_mixture(summary=False)
    np.testing.assert_allclose(draws[..., 0], p1 / (p1 + p2), atol=1e-10)
    summary = fit.pp_mixture()
    assert summary.shape == (len(y), 4, 2)
    assert np.mean((summary[:, 0, 0] > 0.5) == first) > 0.95
    pred = fit.posterior_predict(seed=1)
    assert abs(pred.mean() - y.mean()) < 0.1
    new = pd.DataFrame({"x": [0.0, 1.0]})
    np.testing.assert_allclose(fit.posterior_epred(newdata=new)[:, 1], _at(d, 1.0), atol=1e-10)
    assert fit.loo().estimates.loc["elpd_loo", "Estimate"] < 0


def _at(d: pd.DataFrame, x: float) -> np.ndarray:
    th = d["theta1"].to_numpy()
    mu1 = d["b_mu1_Intercept"].to_numpy() + d["b_mu1_x"].to_numpy() * x
    mu2 = d["b_mu2_Intercept"].to_numpy() + d["b_mu2_x"].to_numpy() * x
    return th * mu1 + (1 - th) * mu2


@pytest.mark.slow
def test_poisson_mixture_with_predicted_theta() -> None:
    fit, data = poisson_fit()
    assert "theta1" not in fit.variables()
    _within(
        fit,
        {
            "b_mu1_Intercept": np.log(2.0),
            "b_mu2_Intercept": np.log(12.0),
            "b_theta2_Intercept": 0.3,
            "b_theta2_w": 1.2,
        },
    )
    d = fit.draws()
    w, k = data["w"].to_numpy(), data["k"].to_numpy()
    t2 = expit(
        d["b_theta2_Intercept"].to_numpy()[:, None] + d["b_theta2_w"].to_numpy()[:, None] * w
    )
    l1 = np.exp(d["b_mu1_Intercept"].to_numpy()[:, None])
    l2 = np.exp(d["b_mu2_Intercept"].to_numpy()[:, None])
    dens = (1 - t2) * stats.poisson.pmf(k, l1) + t2 * stats.poisson.pmf(k, l2)
    np.testing.assert_allclose(fit.log_lik(), np.log(dens), rtol=1e-9)
    np.testing.assert_allclose(fit.posterior_epred(), (1 - t2) * l1 + t2 * l2, rtol=1e-9)
    np.testing.assert_allclose(fit.posterior_epred(dpar="mu2"), l2 + 0 * w, rtol=1e-12)
    linpred = fit.posterior_linpred(dpar="mu1", transform=True)
    np.testing.assert_allclose(linpred, l1 + 0 * w, rtol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["netcdf", "pickle"])
def test_saved_mixture_fit_predicts_the_same(tmp_path: Any, fmt: str) -> None:
    fit, _, _ = gaussian_fit()
    path = tmp_path / f"fit.{'nc' if fmt == 'netcdf' else 'pkl'}"
    fit.save(path, format=fmt)
    loaded = bj.load(path)
    assert loaded.brm_args["family"] == fit.brm_args["family"]
    np.testing.assert_allclose(loaded.pp_mixture(), fit.pp_mixture(), atol=1e-12)
