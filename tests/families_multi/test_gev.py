"""gen_extreme_value against brms 2.18: densities, priors, standata, Stan's lp, draws, fits.

References: brms 2.18.0's ``dgen_extreme_value``/``pgen_extreme_value``, ``posterior_epred``'s
mean, ``get_prior()`` and ``make_standata()`` in tests/fixtures/families_multi/families.json
(recorded by make_fixtures.R there); scipy's ``genextreme`` (shape ``c = -xi``); brms's Stan
code written out with scipy for the potential (``xi = scale_xi(tmp_xi, Y, mu, sigma)``).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

import brmsjax as bj
from brmsjax.backend.families.extreme_value import scale_xi
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.lower import lower
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.design.design import build_design
from brmsjax.port import from_r
from tests.families_multi.multi_fixtures import (
    assert_prior_rows_equal,
    assert_standata_equal,
    families_fixture,
    fixture_data,
)


def _grid() -> dict[str, np.ndarray]:
    raw = families_fixture()["gen_extreme_value"]["density"]
    return {k: np.asarray(v, dtype=np.float64) for k, v in raw.items()}


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("which", ["lpdf", "lcdf", "lccdf"])
def test_log_density_and_cdfs_equal_brms(which: str) -> None:
    """brms's R functions on a grid with xi < 0, xi = 0 and xi > 0 (rows inside the support)."""
    g = _grid()
    fam = get_family("gen_extreme_value")
    args = fam.args(jnp.asarray(g["mu"]), {"sigma": g["sigma"], "xi": g["xi"]}, {})
    fn = {"lpdf": fam.lpdf, "lcdf": fam.lcdf, "lccdf": fam.lccdf}[which]
    got = np.asarray(fn(jnp.asarray(g["y"]), args))
    assert (g["xi"] == 0).sum() == 2
    if which == "lpdf":
        np.testing.assert_allclose(got, g["lpdf"], rtol=1e-10, atol=1e-10)
    else:  # R works on the probability scale (1 - p): compare there, and on the log scale
        np.testing.assert_allclose(np.exp(got), np.exp(g[which]), rtol=0, atol=1e-13)
        moderate = (g[which] < -1e-3) & (g[which] > -10)
        assert moderate.sum() >= 15
        np.testing.assert_allclose(got[moderate], g[which][moderate], rtol=1e-10)


@pytest.mark.usefixtures("x64")
def test_epred_equals_brms_and_density_scipy() -> None:
    """brms's mean ``mu + sigma (gamma(1 - xi) - 1) / xi`` (NaN at xi = 0, as in brms) and
    scipy's genextreme density with ``c = -xi``."""
    g = _grid()
    fam = get_family("gen_extreme_value")
    args = fam.args(jnp.asarray(g["mu"]), {"sigma": g["sigma"], "xi": g["xi"]}, {})
    mean = np.asarray(fam.mean(args))
    np.testing.assert_allclose(mean, g["epred"], rtol=1e-10)
    want = stats.genextreme.logpdf(g["y"], -g["xi"], loc=g["mu"], scale=g["sigma"])
    np.testing.assert_allclose(np.asarray(fam.lpdf(jnp.asarray(g["y"]), args)), want, rtol=1e-9)


@pytest.mark.usefixtures("x64")
def test_outside_the_support() -> None:
    """Zero density and a CDF of 0 below (xi > 0) or 1 above (xi < 0) the support."""
    fam = get_family("gen_extreme_value")
    y = jnp.asarray([-3.0, 3.0])
    xi = jnp.asarray([0.5, -0.5])
    args = (jnp.zeros(2), jnp.ones(2), xi)
    assert np.all(np.asarray(fam.lpdf(y, args)) == -np.inf)
    assert np.asarray(fam.lcdf(y, args)).tolist() == [-np.inf, 0.0]
    grad = jax.grad(lambda m: jnp.sum(jnp.where(True, fam.lpdf(y + 5.0, (m, 1.0, xi)), 0.0)))
    assert np.isfinite(float(grad(0.0)))


@pytest.mark.parametrize("case", range(4))
def test_get_prior_equals_brms(case: int) -> None:
    ref = families_fixture()["gen_extreme_value"]["formulas"][case]
    assert_prior_rows_equal("gen_extreme_value", ref)


