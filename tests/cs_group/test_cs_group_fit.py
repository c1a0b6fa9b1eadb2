"""Fits with ``(cs(1) | g)``: brms's draw names, predictions that follow brms's model from
the draws, ranef/coef with brms's rules, new levels, the porter and recovery of the truth."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.port import from_r
from tests.cs_group.test_cs_group_design import data
from tests.cs_group.test_cs_group_model import _lpmf

FORMULA = "y ~ x + (cs(1) | g) + (1 | h)"


@pytest.fixture(scope="module")
def fit() -> bj.BrmsFit:
    """A short run (its Rhat may exceed 1.05, e.g. under jax 0.8.0): the names, predictions
    and rules checked with it hold for any draws."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm(FORMULA, data(), family="sratio", chains=1, iter=300, seed=3)


def test_draw_names_are_brms(fit: bj.BrmsFit) -> None:
    names = fit.variables()
    assert [n for n in names if n.startswith(("sd_", "cor_"))] == [
        "sd_g__Intercept[1]",
        "sd_g__Intercept[2]",
        "sd_g__Intercept[3]",
        "sd_h__Intercept",
        "cor_g__Intercept[1]__Intercept[2]",
        "cor_g__Intercept[1]__Intercept[3]",
        "cor_g__Intercept[2]__Intercept[3]",
    ]
    assert [n for n in names if n.startswith("r_g[a,")] == [
        "r_g[a,Intercept[1]]",
        "r_g[a,Intercept[2]]",
        "r_g[a,Intercept[3]]",
    ]


def _hand_probs(fit: bj.BrmsFit, d: pd.DataFrame, cs: bool = True, h: bool = True) -> np.ndarray:
    """The category probabilities of brms's model from the draws, in numpy: ``mu = b_x x +
    r_h[h]``, thresholds ``b_Intercept[k] - r_g[g, Intercept[k]]``."""
    draws = fit.draws()
    S, n = fit.ndraws, len(d)
    icpt = np.stack([draws[f"b_Intercept[{k}]"].to_numpy() for k in (1, 2, 3)], axis=1)
    mu = draws["b_x"].to_numpy()[:, None] * d["x"].to_numpy()[None, :]
    if h:
        mu = mu + np.stack([draws[f"r_h[{lv},Intercept]"].to_numpy() for lv in d["h"]], axis=1)
    out = np.empty((S, n, 4))
    for s in range(S):
        thres = np.repeat(icpt[s][None, :], n, axis=0)
        if cs:
            thres = thres - np.array(
                [[draws[f"r_g[{lv},Intercept[{k}]]"].iloc[s] for k in (1, 2, 3)] for lv in d["g"]]
            )
        for c in range(4):
            out[s, :, c] = np.exp(_lpmf("sratio", np.full(n, c + 1), mu[s], thres))
    return out


def test_epred_and_log_lik_follow_the_model(fit: bj.BrmsFit) -> None:
    d = data().iloc[:12]
    want = _hand_probs(fit, d)
    np.testing.assert_allclose(fit.posterior_epred(newdata=d), want, rtol=1e-8, atol=1e-12)
    ll = fit.log_lik(newdata=d)
    y = d["y"].to_numpy() - 1
    np.testing.assert_allclose(ll, np.log(want[:, np.arange(12), y]), rtol=1e-8)


@pytest.mark.parametrize(
    ("re_formula", "cs", "h"),
    [(np.nan, False, False), ("~ (cs(1) | g)", True, False), ("~ (1 | h)", False, True)],
)
def test_re_formula_keeps_the_terms_asked_for(
    fit: bj.BrmsFit, re_formula: str | float, cs: bool, h: bool
) -> None:
    d = data().iloc[:6]
    got = fit.posterior_epred(newdata=d, re_formula=re_formula)
    np.testing.assert_allclose(got, _hand_probs(fit, d, cs=cs, h=h), rtol=1e-8, atol=1e-12)


