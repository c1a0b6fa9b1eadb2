"""Fits with shrinkage priors: recovery of a sparse regression, post-processing, and one
real-data fit against brms 2.18 (``fixtures/shrinkage/make_fit.R``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brmsjax import brm, prior

FIT = Path(__file__).parents[1] / "fixtures" / "shrinkage" / "mtcars_horseshoe.json"


def sparse_data() -> tuple[pd.DataFrame, np.ndarray]:
    """y = 0.5 + X b + N(0, 1) with 20 predictors, 3 of them nonzero."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 20))
    b = np.zeros(20)
    b[[0, 5, 12]] = [2.0, -1.5, 1.0]
    d = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(20)])
    d["y"] = 0.5 + X @ b + rng.normal(size=100)
    return d, b


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "saved"),
    [
        ("horseshoe(1)", []),
        ("R2D2()", [*(f"R2D2_phi[{k}]" for k in range(1, 21)), "R2D2_R2"]),
        ("lasso()", ["lasso_inv_lambda"]),
    ],
)
def test_sparse_coefficients_are_recovered(text: str, saved: list[str]) -> None:
    d, truth = sparse_data()
    formula = "y ~ " + " + ".join(f"x{i + 1}" for i in range(20))
    control = {"adapt_delta": 0.99}  # brms's advice for the horseshoe's funnel
    fit = brm(formula, d, prior=prior(text), chains=2, iter=1000, seed=1, control=control)
    draws = fit.draws()
    slopes = [f"b_x{i + 1}" for i in range(20)]
    # brms's order (rename_pars' class order) and brms's default save_pars: no zb, hs_*, tau2
    variables = [c for c in draws.columns if not c.startswith(".")]
    expected = ["b_Intercept", *slopes, "sigma"]
    if text.startswith("lasso"):
        expected += saved
        saved = []
    assert variables == [*expected, *saved, "lprior", "lp__"]
    mean = draws[slopes].mean().to_numpy()
    nonzero = truth != 0
    np.testing.assert_allclose(mean[nonzero], truth[nonzero], atol=0.3)
    assert np.max(np.abs(mean[~nonzero])) < 0.3
    # post-processing runs on the shrunk b
    assert fit.posterior_epred().shape == (1000, 100)
    assert fit.posterior_predict(newdata=d.iloc[:5]).shape == (1000, 5)
    assert math.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
    assert list(fit.summary().fixed.index) == ["Intercept", *(s[2:] for s in slopes)]


@pytest.mark.slow
def test_mtcars_horseshoe_agrees_with_brms() -> None:
    ref = json.loads(FIT.read_text())
    data = pd.DataFrame(ref["data"]).drop(columns="_row")  # jsonlite keeps the car names
    predictors = [c for c in data.columns if c != "mpg"]
    fit = brm(
        "mpg ~ " + " + ".join(predictors),
        data,
        prior=prior("horseshoe(1)"),
        control={"adapt_delta": 0.99},
        seed=2026,
    )
    draws = fit.draws()
    assert [c for c in draws.columns if not c.startswith(".")] == ref["variables"]
    for row in ref["summary"]:
        name = row["variable"]
        if name in ("lprior", "lp__"):
            continue
        x = draws[name].to_numpy()
        # two runs of 4000 draws each: Monte Carlo error well under a tenth of an sd
        assert abs(x.mean() - row["Estimate"]) <= 0.1 * row["Est.Error"], name
        assert x.std(ddof=1) == pytest.approx(row["Est.Error"], rel=0.1), name
