"""Fits: ``0 + Intercept`` against brms's posterior, and ``bf(center = FALSE)`` as the same model.

Reference: brms 2.18.0's fit of ``incidence | trials(size) ~ 0 + Intercept + period + (1 | herd)``
with ``prior(normal(-2, 1), class = b, coef = Intercept)`` (tests/fixtures/intercept0/
cbpp_intercept0_brms.json, 4 x 2500 draws).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj

REF = Path(__file__).parents[1] / "fixtures" / "intercept0" / "cbpp_intercept0_brms.json"
PRIOR = bj.prior("normal(-2, 1)", class_="b", coef="Intercept")


def _fit(formula: str | bj.BrmsFormula) -> bj.BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bj.brm(
            formula,
            bj.datasets.load("cbpp"),
            family=bj.binomial(),
            prior=PRIOR,
            chains=2,
            iter=1000,
            seed=2026,
        )


@pytest.mark.slow
def test_zero_plus_intercept_agrees_with_brms_and_center_false_is_the_same_model() -> None:
    fit = _fit("incidence | trials(size) ~ 0 + Intercept + period + (1 | herd)")
    draws = fit.draws()
    reference = json.loads(REF.read_text())["summary"]
    for name, ref in reference.items():
        x = draws[name].to_numpy(dtype=float)
        assert abs(x.mean() - ref["mean"]) <= 0.15 * ref["sd"], name
        assert abs(x.std(ddof=1) / ref["sd"] - 1) <= 0.15, name
    new = pd.DataFrame({"period": ["p1", "p4"], "size": [10, 10], "herd": ["h1", "h1"]})
    epred = fit.posterior_epred(newdata=new)
    b = draws[["b_Intercept", "b_periodp4"]].to_numpy()
    r = draws["r_herd[h1,Intercept]"].to_numpy()
    eta = np.column_stack([b[:, 0] + r, b[:, 0] + b[:, 1] + r])
    np.testing.assert_allclose(epred, 10 / (1 + np.exp(-eta)), rtol=1e-9)
    same = _fit(bj.bf("incidence | trials(size) ~ period + (1 | herd)", center=False))
    np.testing.assert_array_equal(same.draws()[list(reference)], draws[list(reference)])
