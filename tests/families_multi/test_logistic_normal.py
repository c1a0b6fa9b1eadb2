"""logistic_normal against brms 2.18: density, get_prior, standata, draws, refusals, porter.

Fitting is tested in tests/logistic_normal_fit.

References: brms 2.18.0's ``dlogistic_normal`` on a grid of 4-category rows and
``get_prior()`` and ``make_standata()`` of ``cbind(p1, p2, p3)`` models in
tests/fixtures/logistic_normal/logistic_normal.json (recorded by make_fixtures.R there, on the
data set of tests/fixtures/families_multi/data.json); scipy's ``multivariate_normal`` of the
log ratios plus the Jacobian ``-sum(log(y))``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.families.compositional.logistic_normal import logistic_normal_lpdf
from brmsjax.backend.families.registry import get_family
from brmsjax.port import from_r
from tests.families_multi.multi_fixtures import (
    COLUMNS,
    FIXTURES,
    assert_standata_equal,
    fixture_data,
)


@cache
def fixture() -> dict[str, Any]:
    return json.loads((FIXTURES / "logistic_normal" / "logistic_normal.json").read_text())


def _grid() -> dict[str, np.ndarray]:
    rows = fixture()["density"]
    out = {k: np.array([np.asarray(r[k], dtype=float) for r in rows]) for k in rows[0]}
    out["L"] = out["L"].reshape(len(rows), 3, 3).transpose(0, 2, 1)  # R's column-major
    return out


def _scipy_lpdf(y: np.ndarray, mu: np.ndarray, sigma: np.ndarray, lcor: np.ndarray, ref: int):
    x = np.log(np.delete(y, ref)) - np.log(y[ref])
    cov = np.diag(sigma) @ lcor @ lcor.T @ np.diag(sigma)
    return stats.multivariate_normal(mu, cov).logpdf(x) - np.log(y).sum()


@pytest.mark.usefixtures("x64")
def test_log_density_equals_brms_and_scipy() -> None:
    """brms's ``dlogistic_normal(y, mu, Sigma, refcat = 1)`` on 30 rows, via the family too."""
    g = _grid()
    got = np.asarray(logistic_normal_lpdf(g["y"], g["mu"], g["sigma"], g["L"]))
    np.testing.assert_allclose(got, g["lpdf"], rtol=1e-10, atol=1e-10)
    want = [_scipy_lpdf(*r, 0) for r in zip(g["y"], g["mu"], g["sigma"], g["L"], strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    eta = np.column_stack([np.zeros(len(g["mu"])), g["mu"]])
    fam = get_family("logistic_normal")
    dpars = {"sigma": jnp.asarray(g["sigma"]), "Llncor": jnp.asarray(g["L"])}
    via_family = fam.log_lik_eta(jnp.asarray(g["y"]), jnp.asarray(eta), dpars, {})
    np.testing.assert_allclose(np.asarray(via_family), g["lpdf"], rtol=1e-10, atol=1e-10)


@pytest.mark.usefixtures("x64")
@pytest.mark.parametrize("ref", [1, 3])
def test_log_density_with_another_reference_equals_scipy(ref: int) -> None:
    g = _grid()
    got = np.asarray(logistic_normal_lpdf(g["y"], g["mu"], g["sigma"], g["L"], ref))
    want = [_scipy_lpdf(*r, ref) for r in zip(g["y"], g["mu"], g["sigma"], g["L"], strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", [0, 1, 2])
def test_get_prior_equals_brms(case: int) -> None:
    """brms's rows: lncor's lkj(1) and one student_t(3, 0, 2.5) sigma<cat> per category
    (case 2, ``bf(cbind(p1, p2, p3) ~ x, sigmap2 ~ x)``: sigmap2's b and Intercept rows)."""
    ref = fixture()["priors"][case]
    got = bj.get_prior(ref["formula"], fixture_data(), family="logistic_normal")
    want = pd.DataFrame(ref["rows"], columns=COLUMNS)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want)


def test_lncor_takes_an_lkj_prior() -> None:
    got = bj.get_prior(
        "cbind(p1, p2, p3) ~ x",
        fixture_data(),
        family="logistic_normal",
        prior=bj.prior("lkj(2)", class_="lncor"),
    )
    assert got.loc[got["class"] == "lncor", ["prior", "source"]].values.tolist() == [
        ["lkj(2)", "user"]
    ]
    with pytest.raises(bj.BrmsjaxError, match="correlation matrices take an lkj prior"):
        bj.get_prior(
            "cbind(p1, p2, p3) ~ x",
            fixture_data(),
            family="logistic_normal",
            prior=bj.prior("normal(0, 1)", class_="lncor"),
        )


@pytest.mark.parametrize("case", [0, 1])
def test_standata_equals_brms(case: int) -> None:
    assert_standata_equal("logistic_normal", fixture()["standata"][case])


def test_draws_have_normal_log_ratios() -> None:
    """brms's ``rlogistic_normal``: rows on the simplex whose log ratios to the first category
    have mean mu and covariance ``diag(sigma) L L' diag(sigma)``."""
    fam = get_family("logistic_normal")
    mu = np.array([0.4, -0.8, 1.1])
    sigma = np.array([0.5, 1.2, 0.8])
    lcor = np.linalg.cholesky(np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]]))
    n = 40_000
    eta = jnp.broadcast_to(jnp.asarray(np.r_[0.0, mu]), (n, 4))
    dpars = {"sigma": jnp.asarray(sigma), "Llncor": jnp.asarray(lcor)}
    y = np.asarray(fam.rng(jax.random.PRNGKey(3), eta, dpars, {}), dtype=float)
    assert y.shape == (n, 4) and np.all(y > 0)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-6)
    x = np.log(y[:, 1:]) - np.log(y[:, :1])
    np.testing.assert_allclose(x.mean(axis=0), mu, atol=0.03)
    cov = np.diag(sigma) @ lcor @ lcor.T @ np.diag(sigma)
    np.testing.assert_allclose(np.cov(x, rowvar=False), cov, atol=0.05)


