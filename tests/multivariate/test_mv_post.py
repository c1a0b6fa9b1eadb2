"""Post-processing of multivariate fits: ``resp=``, shapes as brms's, new data, loo, R2.

References: the fit's own draws: a response's predictions with ``resp=`` are that slice of the
joint ones, new data rows predict as the same fitting rows, the joint ``log_lik`` with
residual correlations is scipy's bivariate normal density at each draw, and without them the
sum of the responses' own log likelihoods (brms's ``combine = TRUE``).
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj


def _data(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abcd"), n)})
    d["y1"] = 1 + d.x + rng.normal(size=n)
    d["y2"] = 0.5 * d.x + rng.normal(size=n)
    d["cnt"] = rng.poisson(2, n)
    return d


@cache
def _fit(kind: str) -> bj.BrmsFit:
    formula = {
        "rescor": bj.bf("mvbind(y1, y2) ~ x + (1 | p | g)") + bj.set_rescor(True),
        "mixed": bj.bf("y1 ~ x + (1 | g)") + bj.bf("cnt ~ x + (1 | g)", family="poisson"),
    }[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bj.brm(formula, _data(), chains=1, iter=200, seed=3, progress=False)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["rescor", "mixed"])
def test_resp_slices_and_shapes(kind: str) -> None:
    fit = _fit(kind)
    resps = ("y1", "y2") if kind == "rescor" else ("y1", "cnt")
    epred = fit.posterior_epred(seed=1)
    assert epred.shape == (100, 40, 2)
    for k, r in enumerate(resps):
        np.testing.assert_allclose(fit.posterior_epred(resp=r, seed=1), epred[..., k])
        table = fit.fitted(resp=r)
        assert list(table.columns) == ["Estimate", "Est.Error", "Q2.5", "Q97.5"]
        np.testing.assert_allclose(table["Estimate"], epred[..., k].mean(axis=0))
    assert fit.fitted().shape == (40, 4, 2)
    assert fit.posterior_predict(seed=2).shape == (100, 40, 2)
    new = fit.posterior_epred(newdata=_data().iloc[[3, 7]], seed=1)
    np.testing.assert_allclose(new, epred[:, [3, 7]])
    r2 = fit.bayes_R2()
    assert list(r2.index) == [f"R2{r}" for r in resps]
    assert "looic" in str(fit.loo())


@pytest.mark.slow
def test_log_lik_is_the_joint_density() -> None:
    fit = _fit("rescor")
    ll = fit.log_lik()
    mu = fit.posterior_epred(seed=1)
    draws = fit.store.matrix(["sigma_y1", "sigma_y2", "rescor__y1__y2"])
    y = _data()[["y1", "y2"]].to_numpy()
    for s in (0, 57):
        s1, s2, rho = draws[s]
        cov = [[s1 * s1, rho * s1 * s2], [rho * s1 * s2, s2 * s2]]
        want = [stats.multivariate_normal(mu[s, i], cov).logpdf(y[i]) for i in range(3)]
        np.testing.assert_allclose(ll[s, :3], want, rtol=1e-8)


@pytest.mark.slow
def test_log_lik_sums_responses_without_rescor() -> None:
    fit = _fit("mixed")
    d = _data()
    mu = fit.posterior_epred(seed=1)
    sigma = fit.store.matrix(["sigma_y1"])[:, 0]
    want = stats.norm(mu[..., 0], sigma[:, None]).logpdf(d.y1.to_numpy())
    want += stats.poisson(mu[..., 1]).logpmf(d.cnt.to_numpy())
    np.testing.assert_allclose(fit.log_lik(), want, rtol=1e-8)


def test_resp_must_be_a_response() -> None:
    from brmsjax.backend.families.mv import mv_family
    from brmsjax.methods.mv.predict import check_resp
    from brmsjax.methods.prediction_inputs import PredictionError

    fam = mv_family(["y1", "y2"], ["gaussian", "gaussian"], rescor=True)
    assert check_resp(fam, None) == ("y1", "y2")
    with pytest.raises(PredictionError, match="its responses are: y1, y2"):
        check_resp(fam, "y3")


@pytest.mark.slow
def test_fit_methods_of_a_mixed_model(tmp_path: Path) -> None:
    fit = _fit("mixed")
    table = fit.prior_summary()
    assert sorted(set(table["resp"])) == ["", "cnt", "y1"]
    assert ("sigma", "y1") in set(zip(table["class"], table["resp"], strict=True))
    text = str(fit.summary())
    assert "  Links: mu = identity; sigma = identity\n         mu = log \n" in text
    fit.save(tmp_path / "fit.pkl")
    loaded = bj.load(tmp_path / "fit.pkl")
    np.testing.assert_allclose(loaded.fitted(resp="cnt"), fit.fitted(resp="cnt"))
    with pytest.raises(bj.BrmsjaxError, match="multivariate models is not supported yet"):
        fit.conditional_effects()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 50 draws: the sampler's warnings
        assert fit.update(iter=100, progress=False).variables() == fit.variables()
