"""brms's small accessors and loo_R2: against brms 2.18 fixtures (tests/fixtures/loo/
make_loo_r2_reference.R, tests/fixtures/prior_summary/make_prior_summary.R), numpy formulas on
the fit's own draws, and the fit's sampler statistics."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.core import FitError
from brmsjax.methods.comparison import psis_smooth, relative_eff
from brmsjax.methods.r2 import loo_r2_draws

FIXTURES = Path(__file__).parents[1] / "fixtures"
R2_REF = json.loads((FIXTURES / "loo/loo_r2_reference.json").read_text())
PRIOR_REF = json.loads((FIXTURES / "prior_summary/prior_summary.json").read_text())
SLEEP = pd.read_csv("brmsjax/data/sleepstudy.csv")


@pytest.fixture(scope="module")
def fit() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm(
            "Reaction ~ Days + (Days | Subject)",
            SLEEP,
            prior=bj.prior("normal(0, 50)", class_="b"),
            chains=2,
            iter=400,
            seed=5,
            progress=False,
        )


class _Recorded:
    """Stands in for the bootstrap's RNG: R's recorded exponential draws."""

    def exponential(self, scale: float, size: tuple[int, int]) -> np.ndarray:
        draws = np.asarray(R2_REF["exp_draws"], dtype=np.float64)
        assert scale == 1.0 and draws.shape == size
        return draws


def test_loo_r2_equals_brms() -> None:
    y = np.asarray(R2_REF["y"], dtype=np.float64)
    ypred = np.asarray(R2_REF["ypred"], dtype=np.float64)
    ll = np.asarray(R2_REF["log_lik"], dtype=np.float64)
    r_eff = relative_eff(ll, R2_REF["chains"])
    np.testing.assert_allclose(r_eff, R2_REF["r_eff"], rtol=1e-10)
    lw, _ = psis_smooth(ll, r_eff)
    loo_mean = np.sum(np.exp(lw).T * ypred, axis=0)  # loo's E_loo(ypred, psis)
    np.testing.assert_allclose(loo_mean, R2_REF["ypred_loo"], rtol=1e-9)
    r2 = loo_r2_draws(y, ypred, ll, r_eff, _Recorded())  # type: ignore[arg-type]
    np.testing.assert_allclose(r2, R2_REF["loo_R2"], rtol=1e-9)


def test_fit_loo_r2_is_below_bayes_r2(fit: Any) -> None:
    loo_r2 = fit.loo_R2(seed=1)
    bayes_r2 = fit.bayes_R2()
    assert list(loo_r2.columns) == ["Estimate", "Est.Error", "Q2.5", "Q97.5"]
    assert 0.5 < loo_r2.loc["R2", "Estimate"] < bayes_r2.loc["R2", "Estimate"] < 1
    draws = fit.loo_R2(summary=False, seed=1)
    assert draws.shape == (fit.ndraws,)
    np.testing.assert_array_equal(draws, fit.loo_R2(summary=False, seed=1))


def test_nobs_and_ngrps(fit: Any) -> None:
    assert fit.nobs() == 180
    assert fit.ngrps() == {"Subject": 18}


def _split_rhat(x: np.ndarray) -> float:
    """Gelman et al. (2013)'s split R-hat of ``(chain, draw)`` draws, written out."""
    half = x.shape[1] // 2
    chains = np.concatenate([x[:, :half], x[:, -half:]])
    n = chains.shape[1]
    w = chains.var(axis=1, ddof=1).mean()
    b = n * chains.mean(axis=1).var(ddof=1)
    return float(np.sqrt(((n - 1) / n * w + b / n) / w))


@pytest.mark.parametrize("variable", ["b_Intercept", "sd_Subject__Days", "sigma"])
def test_rhat_is_the_classic_split_rhat(fit: Any, variable: str) -> None:
    x = fit.draws()[variable].to_numpy().reshape(fit.nchains, -1)
    assert fit.rhat()[variable] == pytest.approx(_split_rhat(x), rel=1e-10)
    assert list(fit.rhat(["sigma"]).index) == ["sigma"]


def test_neff_ratio_is_rstans_classic_ess(fit: Any) -> None:
    ratio = fit.neff_ratio()
    sigma = fit.draws()["sigma"].to_numpy()
    # relative_eff is loo's ess_rfun of exp(log_lik), checked against R in test_comparison
    expected = relative_eff(np.log(sigma)[:, None], fit.nchains)[0]
    assert ratio["sigma"] == pytest.approx(expected, rel=1e-12)
    assert (ratio.dropna() > 0).all() and set(ratio.index) == set(fit.variables())


def test_nuts_params_long_table(fit: Any) -> None:
    table = fit.nuts_params()
    assert list(table.columns) == ["Chain", "Iteration", "Parameter", "Value"]
    params = list(table["Parameter"].cat.categories)
    assert params[:3] == ["accept_stat__", "stepsize__", "treedepth__"]
    assert len(table) == len(params) * fit.ndraws
    div = table[table["Parameter"] == "divergent__"]
    np.testing.assert_array_equal(div["Value"], fit.store.stat("divergent__"))
    assert div["Chain"].tolist() == [1] * 200 + [2] * 200
    assert div["Iteration"].tolist()[:3] == [1, 2, 3]


@pytest.mark.parametrize(
    ("prob", "columns"), [(0.95, ["2.5%", "97.5%"]), (0.9, ["5%", "95%"]), (0.5, ["25%", "75%"])]
)
def test_posterior_interval(fit: Any, prob: float, columns: list[str]) -> None:
    table = fit.posterior_interval(prob=prob) if prob != 0.95 else fit.posterior_interval()
    assert list(table.columns) == columns
    x = fit.draws()["b_Days"].to_numpy()
    lo, hi = (1 - prob) / 2, (1 + prob) / 2
    np.testing.assert_allclose(table.loc["b_Days"], np.quantile(x, [lo, hi]), rtol=1e-12)


@pytest.mark.parametrize("which", ["all", "set"])
def test_prior_summary_equals_brms(fit: Any, which: str) -> None:
    table = fit.prior_summary(all=which == "all")
    expected = pd.DataFrame(PRIOR_REF[which])
    assert table.reset_index(drop=True).to_dict("records") == expected.to_dict("records")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.rhat("b_nope"), "The fit has no variable 'b_nope'"),
        (lambda f: f.posterior_interval(prob=1.5), r"prob must be a single number in \(0, 1\)"),
    ],
)
def test_errors(fit: Any, call: Any, message: str) -> None:
    with pytest.raises(FitError, match=message):
        call(fit)
