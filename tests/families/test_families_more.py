"""Families beyond the first set (exgaussian, von_mises) against brms 2.18.

References: brms 2.18.0's ``dexgaussian(log = TRUE)`` values and ``get_prior()`` tables in
tests/fixtures/families_more/families_more.json (recorded by make_fixtures.R there on the data
set of tests/fixtures/get_prior/families); scipy's ``exponnorm``; recovery of simulated truth.
"""

from __future__ import annotations

import json
import re
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

import brmsjax as bj
from brmsjax.backend.families.registry import get_family
from brmsjax.backend.priors.resolve import prior_table
from brmsjax.formula.design.design import build_design
from brmsjax.formula.errors import ModelError
from brmsjax.port import from_r
from tests.families.test_get_prior_families import COLUMNS, family_data

FIXTURE = Path(__file__).parents[1] / "fixtures" / "families_more" / "families_more.json"


@pytest.fixture
def x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def _floats(values: list[str]) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize(
    ("family", "names"), [("exgaussian", ("sigma", "beta")), ("von_mises", ("kappa",))]
)
def test_log_density_equals_brms(family: str, names: tuple[str, ...]) -> None:
    grid = {k: _floats(v) for k, v in fixture()[family]["density"].items()}
    dpars = {name: jnp.asarray(grid[name]) for name in names}
    got = get_family(family).log_lik(jnp.asarray(grid["x"]), jnp.asarray(grid["mu"]), dpars)
    np.testing.assert_allclose(np.asarray(got), grid["lpdf"], rtol=1e-10, atol=1e-10)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize(
    ("y", "mu", "sigma", "beta"),
    [(0.5, 1.0, 1.0, 1.0), (3.0, 1.0, 0.2, 2.0), (-2.0, 0.5, 1.5, 0.3), (40.0, 2.0, 1.0, 5.0)],
)
def test_exgaussian_matches_scipy_exponnorm(y: float, mu: float, sigma: float, beta: float) -> None:
    """brms's mu is the mean: scipy's ``exponnorm(K = beta / sigma, mu - beta, sigma)``."""
    family = get_family("exgaussian")
    got = family.log_lik(jnp.asarray(y), jnp.asarray(mu), {"sigma": sigma, "beta": beta})
    want = stats.exponnorm.logpdf(y, beta / sigma, loc=mu - beta, scale=sigma)
    np.testing.assert_allclose(float(got), want, rtol=1e-10)


@pytest.mark.parametrize(("mu", "sigma", "beta"), [(1.0, 0.5, 2.0), (-3.0, 2.0, 0.4)])
def test_exgaussian_epred_and_draws(mu: float, sigma: float, beta: float) -> None:
    family = get_family("exgaussian")
    eta = jnp.full(20_000, mu)
    dpars = {"sigma": jnp.asarray(sigma), "beta": jnp.asarray(beta)}
    np.testing.assert_allclose(np.asarray(family.epred(eta, dpars, {})), mu)
    draws = np.asarray(family.rng(jax.random.PRNGKey(3), eta, dpars, {}))
    assert abs(draws.mean() - mu) < 4 * np.sqrt(sigma**2 + beta**2) / np.sqrt(draws.size)
    np.testing.assert_allclose(draws.var(), sigma**2 + beta**2, rtol=0.1)


@pytest.mark.parametrize(
    ("family", "case"), [("exgaussian", 0), ("exgaussian", 1), ("von_mises", 0), ("von_mises", 1)]
)
def test_get_prior_equals_brms(family: str, case: int) -> None:
    ref = fixture()[family]["formulas"][case]
    design = build_design(ref["formula"], family_data(), family=get_family(family))
    got = prior_table(design, get_family(family))
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), pd.DataFrame(ref["rows"], columns=COLUMNS)
    )


