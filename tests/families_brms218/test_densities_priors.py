"""Log densities, log CDFs, get_prior tables and make_standata against brms 2.18.

References: brms 2.18.0's ``d<family>`` and ``p<family>`` functions, ``get_prior()`` and
``make_standata()`` in tests/fixtures/families_brms218/families.json (recorded by
make_fixtures.R there, on the data set of tests/fixtures/get_prior/families); scipy's
``invgauss``, ``invweibull`` and ``lognorm`` as a second reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import gamma as gamma_fn

from brmsjax.backend.families.registry import get_family
from brmsjax.backend.priors.resolve import prior_table
from brmsjax.formula.design.design import build_design
from brmsjax.formula.design.standata import standata
from tests.families.test_get_prior_families import COLUMNS, family_data

FIXTURE = Path(__file__).parents[1] / "fixtures" / "families_brms218" / "families.json"
FAMILIES = [
    "shifted_lognormal",
    "inverse.gaussian",
    "frechet",
    "asym_laplace",
    "zero_inflated_beta",
    "zero_one_inflated_beta",
    "zero_inflated_beta_binomial",
]
DPARS = {
    "shifted_lognormal": ("sigma", "ndt"),
    "inverse.gaussian": ("shape",),
    "frechet": ("nu",),
    "asym_laplace": ("sigma", "quantile"),
    "zero_inflated_beta": ("phi", "zi"),
    "zero_one_inflated_beta": ("phi", "zoi", "coi"),
    "zero_inflated_beta_binomial": ("phi", "zi"),
}
# brms has log CDFs for these (zero_one_inflated_beta takes no cens() or trunc())
CDFS = [(f, w) for f in FAMILIES[:4] for w in ("lcdf", "lccdf")] + [("zero_inflated_beta", "lccdf")]


@pytest.fixture
def x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def _grid(family: str) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.float64) for k, v in fixture()[family]["density"].items()}


def _eta_and_dpars(family: str, grid: dict[str, np.ndarray]) -> tuple[Any, dict[str, Any]]:
    fam = get_family(family)
    from brmsjax.backend.families.links import LINKS

    eta = LINKS[fam.link](jnp.asarray(grid["mu"]))
    return eta, {d: jnp.asarray(grid[d]) for d in DPARS[family]}


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("family", FAMILIES)
def test_log_density_equals_brms(family: str) -> None:
    grid = _grid(family)
    dpars = {d: jnp.asarray(grid[d]) for d in DPARS[family]}
    addition = {"trials": jnp.asarray(grid["trials"])} if "trials" in grid else {}
    fam = get_family(family)
    got = fam.lpdf(jnp.asarray(grid["y"]), fam.args(jnp.asarray(grid["mu"]), dpars, addition))
    np.testing.assert_allclose(np.asarray(got), grid["lpdf"], rtol=1e-10, atol=1e-10)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize(("family", "which"), CDFS)
def test_log_cdfs_equal_brms(family: str, which: str) -> None:
    """brms's R ``p<family>`` works on the probability scale (``1 - p``, ``log(p)``), so it is
    exact to about 1e-15 there: compared on that scale everywhere, and on the log scale where
    R's value is away from 0 and 1. Where R underflows to ``-Inf``, ours is below ``-30``."""
    grid = _grid(family)
    eta, dpars = _eta_and_dpars(family, grid)
    fam = get_family(family)
    fn = fam.log_cdf if which == "lcdf" else fam.log_ccdf
    got = np.asarray(fn(jnp.asarray(grid["y"]), eta, dpars, {}))
    want = grid[which]
    assert np.all(np.isfinite(got) | (got == -np.inf))
    np.testing.assert_allclose(np.exp(got), np.exp(want), rtol=0, atol=1e-13)
    moderate = np.isfinite(want) & (want < -1e-3) & (want > -10)
    assert moderate.sum() >= 15
    np.testing.assert_allclose(got[moderate], want[moderate], rtol=1e-10)
    assert np.all(got[want == -np.inf] < -30)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize(
    ("family", "y", "mu", "dpars", "scipy_logpdf"),
    [
        (
            "shifted_lognormal",
            2.0,
            0.3,
            {"sigma": 0.7, "ndt": 0.4},
            stats.lognorm.logpdf(2.0, 0.7, loc=0.4, scale=np.exp(0.3)),
        ),
        (
            "inverse.gaussian",
            1.3,
            2.0,
            {"shape": 3.0},
            stats.invgauss.logpdf(1.3, 2.0 / 3.0, scale=3.0),
        ),
        (
            "frechet",
            2.5,
            3.0,
            {"nu": 4.0},
            stats.invweibull.logpdf(2.5, 4.0, scale=3.0 / gamma_fn(1 - 1 / 4.0)),
        ),
    ],
)
def test_matches_scipy(
    family: str, y: float, mu: float, dpars: dict[str, float], scipy_logpdf: float
) -> None:
    got = get_family(family).log_lik(jnp.asarray(y), jnp.asarray(mu), dpars)
    np.testing.assert_allclose(float(got), scipy_logpdf, rtol=1e-12)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("case", [0, 1, 2])
def test_get_prior_equals_brms(family: str, case: int) -> None:
    ref = fixture()[family]["formulas"][case]
    fam = get_family(family)
    design = build_design(ref["formula"], family_data(), family=fam)
    got = prior_table(design, fam)
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), pd.DataFrame(ref["rows"], columns=COLUMNS)
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_standata_equals_brms(family: str) -> None:
    ref = fixture()[family]["standata"]
    fam = get_family(family)
    got = standata(build_design(ref["formula"], family_data(), family=fam), family=fam)
    assert list(got) == ref["names"]
    for key, want in ref["values"].items():
        ours = got[key]
        ours = ours.to_numpy() if isinstance(ours, pd.DataFrame) else ours
        np.testing.assert_allclose(
            np.asarray(ours, dtype=float).reshape(-1, order="F"), want, atol=1e-12, err_msg=key
        )
