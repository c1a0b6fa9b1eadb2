"""``gr(g, by = f)`` fitted: brms's draws names and summary rows, predictions equal to brms's
predictor computed from the draws (fitted rows and new data of fitted levels), new levels
drawn within their own level of f (brms's get_new_rdraws), loo, the porter's code runs, and
(slow) recovery of simulated per-level sds."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.formula.design.newdata import NewDataError
from brmsjax.port import from_r

#: Per level of f: the sd of the intercepts and of the slopes of x, and their correlation.
TRUTH = {"a": (0.4, 0.2, 0.0), "b": (1.5, 0.8, 0.6)}
FORMULA = "y ~ x + (1 + x | gr(g, by = f))"


def simulated(per: int = 10, n_groups: int = 60, seed: int = 2) -> pd.DataFrame:
    """y = 1 + 0.5 x + r0[g] + r1[g] x + N(0, 0.3); groups 0-29 in f = a, 30-59 in f = b."""
    rng = np.random.default_rng(seed)
    r = np.zeros((n_groups, 2))
    f = np.where(np.arange(n_groups) < n_groups // 2, "a", "b")
    for lv, (s0, s1, rho) in TRUTH.items():
        cov = np.array([[s0 * s0, rho * s0 * s1], [rho * s0 * s1, s1 * s1]])
        rows = f == lv
        r[rows] = rng.multivariate_normal(np.zeros(2), cov, rows.sum())
    g = np.repeat(np.arange(n_groups), per)
    x = rng.normal(size=g.size)
    y = 1.0 + 0.5 * x + r[g, 0] + r[g, 1] * x + rng.normal(0.0, 0.3, g.size)
    return pd.DataFrame({"y": y, "x": x, "g": [f"s{k:02d}" for k in g], "f": f[g]})


def _fit(chains: int, iter: int) -> brmsjax.BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brmsjax.brm(FORMULA, simulated(), chains=chains, iter=iter, seed=3, progress=False)


@pytest.fixture(scope="module")
def fit() -> brmsjax.BrmsFit:
    """A short run: the names and predictions checked with it hold for any draws."""
    return _fit(1, 200)


NAMES = [
    "sd_g__Intercept:fa",
    "sd_g__x:fa",
    "sd_g__Intercept:fb",
    "sd_g__x:fb",
    "cor_g__Intercept:fa__x:fa",
    "cor_g__Intercept:fb__x:fb",
]


def test_draws_names_and_summary_are_brms(fit: brmsjax.BrmsFit) -> None:
    columns = list(fit.draws().columns)
    assert columns[2:8] == NAMES
    assert "r_g[s00,Intercept]" in columns
    text = str(fit.summary())
    assert "sd(Intercept:fa)" in text
    assert "cor(Intercept:fb,x:fb)" in text
    sd = fit.VarCorr()["g"]["sd"]
    assert list(sd.index) == ["Intercept:fa", "x:fa", "Intercept:fb", "x:fb"]


def _predictor(fit: brmsjax.BrmsFit, frame: pd.DataFrame) -> np.ndarray:
    """brms's mu from the draws: b_Intercept + b_x x + r_g[g, Intercept] + r_g[g, x] x."""
    d = fit.draws()
    x = frame["x"].to_numpy()
    r0 = np.stack([d[f"r_g[{g},Intercept]"] for g in frame["g"]], axis=1)
    r1 = np.stack([d[f"r_g[{g},x]"] for g in frame["g"]], axis=1)
    b0, b1 = d["b_Intercept"].to_numpy()[:, None], d["b_x"].to_numpy()[:, None]
    return b0 + b1 * x + r0 + r1 * x


@pytest.mark.parametrize("rows", [slice(None), slice(5, 40)])
def test_epred_is_brms_predictor(fit: brmsjax.BrmsFit, rows: slice) -> None:
    frame = simulated().iloc[rows].reset_index(drop=True)
    got = fit.posterior_epred() if rows == slice(None) else fit.posterior_epred(newdata=frame)
    np.testing.assert_allclose(got, _predictor(fit, frame), rtol=1e-6, atol=1e-8)
    assert fit.posterior_predict(newdata=frame).shape == got.shape


