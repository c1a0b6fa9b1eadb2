"""The multivariate likelihood against scipy, and a fit's names, summary and recovery.

References: ``scipy.stats.multivariate_normal`` / ``multivariate_t`` (brms's
``multi_normal_cholesky`` and ``multi_student_t``) and the sum of univariate densities without
residual correlations; the fit recovers the simulated coefficients and residual correlation.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.families.mv import mv_family, rescor_lpdf


def _corr(rho: float) -> np.ndarray:
    return np.array([[1.0, rho], [rho, 1.0]])


@pytest.mark.parametrize("nu", [None, 4.5])
@pytest.mark.parametrize("rho", [-0.6, 0.0, 0.8])
def test_rescor_lpdf_equals_scipy(rho: float, nu: float | None) -> None:
    rng = np.random.default_rng(3)
    y, mu = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    sigma = np.array([0.7, 1.9])
    cov = np.diag(sigma) @ _corr(rho) @ np.diag(sigma)
    L = np.linalg.cholesky(_corr(rho))
    with jax.enable_x64(True):
        got = np.asarray(rescor_lpdf(jnp.asarray(y), mu, np.broadcast_to(sigma, y.shape), L, nu))
    if nu is None:
        want = [stats.multivariate_normal(m, cov).logpdf(v) for v, m in zip(y, mu, strict=True)]
    else:
        want = [stats.multivariate_t(m, cov, df=nu).logpdf(v) for v, m in zip(y, mu, strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_without_rescor_sums_univariate() -> None:
    fam = mv_family(["a", "n"], ["gaussian", "poisson"], rescor=False)
    y = np.array([[0.3, 2.0], [-1.2, 0.0]])
    with jax.enable_x64(True):
        eta = {"a": jnp.array([0.1, 0.2]), "n": jnp.array([0.5, -0.3])}
        got = np.asarray(fam.mv_log_lik(jnp.asarray(y), eta, {"sigma_a": 1.3}, None))
    want = stats.norm(np.array([0.1, 0.2]), 1.3).logpdf(y[:, 0])
    want += stats.poisson(np.exp([0.5, -0.3])).logpmf(y[:, 1])
    np.testing.assert_allclose(got, want, rtol=1e-10)


def _simulated(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    x = rng.normal(size=n)
    e = rng.multivariate_normal([0, 0], np.diag([0.5, 1.0]) @ _corr(0.6) @ np.diag([0.5, 1.0]), n)
    return pd.DataFrame({"y_a": 1 + 2 * x + e[:, 0], "yb": -1 + 0.5 * x + e[:, 1], "x": x})


@pytest.mark.slow
def test_gaussian_rescor_fit_recovers_and_prints() -> None:
    fit = bj.brm(
        bj.bf("mvbind(y_a, yb) ~ x") + bj.set_rescor(True),
        _simulated(),
        chains=2,
        iter=1000,
        seed=5,
    )
    names = list(fit.variables())
    assert names[:4] == ["b_ya_Intercept", "b_yb_Intercept", "b_ya_x", "b_yb_x"]
    assert names[4:7] == ["sigma_ya", "sigma_yb", "rescor__ya__yb"]
    means = fit.store.matrix(names[:7]).mean(axis=0)
    np.testing.assert_allclose(means, [1, -1, 2, 0.5, 0.5, 1.0, 0.6], atol=0.15)
    text = str(fit.summary())
    assert " Family: MV(gaussian, gaussian) \n" in text
    assert "Residual Correlations: \n" in text and "rescor(ya,yb)" in text
    assert "Formula: y_a ~ x \n         yb ~ x\n" in text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        epred = fit.posterior_epred()
    assert epred.shape == (1000, 200, 2)
