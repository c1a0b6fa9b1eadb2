"""Small fits shared by the marginal-effects tests: a multilevel gaussian (sleepstudy), a
bernoulli and a cumulative model with a numeric and a factor predictor (simulated)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning

SLEEP = pd.read_csv("brmsjax/data/sleepstudy.csv")


def simulated() -> pd.DataFrame:
    """120 rows: numeric ``x``, factors ``g`` (a, b, c) and ``h`` (u, v; 80/20), a binary
    ``y`` and an ordinal ``o``."""
    rng = np.random.default_rng(1)
    n = 120
    d = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n)})
    eta = 0.5 * d["x"] + (d["g"] == "b") - 0.5
    d["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    d["o"] = pd.cut(d["x"] + rng.normal(size=n), [-9, -0.5, 0.5, 9], labels=False) + 1
    d["g"] = pd.Categorical(d["g"])
    d["h"] = rng.choice(["u", "v"], n, p=[0.8, 0.2])  # unbalanced: marginal means weigh equally
    return d


def _fit(formula: str, data: pd.DataFrame, family: Any) -> Any:
    # Short fits for arithmetic on their draws; convergence is not under test here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm(formula, data, family=family, chains=2, iter=400, seed=3, progress=False)


@pytest.fixture(scope="module")
def gauss() -> Any:
    return _fit("Reaction ~ Days + (Days | Subject)", SLEEP, bj.gaussian())


@pytest.fixture(scope="module")
def bern() -> Any:
    return _fit("y ~ x + g + h", simulated(), bj.bernoulli())


@pytest.fixture(scope="module")
def cumul() -> Any:
    return _fit("o ~ x + g", simulated(), bj.cumulative())


@pytest.fixture(scope="module")
def categ() -> Any:
    d = simulated()
    d["k"] = np.where(d["o"] == 1, "lo", np.where(d["o"] == 2, "mid", "hi"))
    return _fit("k ~ x", d, bj.categorical())
