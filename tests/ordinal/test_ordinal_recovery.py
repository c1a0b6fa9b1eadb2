"""Recovery of simulated truth by sratio, cratio and acat fits, with cs() and thresholds."""

from __future__ import annotations

import jax
import numpy as np
import pandas as pd
import pytest

import brmsjax as bj

N = 800
TRUTH = {
    "thres": np.array([-1.0, 0.0, 0.8, 1.5]),
    "b_x": 0.7,
    "bcs_z": np.array([0.6, 0.0, -0.5, 0.3]),
}


def _simulate(family: bj.Family, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N)
    z = rng.integers(0, 2, N).astype(float)
    thres = TRUTH["thres"][None, :] - z[:, None] * TRUTH["bcs_z"][None, :]
    with jax.enable_x64(True):
        probs = np.asarray(family.epred(TRUTH["b_x"] * x, {"thres": thres}, {}))
    y = np.array([rng.choice(5, p=p / p.sum()) + 1 for p in probs])
    return pd.DataFrame({"y": y, "x": x, "z": z})


@pytest.mark.slow
@pytest.mark.parametrize("make", [bj.sratio, bj.cratio, bj.acat], ids=["sratio", "cratio", "acat"])
def test_fit_recovers_truth(make: type) -> None:
    family = make("probit") if make is bj.sratio else make()
    data = _simulate(family, 11)
    fit = bj.brm("y ~ x + cs(z)", data, family=family, chains=2, iter=1000, seed=5)
    draws = fit.draws()
    want = {
        **{f"b_Intercept[{k + 1}]": v for k, v in enumerate(TRUTH["thres"])},
        "b_x": TRUTH["b_x"],
        **{f"bcs_z[{k + 1}]": v for k, v in enumerate(TRUTH["bcs_z"])},
    }
    for name, value in want.items():
        est, sd = draws[name].mean(), draws[name].std()
        assert abs(est - value) < 3.5 * sd, (name, est, sd, value)
