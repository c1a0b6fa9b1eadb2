"""mm() and mmc() terms fitted: recovery of simulated multi-membership effects, brms's draws
names, predictions equal to brms's predictor ``sum_m W_m r[J_m] Z_m`` computed from the draws
(fitted rows, new data, new levels) and the likelihood form the model gets."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.api import design_for, get_family, resolve_priors
from brmsjax.backend.model.forms import glm_blocker, suffstat_blocker
from brmsjax.backend.model.lower import lower
from brmsjax.backend.model.plans import GroupPlan
from brmsjax.formula.errors import ModelError
from brmsjax.port import from_r

LEVELS = np.array([f"s{i:02d}" for i in range(12)])
R_INTERCEPT = np.random.default_rng(3).normal(0.0, 1.0, 12)
R_SLOPE = np.random.default_rng(4).normal(0.0, 0.5, 12)


def simulated(n: int = 300, seed: int = 1) -> pd.DataFrame:
    """y = 1 + 0.5 x1 + sum_m W_m (r0[g_m] + r1[g_m] x_m) + N(0, 0.5), W_m = w_m / (w1 + w2)."""
    rng = np.random.default_rng(seed)
    g1, g2 = rng.integers(0, 12, n), rng.integers(0, 12, n)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    w1, w2 = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
    W1, W2 = w1 / (w1 + w2), w2 / (w1 + w2)
    eta = 1.0 + 0.5 * x1
    eta = (
        eta + W1 * (R_INTERCEPT[g1] + R_SLOPE[g1] * x1) + W2 * (R_INTERCEPT[g2] + R_SLOPE[g2] * x2)
    )
    y = eta + rng.normal(0.0, 0.5, n)
    return pd.DataFrame(
        {"y": y, "x1": x1, "x2": x2, "g1": LEVELS[g1], "g2": LEVELS[g2], "w1": w1, "w2": w2}
    )


FORMULA = "y ~ x1 + (1 + mmc(x1, x2) | mm(g1, g2, weights = cbind(w1, w2)))"


def _fit(chains: int, iter: int) -> brmsjax.BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brmsjax.brm(FORMULA, simulated(), chains=chains, iter=iter, seed=5)


@pytest.fixture(scope="module")
def fit() -> brmsjax.BrmsFit:
    """A short run: the names and predictions checked with it hold for any draws."""
    return _fit(1, 300)


@pytest.fixture(scope="module")
def long_fit() -> brmsjax.BrmsFit:
    return _fit(2, 1000)


def test_draws_names_are_brms(fit: brmsjax.BrmsFit) -> None:
    names = fit.variables()
    assert names[:6] == [
        "b_Intercept",
        "b_x1",
        "sd_mmg1g2__Intercept",
        "sd_mmg1g2__mmcx1x2",
        "cor_mmg1g2__Intercept__mmcx1x2",
        "sigma",
    ]
    assert "r_mmg1g2[s00,Intercept]" in names
    assert "r_mmg1g2[s11,mmcx1x2]" in names


@pytest.mark.parametrize(
    ("name", "truth", "tol"),
    [
        ("b_x1", 0.5, 0.08),
        ("sigma", 0.5, 0.06),
        # the spread of the 12 simulated effects themselves
        ("sd_mmg1g2__Intercept", float(np.std(R_INTERCEPT, ddof=1)), 0.5),
        ("sd_mmg1g2__mmcx1x2", float(np.std(R_SLOPE, ddof=1)), 0.3),
    ],
)
@pytest.mark.slow
def test_recovers_simulated_truth(
    long_fit: brmsjax.BrmsFit, name: str, truth: float, tol: float
) -> None:
    assert abs(long_fit.draws()[name].mean() - truth) < tol


@pytest.mark.parametrize(("coef", "truth"), [("Intercept", R_INTERCEPT), ("mmcx1x2", R_SLOPE)])
@pytest.mark.slow
def test_recovers_the_levels_effects(
    long_fit: brmsjax.BrmsFit, coef: str, truth: np.ndarray
) -> None:
    dr = long_fit.draws()
    est = np.array([dr[f"r_mmg1g2[{lv},{coef}]"].mean() for lv in LEVELS])
    assert np.corrcoef(est, truth)[0, 1] > 0.85


def _predictor(fit: brmsjax.BrmsFit, d: pd.DataFrame) -> np.ndarray:
    """brms's mu from the draws: Intercept + b x1 + sum_m W_m (r[J_m, 1] + r[J_m, 2] x_m)."""
    dr = fit.draws()
    w = d[["w1", "w2"]].to_numpy()
    W = w / w.sum(axis=1, keepdims=True)
    out = (
        dr["b_Intercept"].to_numpy()[:, None] + dr["b_x1"].to_numpy()[:, None] * d["x1"].to_numpy()
    )
    for m, (g, x) in enumerate([("g1", "x1"), ("g2", "x2")]):
        r0 = np.stack([dr[f"r_mmg1g2[{lv},Intercept]"] for lv in d[g]], axis=1)
        r1 = np.stack([dr[f"r_mmg1g2[{lv},mmcx1x2]"] for lv in d[g]], axis=1)
        out = out + W[:, m] * (r0 + r1 * d[x].to_numpy())
    return out


