"""fcor(M): design data, priors, messages, densities and brms's leave-one-out log_lik equal
brms 2.18's; a fit recovers simulated coefficients and predicts correlated responses."""

from __future__ import annotations

import re
import warnings

import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.model.terms.fcor import fcor_log_lik, fcor_pointwise
from brmsjax.formula.errors import BrmsjaxError
from tests.data2.data2_fixtures import (
    FCOR_CASES,
    data2_data,
    fcor_case,
    fcor_error,
    fcor_loglik,
    fcor_matrix,
)


def _data(case: dict) -> pd.DataFrame:
    data = data2_data()
    if case["na_row"]:
        data.loc[3, "x"] = np.nan
    return data


@pytest.mark.parametrize("case", FCOR_CASES)
def test_standata_equals_brms(case: str) -> None:
    ref = fcor_case(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = bj.make_standata(
            ref["formula"], _data(ref), ref["family"], data2={"V": fcor_matrix()}
        )
    assert list(got) == list(ref["standata"])
    for key, value in ref["standata"].items():
        want = np.asarray(value, dtype=float)
        have = np.asarray(got[key], dtype=float).reshape(want.shape)
        np.testing.assert_allclose(have, want, rtol=1e-12, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("case", FCOR_CASES)
def test_get_prior_equals_brms(case: str) -> None:
    ref = fcor_case(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = bj.get_prior(ref["formula"], _data(ref), ref["family"], data2={"V": fcor_matrix()})
    want = pd.DataFrame(ref["prior"])[list(table.columns)]
    pd.testing.assert_frame_equal(table.reset_index(drop=True), want.reset_index(drop=True))


def _asym() -> np.ndarray:
    V = fcor_matrix().copy()
    V[0, 1] = 0.9
    return V


@pytest.mark.parametrize(
    ("formula", "family", "data2", "message"),
    [
        ("count ~ x + fcor(V)", "poisson", lambda: {"V": fcor_matrix()}, fcor_error("family")),
        ("y ~ x + fcor(V)", "gaussian", lambda: {"V": fcor_matrix()[1:, 1:]}, fcor_error("dims")),
        ("y ~ x + fcor(V)", "gaussian", lambda: {"V": _asym()}, fcor_error("not_symmetric")),
        ("y ~ x + fcor(V)", "gaussian", lambda: {"W": fcor_matrix()}, fcor_error("not_found")),
        (
            "y | weights(count) ~ x + fcor(V)",
            "gaussian",
            lambda: {"V": fcor_matrix()},
            "Invalid addition arguments for this model.",
        ),
        (
            "y ~ x + fcor(V) + fcor(V)",
            "gaussian",
            lambda: {"V": fcor_matrix()},
            "Can only model one term per autocorrelation class.",
        ),
        (
            "y ~ x + fcor(V) + ar()",
            "gaussian",
            lambda: {"V": fcor_matrix()},
            "fcor() cannot be combined with ar(), ma() or arma()",
        ),
        ("y ~ x + fcor()", "gaussian", lambda: {}, "Argument 'M' is missing in fcor()."),
    ],
)
def test_bad_fcor_gets_message(formula: str, family: str, data2: object, message: str) -> None:
    with pytest.raises(BrmsjaxError, match=re.escape(message)):
        bj.make_standata(formula, data2_data(), family, data2=data2())  # type: ignore[operator]


@pytest.mark.parametrize(
    ("family", "sigma", "key"),
    [
        ("gaussian", "sigma", "gaussian"),
        ("student", "sigma", "student"),
        ("gaussian", "sigma_het", "gaussian_het"),
    ],
)
def test_loo_log_lik_equals_brms(family: str, sigma: str, key: str) -> None:
    ref = fcor_loglik()
    y = jnp.asarray(data2_data()["y"].to_numpy())
    mu = jnp.asarray(ref["mu"])[None, :]
    dpars = {"sigma": jnp.broadcast_to(jnp.asarray(ref[sigma]), mu.shape), "nu": ref["nu"]}
    Minv = jnp.asarray(np.linalg.inv(fcor_matrix()))
    got = np.asarray(fcor_pointwise(family, y, mu, dpars, Minv))[0]
    np.testing.assert_allclose(got, np.asarray(ref[key]), rtol=1e-5)


@pytest.mark.parametrize("family", ["gaussian", "student"])
def test_joint_density_equals_mvtnorm(family: str) -> None:
    ref = fcor_loglik()
    y = jnp.asarray(data2_data()["y"].to_numpy())
    L = jnp.asarray(np.linalg.cholesky(fcor_matrix()))
    dpars = {"sigma": ref["sigma"], "nu": ref["nu"]}
    got = float(fcor_log_lik(family, y, jnp.asarray(ref["mu"]), dpars, L))
    assert got == pytest.approx(ref[f"joint_{family}"], rel=1e-5)


def test_fit_recovers_and_predicts_correlated_rows() -> None:
    rng = np.random.default_rng(4)
    n = 40
    V = 0.7 ** np.abs(np.subtract.outer(range(n), range(n)))
    x = rng.normal(size=n)
    y = 1.0 + 0.5 * x + 0.8 * np.linalg.cholesky(V) @ rng.normal(size=n)
    data = pd.DataFrame({"y": y, "x": x})
    fit = bj.brm(
        "y ~ x + fcor(V)", data, data2={"V": V}, chains=2, iter=400, seed=1, progress=False
    )
    fixed = fit.summary().fixed
    assert fixed.loc["x", "l-95% CI"] < 0.5 < fixed.loc["x", "u-95% CI"]
    ll = fit.log_lik()
    assert ll.shape == (400, n) and np.isfinite(ll).all()
    pp = fit.posterior_predict()
    resid = pp - fit.posterior_epred()
    assert np.corrcoef(resid[:, 10], resid[:, 11])[0, 1] > 0.5  # V[10, 11] = 0.7
    assert fit.posterior_epred(newdata=data.iloc[:3]).shape == (400, 3)
    with pytest.raises(BrmsjaxError, match="need the fitted rows"):
        fit.posterior_predict(newdata=data.iloc[:3])