@pytest.mark.parametrize("case", range(2))
def test_standata_equals_brms(case: int) -> None:
    ref = families_fixture()["gen_extreme_value"]["standata"][case]
    assert_standata_equal("gen_extreme_value", ref, dims=False)


def _stan_lp(data: pd.DataFrame, icpt: float, b: float, sigma_part: Any, tmp_xi: float) -> float:
    """brms's ``lp__`` of ``y_gev ~ x`` (``sigma_part``: a scalar sigma, or the intercept and
    slope of ``sigma ~ x``), with ``xi = scale_xi(tmp_xi, Y, mu, sigma)``."""
    y, x = data["y_gev"].to_numpy(), data["x"].to_numpy()
    xc = x - x.mean()
    mu = icpt + b * xc
    if np.ndim(sigma_part) == 0:
        sigma = np.full_like(y, sigma_part)
    else:
        sigma = np.exp(sigma_part[0] + sigma_part[1] * xc)
    z = (y - mu) / sigma
    lo, hi = sorted([-1 / z.min(), -1 / z.max()])
    xi = expit(tmp_xi) * (hi - lo) + lo
    lp = stats.genextreme.logpdf(y, -xi, loc=mu, scale=sigma).sum()
    lp += stats.t.logpdf(icpt, 3, 2.6, 2.5)  # brms's default (the fixture's get_prior)
    lp += stats.norm.logpdf(tmp_xi, 0, 2.5)
    if np.ndim(sigma_part) == 0:
        lp += stats.t.logpdf(sigma_part, 3, 0, 2.5) - stats.t.logsf(0, 3, 0, 2.5)
        lp += math.log(sigma_part)  # Jacobian of sigma = exp(.)
    else:
        lp += stats.t.logpdf(sigma_part[0], 3, 0, 2.5)
    return float(lp)


@pytest.mark.parametrize(
    ("formula", "sites", "raw", "sigma_part"),
    [
        (
            "y_gev ~ x",
            ["Intercept", "b", "sigma", "tmp_xi"],
            [2.4, 0.6, math.log(1.3), 0.3],
            1.3,
        ),
        (
            "bf(y_gev ~ x, sigma ~ x)",
            ["Intercept", "b", "Intercept_sigma", "b_sigma", "tmp_xi"],
            [2.4, 0.6, 0.2, -0.1, -0.5],
            (0.2, -0.1),
        ),
    ],
)
def test_potential_equals_stans_lp(
    formula: str, sites: list[str], raw: list[float], sigma_part: Any
) -> None:
    """brms's scale_xi (scalar sigma) and scale_xi_vector (predicted sigma)."""
    fam = get_family("gen_extreme_value")
    design = build_design(formula, fixture_data(), family=fam)
    low = lower(design, fam, resolve_priors(design, fam, None), reparam=False)
    assert [s.name for s in low.sites] == sites
    with jax.enable_x64(True):
        got = float(low.program.potential(jnp.asarray(raw), *low.model_args))
    want = _stan_lp(fixture_data(), raw[0], raw[1], sigma_part, raw[-1])
    assert -got == pytest.approx(want, rel=1e-10)


def test_predicted_xi_takes_no_tmp() -> None:
    """With ``xi ~ x`` brms samples ``Intercept_xi`` and ``b_xi`` (link log1p), no tmp_xi."""
    fam = get_family("gen_extreme_value")
    design = build_design("bf(y_gev ~ x, xi ~ x)", fixture_data(), family=fam)
    low = lower(design, fam, resolve_priors(design, fam, None), reparam=False)
    assert sorted(s.name for s in low.sites) == ["Intercept", "Intercept_xi", "b", "b_xi", "sigma"]
    assert low.names.tmp_dpars == ()


def test_draws_against_scipy() -> None:
    fam = get_family("gen_extreme_value")
    eta = jnp.full(40_000, 1.0)
    dpars = {"sigma": jnp.asarray(0.7), "xi": jnp.asarray(0.25)}
    y = np.asarray(fam.rng(jax.random.PRNGKey(3), eta, dpars, {}), dtype=float)
    assert stats.kstest(y, stats.genextreme(-0.25, loc=1.0, scale=0.7).cdf).statistic < 0.012
    gumbel = {"sigma": jnp.asarray(0.7), "xi": jnp.asarray(0.0)}
    y0 = np.asarray(fam.rng(jax.random.PRNGKey(4), eta, gumbel, {}), dtype=float)
    assert stats.kstest(y0, stats.gumbel_r(loc=1.0, scale=0.7).cdf).statistic < 0.012


