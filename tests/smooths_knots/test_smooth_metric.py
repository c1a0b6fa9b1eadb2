"""The first inverse mass matrix of a gaussian model with one centred smooth (moment estimates,
:mod:`brmsjax.backend.infer.smooth_metric`), against brms 2.18's posterior of boston's
``medv ~ s(lstat) + rm`` (shared breadth reference ``boston_s``: posterior sds).

The joint posterior mode that the Laplace metric needs does not exist there (the funnel's neck),
so without this NUTS adapted from the identity: 76 leapfrog steps per warmup iteration, against
10 with it (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pandas as pd
import pytest

from brmsjax.api import design_for
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.infer import metric_init
from brmsjax.backend.infer.smooth_metric import smooth_moment_metric
from brmsjax.backend.model.lower import LoweredModel, lower
from brmsjax.backend.priors.resolve import resolve_priors

# boston's medv, lstat and rm as recorded with the smooth fixtures (fixtures/smooths/make_tp.R)
BOSTON = pd.DataFrame(
    json.loads(
        (Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "tp.json").read_text()
    )["boston_s"]["data"]
)
# brms 2.18's posterior sds of boston_s (/work/shared/reference/brms_breadth/boston_s.json)
BRMS_SD = {
    "b_rm": 0.432,
    "bs_slstat_1": 34.518,
    "s": [27.758, 13.735, 10.113, 6.196, 16.992, 14.288, 22.86, 22.7],
    "log_sigma": 0.150 / 4.842,
    "log_sds": 10.508 / 33.07,
}


def _lowered(formula: str, data: pd.DataFrame, family: str = "gaussian") -> LoweredModel:
    fam = get_family(family)
    design = design_for(formula, data, fam)
    return lower(design, fam, resolve_priors(design, fam, None))


def _frame(n: int = 200, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, n)
    return pd.DataFrame(
        {
            "y": np.sin(x) * 3 + rng.normal(0, 0.5, n),
            "yb": (rng.uniform(size=n) < 0.5).astype(float),
            "x": x,
            "x2": rng.normal(size=n),
            "g": [f"g{k}" for k in np.arange(n) % 8],
        }
    )


@pytest.fixture(autouse=True)
def _float64() -> Any:
    with jax.enable_x64(True):
        yield


def test_boston_metric_has_brms_posterior_scales() -> None:
    low = _lowered("medv ~ s(lstat) + rm", BOSTON)
    names = [s.name for s in low.sites]
    assert names == ["Intercept", "b", "sigma", "sds_1", "zs_1"]
    cov = smooth_moment_metric(low, dense=True)
    assert cov is not None and cov.shape == (13, 13)
    assert np.linalg.eigvalsh(cov)[0] > 0
    # the b site holds R* b: back to b (rm, then the smooth's unpenalized column)
    qr_inv = np.asarray(low.data["qr_inv"][""])
    sd_b = np.sqrt(np.diag(qr_inv @ cov[1:3, 1:3] @ qr_inv.T))
    got = np.r_[sd_b, np.sqrt(np.diag(cov)[5:]), np.sqrt(cov[3, 3]), np.sqrt(cov[4, 4])]
    want = np.r_[
        BRMS_SD["b_rm"], BRMS_SD["bs_slstat_1"], BRMS_SD["s"], BRMS_SD["log_sigma"],
        BRMS_SD["log_sds"],
    ]  # fmt: skip
    # a starting metric: every scale within a factor of two of the posterior's
    np.testing.assert_array_less(np.abs(np.log(got / want)), np.log(2.0))
    diagonal = smooth_moment_metric(low, dense=False)
    np.testing.assert_allclose(diagonal, np.diag(cov))


@pytest.mark.parametrize(
    ("formula", "family"),
    [
        ("y ~ x", "gaussian"),  # no smooth: the Laplace search
        ("y ~ s(x) + (1 | g)", "gaussian"),  # group terms
        ("yb ~ s(x)", "bernoulli"),  # not gaussian: brms's non-centred zs
        ("y ~ t2(x, x2)", "gaussian"),  # three penalties, three sds
        ("bf(y ~ s(x), sigma ~ s(x))", "gaussian"),  # two smooths, one of sigma
    ],
)
def test_other_models_keep_the_laplace_search(formula: str, family: str) -> None:
    if formula.startswith("bf("):
        import brmsjax as bj

        form: Any = bj.bf("y ~ s(x)", "sigma ~ s(x)")
        fam = get_family(family)
        design = design_for(form, _frame(), fam)
        low = lower(design, fam, resolve_priors(design, fam, None))
    else:
        low = _lowered(formula, _frame(), family)
    assert smooth_moment_metric(low, dense=True) is None


def test_laplace_inverse_mass_uses_the_moments() -> None:
    """The metric search returns the moment metric without searching for a mode."""
    low = _lowered("y ~ s(x)", _frame())
    assert low.program.structure.smooths[0].centred
    start = np.zeros(sum(s.size for s in low.sites))
    data, prior_args = low.model_args
    got = metric_init.laplace_inverse_mass(low, data, prior_args, start, dense=True)
    want = smooth_moment_metric(low, dense=True)
    assert got is not None and want is not None
    np.testing.assert_array_equal(got, want)
