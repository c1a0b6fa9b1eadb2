"""``cosy(time, gr)``: compound symmetry residuals (brms 2.18's ``normal_time_hom`` and
``student_t_time_hom`` with ``cholesky_cor_cosy``), their leave-one-out log likelihood and
response draws.

Within each series (group) ``g`` of ``n`` rows the residuals have the correlation matrix
``R = (1 - rho) I + rho 1 1'`` (brms's parameter ``cosy = rho`` in ``[0, 1]``) and the
covariance ``D R D`` with ``D = diag(sigma)``. Its inverse and determinant are closed forms,
so no ``n x n`` matrix is built: with ``u = e / sigma`` and ``c = rho / (1 + (n - 1) rho)``,

    R^-1 = (I - c 1 1') / (1 - rho),   log det R = (n - 1) log(1 - rho) + log(1 + (n - 1) rho),
    u' R^-1 u = (sum u^2 - c (sum u)^2) / (1 - rho).

brms's ``log_lik`` (``log_lik_gaussian_time``, ``log_lik_student_time``) is each row's density
given the other rows of its series, as for ``fcor()`` (:mod:`.fcor`): ``g = C^-1 e``,
``cbar = diag(C^-1)``, ``y_i | y_-i ~ N(y_i - g_i / cbar_i, 1 / cbar_i)``, the student version
with ``nu + n - 1`` degrees of freedom and its variance scaled by ``(nu + beta_i) / (nu + n -
1)``, ``beta_i = e' C^-1 e - g_i^2 / cbar_i``. The series are independent; a response draw
is ``sigma (sqrt(rho) w_g + sqrt(1 - rho) z_i)`` (student: scaled per series by
``sqrt(nu / chi2_nu)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.special import gammaln
from jax.scipy.stats import norm, t

from brmsjax.formula.errors import ModelError

__all__ = [
    "cosy_data",
    "cosy_draw",
    "cosy_log_lik",
    "cosy_pointwise",
    "plan_cosy",
    "series_loo",
]


def cosy_data(series: np.ndarray) -> dict[str, np.ndarray]:
    """The program's data of rows in series order: each row's series and each series' size."""
    series = np.asarray(series, dtype=np.int32)
    return {"series": series, "nobs": np.bincount(series).astype(np.float64)}


def plan_cosy(
    design: Any, vector: Callable[..., Any], data: dict[str, Any], likelihood: str
) -> str:
    """Plan the ``cosy`` parameter (bounded to ``[0, 1]``) and the data of a ``cosy()`` term.

    Returns the likelihood form, ``"plain"`` (the only one that takes the series' densities).

    Raises
    ------
    ModelError
        For another form asked for.
    """
    if design.cosy is None:
        return likelihood
    vector(name="cosy", size=1, scalar=True, natural=(0.0, 1.0))
    data["cosy"] = cosy_data(design.cosy.series)
    if likelihood not in ("auto", "plain"):
        raise ModelError(f"The {likelihood} likelihood cannot be used with cosy() terms.")
    return "plain"


def _parts(y: Array, mu: Array, sigma: Array, rho: Array, d: dict[str, Any]) -> tuple[Array, ...]:
    """Per row: ``u``, and per row's series: ``n``, ``c``, ``sum u``, ``u' R^-1 u``."""
    G = d["nobs"].shape[-1]
    u = (y - mu) / sigma
    seg = jax.vmap(lambda v: jax.ops.segment_sum(v, d["series"], num_segments=G))
    uu = u.reshape(-1, u.shape[-1])
    s1, s2 = seg(uu).reshape((*u.shape[:-1], G)), seg(uu * uu).reshape((*u.shape[:-1], G))
    n = d["nobs"]
    c = rho / (1.0 + (n - 1.0) * rho)
    q = (s2 - c * s1 * s1) / (1.0 - rho)
    return u, n, c, s1, q


def cosy_log_lik(family: str, y: Array, mu: Array, dpars: dict[str, Any], d: Any) -> Array:
    """The joint log density of ``y`` (rows in series order), summed over the series;
    ``dpars`` holds ``sigma``, ``nu`` (student) and the correlation ``cosy``."""
    sigma, rho = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), y.shape), dpars["cosy"]
    _, n, _, _, q = _parts(y, mu, sigma, rho, d)
    G = n.shape[-1]
    log_sigma = jax.ops.segment_sum(jnp.log(sigma), d["series"], num_segments=G)
    half_log_det = log_sigma + 0.5 * ((n - 1.0) * jnp.log1p(-rho) + jnp.log1p((n - 1.0) * rho))
    return series_joint_lpdf(family, q, half_log_det, n, dpars)


