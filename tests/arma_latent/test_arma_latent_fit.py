"""Fits of ARMA terms with latent residuals (poisson ``ar(t, g)``).

The small fit (one short chain) checks brms's draw names (``ar[1]``, ``sderr`` after the
coefficients, ``err[n]`` in series order after ``lp__``, no ``zerr``) and the post-processing
against hand computations from its own draws: brms's ``predictor_ac`` adds the ``err`` draws
to mu (not the AR part), so ``posterior_epred`` is ``exp(eta + err)`` and ``log_lik`` the
poisson density there, in the data's row order; new data are refused with brms's message.
The slow test recovers the truth of data simulated from brms's own model.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.formula.errors import BrmsjaxError
from tests.helpers import assert_count_predictions_and_loo


def simulate(n_series: int, n_per: int, ar: float, sderr: float, seed: int) -> pd.DataFrame:
    """brms's latent-residual model: ``log mu = 0.8 + 0.4 x + err_t + ar err_(t-1)``."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_series):
        prev = 0.0
        for t in range(1, n_per + 1):
            err, x = sderr * rng.normal(), rng.normal()
            eta = 0.8 + 0.4 * x + err + ar * prev
            rows.append({"g": f"s{g}", "t": t, "x": x, "y": rng.poisson(np.exp(eta))})
            prev = err
    return pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)


@cache
def small_fit() -> tuple[bj.BrmsFit, pd.DataFrame]:
    d = simulate(2, 15, 0.5, 0.5, seed=4)
    with warnings.catch_warnings():  # a short chain checks post-processing, not convergence
        warnings.simplefilter("ignore", SamplerWarning)
        fit = bj.brm("y ~ x + ar(t, g)", d, family="poisson", chains=1, iter=300, seed=2)
    return fit, d


def hand_eta(fit: bj.BrmsFit, d: pd.DataFrame) -> np.ndarray:
    """eta + err per draw, rows in the data's order (err is in series order)."""
    dr = fit.draws()
    eta = dr["b_Intercept"].to_numpy()[:, None] + np.outer(dr["b_x"], d["x"])
    err = dr[[f"err[{i}]" for i in range(1, len(d) + 1)]].to_numpy()
    eta[:, np.lexsort((d["t"], d["g"]))] += err
    return eta


def test_draw_names_are_brms() -> None:
    fit, d = small_fit()
    names = list(fit.draws().columns)
    errs = [f"err[{i}]" for i in range(1, len(d) + 1)]
    assert names[:6] == ["b_Intercept", "b_x", "ar[1]", "sderr", "lprior", "lp__"]
    assert names[6 : 6 + len(d)] == errs
    assert not any(n.startswith("zerr") for n in names)
    assert "sderr" in str(fit.summary()).split("Population-Level")[0]


@pytest.mark.parametrize("what", ["epred", "log_lik"])
def test_predictions_add_err(what: str) -> None:
    fit, d = small_fit()
    eta = hand_eta(fit, d)
    if what == "epred":
        np.testing.assert_allclose(np.asarray(fit.posterior_epred()), np.exp(eta), rtol=1e-9)
    else:
        want = stats.poisson.logpmf(d["y"].to_numpy()[None, :], np.exp(eta))
        np.testing.assert_allclose(np.asarray(fit.log_lik()), want, rtol=1e-9)


def test_predict_and_loo() -> None:
    fit, d = small_fit()
    assert_count_predictions_and_loo(fit, 150, len(d))


def test_new_data_are_refused() -> None:
    fit, d = small_fit()
    with pytest.raises(BrmsjaxError, match="Cannot predict new latent residuals when using cov"):
        fit.posterior_epred(newdata=d.iloc[:5])


@pytest.mark.slow
def test_recovers_simulated_truth() -> None:
    d = simulate(4, 60, 0.5, 0.5, seed=11)
    fit = bj.brm("y ~ x + ar(t, g)", d, family="poisson", chains=2, iter=1000, seed=3)
    dr = fit.draws()
    for name, truth in {"b_Intercept": 0.8, "b_x": 0.4, "ar[1]": 0.5, "sderr": 0.5}.items():
        mean, sd = dr[name].mean(), dr[name].std()
        assert abs(mean - truth) < 3 * sd + 0.05, name
