"""me() terms fitted: brms's draws names, predictions at new data as brms's predictor, and
(slow) recovery of a simulated noise-free effect with two correlated latent variables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax


def simulated(n: int = 200, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    """y = 1 + 1.5 x* + 0.5 z + 0.8 w* + N(0, 0.4); x* and w* (correlation 0.5) are seen
    with noise sdx and sdw; returns the data and the latent x*."""
    rng = np.random.default_rng(seed)
    latent = rng.multivariate_normal([0.0, 1.0], [[1.0, 0.5], [0.5, 1.0]], size=n)
    z = rng.normal(size=n)
    sdx, sdw = rng.uniform(0.3, 0.6, n), np.full(n, 0.3)
    y = 1 + 1.5 * latent[:, 0] + 0.5 * z + 0.8 * latent[:, 1] + rng.normal(size=n) * 0.4
    d = pd.DataFrame(
        {
            "y": y,
            "x": latent[:, 0] + rng.normal(size=n) * sdx,
            "sdx": sdx,
            "w": latent[:, 1] + rng.normal(size=n) * sdw,
            "sdw": sdw,
            "z": z,
        }
    )
    return d, latent[:, 0]


def _fit(formula: str, **kwargs: object) -> brmsjax.BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brmsjax.brm(formula, simulated()[0], seed=2, progress=False, **kwargs)


@pytest.fixture(scope="module")
def tiny() -> brmsjax.BrmsFit:
    return _fit("y ~ me(x, sdx) * z + me(w, sdw)", chains=1, iter=80)


def test_draws_names_follow_brms(tiny: brmsjax.BrmsFit) -> None:
    names = [c for c in tiny.draws().columns if not c.startswith(".")]
    assert names == [
        "b_Intercept",
        "b_z",
        "bsp_mexsdx",
        "bsp_mewsdw",
        "bsp_mexsdx:z",
        "sigma",
        "meanme_mex",
        "meanme_mew",
        "sdme_mex",
        "sdme_mew",
        "corme__mex__mew",
        "lprior",
        "lp__",
    ]


def test_newdata_prediction_is_brms_predictor(tiny: brmsjax.BrmsFit) -> None:
    """Without noise (sdx = 0) the latent values are the data: brms's predictor exactly."""
    nd = pd.DataFrame({"x": [0.5, -1.0], "sdx": 0.0, "w": [1.0, 2.0], "sdw": 0.0, "z": [2.0, 1]})
    d = tiny.draws()
    expected = (
        d["b_Intercept"].to_numpy()[:, None]
        + np.outer(d["b_z"], nd["z"])
        + np.outer(d["bsp_mexsdx"], nd["x"])
        + np.outer(d["bsp_mewsdw"], nd["w"])
        + np.outer(d["bsp_mexsdx:z"], nd["x"] * nd["z"])
    )
    np.testing.assert_allclose(tiny.posterior_epred(newdata=nd), expected, rtol=1e-10)


def test_fitting_data_prediction_warns_as_brms(tiny: brmsjax.BrmsFit) -> None:
    with pytest.warns(UserWarning, match="^Noise-free latent variables were not saved"):
        epred = tiny.posterior_epred()
    assert epred.shape == (40, 200)


@pytest.mark.slow
def test_recovery() -> None:
    fit = _fit("y ~ me(x, sdx) + z + me(w, sdw)", chains=2, iter=1000)
    s = fit.posterior_summary()
    truth = {
        "bsp_mexsdx": 1.5,
        "bsp_mewsdw": 0.8,
        "b_z": 0.5,
        "meanme_mex": 0.0,
        "meanme_mew": 1.0,
        "sdme_mex": 1.0,
        "corme__mex__mew": 0.5,
    }
    for name, value in truth.items():
        assert abs(s.loc[name, "Estimate"] - value) < 3 * s.loc[name, "Est.Error"] + 0.05, name