def _new_effects(fit: brmsjax.BrmsFit, f: str, mode: str) -> np.ndarray:
    """``(S, 2)`` intercept and slope of one new level in ``f``, solved from its predictions at
    x = 0 and x = 1."""
    new = pd.DataFrame({"x": [0.0, 1.0], "g": ["new", "new"], "f": [f, f], "y": [0.0, 0.0]})
    mu = fit.posterior_epred(newdata=new, allow_new_levels=True, sample_new_levels=mode, seed=5)
    d = fit.draws()
    r0 = mu[:, 0] - d["b_Intercept"].to_numpy()
    return np.stack([r0, mu[:, 1] - d["b_x"].to_numpy() - d["b_Intercept"].to_numpy() - r0], 1)


@pytest.mark.parametrize("f", ["a", "b"])
@pytest.mark.parametrize("mode", ["uncertainty", "old_levels"])
def test_new_levels_take_effects_of_their_by_level(fit: brmsjax.BrmsFit, mode: str, f: str) -> None:
    """Each draw's effects of a new level equal those of a fitted level of the same f."""
    got = _new_effects(fit, f, mode)
    d, data = fit.draws(), simulated()
    own = sorted(set(data.loc[data["f"] == f, "g"]))
    pool = np.stack(
        [np.stack([d[f"r_g[{g},Intercept]"], d[f"r_g[{g},x]"]], 1) for g in own], 1
    )  # (S, L, 2)
    gap = np.abs(pool - got[:, None, :]).max(axis=2).min(axis=1)
    np.testing.assert_allclose(gap, 0.0, atol=1e-8)
    if mode == "old_levels":  # one level for all draws
        match = np.abs(pool - got[:, None, :]).max(axis=2).argmin(axis=1)
        assert len(set(match)) == 1


@pytest.mark.parametrize("f", ["a", "b"])
def test_new_levels_gaussian_use_their_by_level_sd(fit: brmsjax.BrmsFit, f: str) -> None:
    """sample_new_levels='gaussian' draws from N(0, Sigma_f): the spread of the new intercepts
    matches the posterior mean of sd_g__Intercept:f (TRUTH: 0.4 vs 1.5, told apart)."""
    got = _new_effects(fit, f, "gaussian")
    d = fit.draws()
    sd = np.sqrt(np.mean(d[f"sd_g__Intercept:f{f}"].to_numpy() ** 2))
    assert abs(np.std(got[:, 0]) / sd - 1.0) < 0.25


def test_new_level_in_two_by_levels_is_refused(fit: brmsjax.BrmsFit) -> None:
    new = pd.DataFrame({"x": [0.0, 1.0], "g": ["new", "new"], "f": ["a", "b"], "y": [0.0, 0.0]})
    with pytest.raises(NewDataError, match=r"The new level 'new' of 'g' must lie in one level"):
        fit.posterior_epred(newdata=new, allow_new_levels=True)
    no_groups = fit.posterior_epred(newdata=new, re_formula="NA")
    assert no_groups.shape == (fit.ndraws, 2)


def test_loo(fit: brmsjax.BrmsFit) -> None:
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])


def test_porter_code_runs() -> None:
    call = from_r("brm(y ~ x + (1 + x | gr(g, by = f)), data = d, chains = 1, iter = 100)")
    assert '"y ~ x + (1 + x | gr(g, by = f))"' in call.to_python()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = call.run(simulated(per=4), seed=1, warmup=50, progress=False)
    assert "sd_g__x:fb" in fit.draws().columns


@pytest.mark.slow
def test_recovers_simulated_sds() -> None:
    """The per-level sds of the simulated truth lie within their 95% intervals, and the two
    levels' intercept sds are told apart."""
    fit = _fit(2, 1000)
    d = fit.draws()
    for lv, (s0, s1, _) in TRUTH.items():
        for coef, truth in (("Intercept", s0), ("x", s1)):
            lo, hi = np.quantile(d[f"sd_g__{coef}:f{lv}"], [0.025, 0.975])
            assert lo < truth < hi, (lv, coef, lo, hi)
    assert np.mean(d["sd_g__Intercept:fb"] > d["sd_g__Intercept:fa"]) > 0.95
    assert fit.summary().fixed.loc["x", "Estimate"] == pytest.approx(0.5, abs=0.2)
