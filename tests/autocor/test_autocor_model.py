"""The ARMA likelihood against brms's Stan loop computed by hand on brms's own standata.

brms 2.18's model block (``make_stancode(y ~ x + arma(time = t, gr = g, p = 2, q = 1))``)::

    for (n in 1:N) {
      mu[n] += Err[n, 1:Kma] * ma;
      err[n] = Y[n] - mu[n];
      for (i in 1:J_lag[n]) Err[n + 1, i] = err[n + 1 - i];
      mu[n] += Err[n, 1:Kar] * ar;
    }
    target += normal_lpdf(Y | mu, sigma);   // student_t_lpdf(Y | nu, mu, sigma)

:func:`stan_loop` is that loop in plain Python over the fixture's ``Y``, ``X`` and ``J_lag``
(recorded from brms, tests/fixtures/autocor); the densities are scipy's.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.model.lower import lower
from brmsjax.backend.model.terms.autocor import arma_data, arma_mu
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula.design.design import build_design

from .test_autocor_design import case_data, case_formula, fixture


def stan_loop(sd: dict, eta: np.ndarray, ar: np.ndarray, ma: np.ndarray) -> np.ndarray:
    """brms's mu, literally as its Stan code computes it (1-based indices made 0-based)."""
    Y, J_lag = np.asarray(sd["Y"], float), np.asarray(sd["J_lag"], int)
    N, Kar, Kma = len(Y), int(sd["Kar"]), int(sd["Kma"])
    max_lag = max(Kar, Kma)
    Err = np.zeros((N + 1, max_lag))
    err = np.zeros(N)
    mu = eta.copy()
    for n in range(N):
        mu[n] += Err[n, :Kma] @ ma
        err[n] = Y[n] - mu[n]
        for i in range(1, J_lag[n] + 1):
            Err[n + 1, i - 1] = err[n + 1 - i]
        mu[n] += Err[n, :Kar] @ ar
    return mu


# fixture case -> (Intercept, b, ar, ma, sigma, nu)
PARAMS = {
    "ar1": (4.0, [0.3], [0.55], [], 1.7, None),
    "ar2": (4.5, [-0.2], [0.4, -0.3], [], 2.1, None),
    "ma1": (5.0, [0.1], [], [0.6], 1.2, None),
    "arma21": (4.2, [0.25], [0.5, 0.2], [-0.45], 1.5, 3.5),
    "autocor_arg": (3.8, [0.4], [-0.7], [], 0.9, None),
    "ar_nogr": (5.1, [], [0.8], [], 2.0, None),
}


@pytest.mark.parametrize("case_id", PARAMS)
def test_log_lik_equals_brms_stan_loop(case_id: str) -> None:
    case = fixture()["cases"][case_id]
    icpt, b, ar, ma, sigma, nu = PARAMS[case_id]
    family = bj.get_family(case["family"])
    design = build_design(case_formula(case), case_data(case), family=family)
    lowered = lower(
        design, family, resolve_priors(design, family), reparam=False, marginalize=False
    )
    values = {"Intercept": icpt, "sigma": sigma}
    values |= {k: np.asarray(v, float) for k, v in (("b", b), ("ar", ar), ("ma", ma)) if v}
    if nu is not None:
        values["nu"] = nu
    prog = lowered.program
    data, prior_args = lowered.model_args
    with jax.enable_x64(True):
        params = prog.assemble({k: jnp.asarray(v) for k, v in values.items()}, prior_args, data)
        got = np.asarray(prog.pointwise(params, data))
    sd = case["standata"]
    X = np.asarray(sd["X"], float).reshape(int(sd["N"]), -1)
    eta = icpt + (X[:, 1:] - X[:, 1:].mean(axis=0)) @ np.asarray(b, float)
    mu = stan_loop(sd, eta, np.asarray(ar, float), np.asarray(ma, float))
    Y = np.asarray(sd["Y"], float)
    if nu is None:
        want = stats.norm.logpdf(Y, mu, sigma)
    else:
        want = stats.t.logpdf(Y, nu, mu, sigma)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def _series(rng: np.random.Generator, n: int = 13) -> tuple[np.ndarray, dict]:
    groups = np.sort(rng.integers(0, 3, n))
    J_lag = np.zeros(n, dtype=int)
    for i in range(n - 1):
        J_lag[i] = np.sum(groups[max(0, i - 2) : i + 1] == groups[i + 1])
    return J_lag, {"Y": rng.normal(size=n), "J_lag": J_lag, "Kar": 3, "Kma": 0}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ar_gather_scan_and_row_order_agree(seed: int) -> None:
    """AR without MA is one gather; it equals the row-by-row scan (the path with a response to
    fill), also with the rows in another order and per-draw coefficients."""
    rng = np.random.default_rng(seed)
    J_lag, sd = _series(rng)
    n = len(J_lag)
    eta = rng.normal(size=(4, n))
    ar = rng.uniform(-0.6, 0.6, (4, 3))
    want = np.stack([stan_loop(sd, eta[s], ar[s], np.zeros(0)) for s in range(4)])
    lags = arma_data(J_lag, 3)
    y = np.asarray(sd["Y"])
    perm = rng.permutation(n)  # rows in another order: series position j is row perm[j]
    inv = np.empty(n, dtype=int)
    inv[perm] = np.arange(n)
    with jax.enable_x64(True):
        gather = arma_mu(jnp.asarray(eta), jnp.asarray(y), ar=ar, ma=None, lags=lags)
        fill = (jnp.ones((4, n)), jnp.zeros((4, n)))
        scan = arma_mu(jnp.asarray(eta), jnp.asarray(y), ar=ar, ma=None, lags=lags, fill=fill)
        shuffled = arma_mu(
            jnp.asarray(eta[:, inv]),
            jnp.asarray(y[inv]),
            ar=ar,
            ma=None,
            lags=arma_data(J_lag, 3, order=perm),
        )
    np.testing.assert_allclose(np.asarray(gather), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(scan), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(shuffled), want[:, inv], rtol=1e-12, atol=1e-12)


def test_missing_response_is_drawn_row_by_row() -> None:
    """brms's ``.predictor_arma``: a missing response is drawn given the mu so far and its
    residual is a later row's lag (here noise 0.5 on scale 2: y = mu + 1)."""
    J_lag = np.array([1, 1, 1, 0])
    eta = np.array([[1.0, 2.0, 3.0, 4.0]])
    ar, ma = np.array([[0.5]]), np.array([[0.25]])
    with jax.enable_x64(True):
        mu = arma_mu(
            jnp.asarray(eta),
            jnp.full(4, jnp.nan),
            ar=ar,
            ma=ma,
            lags=arma_data(J_lag, 1),
            fill=(jnp.full((1, 4), 2.0), jnp.full((1, 4), 0.5)),
        )
    want, err = [], 0.0
    for n in range(4):
        before_ar = eta[0, n] + 0.25 * err
        mu_n = before_ar + 0.5 * err
        err = (mu_n + 1.0) - before_ar
        want.append(mu_n)
    np.testing.assert_allclose(np.asarray(mu)[0], want, rtol=1e-12)