def test_new_levels(fit: bj.BrmsFit) -> None:
    nd = pd.DataFrame({"x": [0.2, -0.4], "g": ["a", "new"], "h": ["p", "q"]})
    with pytest.raises(bj.BrmsjaxError, match="new"):
        fit.posterior_epred(newdata=nd)
    for mode in ("uncertainty", "gaussian", "old_levels"):
        probs = fit.posterior_epred(newdata=nd, allow_new_levels=True, sample_new_levels=mode)
        assert probs.shape == (fit.ndraws, 2, 4)
        np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-10)
    pred = fit.posterior_predict(newdata=nd, allow_new_levels=True)
    assert set(np.unique(pred)) <= {1, 2, 3, 4}


def test_ranef_and_coef_are_brms(fit: bj.BrmsFit) -> None:
    """brms's coef: ``Intercept[k]`` of ranef meets the threshold ``Intercept[k]`` of fixef
    with sratio's sign (``thres_minus_eta``: fixef - ranef); ``x`` is fixef at every level."""
    ranef = fit.ranef(summary=False)["g"]
    coef = fit.coef(summary=False)["g"]
    draws = fit.draws()
    assert list(ranef.coords["coef"].values) == ["Intercept[1]", "Intercept[2]", "Intercept[3]"]
    assert list(coef.coords["coef"].values) == ["Intercept[1]", "Intercept[2]", "Intercept[3]", "x"]
    for k in (1, 2, 3):
        r = draws[f"r_g[c,Intercept[{k}]]"].to_numpy()
        np.testing.assert_allclose(
            coef.sel(level="c", coef=f"Intercept[{k}]").values,
            draws[f"b_Intercept[{k}]"].to_numpy() - r,
        )
        np.testing.assert_allclose(ranef.sel(level="c", coef=f"Intercept[{k}]").values, r)
    np.testing.assert_allclose(coef.sel(level="c", coef="x").values, draws["b_x"].to_numpy())


def test_summary_and_loo(fit: bj.BrmsFit) -> None:
    text = str(fit.summary())
    assert "sd(Intercept[1])" in text and "cor(Intercept[1],Intercept[2])" in text
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])


def test_porter_translates_cs_group_terms() -> None:
    call = from_r("brm(y ~ x + (cs(1) | g), family = acat(), data = d, chains = 2)")
    text = call.to_python()
    assert '"y ~ x + (cs(1) | g)"' in text and 'family="acat"' in text
    standata = bj.make_standata(call.formula, data(), family="acat")
    assert (standata["M_1"], standata["NC_1"]) == (3, 3)


N_LEVELS, N_ROWS = 12, 720
TRUTH = {"thres": np.array([-1.0, 0.2, 1.2]), "b_x": 0.6, "sd": np.array([1.0, 0.5, 0.8])}


@pytest.mark.slow
def test_fit_recovers_truth() -> None:
    """acat with (cs(1) || g): thresholds, slope and the levels' effects recovered."""
    rng = np.random.default_rng(7)
    g = np.repeat(np.arange(N_LEVELS), N_ROWS // N_LEVELS)
    x = rng.normal(size=N_ROWS)
    r = rng.normal(size=(N_LEVELS, 3)) * TRUTH["sd"]
    thres = TRUTH["thres"][None, :] - r[g]
    logp = np.stack(
        [_lpmf("acat", np.full(N_ROWS, c), TRUTH["b_x"] * x, thres) for c in (1, 2, 3, 4)], 1
    )
    y = np.array([rng.choice(4, p=np.exp(lp) / np.exp(lp).sum()) + 1 for lp in logp])
    d = pd.DataFrame({"y": y, "x": x, "g": [f"L{i:02d}" for i in g]})
    fit = bj.brm("y ~ x + (cs(1) || g)", d, family="acat", chains=2, iter=1000, seed=5)
    draws = fit.draws()
    for name, value in [("b_x", TRUTH["b_x"])] + [
        (f"b_Intercept[{k + 1}]", v) for k, v in enumerate(TRUTH["thres"])
    ]:
        est, sd = draws[name].mean(), draws[name].std()
        assert abs(est - value) < 3.5 * sd, (name, est, sd, value)
    for k in range(3):
        est = np.array([draws[f"r_g[L{i:02d},Intercept[{k + 1}]]"].mean() for i in range(N_LEVELS)])
        assert np.corrcoef(est, r[:, k])[0, 1] > 0.7, k