def test_epred_is_refused_as_in_brms() -> None:
    fam = get_family("logistic_normal")
    with pytest.raises(bj.BrmsjaxError, match="Cannot compute expected values of the posterior"):
        fam.epred(jnp.zeros((2, 3)), {"sigma": jnp.ones(2), "Llncor": jnp.eye(2)}, {})


@pytest.mark.parametrize(
    ("call", "data", "message"),
    [
        (
            bj.make_standata,
            pd.DataFrame({"a": [0.2, 0.5], "b": [0.8, 0.6], "x": [0.0, 1.0]}),
            "The rows of the response 'cbind(a, b)' must sum to 1 for the logistic_normal family.",
        ),
        (
            bj.make_standata,
            pd.DataFrame({"a": [0.0, 0.5], "b": [1.0, 0.5], "x": [0.0, 1.0]}),
            "The response 'cbind(a, b)' contains 0, but the logistic_normal family needs values "
            "strictly between 0 and 1.",
        ),
    ],
)
def test_refusals_are_named(call: Any, data: pd.DataFrame, message: str) -> None:
    with pytest.raises(bj.BrmsjaxError) as err:
        call("cbind(a, b) ~ x", data, family="logistic_normal")
    assert message in str(err.value)


def test_refcat_is_refused() -> None:
    with pytest.raises(bj.BrmsjaxError, match="Argument 'refcat' of family 'logistic_normal'"):
        bj.logistic_normal(refcat="p2")


@pytest.mark.parametrize(
    ("code", "link"),
    [
        ("brm(cbind(p1, p2, p3) ~ x, data = d, family = logistic_normal())", "log"),
        ('brm(cbind(p1, p2) ~ x, data = d, family = logistic_normal(link_sigma = "identity"))',
         "identity"),
        ('brm(cbind(p1, p2) ~ x, data = d, family = "logistic_normal")', "log"),
    ],
)  # fmt: skip
def test_porter_reads_family(code: str, link: str) -> None:
    call = from_r(code)
    family = call.family.resolve()
    assert (family.name, family.link, dict(family.dpar_links)) == (
        "logistic_normal",
        "identity",
        {"sigma": link},
    )
    assert "cbind(" in call.to_python()
