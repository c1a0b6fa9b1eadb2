"""posterior_smooths and conditional_smooths: a smooth's contribution is its share of the linear
predictor (posterior_linpred minus the other terms, draw by draw), over brms's grid."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.methods.conditional_effects import ConditionalEffectsError
from brmsjax.port.script import port_script


@pytest.fixture(scope="module")
def fit() -> bj.BrmsFit:
    rng = np.random.default_rng(12)
    n = 150
    d = pd.DataFrame(
        {
            "x": rng.uniform(0, 3, n),
            "z": rng.normal(size=n),
            "f": pd.Categorical(rng.choice(["a", "b"], n)),
        }
    )
    d["y"] = np.sin(2 * d.x) + 0.5 * d.z + (d.f == "b") * np.cos(d.x) + rng.normal(0, 0.3, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bj.brm("y ~ s(x, k = 6) + s(x, by = f, k = 5) + z + f", data=d, chains=1,
                      iter=300, warmup=150, seed=4)  # fmt: skip


@pytest.mark.slow
def test_posterior_smooths_is_the_terms_share_of_linpred(fit: bj.BrmsFit) -> None:
    nd = pd.DataFrame({"x": [0.3, 1.1, 2.7], "z": [0.0, 1.0, -1.0]})
    nd["f"] = pd.Categorical(["a", "b", "b"], categories=["a", "b"])
    first = bj.posterior_smooths(fit, "s(x,k=6)", nd)
    second = fit.posterior_smooths("s(x, by = f, k = 5)", nd)
    draws = fit.draws()
    rest = (
        draws["b_Intercept"].to_numpy()[:, None]
        + np.outer(draws["b_z"], nd.z)
        + np.outer(draws["b_fb"], (nd.f == "b").astype(float))
    )
    linpred = np.asarray(fit.posterior_linpred(newdata=nd))
    np.testing.assert_allclose(first + second + rest, linpred, rtol=0, atol=1e-8)


@pytest.mark.slow
def test_conditional_smooths_grid_as_brms(fit: bj.BrmsFit) -> None:
    cs = fit.conditional_smooths(resolution=20)
    assert list(cs) == ["mu: s(x,k=6)", "mu: s(x,by=f,k=5)"]
    one = cs["mu: s(x,k=6)"]
    assert list(one.columns) == [
        "x", "cond__", "effect1__", "estimate__", "se__", "lower__", "upper__"
    ]  # fmt: skip
    assert len(one) == 20 and set(one.cond__) == {"1"}
    np.testing.assert_allclose(one.x, np.linspace(fit.data.x.min(), fit.data.x.max(), 20))
    assert (one.lower__ < one.estimate__).all() and (one.estimate__ < one.upper__).all()
    by = cs["mu: s(x,by=f,k=5)"]
    assert len(by) == 40 and list(by.cond__.unique()) == ["f = a", "f = b"]
    # for f = a, s(x) + s(x):fa is sin(2x) up to a constant (the sum-to-zero constraints)
    est = one.estimate__.to_numpy() + by[by.cond__ == "f = a"].estimate__.to_numpy()
    truth = np.sin(2 * one.x.to_numpy())
    assert np.corrcoef(est, truth)[0, 1] > 0.95
    assert len(cs.plot()) == 2


@pytest.mark.slow
def test_conditional_effects_of_a_smooth_model(fit: bj.BrmsFit) -> None:
    ce = fit.conditional_effects(resolution=10)
    assert list(ce) == ["z", "f", "x", "x:f"]  # brms's get_all_effects
    assert len(ce["x"]) == 10


@pytest.mark.slow
def test_conditional_smooths_errors(fit: bj.BrmsFit) -> None:
    with pytest.raises(
        ConditionalEffectsError,
        match=r"Term 's\(z\)' cannot be found. Available smooth terms are: s\(x,k=6\)",
    ):
        fit.posterior_smooths("s(z)")
    with pytest.raises(ConditionalEffectsError, match="No valid smooth terms found"):
        fit.conditional_smooths(smooths="s(z)")


def test_porter_translates_conditional_smooths() -> None:
    code = port_script("fit <- brm(y ~ s(x), data = d)\nconditional_smooths(fit)").code
    assert "fit.conditional_smooths()" in code
