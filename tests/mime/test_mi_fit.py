"""mi() responses fitted: imputed values and coefficients recovered, brms's draws names, and
the posterior of a model on mice's nhanes equal to the one it implies.

With complete predictors, ``y | mi() ~ x`` has the complete-case model's posterior for ``b``
and ``sigma`` (the missing responses integrate out of the likelihood) and each ``Ymi[j]`` is
a draw from the predictive distribution of its row: its posterior mean is the mean of
``posterior_epred`` there and its sd that of ``posterior_predict``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.formula.errors import ModelError

NHANES = Path(__file__).parents[1] / "fixtures" / "mime" / "nhanes.csv"
SETTINGS = {"chains": 2, "iter": 2000, "seed": 3, "progress": False}


def _fit(formula: str, data: pd.DataFrame, **kwargs: object) -> brmsjax.BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brmsjax.brm(formula, data, **{**SETTINGS, **kwargs})


def simulated(n: int = 200, seed: int = 11) -> tuple[pd.DataFrame, np.ndarray]:
    """y = 1 + 2 x + N(0, 0.5), with 25 responses removed; returns the data and the truth."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 1 + 2 * x + rng.normal(size=n) * 0.5
    d = pd.DataFrame({"y": y, "x": x})
    d.loc[rng.choice(n, 25, replace=False), "y"] = np.nan
    return d, y


@pytest.fixture(scope="module")
def nhanes_fits() -> tuple[brmsjax.BrmsFit, brmsjax.BrmsFit, pd.DataFrame]:
    d = pd.read_csv(NHANES)
    d["age"] = d["age"].astype(float)
    return _fit("bmi | mi() ~ age", d), _fit("bmi ~ age", d), d


def test_draws_names_follow_brms(nhanes_fits: tuple) -> None:
    """Ymi[j] at brms's Jmi (1-based rows of the data), after sigma, before lprior."""
    fit, _, d = nhanes_fits
    rows = np.flatnonzero(d["bmi"].isna()) + 1
    names = [c for c in fit.draws().columns if not c.startswith(".")]
    expected = ["b_Intercept", "b_age", "sigma", *(f"Ymi[{j}]" for j in rows), "lprior", "lp__"]
    assert names == expected


@pytest.mark.parametrize("variable", ["b_Intercept", "b_age", "sigma"])
def test_nhanes_posterior_equals_complete_case(nhanes_fits: tuple, variable: str) -> None:
    fit, complete, _ = nhanes_fits
    ours, ref = fit.draws()[variable], complete.draws()[variable]
    assert abs(ours.mean() - ref.mean()) <= 0.12 * ref.std()
    assert abs(ours.std() / ref.std() - 1) <= 0.12


def test_imputed_values_are_predictive_draws(nhanes_fits: tuple) -> None:
    fit, _, d = nhanes_fits
    rows = np.flatnonzero(d["bmi"].isna())
    draws = fit.draws()[[f"Ymi[{j + 1}]" for j in rows]].to_numpy()
    epred = fit.posterior_epred()[:, rows]
    predict = fit.posterior_predict()[:, rows]
    sd = predict.std(axis=0)
    np.testing.assert_array_less(np.abs(draws.mean(axis=0) - epred.mean(axis=0)), 0.15 * sd)
    np.testing.assert_allclose(draws.std(axis=0), sd, rtol=0.12)


def test_log_lik_is_missing_at_missing_rows_and_loo_refuses(nhanes_fits: tuple) -> None:
    """As brms: log_lik is NA where the response is missing, and loo refuses NAs."""
    fit, _, d = nhanes_fits
    ll = fit.log_lik()
    np.testing.assert_array_equal(np.isnan(ll).all(axis=0), d["bmi"].isna().to_numpy())
    assert np.isfinite(ll[:, d["bmi"].notna().to_numpy()]).all()
    with pytest.raises(ModelError, match="NAs not allowed in input"):
        fit.loo()


def test_simulated_recovery() -> None:
    d, truth = simulated()
    fit = _fit("y | mi() ~ x", d, iter=1000)
    rows = np.flatnonzero(d["y"].isna())
    imputed = fit.draws()[[f"Ymi[{j + 1}]" for j in rows]].mean().to_numpy()
    assert np.corrcoef(imputed, truth[rows])[0, 1] > 0.95
    assert np.mean(np.abs(imputed - truth[rows])) < 0.6  # E|N(0, 0.5)| = 0.4
    fixef = fit.fixef()
    assert abs(fixef.loc["x", "Estimate"] - 2) < 3 * fixef.loc["x", "Est.Error"]


@pytest.mark.slow
def test_measurement_error_recovery() -> None:
    """y | mi(sdy) ~ x: the latent response's sigma (0.3) is recovered under noise 0.3-0.8."""
    rng = np.random.default_rng(2)
    n = 150
    x = rng.normal(size=n)
    sdy = rng.uniform(0.3, 0.8, n)
    y = 1 + 2 * x + rng.normal(size=n) * 0.3 + rng.normal(size=n) * sdy
    d = pd.DataFrame({"y": y, "x": x, "sdy": sdy})
    d.loc[[4, 9], "y"] = np.nan
    fit = _fit("y | mi(sdy) ~ x", d, iter=1000)
    assert "Yl[1]" not in fit.draws().columns  # brms's save_pars(latent = FALSE)
    s = fit.posterior_summary()
    for name, truth in (("b_Intercept", 1.0), ("b_x", 2.0), ("sigma", 0.3)):
        assert abs(s.loc[name, "Estimate"] - truth) < 3 * s.loc[name, "Est.Error"], name


BRMS = Path(__file__).parents[1] / "fixtures" / "mime" / "nhanes_brms.json"


def test_nhanes_posterior_agrees_with_brms(nhanes_fits: tuple) -> None:
    """Every parameter's posterior mean and sd against one brms 2.18 fit (nhanes_fit.R)."""
    fit = nhanes_fits[0]
    reference = json.loads(BRMS.read_text())["summary"]
    draws = fit.draws()
    checked = 0
    for row in reference:
        name = row["variable"]
        if name in {"lprior", "lp__", "Intercept"}:
            continue
        ours = draws[name]
        assert abs(ours.mean() - row["mean"]) <= 0.15 * row["sd"], name
        assert abs(ours.std() / row["sd"] - 1) <= 0.15, name
        checked += 1
    assert checked == 3 + 9  # b_Intercept, b_age, sigma and the 9 missing bmi values
