"""``fcor(M)``: residuals with a fixed correlation matrix (brms 2.18's ``normal_fcor`` and
``student_t_fcor`` likelihoods, their leave-one-out log likelihood and predictions).

The response is one multivariate draw: gaussian ``y ~ MVN(mu, D M D)`` and student
``y ~ MVT(nu, mu, D M D)`` with ``D = diag(sigma)`` (brms's ``_hom`` functions where ``sigma``
is one number, ``_het`` where it is predicted; the same density). ``data["Lfcor"]`` is brms's
``Lfcor = cholesky_decompose(Mfcor)``.

brms's ``log_lik`` of these models (``log_lik_gaussian_fcor``, ``log_lik_student_fcor``) is
each observation's density given all the others (the leave-one-out predictive of a
non-factorized model): with ``C = D M D``, ``g = C^-1 (y - mu)`` and ``cbar = diag(C^-1)``,
``y_i | y_-i ~ N(y_i - g_i / cbar_i, 1 / cbar_i)``; the student version scales the variance
by ``(nu + beta_i) / (nu + N - 1)``, ``beta_i = e_-i' C_-i,-i^-1 e_-i = e' C^-1 e - g_i^2 /
cbar_i``, with ``nu + N - 1`` degrees of freedom (:func:`fcor_pointwise`).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import Array
from jax.scipy.linalg import solve_triangular
from jax.scipy.special import gammaln
from jax.scipy.stats import norm, t

__all__ = ["fcor_draw", "fcor_log_lik", "fcor_pointwise"]


def fcor_log_lik(family: str, y: Array, mu: Array, dpars: dict[str, Any], L: Array) -> Array:
    """The joint log density of ``y`` (brms's ``normal_fcor_*_lpdf`` / ``student_t_fcor_*``)."""
    n = y.shape[-1]
    sigma = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), y.shape)
    z = solve_triangular(L, (y - mu) / sigma, lower=True)
    log_det = jnp.sum(jnp.log(sigma)) + jnp.sum(jnp.log(jnp.diagonal(L)))
    q = jnp.sum(z * z)
    if family == "gaussian":
        return -0.5 * q - log_det - 0.5 * n * jnp.log(2 * jnp.pi)
    nu = jnp.reshape(jnp.asarray(dpars["nu"]), (-1,))[0]
    return (
        gammaln((nu + n) / 2)
        - gammaln(nu / 2)
        - 0.5 * n * jnp.log(nu * jnp.pi)
        - log_det
        - 0.5 * (nu + n) * jnp.log1p(q / nu)
    )


def fcor_pointwise(family: str, y: Array, mu: Array, dpars: dict[str, Any], Minv: Array) -> Array:
    """brms's pointwise ``log_lik`` ``(S, N)``: each ``y_i`` given the other rows.

    ``mu`` and ``dpars["sigma"]`` are ``(S, N)``; ``Minv`` is ``Mfcor``'s inverse.
    """
    sigma = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), mu.shape)
    e = y[None, :] - mu
    g = ((e / sigma) @ Minv) / sigma  # C^-1 e, C^-1 = D^-1 M^-1 D^-1 (symmetric)
    cbar = jnp.diagonal(Minv)[None, :] / sigma**2
    yloo = y[None, :] - g / cbar
    if family == "gaussian":
        return norm.logpdf(y[None, :], yloo, jnp.sqrt(1 / cbar))
    n = y.shape[0]
    nu = jnp.asarray(dpars["nu"])
    nu = nu if nu.ndim < 2 else nu[:, :1]
    quad = jnp.sum(e * g, axis=1, keepdims=True)
    beta = quad - g**2 / cbar
    sd = jnp.sqrt(1 / cbar * (nu + beta) / (nu + n - 1))
    return t.logpdf(y[None, :], nu + n - 1, yloo, sd)


def fcor_draw(family: str, key: Array, mu: Array, dpars: dict[str, Any], L: Array) -> Array:
    """Response draws ``(S, N)``: one multivariate normal (student) draw per posterior draw."""
    sigma = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), mu.shape)
    k1, k2 = jax.random.split(key)
    eps = jax.random.normal(k1, mu.shape, dtype=mu.dtype) @ L.T
    if family == "student":
        nu = jnp.asarray(dpars["nu"])
        nu = nu if nu.ndim < 2 else nu[:, :1]
        chi2 = 2.0 * jax.random.gamma(k2, nu / 2, shape=nu.shape, dtype=mu.dtype)
        eps = eps * jnp.sqrt(nu / chi2)
    return mu + sigma * eps