@pytest.mark.parametrize(
    ("call", "link", "links"),
    [
        ("gen_extreme_value()", "identity", {"sigma": "log", "xi": "log1p"}),
        ("gen_extreme_value('log')", "log", {"sigma": "log", "xi": "log1p"}),
        ('gen_extreme_value(link_xi = "identity")', "identity", {"sigma": "log", "xi": "identity"}),
        ('"gen_extreme_value"', "identity", {"sigma": "log", "xi": "log1p"}),
    ],
)
def test_porter_reads_family(call: str, link: str, links: dict[str, str]) -> None:
    family = from_r(f"brm(y ~ x, data = d, family = {call})").family.resolve()
    assert (family.name, family.link, dict(family.dpar_links)) == ("gen_extreme_value", link, links)


def test_bad_link_is_named() -> None:
    with pytest.raises(bj.ModelError, match="Link 'log' is not allowed for 'xi' in family"):
        bj.gen_extreme_value(link_xi="log")


def _simulate(n: int, seed: int, truth: dict[str, float]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    fam = get_family("gen_extreme_value")
    mu = truth["b_Intercept"] + truth["b_x"] * x
    args = (jnp.asarray(mu), jnp.asarray(truth["sigma"]), jnp.asarray(truth["xi"]))
    return pd.DataFrame({"y": np.asarray(fam.draw(jax.random.PRNGKey(seed), args)), "x": x})


def test_fit_saves_tmp_xi_and_brms_xi() -> None:
    """Draws named as brms's (tmp_xi among the dpars, xi after lp__: compute_xi), xi equal to
    scale_xi of each draw's mu and sigma, summary rows sigma and xi, loo, new data."""
    data = _simulate(120, 5, {"b_Intercept": 1.0, "b_x": 0.5, "sigma": 0.8, "xi": 0.2})
    fit = bj.brm("y ~ x", data, family=bj.gen_extreme_value(), chains=1, iter=300, seed=2)
    draws = fit.draws()
    assert list(draws.columns[:7]) == [
        "b_Intercept",
        "b_x",
        "sigma",
        "tmp_xi",
        "lprior",
        "lp__",
        "xi",
    ]
    mu = draws["b_Intercept"].to_numpy()[:, None] + np.outer(draws["b_x"], data["x"])
    with jax.enable_x64(True):
        want = scale_xi(
            jnp.asarray(draws["tmp_xi"].to_numpy()),
            jnp.asarray(data["y"].to_numpy()),
            jnp.asarray(mu),
            jnp.asarray(draws["sigma"].to_numpy()[:, None]),
        )
    np.testing.assert_allclose(draws["xi"], np.asarray(want), rtol=1e-5)
    assert list(fit.summary().spec_pars.index) == ["sigma", "xi"]
    ll = fit.log_lik()
    assert ll.shape == (fit.ndraws, 120) and np.isfinite(ll).all()
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
    new = pd.DataFrame({"x": [0.0, 1.0]})
    epred = fit.posterior_epred(new)
    xi = draws["xi"].to_numpy()
    sigma = draws["sigma"].to_numpy()
    from scipy.special import gamma

    want_epred = draws["b_Intercept"].to_numpy() + sigma * (gamma(1 - xi) - 1) / xi
    np.testing.assert_allclose(epred[:, 0], want_epred, rtol=1e-5)
    assert fit.posterior_predict(new, seed=1).shape == (fit.ndraws, 2)


@pytest.mark.slow
def test_fit_recovers_truth() -> None:
    truth = {"b_Intercept": 1.0, "b_x": 0.5, "sigma": 0.8, "xi": 0.2}
    data = _simulate(400, 11, truth)
    fit = bj.brm("y ~ x", data, family=bj.gen_extreme_value(), chains=2, iter=800, seed=3)
    draws = fit.draws()
    for name, value in truth.items():
        lo, hi = np.quantile(np.asarray(draws[name]), [0.005, 0.995])
        assert lo < value < hi, (name, lo, hi)
