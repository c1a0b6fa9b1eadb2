"""Fitting s() terms end to end: a smooth of mu and of sigma, recovered from simulated data,
with the summary's Smooth Terms, predictions at new data and the R porter."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.port import from_r


def _simulated(n: int = 300, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, n)
    return pd.DataFrame({"x": x, "y": np.sin(x) + np.exp(-1.5 + 0.1 * x) * rng.normal(size=n)})


@pytest.mark.slow
def test_distributional_smooths_recover_the_truth() -> None:
    d = _simulated()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(bj.bf("y ~ s(x)", "sigma ~ s(x)"), data=d, chains=2, iter=800, seed=3)
    names = list(fit.draws().columns)
    assert names[:4] == ["b_Intercept", "b_sigma_Intercept", "bs_sx_1", "bs_sigma_sx_1"]
    assert names[4:6] == ["sds_sx_1", "sds_sigma_sx_1"]
    assert names[6] == "s_sx_1[1]" and "s_sigma_sx_1[8]" in names
    grid = pd.DataFrame({"x": np.linspace(0.5, 9.5, 10)})
    mu = fit.posterior_epred(newdata=grid).mean(axis=0)
    np.testing.assert_allclose(mu, np.sin(grid.x), atol=0.15)
    sigma = fit.posterior_linpred(newdata=grid, dpar="sigma", transform=True)
    # within 3 posterior sd of the truth (the last grid point, at the data's edge, is the
    # least determined: its posterior sd is twice the others')
    z = (sigma.mean(axis=0) - np.exp(-1.5 + 0.1 * grid.x)) / sigma.std(axis=0)
    assert np.all(np.abs(z) < 3), z
    text = str(fit.summary())
    assert "Smooth Terms: \n" in text and "\nsds(sx_1) " in text
    assert text.index("Smooth Terms:") < text.index("Population-Level Effects:")
    assert list(fit.summary().splines.index) == ["sds(sx_1)", "sds(sigma_sx_1)"]


def test_porter_keeps_smooths() -> None:
    code = from_r(
        "brm(medv ~ s(lstat, k = 5) + rm, data = d, prior = prior(normal(0, 5), class = sds))"
    ).to_python()
    assert '"medv ~ s(lstat, k = 5) + rm"' in code
    assert 'bj.prior("normal(0, 5)", class_="sds")' in code