def test_epred_is_brms_predictor(fit: brmsjax.BrmsFit) -> None:
    d = simulated()
    np.testing.assert_allclose(fit.posterior_epred(), _predictor(fit, d), rtol=1e-5, atol=1e-6)
    new = d.iloc[[3, 1, 4]].assign(x2=[0.3, -1.0, 2.0], w1=[1.0, 3.0, 0.2])
    got = fit.posterior_epred(newdata=new)
    np.testing.assert_allclose(got, _predictor(fit, new), rtol=1e-5, atol=1e-6)


def test_new_levels_and_re_formula(fit: brmsjax.BrmsFit) -> None:
    new = simulated().iloc[:4].copy()
    new["g2"] = ["zz", "zz", "s01", "yy"]
    with pytest.raises(brmsjax.BrmsjaxError, match="allow_new_levels=True"):
        fit.posterior_epred(newdata=new)
    got = fit.posterior_predict(newdata=new, allow_new_levels=True, seed=1)
    assert got.shape == (150, 4) and np.all(np.isfinite(got))
    dr = fit.draws()
    fixed = dr["b_Intercept"].to_numpy()[:, None] + np.outer(dr["b_x1"], new["x1"])
    np.testing.assert_allclose(fit.posterior_epred(newdata=new, re_formula="NA"), fixed)


def test_loo_and_summary(fit: brmsjax.BrmsFit) -> None:
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
    text = str(fit.summary())
    assert "~mmg1g2 (Number of levels: 12)" in text
    assert "cor(Intercept,mmcx1x2)" in text


def test_multi_membership_gets_the_plain_likelihood() -> None:
    """The suffstat, marginal and glm forms read one level per row; mm() is left to plain."""
    family = brmsjax.gaussian()
    plan = GroupPlan(1, 1, 12, False, False, (("", (0,)),), mm=True)
    assert suffstat_blocker(family, [], [plan], (), False) is not None
    reason = glm_blocker(brmsjax.poisson(), [], [plan], (), False)
    assert reason == "the model has a multi-membership term mm()"


@pytest.mark.parametrize(
    ("likelihood", "form"), [("auto", "plain"), ("marginal", None), ("suffstat", None)]
)
def test_lowered_form(likelihood: str, form: str | None) -> None:
    fam = get_family("gaussian")
    design = design_for("y ~ x1 + (1 | mm(g1, g2))", simulated(), fam)
    priors = resolve_priors(design, fam, None)
    if form is None:
        with pytest.raises(ModelError, match="the model has a multi-membership term mm"):
            lower(design, fam, priors, likelihood=likelihood)
        return
    low = lower(design, fam, priors, likelihood=likelihood)
    assert low.forms["likelihood"] == form
    assert np.asarray(low.data["J"]["1"]).shape == (300, 2)


def test_equations_refuse_multi_membership(fit: brmsjax.BrmsFit) -> None:
    with pytest.raises(ModelError, match="cannot write the multi-membership term of 'mmg1g2'"):
        fit.equations()


def test_porter_translates_mm_calls() -> None:
    text = from_r(
        "brm(y ~ 1 + (1 | mm(s1, s2, weights = cbind(w1, w2))), data = data_mm)"
    ).to_python()
    assert '"y ~ 1 + (1 | mm(s1, s2, weights = cbind(w1, w2)))"' in text
