"""The gp() model's log density equals brms's Stan program on brms's own data (the fixtures'
standata), and the spectral density is the Fourier transform of the kernel."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, stats

from brmsjax.backend.families.registry import get_family
from brmsjax.backend.model.lower import lower
from brmsjax.backend.model.terms.gp import cov_exp_quad, spd_cov_exp_quad
from brmsjax.backend.priors.resolve import resolve_priors
from brmsjax.formula import build_design
from tests.gp.gp_fixtures import gp_case, gp_data

GAUSSIAN = get_family("gaussian")


@pytest.mark.parametrize(("sdgp", "ell", "w"), [(1.0, 0.3, 0.0), (2.5, 0.1, 7.0), (0.7, 1.2, 1.5)])
def test_spd_is_the_fourier_transform_of_the_kernel(sdgp: float, ell: float, w: float) -> None:
    kernel = lambda r: sdgp**2 * math.exp(-(r**2) / (2 * ell**2)) * math.cos(w * r)  # noqa: E731
    want = integrate.quad(kernel, -np.inf, np.inf)[0]
    with jax.enable_x64(True):
        got = spd_cov_exp_quad(jnp.array([[w]]), jnp.array(sdgp), jnp.array([ell]))
    np.testing.assert_allclose(float(got[0]), want, rtol=1e-9)


def test_spd_in_two_dimensions_is_the_product_of_one_dimensional_ones() -> None:
    freq = jnp.array([[0.5, 2.0], [3.0, 1.0]])
    with jax.enable_x64(True):
        iso = spd_cov_exp_quad(freq, jnp.array(1.3), jnp.array([0.4]))
        aniso = spd_cov_exp_quad(freq, jnp.array(1.3), jnp.array([0.4, 0.9]))
        one = lambda x, ell: spd_cov_exp_quad(x[:, None], jnp.array(1.0), jnp.array([ell]))  # noqa: E731
        np.testing.assert_allclose(iso, 1.3**2 * one(freq[:, 0], 0.4) * one(freq[:, 1], 0.4))
        np.testing.assert_allclose(aniso, 1.3**2 * one(freq[:, 0], 0.4) * one(freq[:, 1], 0.9))


def test_approximate_covariance_converges_to_the_exact_one() -> None:
    """Phi diag(spd) Phi' approximates the kernel inside the domain (Riutort-Mayol et al.)."""
    from brmsjax.formula.design.gp import basis

    x = np.linspace(-0.5, 0.5, 21)[:, None]
    phi, slambda = basis(x, 40, np.array([1.25]))
    with jax.enable_x64(True):
        spd = np.asarray(spd_cov_exp_quad(jnp.asarray(slambda), jnp.array(1.0), jnp.array([0.3])))
        exact = np.asarray(cov_exp_quad(jnp.asarray((x - x.T)[None] ** 2), 1.0, jnp.array([0.3])))
    np.testing.assert_allclose(phi @ np.diag(spd) @ phi.T, exact, atol=1e-5)


def _brms_lp(case: str, p: dict[str, np.ndarray]) -> float:
    """brms's Stan model (make_stancode of the case) in numpy, on brms's standata."""
    sd = {k: np.asarray(v, dtype=float) for k, v in gp_case(case)["standata"].items()}
    y = sd["Y"]
    t = stats.t(3, 0, 2.5)
    lp = stats.t(3, 0.8, 2.5).logpdf(p["Intercept"])
    lp += np.sum(t.logpdf(p["sdgp"]) - t.logsf(0)) + t.logpdf(p["sigma"]) - t.logsf(0)
    shape, rate = p["lscale_prior"]
    lp += np.sum(stats.invgamma(shape, scale=rate).logpdf(p["lscale"]))
    lp += np.sum(stats.norm.logpdf(p["zgp"]))
    if "slambda_1" in sd:
        lam2 = np.sum(sd["slambda_1"] ** 2, axis=1)
        D = sd["slambda_1"].shape[1]
        spd = p["sdgp"] ** 2 * (math.sqrt(2 * math.pi) * p["lscale"]) ** D
        spd = spd * np.exp(-0.5 * p["lscale"] ** 2 * lam2)
        f = sd["Xgp_1"] @ (np.sqrt(spd) * p["zgp"])
    else:
        X = sd["Xgp_1"].reshape(len(sd["Xgp_1"]), -1)
        d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=2)
        K = p["sdgp"] ** 2 * np.exp(-d2 / (2 * p["lscale"] ** 2)) + 1e-12 * np.eye(len(X))
        f = np.linalg.cholesky(K) @ p["zgp"]
    mu = p["Intercept"] + f[sd["Jgp_1"].astype(int) - 1]
    return float(lp + np.sum(stats.norm.logpdf(y, mu, p["sigma"])))


