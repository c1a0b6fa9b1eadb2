"""gp() models fitted end to end: brms's draw names, predictions at new data, recovery."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.design.gp import basis
from tests.gp.gp_fixtures import gp_data


def _fit(formula: str, data: pd.DataFrame, **kwargs: object) -> bj.BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bj.brm(formula, data=data, chains=1, iter=300, warmup=150, seed=7, **kwargs)


@pytest.mark.parametrize(
    ("formula", "names"),
    [
        (
            "bf(y ~ gp(x1, k = 6, c = 5/4), sigma ~ gp(x2, k = 5, c = 1.5))",
            ["b_Intercept", "b_sigma_Intercept", "sdgp_gpx1", "sdgp_sigma_gpx2", "lscale_gpx1",
             "lscale_sigma_gpx2", *[f"zgp_gpx1[{m}]" for m in range(1, 7)],
             *[f"zgp_sigma_gpx2[{m}]" for m in range(1, 6)], "lprior", "lp__"],
        ),
        (
            "y ~ gp(x1, x2, k = 2, c = 5/4, iso = FALSE, by = f)",
            ["b_Intercept", "sdgp_gpx1x2fa", "sdgp_gpx1x2fb", "sdgp_gpx1x2fc",
             "lscale_gpx1x2fax1", "lscale_gpx1x2fbx1", "lscale_gpx1x2fcx1",
             "lscale_gpx1x2fax2", "lscale_gpx1x2fbx2", "lscale_gpx1x2fcx2", "sigma",
             *[f"zgp_gpx1x2f{lv}[{m}]" for lv in "abc" for m in range(1, 5)], "lprior", "lp__"],
        ),
    ],
)  # fmt: skip
def test_draw_names_are_brms(formula: str, names: list[str]) -> None:
    fit = _fit(formula, gp_data())
    assert fit.variables() == names


def test_approximate_gp_predicts_new_data_with_the_fitted_basis() -> None:
    data = gp_data()
    fit = _fit("y ~ gp(x1, k = 10, c = 5/4)", data)
    new = pd.DataFrame({"x1": [0.5, 4.25, 11.0]})
    got = fit.posterior_linpred(newdata=new)
    block = fit.design.gps[0]
    sub = block.subs[0]
    assert sub.dmax is not None and sub.L is not None
    phi, slambda = basis(new[["x1"]].to_numpy() / sub.dmax - sub.cmeans, 10, sub.L)
    draws = fit.draws()
    sd, ell = draws["sdgp_gpx1"].to_numpy(), draws["lscale_gpx1"].to_numpy()
    z = draws[[f"zgp_gpx1[{m}]" for m in range(1, 11)]].to_numpy()
    spd = sd[:, None] ** 2 * np.sqrt(2 * np.pi) * ell[:, None]
    spd = spd * np.exp(-0.5 * ell[:, None] ** 2 * slambda[:, 0] ** 2)
    want = draws["b_Intercept"].to_numpy()[:, None] + (np.sqrt(spd) * z) @ phi.T
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    # brms's default effects include a gp() term's covariates
    assert list(fit.conditional_effects()) == ["x1"]
    summary = fit.summary()
    assert summary.gp is not None
    assert list(summary.gp.index) == ["sdgp(gpx1)", "lscale(gpx1)"]
    assert "Gaussian Process Terms: \n" in str(summary)


def test_exact_gp_in_sample_prediction_is_the_cholesky_of_the_latents() -> None:
    data = gp_data()
    fit = _fit("y ~ gp(x1) + z", data)
    got = fit.posterior_linpred()
    # at new data equal to the fitting rows, the conditional draw is the fitted GP (+ 1e-8 jitter)
    again = fit.posterior_linpred(newdata=data)
    np.testing.assert_allclose(got, again, atol=1e-3)
    assert got.shape == (150, len(data))


@pytest.mark.slow
def test_gp_recovers_a_smooth_function() -> None:
    rng = np.random.default_rng(11)
    x = np.sort(rng.uniform(-3, 3, 80))
    data = pd.DataFrame({"x": x, "y": np.sin(1.5 * x) + rng.normal(0, 0.2, 80)})
    for formula in ("y ~ gp(x, k = 15, c = 5/4)", "y ~ gp(x)"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = bj.brm(formula, data=data, chains=2, iter=800, seed=3)
        est = fit.posterior_epred().mean(axis=0)
        assert np.sqrt(np.mean((est - np.sin(1.5 * x)) ** 2)) < 0.1
        assert abs(fit.draws()["sigma"].mean() - 0.2) < 0.05
