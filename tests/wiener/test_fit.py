"""Fits of wiener models: names, summary, log_lik, loo, predictions, new data, recovery.

The fast fit uses the fixtures' 60 rows (drawn with RWiener by make_fixtures.R); its log_lik
is checked against the density at the draws, its epred against brms's closed form at the
draws. The slow fits recover simulated truth (99% intervals) of a scalar and a distributional
model with a group term.
"""

from __future__ import annotations

from functools import cache

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.dists.stan_wiener import wiener_diffusion_lpdf
from brmsjax.backend.families.diffusion.wiener_rng import wiener_draws
from brmsjax.port import BrmCall, from_r
from tests.wiener.fixtures import wiener_data


@cache
def small_fit() -> bj.BrmsFit:
    """The porter's run of brms's call (dec() given as a factor of lower/upper)."""
    call = from_r(
        "fit <- brm(rt | dec(respf) ~ x, data = d, family = wiener(), chains = 2, iter = 500,"
        " seed = 3)"
    )
    assert isinstance(call, BrmCall)
    fit = call.run({"d": wiener_data()})
    assert isinstance(fit, bj.BrmsFit)
    return fit


def test_summary_and_names_are_brms() -> None:
    fit = small_fit()
    names = list(fit.draws().columns)
    assert names[:5] == ["b_Intercept", "b_x", "bs", "ndt", "bias"]
    text = str(fit.summary())
    assert " Family: wiener \n  Links: mu = identity; bs = identity; ndt = identity; " in text
    assert "Formula: rt | dec(respf) ~ x" in text
    draws = fit.draws()
    assert draws["ndt"].max() < wiener_data()["rt"].min()
    assert 0 < draws["bias"].min() and draws["bias"].max() < 1


def test_log_lik_is_the_density_at_the_draws() -> None:
    fit = small_fit()
    d, draws = wiener_data(), fit.draws()
    mu = (
        draws["b_Intercept"].to_numpy()[:, None]
        + draws["b_x"].to_numpy()[:, None] * d["x"].to_numpy()
    )
    col = {k: draws[k].to_numpy()[:, None] for k in ("bs", "ndt", "bias")}
    dec = (d["respf"] == "upper").to_numpy(dtype=float)
    with jax.enable_x64(True):
        want = jax.jit(wiener_diffusion_lpdf)(
            d["rt"].to_numpy(), dec, col["bs"], col["ndt"], col["bias"], mu
        )
    np.testing.assert_allclose(fit.log_lik(), np.asarray(want), rtol=1e-8, atol=1e-8)
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])


def test_predictions_on_the_data_and_new_data() -> None:
    fit = small_fit()
    draws = fit.draws()
    new = pd.DataFrame({"x": [-1.0, 0.0, 1.5]})
    epred = fit.posterior_epred(new)
    mu = (
        draws["b_Intercept"].to_numpy()[:, None]
        + draws["b_x"].to_numpy()[:, None] * new["x"].to_numpy()
    )
    bs, ndt, bias = (draws[k].to_numpy()[:, None] for k in ("bs", "ndt", "bias"))
    want = ndt - bias / mu + bs / mu * (np.exp(-2 * mu * bias) - 1) / (np.exp(-2 * mu * bs) - 1)
    np.testing.assert_allclose(epred, want, rtol=1e-8)
    pred = fit.posterior_predict(new, seed=2)
    assert pred.shape == (fit.ndraws, 3) and np.all(pred > ndt)
    assert fit.posterior_predict(seed=1).shape == (fit.ndraws, 60)
    # log_lik on new data reads its decisions
    rows = wiener_data().iloc[:4]
    np.testing.assert_allclose(fit.log_lik(rows), fit.log_lik()[:, :4], rtol=1e-10)


def _simulate(n: int, seed: int, group_sd: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.integers(0, 8, n)
    effect = rng.normal(0, group_sd, 8)[g] if group_sd else 0.0
    with jax.enable_x64(True):
        rt, dec = wiener_draws(
            jax.random.key(seed), 1.3, 0.3, 0.45, jnp.asarray(0.5 + 0.7 * x + effect)
        )
    return pd.DataFrame({"rt": np.asarray(rt), "resp": np.asarray(dec, dtype=int), "x": x, "g": g})


@pytest.mark.slow
def test_scalar_model_recovers_truth() -> None:
    data = _simulate(500, 21)
    fit = bj.brm("rt | dec(resp) ~ x", data, family=bj.wiener(), chains=2, iter=800, seed=5)
    truth = {"b_Intercept": 0.5, "b_x": 0.7, "bs": 1.3, "ndt": 0.3, "bias": 0.45}
    for name, value in truth.items():
        lo, hi = np.quantile(fit.draws()[name], [0.005, 0.995])
        assert lo < value < hi, (name, lo, hi)


@pytest.mark.slow
def test_distributional_model_with_groups_recovers_truth() -> None:
    """``bf(rt | dec(resp) ~ x + (1 | g), bs ~ 1, ndt ~ 1, bias ~ 1)``: the dpars on their
    link scales (log, log, logit) as b_<dpar>_Intercept."""
    data = _simulate(600, 22, group_sd=0.5)
    formula = bj.bf("rt | dec(resp) ~ x + (1 | g)", "bs ~ 1", "ndt ~ 1", "bias ~ 1")
    # adapt_delta 0.95: at 0.8 one transition of seed 6 diverges (ndt's intercept has brms's
    # flat prior and a likelihood that ends at min(rt))
    fit = bj.brm(
        formula,
        data,
        family=bj.wiener(),
        chains=2,
        iter=800,
        seed=6,
        control={"adapt_delta": 0.95},
    )
    truth = {
        "b_Intercept": 0.5,
        "b_x": 0.7,
        "b_bs_Intercept": np.log(1.3),
        "b_ndt_Intercept": np.log(0.3),
        "b_bias_Intercept": np.log(0.45 / 0.55),
        "sd_g__Intercept": 0.5,
    }
    draws = fit.draws()
    for name, value in truth.items():
        lo, hi = np.quantile(draws[name], [0.005, 0.995])
        assert lo < value < hi, (name, lo, hi)
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
