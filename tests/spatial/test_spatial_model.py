"""sar() and car() densities, brms's leave-one-out log_lik and epred against brms 2.18 (R
functions at a fixed point) and scipy; the model's log density of a lowered SAR model."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from brmsjax.backend.model.terms.spatial import (
    car_log_prior,
    sar_draw,
    sar_epred,
    sar_log_lik,
    sar_pointwise,
    sparse_car_lpdf,
    sparse_icar_lpdf,
)
from tests.spatial.spatial_fixtures import case, data, data2, fixture


def _point() -> dict:
    return fixture()["point"]


def _sar_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(fixture()["datasets"]["dat"]["y"])
    return y, np.asarray(_point()["mu"]), np.asarray(fixture()["Wr"])


def _cov(W: np.ndarray, rho: float, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    B = np.eye(len(W)) - rho * W
    return B, sigma**2 * np.linalg.inv(B.T @ B)


@pytest.mark.parametrize(
    ("family", "kind", "key"),
    [("gaussian", "lag", "ll_lag_gaussian"), ("student", "error", "ll_error_student")],
)
def test_sar_density_equals_r_and_scipy(family: str, kind: str, key: str) -> None:
    y, mu, W = _sar_inputs()
    p = _point()
    with jax.enable_x64(True):
        got = float(
            sar_log_lik(
                family,
                kind,
                y=jnp.asarray(y),
                mu=jnp.asarray(mu),
                sigma=jnp.asarray(p["sigma"]),
                nu=jnp.asarray(float(p["nu"])),
                rho=jnp.asarray(p["rho"]),
                sar={"M": jnp.asarray(W), "eigen": jnp.asarray(np.linalg.eigvals(W).real)},
            )
        )
    assert got == pytest.approx(p[key], rel=1e-9)
    B, C = _cov(W, p["rho"], p["sigma"])
    mean = np.linalg.solve(B, mu) if kind == "lag" else mu
    if family == "gaussian":
        ref = stats.multivariate_normal(mean, C).logpdf(y)
    else:
        ref = stats.multivariate_t(mean, C, df=p["nu"]).logpdf(y)
    assert got == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize(
    ("family", "kind"),
    [("gaussian", "lag"), ("gaussian", "error"), ("student", "lag"), ("student", "error")],
)
def test_sar_loo_log_lik_equals_brms(family: str, kind: str) -> None:
    y, mu, W = _sar_inputs()
    p = _point()
    with jax.enable_x64(True):
        got = sar_pointwise(
            family,
            kind,
            y=jnp.asarray(y),
            mu=jnp.asarray(mu)[None],
            sigma=jnp.asarray([p["sigma"]]),
            nu=jnp.asarray([float(p["nu"])]),
            rho=jnp.asarray([p["rho"]]),
            M=jnp.asarray(W),
        )
    np.testing.assert_allclose(np.asarray(got)[0], p["loo"][f"{family}_{kind}"], rtol=1e-9)


def test_sar_epred_and_draws_match_brms() -> None:
    y, mu, W = _sar_inputs()
    p = _point()
    with jax.enable_x64(True):
        ep = sar_epred("lag", jnp.asarray(mu)[None], jnp.asarray([p["rho"]]), jnp.asarray(W))
        np.testing.assert_allclose(np.asarray(ep)[0], p["epred_lag"], rtol=1e-10)
        S = 4000
        draws = sar_draw(
            "gaussian",
            "lag",
            key=jax.random.key(3),
            mu=jnp.broadcast_to(jnp.asarray(mu), (S, len(mu))),
            sigma=jnp.full(S, p["sigma"]),
            nu=None,
            rho=jnp.full(S, p["rho"]),
            M=jnp.asarray(W),
        )
    draws = np.asarray(draws)
    _, C = _cov(W, p["rho"], p["sigma"])
    np.testing.assert_allclose(draws.mean(0), p["epred_lag"], atol=4 * np.sqrt(C.max() / S) + 0.02)
    np.testing.assert_allclose(np.cov(draws.T), C, atol=0.08)


def test_car_densities_equal_brms() -> None:
    p = _point()
    sd = case("car_escar")["standata"]
    with jax.enable_x64(True):
        d = {
            "Nneigh": jnp.asarray(sd["Nneigh"], dtype=float),
            "eigen": jnp.asarray(sd["eigenMcar"], dtype=float),
            "edges1": jnp.asarray(sd["edges1"], dtype=int) - 1,
            "edges2": jnp.asarray(sd["edges2"], dtype=int) - 1,
        }
        _car_checks(p, d, jnp.asarray(p["phi"], dtype=jnp.float64))


def _car_checks(p: dict, d: dict, phi: jax.Array) -> None:
    got = float(sparse_car_lpdf(phi, jnp.asarray(p["alpha"]), jnp.asarray(p["sdcar"]), d))
    assert got == pytest.approx(p["sparse_car"], rel=1e-10)
    got_icar = float(sparse_icar_lpdf(phi, jnp.asarray(p["sdcar"]), d))
    assert got_icar == pytest.approx(p["sparse_icar"], rel=1e-10)
    # the proper CAR is MVN(0, (tau (D - alpha W))^-1) up to brms's constant
    W = np.asarray(fixture()["W"])
    D = np.diag(W.sum(0))
    Q = (D - p["alpha"] * W) / p["sdcar"] ** 2
    ref = stats.multivariate_normal(np.zeros(len(W)), np.linalg.inv(Q)).logpdf(np.asarray(phi))
    const = 0.5 * len(W) * np.log(2 * np.pi) - 0.5 * np.log(np.linalg.det(D))
    assert got == pytest.approx(ref + const, rel=1e-10)
    # icar and bym2: brms's pairwise differences, soft sum-to-zero (and std_normal(nszcar))
    e1, e2 = d["edges1"], d["edges2"]
    pair = -0.5 * float(jnp.sum((phi[e1] - phi[e2]) ** 2))
    soft = stats.norm(0, 0.001 * len(W)).logpdf(float(jnp.sum(phi)))
    icar = float(car_log_prior((("icar", "", ""),), {"zcar": phi}, {"car": {"": d}}))
    assert icar == pytest.approx(pair + soft, rel=1e-10)
    bym2 = float(car_log_prior((("bym2", "", ""),), {"zcar": phi, "nszcar": phi}, {"car": {"": d}}))
    assert bym2 == pytest.approx(pair + soft + stats.norm.logpdf(np.asarray(phi)).sum())


def test_lowered_sar_model_density() -> None:
    """The model's log density at a point is brms's lprior plus the SAR density plus the log
    Jacobian of lagsar's bounds, the extreme eigenvalues of M (arguments of the program)."""
    from brmsjax.backend.families.registry import gaussian
    from brmsjax.backend.model.lower import lower
    from brmsjax.backend.priors.resolve import resolve_priors
    from brmsjax.formula.design.design import build_design

    ref, p = case("sar_lag"), _point()
    design = build_design(ref["formula"], data("sar_lag"), "gaussian", data2=data2())
    fam = gaussian()
    lowered = lower(design, fam, resolve_priors(design, fam, None))
    args = lowered.prior_args["lagsar"]
    lo, hi = float(args["lb"]), float(args["ub"])
    assert (lo, hi) == pytest.approx((-1.0, 1.0))
    assert lowered.names.spatial == ("lagsar",)
    y, mu, W = _sar_inputs()
    x = np.asarray(data("sar_lag")["x"])
    b = 0.3
    intercept = 1.5 + b * x.mean()  # mu = 1.5 + 0.3 x with centred x
    prog = lowered.program
    with jax.enable_x64(True):
        values = {
            "Intercept": jnp.asarray(intercept),
            "b": jnp.asarray([b]),
            "lagsar": jnp.asarray((p["rho"] - lo) / (hi - lo)),
            "sigma": jnp.asarray(p["sigma"]),
        }
        prior_args = prog.prepare(lowered.prior_args)
        got = float(prog.log_density(values, lowered.data, prior_args))
    lprior = stats.t(3, 1.5, 2.5).logpdf(intercept) + stats.t(3, 0, 2.5).logpdf(p["sigma"])
    lprior += np.log(2)  # the half student-t's truncation at 0
    want = lprior + p["ll_lag_gaussian"] + np.log(hi - lo)
    assert got == pytest.approx(want, rel=1e-8)