@pytest.mark.parametrize(
    ("call", "name", "link", "links"),
    [
        ("exgaussian()", "exgaussian", "identity", {"sigma": "log", "beta": "log"}),
        ("von_mises()", "von_mises", "tan_half", {"kappa": "log"}),
        (
            'exgaussian(link = "log", link_beta = "identity")',
            "exgaussian",
            "log",
            {"sigma": "log", "beta": "identity"},
        ),
    ],
)
def test_porter_reads_family(call: str, name: str, link: str, links: dict[str, str]) -> None:
    family = from_r(f"brm(y ~ x, data = d, family = {call})").family.resolve()
    assert (family.name, family.link, dict(family.dpar_links)) == (name, link, links)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize(("y", "mu", "kappa"), [(0.1, 0.0, 100.0), (-0.2, 0.05, 400.0)])
def test_von_mises_uses_brms_normal_approximation_from_kappa_100(
    y: float, mu: float, kappa: float
) -> None:
    got = get_family("von_mises").log_lik(jnp.asarray(y), jnp.asarray(mu), {"kappa": kappa})
    np.testing.assert_allclose(float(got), stats.norm.logpdf(y, mu, 1 / np.sqrt(kappa)))


@pytest.mark.parametrize(("mu", "kappa"), [(1.0, 4.0), (-2.5, 20.0)])
def test_von_mises_epred_and_draws(mu: float, kappa: float) -> None:
    family = get_family("von_mises")
    eta = jnp.full(20_000, np.tan(mu / 2))
    dpars = {"kappa": jnp.asarray(kappa)}
    np.testing.assert_allclose(np.asarray(family.epred(eta, dpars, {})), mu, rtol=1e-6)
    draws = np.asarray(family.rng(jax.random.PRNGKey(3), eta, dpars, {}))
    assert np.all(np.abs(draws) <= np.pi)
    mean_dir = np.angle(np.exp(1j * draws).mean())
    assert abs(mean_dir - mu) < 0.05


def test_von_mises_fit_recovers_truth() -> None:
    rng = np.random.default_rng(7)
    n = 300
    x = rng.normal(size=n)
    y = rng.vonmises(2.0 * np.arctan(0.3 + 0.5 * x), 8.0)
    fit = bj.brm(
        "y ~ x",
        pd.DataFrame({"y": y, "x": x}),
        family=bj.von_mises(),
        chains=2,
        iter=600,
        seed=5,
        progress=False,
    )
    draws = fit.draws()
    for name, value in {"b_Intercept": 0.3, "b_x": 0.5, "kappa": 8.0}.items():
        lo, hi = np.quantile(np.asarray(draws[name]), [0.005, 0.995])
        assert lo < value < hi, (name, lo, hi)


def test_von_mises_response_outside_pi_is_named() -> None:
    data = pd.DataFrame({"y": [0.5, 4.0], "x": [0.0, 1.0]})
    with pytest.raises(
        ModelError,
        match=re.escape(
            "The response 'y' contains 4, but the von_mises family needs angles between -pi "
            "and pi. Convert the angles to radians in [-pi, pi]."
        ),
    ):
        bj.brm("y ~ x", data, family=bj.von_mises(), chains=1, iter=20, progress=False)


def test_bad_beta_link_is_named() -> None:
    with pytest.raises(
        ModelError, match="Link 'logit' is not allowed for 'beta' in family 'exgaussian'"
    ):
        bj.exgaussian(link_beta="logit")


def test_exgaussian_fit_recovers_truth() -> None:
    rng = np.random.default_rng(19)
    n = 300
    x = rng.normal(size=n)
    mu = 1.0 + 0.8 * x
    y = mu - 1.5 + rng.normal(scale=0.5, size=n) + rng.exponential(1.5, size=n)
    fit = bj.brm(
        "y ~ x",
        pd.DataFrame({"y": y, "x": x}),
        family=bj.exgaussian(),
        chains=2,
        iter=600,
        seed=5,
        progress=False,
    )
    summary = fit.draws()
    truth = {"b_Intercept": 1.0, "b_x": 0.8, "sigma": 0.5, "beta": 1.5}
    for name, value in truth.items():
        lo, hi = np.quantile(np.asarray(summary[name]), [0.005, 0.995])
        assert lo < value < hi, (name, lo, hi)
