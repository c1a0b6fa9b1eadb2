"""Fits of ``ar(cov = TRUE)``/``cosy()`` with latent residuals (poisson).

The small fit (one short chain) checks brms's draw names (``ar[1]``, ``sderr`` after the
coefficients, ``err[n]`` in series order after ``lp__``, no ``zerr``) and the post-processing
against hand computations from its own draws: brms's ``predictor_ac`` adds the saved ``err``
to mu, so ``posterior_epred`` is ``exp(eta + err)`` and ``log_lik`` the poisson density there
(rows in the design's series order); new data get new residuals drawn per series from
``multi_normal(0, sderr^2 C)`` (whitened by brms's ``chol_cor`` they are standard normal).
The slow tests recover the truth of data simulated from brms's own model, without
divergences.
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
from brmsjax.backend.model.terms.arcov import arcov_data
from brmsjax.backend.model.terms.latent.time_err import scale_time_err
from brmsjax.formula.errors import BrmsjaxError
from tests.helpers import assert_count_predictions_and_loo


def simulate(n_series: int, n_per: int, coefs: dict[str, float], seed: int) -> pd.DataFrame:
    """brms's model: ``log mu = 0.8 + 0.4 x + err``, ``err = sderr * chol_cor * zerr`` per
    series (``coefs``: ``sderr`` and ``ar`` or ``cosy``); rows shuffled."""
    rng = np.random.default_rng(seed)
    series = np.repeat(np.arange(n_series), n_per)
    z = rng.normal(size=len(series))
    kind = {k: np.array([v]) if k == "ar" else np.array(v) for k, v in coefs.items()}
    kind.pop("sderr")
    err = coefs["sderr"] * np.asarray(scale_time_err(kind, z, arcov_data(series)))
    x = rng.normal(size=len(series))
    d = pd.DataFrame(
        {
            "g": [f"s{g}" for g in series],
            "t": np.tile(np.arange(n_per), n_series),
            "x": x,
            "y": rng.poisson(np.exp(0.8 + 0.4 * x + err)),
        }
    )
    return d.sample(frac=1, random_state=seed).reset_index(drop=True)


FORMULA = "y ~ x + ar(t, g, cov = TRUE)"


@cache
def small_fit() -> tuple[bj.BrmsFit, pd.DataFrame]:
    d = simulate(3, 10, {"ar": 0.6, "sderr": 0.5}, seed=4)
    with warnings.catch_warnings():  # a short chain checks post-processing, not convergence
        warnings.simplefilter("ignore", SamplerWarning)
        fit = bj.brm(FORMULA, d, family="poisson", chains=1, iter=300, seed=2)
    return fit, d


def hand_eta(fit: bj.BrmsFit, x: np.ndarray, err: np.ndarray | None) -> np.ndarray:
    dr = fit.draws()
    eta = dr["b_Intercept"].to_numpy()[:, None] + np.outer(dr["b_x"], x)
    return eta if err is None else eta + err


def saved_err(fit: bj.BrmsFit, n: int) -> np.ndarray:
    return fit.draws()[[f"err[{i}]" for i in range(1, n + 1)]].to_numpy()


def test_draw_names_are_brms() -> None:
    fit, d = small_fit()
    names = list(fit.draws().columns)
    assert names[:6] == ["b_Intercept", "b_x", "ar[1]", "sderr", "lprior", "lp__"]
    assert names[6 : 6 + len(d)] == [f"err[{i}]" for i in range(1, len(d) + 1)]
    assert not any(n.startswith(("zerr", "chol_cor")) for n in names)
    assert list(fit.summary().cor_pars.index) == ["ar[1]", "sderr"]


@pytest.mark.parametrize("what", ["epred", "log_lik", "no_autocor"])
def test_predictions_add_saved_err(what: str) -> None:
    fit, d = small_fit()
    x = fit.design.fixed[0].X[:, 1]  # the design's rows: sorted by g, then t
    eta = hand_eta(fit, x, saved_err(fit, len(d)))
    if what == "epred":
        np.testing.assert_allclose(np.asarray(fit.posterior_epred()), np.exp(eta), rtol=1e-9)
    elif what == "log_lik":
        y = np.asarray(fit.design.response.y)
        want = stats.poisson.logpmf(y[None, :], np.exp(eta))
        np.testing.assert_allclose(np.asarray(fit.log_lik()), want, rtol=1e-9)
    else:  # incl_autocor = FALSE: no err (brms leaves the autocorrelation terms out)
        got = np.asarray(fit.posterior_epred(incl_autocor=False))
        np.testing.assert_allclose(got, np.exp(hand_eta(fit, x, None)), rtol=1e-9)


def test_predict_and_loo() -> None:
    fit, d = small_fit()
    assert_count_predictions_and_loo(fit, 150, len(d))


def test_new_data_draw_new_correlated_err() -> None:
    """New rows (one series of 12, one of 8, shuffled) get err ~ N(0, sderr^2 C(ar)): whitened
    with each draw's Cholesky factor they are independent standard normal draws."""
    fit, _ = small_fit()
    new = simulate(2, 12, {"ar": 0.0, "sderr": 0.1}, seed=9)
    new = new[(new["g"] == "s0") | (new["t"] < 8)].reset_index(drop=True)
    epred = np.asarray(fit.posterior_epred(newdata=new, seed=5))
    err = np.log(epred) - hand_eta(fit, new["x"].to_numpy(), None)
    again = np.asarray(fit.posterior_epred(newdata=new, seed=5))
    np.testing.assert_array_equal(epred, again)
    dr = fit.draws()
    ar, sderr = dr["ar[1]"].to_numpy(), dr["sderr"].to_numpy()
    z = []
    for g in ("s0", "s1"):
        rows = new.index[new["g"] == g][np.argsort(new.loc[new["g"] == g, "t"].to_numpy())]
        k = np.abs(np.subtract.outer(np.arange(len(rows)), np.arange(len(rows))))
        for s in range(len(ar)):
            L = np.linalg.cholesky(ar[s] ** k / (1 - ar[s] ** 2))
            z.append(np.linalg.solve(L, err[s, rows] / sderr[s]))
    z = np.concatenate(z)
    assert abs(z.mean()) < 4 / np.sqrt(z.size)
    assert z.var() == pytest.approx(1.0, abs=0.1)
    lag = np.corrcoef(z[:-1], z[1:])[0, 1]
    assert abs(lag) < 0.1


def test_new_data_need_time_and_group() -> None:
    fit, d = small_fit()
    with pytest.raises(BrmsjaxError, match=r"newdata lacks the variables \['t', 'g'\]"):
        fit.posterior_epred(newdata=d[["x"]].iloc[:5])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("formula", "truth"),
    [
        (FORMULA, {"ar": 0.7, "sderr": 0.6}),
        ("y ~ x + cosy(t, g)", {"cosy": 0.5, "sderr": 0.7}),
    ],
)
def test_recovers_simulated_truth(formula: str, truth: dict[str, float]) -> None:
    d = simulate(6, 30, truth, seed=11)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplerWarning)
        fit = bj.brm(formula, d, family="poisson", chains=2, iter=1000, seed=3)
    assert not [w for w in caught if "divergent" in str(w.message)]
    dr = fit.draws()
    names = {"b_Intercept": 0.8, "b_x": 0.4, "sderr": truth["sderr"]}
    names |= {"ar[1]": truth["ar"]} if "ar" in truth else {"cosy": truth["cosy"]}
    for name, value in names.items():
        mean, sd = dr[name].mean(), dr[name].std()
        assert abs(mean - value) < 3 * sd + 0.05, name
