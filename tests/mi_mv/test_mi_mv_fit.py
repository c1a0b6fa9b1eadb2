"""The multivariate mi() model of brms's missing-data vignette agrees with real brms 2.18
(tests/fixtures/mi_mv/fit_brms.R: 4 chains x 1000 draws on nhanes)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.methods.prediction_inputs import PredictionError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mi_mv"
NHANES = Path(__file__).parents[2] / "benchmarks" / "brms_refs" / "data" / "nhanes.csv"


@pytest.mark.slow
def test_posterior_agrees_with_brms() -> None:
    ref = json.loads((FIXTURES / "nhanes_mv.json").read_text())["summary"]
    f = bj.bf("bmi | mi() ~ age * mi(chl)") + bj.bf("chl | mi() ~ age") + bj.set_rescor(False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(f, pd.read_csv(NHANES), chains=4, iter=2000, seed=2026, progress=False)
    draws = fit.draws()
    assert [c for c in draws.columns if not c.startswith(".")] == [r["variable"] for r in ref]
    for r in ref:
        if r["variable"] == "lp__":  # Stan's lp__ drops constants
            continue
        x = draws[r["variable"]]
        assert abs(x.mean() - r["mean"]) <= 0.1 * r["sd"], r["variable"]
        assert abs(x.std() / r["sd"] - 1) <= 0.1, r["variable"]


@pytest.mark.slow
def test_predictions_are_refused_clearly() -> None:
    f = bj.bf("bmi | mi() ~ age * mi(chl)") + bj.bf("chl | mi() ~ age") + bj.set_rescor(False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(f, pd.read_csv(NHANES), chains=1, iter=100, seed=1, progress=False)
    assert "bsp_bmi_michl:age" in str(fit.summary())
    with pytest.raises(PredictionError, match="models with mi\\(\\) predictors are not supported"):
        fit.posterior_epred()