@pytest.mark.parametrize(
    ("formula", "case", "lscale_prior"),
    [
        ("y ~ gp(x1, k = 10, c = 5/4)", "approx_1d", (1.508865, 0.058663)),
        ("y ~ gp(x1, x2, k = 5, c = 1.5)", "approx_2d", (1.865206, 0.119977)),
        ("y ~ gp(x1)", "exact", (1.508865, 0.058663)),
        # brms's Xgp_1 and Jgp_1 of y ~ z + gp(x1, x2) are those of y ~ gp(x1, x2)
        ("y ~ gp(x1, x2)", "exact_2d", (1.865206, 0.119977)),
    ],
)
def test_log_density_equals_brms_stan_model(formula: str, case: str, lscale_prior: tuple) -> None:
    design = build_design(formula, gp_data(), GAUSSIAN)
    # brms's coordinates: the latents sampled (reparam=False keeps them in the density)
    lowered = lower(design, GAUSSIAN, resolve_priors(design, GAUSSIAN, None), reparam=False)
    rng = np.random.default_rng(3)
    p = {
        "Intercept": np.array(0.4),
        "sdgp": np.array([1.1]),
        "lscale": np.array([0.25]),
        "sigma": np.array(0.6),
        "zgp": rng.standard_normal(design.gps[0].latent_sizes[0]),
        "lscale_prior": lscale_prior,
    }
    values = {
        "Intercept": p["Intercept"],
        "sdgp_1": p["sdgp"],
        "lscale_1": p["lscale"],
        "sigma": p["sigma"],
        "zgp_1_1": p["zgp"],
    }
    with jax.enable_x64(True):
        data, prior_args = lowered.model_args
        got = float(lowered.program.log_density(values, data, prior_args))
    np.testing.assert_allclose(got, _brms_lp(case, p), rtol=1e-8)


@pytest.mark.parametrize(
    "formula",
    ["y ~ gp(x1, k = 10, c = 5/4) + gp(x2, by = f, k = 4, c = 5/4)", "y ~ gp(x1) + gp(x2, by = f)"],
)
def test_marginal_form_integrates_the_latents_out(formula: str) -> None:
    """Gaussian models with GPs sample without the latents: the likelihood is
    ``N(y | eta, sigma^2 I + B B')`` and each draw's ``zgp`` comes from its exact conditional."""
    from brmsjax.backend.model.terms.gp import gp_derive, row_basis

    data_frame = gp_data()
    design = build_design(formula, data_frame, GAUSSIAN)
    lowered = lower(design, GAUSSIAN, resolve_priors(design, GAUSSIAN, None))
    assert all(p.marginal for p in lowered.structure.gps)
    assert not [s for s in lowered.sites if s.name.startswith("zgp")]
    values = {
        "Intercept": np.array(0.4),
        "sdgp_1": np.array([1.1]),
        "lscale_1": np.array([0.25]),
        "sdgp_2": np.array([0.5, 0.7, 0.9]),
        "lscale_2": np.array([0.3, 0.2, 0.4]),
        "sigma": np.array(0.6),
    }
    B = []
    for block in design.gps:
        A = row_basis(block, design.N)
        for j, sub in enumerate(block.subs):
            sd, ell = values[f"sdgp{block.prefix()}"][j], values[f"lscale{block.prefix()}"][j]
            if sub.slambda is None:  # exact: chol(K + 1e-12 I) at the points
                d2 = (sub.points - sub.points.T) ** 2
                K = sd**2 * np.exp(-d2 / (2 * ell**2)) + 1e-12 * np.eye(len(d2))
                B.append(A[j] @ np.linalg.cholesky(K))
                continue
            lam2 = np.sum(sub.slambda**2, axis=1)
            spd = sd**2 * math.sqrt(2 * math.pi) * ell * np.exp(-0.5 * ell**2 * lam2)
            B.append(A[j] * np.sqrt(spd))
    Bm = np.concatenate(B, axis=1)
    y = data_frame["y"].to_numpy()
    cov = 0.36 * np.eye(len(y)) + Bm @ Bm.T
    with jax.enable_x64(True):
        data, prior_args = lowered.model_args
        params = lowered.program.assemble(values, prior_args, data)
        got = float(lowered.program.log_lik(params, data))
        want = stats.multivariate_normal(np.full(len(y), 0.4), cov).logpdf(y)
        np.testing.assert_allclose(got, want, rtol=1e-10)
        # the conditional of the latents: mean M^-1 B'r / sigma^2, covariance M^-1
        resid = jnp.asarray(y - 0.4)
        keys = jax.random.split(jax.random.key(0), 4000)
        draws = jax.vmap(
            lambda k: gp_derive(lowered.structure.gps, params, data, resid, k)["zgp_1_1"]
        )(keys)
    M = np.eye(Bm.shape[1]) + Bm.T @ Bm / 0.36
    n1 = design.gps[0].latent_sizes[0]
    mean = np.linalg.solve(M, Bm.T @ (y - 0.4) / 0.36)[:n1]
    sd = np.sqrt(np.diag(np.linalg.inv(M)))[:n1]
    assert np.all(np.abs(np.asarray(draws).mean(axis=0) - mean) < 5 * sd / np.sqrt(4000))
    np.testing.assert_allclose(np.asarray(draws).std(axis=0), sd, rtol=0.08)
