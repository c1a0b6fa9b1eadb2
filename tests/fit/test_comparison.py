"""loo, waic, loo_compare and bayes_R2: against the loo package (R fixture made by
tests/fixtures/loo/make_loo_reference.R), ArviZ called directly, and hand formulas."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.methods.comparison import (
    ComparisonError,
    Loo,
    k_threshold,
    loo_compare,
    psis_loo,
    relative_eff,
    waic,
)

REF = json.loads((Path(__file__).parents[1] / "fixtures/loo/loo_reference.json").read_text())
SLEEP = pd.read_csv("brmsjax/data/sleepstudy.csv")


def _ll(model: str) -> np.ndarray:
    return np.asarray(REF[model]["log_lik"], dtype=np.float64)


@pytest.mark.parametrize("model", ["a", "b"])
def test_loo_matches_loo_package(model: str) -> None:
    ref = REF[model]
    ll = _ll(model)
    np.testing.assert_allclose(relative_eff(ll, REF["chains"]), ref["r_eff"], rtol=1e-10)
    result = psis_loo(ll, relative_eff(ll, REF["chains"]))
    np.testing.assert_allclose(result.estimates.to_numpy(), ref["loo_estimates"], rtol=1e-10)
    np.testing.assert_allclose(result.pareto_k, ref["pareto_k"], rtol=1e-8)
    np.testing.assert_allclose(result.pointwise["n_eff"], ref["n_eff"], rtol=1e-8)
    np.testing.assert_allclose(result.pointwise["mcse_elpd"], ref["mcse_elpd"], rtol=1e-8)
    # the estimates as loo prints them; the Pareto k table follows loo >= 2.6 (below)
    head, _, tail = str(result).partition("\n------\n")
    assert head == "\n".join(ref["loo_print"][1:]).partition("\n------\n")[0]
    assert tail == K_TEXT[model]


# loo >= 2.6's print of the k diagnostics for the fixture's k values (S = 400 draws: threshold
# min(1 - 1 / log10(400), 0.7) = 0.6157); loo 2.5.1 binned the same k at 0.5 and 0.7.
K_TEXT = {
    "a": "\n".join(
        [
            "Monte Carlo SE of elpd_loo is NA.",
            "",
            "Pareto k diagnostic values:",
            "                          Count Pct.    Min. ESS",
            "(-Inf, 0.62]   (good)     27    90.0%   122     ",
            "   (0.62, 1]   (bad)       1     3.3%   16      ",
            "    (1, Inf)   (very bad)  2     6.7%   1       ",
            "See help('pareto-k-diagnostic') for details.",
        ]
    ),
    "b": "\n".join(
        [
            "Monte Carlo SE of elpd_loo is 0.1.",
            "",
            "All Pareto k estimates are good (k < 0.62).",
            "See help('pareto-k-diagnostic') for details.",
        ]
    ),
}


@pytest.mark.parametrize(
    ("draws", "threshold"), [(400, 1 - 1 / np.log10(400)), (2000, 0.6971), (4000, 0.7)]
)
def test_pareto_k_threshold_depends_on_the_draws(draws: int, threshold: float) -> None:
    assert k_threshold(draws) == pytest.approx(threshold, abs=1e-4)


@pytest.mark.parametrize("model", ["a", "b"])
def test_loo_fields_have_rs_names(model: str) -> None:
    result = psis_loo(_ll(model), relative_eff(_ll(model), REF["chains"]))
    (elpd, se_elpd), (p, se_p), (ic, se_ic) = REF[model]["loo_estimates"]
    got = [result.elpd_loo, result.se_elpd_loo, result.p_loo, result.se_p_loo]
    np.testing.assert_allclose(got, [elpd, se_elpd, p, se_p], rtol=1e-10)
    np.testing.assert_allclose([result.looic, result.se_looic], [ic, se_ic], rtol=1e-10)
    w = waic(_ll(model))
    assert w.waic == pytest.approx(REF[model]["waic_estimates"][2][0], rel=1e-10)
    with pytest.raises(AttributeError, match="has no field 'elpd_waic'"):
        _ = result.elpd_waic


@pytest.mark.parametrize("model", ["a", "b"])
def test_waic_matches_loo_package(model: str) -> None:
    result = waic(_ll(model))
    np.testing.assert_allclose(
        result.estimates.to_numpy(), REF[model]["waic_estimates"], rtol=1e-10
    )
    assert str(result) == "\n".join(REF[model]["waic_print"][1:]).rstrip()


def test_loo_compare_matches_loo_package() -> None:
    model_a = psis_loo(_ll("a"), relative_eff(_ll("a"), 2))
    model_b = psis_loo(_ll("b"), relative_eff(_ll("b"), 2))
    by_keyword = {
        "model_a": psis_loo(_ll("a"), relative_eff(_ll("a"), 2)),
        "model_b": psis_loo(_ll("b"), relative_eff(_ll("b"), 2)),
    }
    for table in (loo_compare(model_a, model_b), loo_compare(**by_keyword)):
        assert list(table.table.index) == REF["compare"]["names"]
        np.testing.assert_allclose(
            table.table.to_numpy(), REF["compare"]["table"], rtol=1e-10, atol=1e-12
        )
        assert str(table) == "\n".join(REF["compare"]["print"])


@pytest.fixture(scope="module")
def fits() -> tuple[Any, Any]:
    # Short fits for arithmetic on their draws; convergence warnings are not under test here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        full = bj.brm(
            "Reaction ~ Days + (Days | Subject)", SLEEP, chains=2, iter=400, seed=11, progress=False
        )
        plain = bj.brm("Reaction ~ Days", SLEEP, chains=2, iter=400, seed=11, progress=False)
    return full, plain


def test_fit_loo_equals_arviz_on_same_log_lik(fits: tuple[Any, Any]) -> None:
    fit = fits[0]
    ll = fit.log_lik()
    idata = az.from_dict(log_likelihood={"Reaction": ll.reshape(2, -1, ll.shape[1])})
    with warnings.catch_warnings():  # ArviZ warns about high Pareto k; loo prints them
        warnings.simplefilter("ignore", UserWarning)
        expected = az.loo(idata, reff=1.0, pointwise=True)
    got = fit.loo(r_eff=1.0)
    assert got.elpd == pytest.approx(expected.elpd_loo, rel=1e-10)
    assert got.estimates.loc["p_loo", "Estimate"] == pytest.approx(expected.p_loo, rel=1e-10)
    np.testing.assert_allclose(got.pareto_k, expected.pareto_k.to_numpy(), rtol=1e-10)
    # default: loo's per-observation r_eff; each observation smoothed by ArviZ on its own
    reff = relative_eff(ll, 2)
    elpd_i = [
        logsumexp(np.asarray(az.psislw(-ll[:, i], reff=reff[i])[0]) + ll[:, i])
        for i in range(ll.shape[1])
    ]
    default = fit.loo()
    assert default.elpd == pytest.approx(float(np.sum(elpd_i)), rel=1e-10)
    assert str(default).startswith("Computed from 400 by 180 log-likelihood matrix\n\n")


def test_fit_waic_equals_hand_formula(fits: tuple[Any, Any]) -> None:
    ll = fits[0].log_lik()
    p_i = ll.var(axis=0, ddof=1)
    elpd = float(np.sum(logsumexp(ll, axis=0) - np.log(ll.shape[0]) - p_i))
    got = fits[0].waic()
    assert got.elpd == pytest.approx(elpd, rel=1e-12)
    assert got.estimates.loc["p_waic", "Estimate"] == pytest.approx(p_i.sum(), rel=1e-12)
    assert got.estimates.loc["waic", "Estimate"] == pytest.approx(-2 * elpd, rel=1e-12)


def test_fit_loo_compare_ranks_and_names(fits: tuple[Any, Any]) -> None:
    full, plain = fits
    table = loo_compare(plain, full)
    assert list(table.table.index) == ["full", "plain"]
    d = plain.loo().pointwise["elpd"].to_numpy() - full.loo().pointwise["elpd"].to_numpy()
    assert table.table.loc["plain", "elpd_diff"] == pytest.approx(d.sum(), rel=1e-10)
    assert table.table.loc["plain", "se_diff"] == pytest.approx(
        np.sqrt(len(d)) * d.std(ddof=1), rel=1e-10
    )
    assert str(table).splitlines()[0] == "      elpd_diff se_diff"


def test_bayes_r2_equals_gelman_formula(fits: tuple[Any, Any]) -> None:
    fit = fits[0]
    ypred = fit.posterior_epred()
    e = SLEEP["Reaction"].to_numpy()[None, :] - ypred
    r2 = ypred.var(axis=1, ddof=1) / (ypred.var(axis=1, ddof=1) + e.var(axis=1, ddof=1))
    np.testing.assert_allclose(fit.bayes_R2(summary=False), r2, rtol=1e-12)
    table = fit.bayes_R2()
    assert list(table.index) == ["R2"]
    assert table.loc["R2", "Estimate"] == pytest.approx(r2.mean(), rel=1e-12)
    assert table.loc["R2", "Q97.5"] == pytest.approx(np.quantile(r2, 0.975), rel=1e-12)


ERRORS = [
    (
        "one-model",
        lambda f: loo_compare(f[0]),
        "loo_compare needs at least two models; pass two or more fits.",
    ),
    (
        "criterion",
        lambda f: loo_compare(f[0], f[1], criterion="kfold"),
        "criterion must be 'loo' or 'waic', not 'kfold'.",
    ),
    (
        "not-a-fit",
        lambda f: loo_compare(f[0], x=3),
        "'x' is a int, not a fit or a loo result; pass fits.",
    ),
    (
        "mixed",
        lambda f: loo_compare(a=f[0].loo(), b=waic(np.zeros((10, 180)))),
        "The models were evaluated on different criteria or numbers of observations ([180]); "
        "compare models fitted to the same data with one criterion.",
    ),
]


@pytest.mark.parametrize(("call", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors(fits: tuple[Any, Any], call: Any, message: str) -> None:
    with pytest.raises(ComparisonError, match=re.escape(message)):
        call(fits)


def test_loo_result_is_loo() -> None:
    result = psis_loo(_ll("b"), 1.0)
    assert isinstance(result, Loo)
    assert repr(result) == str(result)
