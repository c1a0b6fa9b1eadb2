"""A phylogenetic model fitted by brms 2.18 (tests/fixtures/data2/phylo, its R script): brmsjax's
posterior agrees with brms's for every parameter."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj

PHYLO = Path(__file__).parents[1] / "fixtures" / "data2" / "phylo"


@pytest.mark.slow
def test_phylogenetic_posterior_agrees_with_brms() -> None:
    data = pd.read_csv(PHYLO / "phylo_data.csv")
    A = pd.read_csv(PHYLO / "phylo_A.csv", index_col=0)
    ref = json.loads((PHYLO / "phylo_brms.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(
            "phen ~ cofactor + (1 | gr(phylo, cov = A))",
            data,
            data2={"A": A},
            chains=4,
            iter=2000,
            seed=1,
            progress=False,
        )
    draws = fit.draws()
    compared = 0
    for name, mean, sd in zip(ref["names"], ref["estimate"], ref["sd"], strict=True):
        if name == "lp__":
            continue
        x = draws[name].to_numpy(dtype=float)
        assert abs(x.mean() - mean) <= 0.1 * sd, name
        assert abs(x.std(ddof=1) / sd - 1) <= 0.1, name
        compared += 1
    assert compared == 85  # b_Intercept, b_cofactor, sd, sigma, lprior and the 80 r_phylo
    assert np.isfinite(fit.loo().estimates.loc["elpd_loo", "Estimate"])
