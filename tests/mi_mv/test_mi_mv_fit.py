"""The multivariate mi() model of brms's missing-data vignette agrees with real brms 2.18
(tests/fixtures/mi_mv/fit_brms.R: 4 chains x 1000 draws on nhanes)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.design.newdata import NewDataError

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
def test_epred_reads_the_imputed_values() -> None:
    """bmi's mu at a row with chl missing uses that draw's Ymi_chl; new data its own chl."""
    d = pd.read_csv(NHANES)
    f = bj.bf("bmi | mi() ~ age * mi(chl)") + bj.bf("chl | mi() ~ age") + bj.set_rescor(False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(f, d, chains=1, iter=200, seed=1, progress=False)
        epred = fit.posterior_epred(resp="bmi")
        new = d.dropna().head(3)
        epred_new = fit.posterior_epred(newdata=new, resp="bmi")
    dr = fit.draws()
    names = ["b_bmi_Intercept", "b_bmi_age", "bsp_bmi_michl", "bsp_bmi_michl:age"]
    b0, b_age, b_chl, b_int = (dr[c].to_numpy() for c in names)
    chl = dr["Ymi_chl[1]"].to_numpy()  # row 1: age 1, chl missing
    np.testing.assert_allclose(epred[:, 0], b0 + b_age + b_chl * chl + b_int * chl)
    row = new.iloc[0]
    want = b0 + b_age * row.age + b_chl * row.chl + b_int * row.chl * row.age
    np.testing.assert_allclose(epred_new[:, 0], want)
    with pytest.raises(NewDataError, match="newdata has a missing value in 'mi\\(chl\\)'"):
        fit.posterior_epred(newdata=d.head(3))
