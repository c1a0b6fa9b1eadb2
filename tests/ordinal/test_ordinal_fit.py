"""Fits of sratio, cratio and acat with cs(): brms's draws, summaries and predictions.

The expected category probabilities are recomputed from the draws with brms's formulas
(``posterior_epred``: ``dacat``/``dsratio`` of ``thres - Xcs bcs`` and ``X b``), so the
prediction path (new data, category-specific design, thresholds per row) is checked against
the fit's own posterior.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import brmsjax as bj
from brmsjax import datasets

NEW = pd.DataFrame({"temp": ["cold", "warm", "warm"], "contact": ["yes", "no", "yes"]})
# (family, threshold, brms's variable names of the fit, from brms 2.18's fits and Stan code)
FITS = {
    "acat": (
        bj.acat(),
        [
            *(f"b_Intercept[{k}]" for k in range(1, 5)),
            "b_tempwarm",
            *(f"bcs_contactyes[{k}]" for k in range(1, 5)),
            "disc",
            "lprior",
            "lp__",
        ],
    ),
    "sratio_equidistant": (
        bj.sratio("probit", threshold="equidistant"),
        [
            *(f"b_Intercept[{k}]" for k in range(1, 5)),
            "b_tempwarm",
            *(f"bcs_contactyes[{k}]" for k in range(1, 5)),
            "disc",
            "delta",
            "lprior",
            "lp__",
        ],
    ),
}


@cache
def fitted(name: str) -> bj.BrmsFit:
    family = FITS[name][0]
    return bj.brm(
        "rating ~ temp + cs(contact)", datasets.wine(), family=family, chains=2, iter=400, seed=7
    )


def _probs(name: str, fit: bj.BrmsFit, temp: np.ndarray, contact: np.ndarray) -> np.ndarray:
    """brms's category probabilities ``(draws, rows, 5)`` from the draws, by hand."""
    d = fit.draws()
    thres = d[[f"b_Intercept[{k}]" for k in range(1, 5)]].to_numpy()
    bcs = d[[f"bcs_contactyes[{k}]" for k in range(1, 5)]].to_numpy()
    mu = d["b_tempwarm"].to_numpy()[:, None] * temp[None, :]
    th = thres[:, None, :] - contact[None, :, None] * bcs[:, None, :]
    if name == "acat":  # softmax(append_row(0, cumulative_sum(mu - thres)))
        return special.softmax(
            np.concatenate([np.zeros_like(mu)[..., None], np.cumsum(mu[..., None] - th, -1)], -1),
            axis=-1,
        )
    q = stats.norm.cdf(th - mu[..., None])  # sratio: stop at k with F(thres_k - mu)
    go = np.cumprod(1 - q, axis=-1)
    before = np.concatenate([np.ones_like(mu)[..., None], go[..., :-1]], -1)
    return np.concatenate([q * before, go[..., -1:]], -1)


@pytest.mark.parametrize("name", sorted(FITS))
def test_variables_are_brms(name: str) -> None:
    assert list(fitted(name).variables()) == FITS[name][1]


@pytest.mark.parametrize("name", sorted(FITS))
def test_epred_and_log_lik_follow_brms_formulas(name: str) -> None:
    fit = fitted(name)
    got = fit.posterior_epred(newdata=NEW)
    temp = (NEW["temp"] == "warm").to_numpy(float)
    contact = (NEW["contact"] == "yes").to_numpy(float)
    np.testing.assert_allclose(got, _probs(name, fit, temp, contact), rtol=1e-8, atol=1e-12)
    wine = datasets.wine()
    ref = _probs(
        name,
        fit,
        (wine["temp"] == "warm").to_numpy(float),
        (wine["contact"] == "yes").to_numpy(float),
    )
    y = wine["rating"].to_numpy() - 1
    expected = np.log(
        np.take_along_axis(ref, np.broadcast_to(y[None, :, None], (*ref.shape[:2], 1)), -1)
    )[..., 0]
    np.testing.assert_allclose(fit.log_lik(), expected, rtol=1e-8)


@pytest.mark.parametrize("name", sorted(FITS))
def test_predict_draws_categories_with_their_probabilities(name: str) -> None:
    fit = fitted(name)
    many = pd.concat([NEW] * 200, ignore_index=True)
    draws = fit.posterior_predict(newdata=many, seed=3)
    assert set(np.unique(draws)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    probs = fit.posterior_epred(newdata=NEW).mean(axis=0)
    for row in range(len(NEW)):
        freq = np.bincount(draws[:, row :: len(NEW)].astype(int).ravel(), minlength=6)[1:]
        np.testing.assert_allclose(freq / freq.sum(), probs[row], atol=0.01)


def test_summary_loo_and_fixef_show_category_specific_effects() -> None:
    fit = fitted("acat")
    fixef = fit.fixef()
    assert list(fixef.index) == [
        *(f"Intercept[{k}]" for k in range(1, 5)),
        "tempwarm",
        *(f"contactyes[{k}]" for k in range(1, 5)),
    ]
    assert "contactyes[4]" in str(fit.summary())
    loo = fit.loo()
    assert np.isfinite(loo.estimates.loc["elpd_loo", "Estimate"])


@pytest.mark.parametrize("suffix", [".nc", ".pkl"])
def test_saved_fit_keeps_thresholds_and_cs(tmp_path: Path, suffix: str) -> None:
    fit = fitted("sratio_equidistant")
    path = tmp_path / f"fit{suffix}"
    fit.save(path)
    back = bj.load(path)
    np.testing.assert_allclose(
        back.posterior_epred(newdata=NEW), fit.posterior_epred(newdata=NEW), rtol=1e-12
    )


def test_conditional_effects_and_hypothesis_read_cs_terms() -> None:
    fit = fitted("acat")
    effects = bj.conditional_effects(fit)
    assert list(effects.effects) == ["temp", "contact"]
    table = effects.effects["contact"]
    probs = fit.posterior_epred(newdata=table[["temp", "contact"]])
    # brms's conditional_effects of an ordinal model: the median over the draws of the mean
    # category sum_k k P(y = k)
    expected = np.median((probs * np.arange(1, 6)).sum(-1), axis=0)
    np.testing.assert_allclose(table["estimate__"].to_numpy(), expected, rtol=1e-8)
    # brms's hypothesis() reads category-specific effects with class = "bcs" (brms#1056)
    h = fit.hypothesis("contactyes[2] > 0", class_="bcs")
    draws = fit.draws()["bcs_contactyes[2]"]
    assert h.hypothesis["Estimate"].iloc[0] == pytest.approx(draws.mean())