def series_joint_lpdf(
    family: str, q: Array, half_log_det: Array, n: Array, dpars: dict[str, Any]
) -> Array:
    """The multivariate normal (``gaussian``) or t (``student``, ``dpars["nu"]``) log density
    summed over the series, from each series' quadratic form ``q = u' C^-1 u``, half log
    determinant of ``C`` and row count ``n``: the tail shared by cosy() and the
    ``cov = TRUE`` ar/ma/arma structures."""
    if family == "gaussian":
        return jnp.sum(-0.5 * q - half_log_det - 0.5 * n * jnp.log(2 * jnp.pi))
    nu = jnp.reshape(jnp.asarray(dpars["nu"]), (-1,))[0]
    lp = (
        gammaln((nu + n) / 2)
        - gammaln(nu / 2)
        - 0.5 * n * jnp.log(nu * jnp.pi)
        - half_log_det
        - 0.5 * (nu + n) * jnp.log1p(q / nu)
    )
    return jnp.sum(lp)


def cosy_pointwise(family: str, y: Array, mu: Array, dpars: dict[str, Any], d: Any) -> Array:
    """brms's pointwise ``log_lik`` ``(S, N)``: each ``y_i`` given its series' other rows.

    ``mu`` and ``dpars["sigma"]`` are ``(S, N)``; ``dpars["cosy"]`` is ``(S,)``.
    """
    sigma = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), mu.shape)
    rho = jnp.asarray(dpars["cosy"])[:, None]
    yy = jnp.broadcast_to(y, mu.shape)
    u, n, c, s1, q = _parts(yy, mu, sigma, rho, d)
    J = d["series"]
    g = (u - c[:, J] * s1[:, J]) / ((1.0 - rho) * sigma)
    cbar = (1.0 - c[:, J]) / ((1.0 - rho) * sigma**2)
    return series_loo(family, yy, g=g, cbar=cbar, q=q[:, J], n=n[J], nu=dpars.get("nu"))


def series_loo(
    family: str, y: Array, *, g: Array, cbar: Array, q: Array, n: Array, nu: Any
) -> Array:
    """brms's ``log_lik_<family>_time`` of each row given its series' other rows ``(S, N)``.

    Per row: ``g = (C^-1 e)_i``, ``cbar = (C^-1)_ii``, its series' ``q = e' C^-1 e`` and size
    ``n``, and the student's ``nu`` (draws, or draws x rows whose first column is used).
    Shared by ``cosy()`` and ``ar(cov = TRUE)`` (:mod:`.arcov`).
    """
    yloo = y - g / cbar
    if family == "gaussian":
        return norm.logpdf(y, yloo, jnp.sqrt(1 / cbar))
    nu = jnp.asarray(nu)
    nu = nu if nu.ndim < 2 else nu[:, :1]
    nu = jnp.reshape(nu, (-1, 1))
    beta = q - g**2 / cbar
    df = nu + n - 1.0
    return t.logpdf(y, df, yloo, jnp.sqrt(1 / cbar * (nu + beta) / df))


def cosy_draw(family: str, key: Array, mu: Array, dpars: dict[str, Any], d: Any) -> Array:
    """Response draws ``(S, N)``: per series one multivariate normal (student) draw."""
    sigma = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), mu.shape)
    rho = jnp.asarray(dpars["cosy"])[:, None]
    J, G = d["series"], d["nobs"].shape[-1]
    k1, k2, k3 = jax.random.split(key, 3)
    w = jax.random.normal(k1, (mu.shape[0], G), dtype=mu.dtype)
    z = jax.random.normal(k2, mu.shape, dtype=mu.dtype)
    eps = jnp.sqrt(rho) * w[:, J] + jnp.sqrt(1.0 - rho) * z
    if family == "student":
        nu = jnp.asarray(dpars["nu"])
        nu = jnp.reshape(nu if nu.ndim < 2 else nu[:, :1], (-1, 1))
        chi2 = 2.0 * jax.random.gamma(k3, nu / 2, shape=(mu.shape[0], G), dtype=mu.dtype)
        eps = eps * jnp.sqrt(nu / chi2)[:, J]
    return mu + sigma * eps
