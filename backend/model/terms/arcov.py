"""``ar()``/``ma()``/``arma()`` with ``cov = TRUE``: each series' residual covariance matrix
(brms 2.18's ``normal_time_hom``/``_het`` and ``student_t_time_hom``/``_het`` with
``cholesky_cor_ar1``, ``cholesky_cor_ma1`` or ``cholesky_cor_arma1``), its leave-one-out log
likelihood and response draws.

Within a series of ``n`` rows (consecutive rows one time step apart) brms's matrix ``C`` has
entries ``gamma_|i-j|`` of the ARMA(1, 1) process with unit innovations::

    gamma_0 = (1 + ma^2 + 2 ar ma) / (1 - ar^2),
    gamma_k = (1 + ar ma)(ar + ma) ar^(k-1) / (1 - ar^2),   k >= 1,

(``ar = 0`` without an AR part, ``ma = 0`` without an MA part: AR(1) ``ar^k / (1 - ar^2)``,
MA(1) ``1 + ma^2`` and ``ma``), and the residuals' covariance is ``D C D`` with
``D = diag(sigma)`` (sigma is the innovation sd, one per row when predicted: the ``_het``
density). Every series' ``C`` is the leading block of the longest series' matrix, so one
``M x M`` Cholesky factor ``L`` (``M = max(nobs_tg)``, brms's ``max_nobs_tg``) serves all:
the leading block of ``L`` (and of ``L^-1``) is the factor (inverse) of the leading block. The
rows are gathered into ``(G, M)`` series (padded, masked), so a series' ``z = L^-1 (e / sigma)``
and ``log det C`` read only its ``n`` leading entries.

``log_lik`` is brms's ``log_lik_<family>_time``: each row given its series' other rows
(:func:`~.cosy.series_loo`), with ``C^-1 = L^-T diag(mask) L^-1`` per series.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.linalg import solve_triangular
from jax.scipy.special import gammaln

from brmsjax.formula.errors import ModelError

from .cosy import cosy_draw, cosy_pointwise, series_loo

__all__ = [
    "arcov_data",
    "arcov_draw",
    "arcov_log_lik",
    "arcov_matrix",
    "arcov_pointwise",
    "plan_arcov",
    "series_function",
]


def arcov_data(series: np.ndarray) -> dict[str, np.ndarray]:
    """The program's data of rows in series order: each row's ``series`` and position ``pos``
    in it, each series' size ``nobs``, and the ``(G, M)`` row ``index`` and ``mask`` of each
    series' positions (``M`` the longest series)."""
    series = np.asarray(series, dtype=np.int32)
    nobs = np.bincount(series)
    begin = np.cumsum(nobs) - nobs
    pos = np.arange(len(series)) - begin[series]
    k = np.arange(int(nobs.max()))
    mask = k[None, :] < nobs[:, None]
    index = np.where(mask, begin[:, None] + k[None, :], 0)
    return {
        "series": series,
        "pos": pos.astype(np.int32),
        "nobs": nobs.astype(np.float64),
        "index": index.astype(np.int32),
        "mask": mask.astype(np.float64),
    }


def plan_arcov(
    design: Any, vector: Callable[..., Any], data: dict[str, Any], likelihood: str
) -> tuple[tuple[int, int] | None, str]:
    """Plan the ``ar``/``ma`` coefficients (vectors of size one in ``[-1, 1]``, brms's bounds)
    and the data of an ARMA term with ``cov = TRUE``.

    Returns the ``(Kar, Kma)`` orders (None without such a term) and the likelihood form
    ``"plain"`` (the only one that takes the series' densities).

    Raises
    ------
    ModelError
        For another form asked for, or ``se()`` (brms adds it to the series' covariance;
        brmsjax does not).
    """
    arcov = design.arcov
    if arcov is None:
        return None, likelihood
    if "se" in design.response.addition:
        raise ModelError(
            "se() cannot be combined with ARMA terms with cov = TRUE in brmsjax; use cov = FALSE."
        )
    for cls, k in (("ar", arcov.p), ("ma", arcov.q)):
        if k:
            vector(name=cls, size=k, scalar=False, natural=(-1.0, 1.0))
    data["arcov"] = arcov_data(arcov.series)
    if likelihood not in ("auto", "plain"):
        raise ModelError(f"The {likelihood} likelihood cannot be used with ARMA terms.")
    return (arcov.p, arcov.q), "plain"


def _coef(dpars: dict[str, Any], name: str) -> Array:
    """The draws' ``ar`` or ``ma`` coefficient ``(...,)`` (0 without that part)."""
    value = dpars.get(name)
    if value is None:
        return jnp.zeros(())
    return jnp.asarray(value)[..., 0]


def arcov_matrix(ar: Array, ma: Array, M: int) -> Array:
    """brms's ARMA(1, 1) matrix ``C`` ``(..., M, M)`` of coefficients ``ar``, ``ma`` ``(...)``
    (``get_cor_matrix_arma1``; AR(1) and MA(1) with the other coefficient zero)."""
    ar, ma = jnp.broadcast_arrays(jnp.asarray(ar), jnp.asarray(ma))
    powers = jnp.cumprod(
        jnp.concatenate([jnp.ones((*ar.shape, 1)), jnp.repeat(ar[..., None], M - 1, -1)], -1),
        axis=-1,
    )  # ar^0, ..., ar^(M-1), differentiable at ar = 0
    scale = 1.0 / (1.0 - ar**2)
    lag = (1.0 + ar * ma) * (ar + ma) * scale
    gamma = jnp.concatenate(
        [((1.0 + ma**2 + 2.0 * ar * ma) * scale)[..., None], lag[..., None] * powers[..., :-1]],
        axis=-1,
    )
    k = np.arange(M)
    return gamma[..., np.abs(k[:, None] - k[None, :])]


def _series(v: Array, d: Any, pad: float) -> Array:
    """Row values ``(..., N)`` as ``(..., G, M)`` series, ``pad`` beyond each series' end."""
    return jnp.where(d["mask"] > 0, jnp.take(v, d["index"], axis=-1), pad)


def _parts(y: Array, mu: Array, dpars: dict[str, Any], d: Any) -> tuple[Array, ...]:
    """``L`` ``(..., M, M)``, ``z = L^-1 u`` ``(..., G, M)`` (masked), the sigmas ``(..., G, M)``
    and ``u = e / sigma`` ``(..., G, M)``."""
    M = d["mask"].shape[-1]
    L = jnp.linalg.cholesky(arcov_matrix(_coef(dpars, "ar"), _coef(dpars, "ma"), M))
    sigma = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), mu.shape)
    s = _series(sigma, d, 1.0)
    u = _series(y - mu, d, 0.0) / s
    z = jnp.swapaxes(solve_triangular(L, jnp.swapaxes(u, -1, -2), lower=True), -1, -2)
    return L, z * d["mask"], s, u


def arcov_log_lik(family: str, y: Array, mu: Array, dpars: dict[str, Any], d: Any) -> Array:
    """The joint log density of ``y`` (rows in series order), summed over the series;
    ``dpars`` holds ``sigma``, ``nu`` (student) and the coefficients ``ar``/``ma``."""
    L, z, s, _ = _parts(y, mu, dpars, d)
    mask, n = d["mask"], d["nobs"]
    q = jnp.sum(z * z, axis=-1)
    half_log_det = mask @ jnp.log(jnp.diagonal(L)) + jnp.sum(mask * jnp.log(s), axis=-1)
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


def _rows(v: Array, d: Any) -> Array:
    """Series values ``(S, G, M)`` back at their rows ``(S, N)``."""
    return v[:, d["series"], d["pos"]]


def arcov_pointwise(family: str, y: Array, mu: Array, dpars: dict[str, Any], d: Any) -> Array:
    """brms's pointwise ``log_lik`` ``(S, N)``: each ``y_i`` given its series' other rows.

    ``mu`` and ``dpars["sigma"]`` are ``(S, N)``; ``dpars["ar"]``/``["ma"]`` are ``(S, 1)``.
    """
    yy = jnp.broadcast_to(y, mu.shape)
    L, z, s, _ = _parts(yy, mu, dpars, d)
    M = L.shape[-1]
    Linv = solve_triangular(L, jnp.broadcast_to(jnp.eye(M), L.shape), lower=True)
    mask = d["mask"]
    cinv_u = jnp.einsum("ski,sgk->sgi", Linv, z) / s  # (C^-1 u) / sigma = Cov^-1 e
    cbar = jnp.einsum("gk,ski->sgi", mask, Linv * Linv) / s**2  # diag(Cov^-1)
    q = jnp.sum(z * z, axis=-1)
    return series_loo(
        family,
        yy,
        g=_rows(cinv_u, d),
        cbar=_rows(cbar, d),
        q=q[:, d["series"]],
        n=d["nobs"][d["series"]],
        nu=dpars.get("nu"),
    )


def arcov_draw(family: str, key: Array, mu: Array, dpars: dict[str, Any], d: Any) -> Array:
    """Response draws ``(S, N)``: per series one multivariate normal (student) draw."""
    sigma = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), mu.shape)
    M = d["mask"].shape[-1]
    G = d["index"].shape[0]
    L = jnp.linalg.cholesky(arcov_matrix(_coef(dpars, "ar"), _coef(dpars, "ma"), M))
    k1, k2 = jax.random.split(key)
    w = jax.random.normal(k1, (mu.shape[0], G, M), dtype=mu.dtype)
    eps = _rows(jnp.einsum("sik,sgk->sgi", L, w), d)
    if family == "student":
        nu = jnp.asarray(dpars["nu"])
        nu = jnp.reshape(nu if nu.ndim < 2 else nu[:, :1], (-1, 1))
        chi2 = 2.0 * jax.random.gamma(k2, nu / 2, shape=(mu.shape[0], G), dtype=mu.dtype)
        eps = eps * jnp.sqrt(nu / chi2)[:, d["series"]]
    return mu + sigma * eps


def series_function(what: str, cosy: bool) -> Callable[..., Array]:
    """The response draws (``what = "predict"``) or pointwise ``log_lik`` of a per-series
    covariance term, called as ``how(family, key_or_y, mu, dpars, data)``: ``cosy()``'s (its
    draws ``rho`` in ``dpars``) or ``ar(cov = TRUE)``'s (``ar``/``ma``)."""
    if not cosy:
        return arcov_draw if what == "predict" else arcov_pointwise
    how = cosy_draw if what == "predict" else cosy_pointwise

    def run(family: str, first: Array, mu: Array, dpars: dict[str, Any], d: Any) -> Array:
        return how(family, first, mu, {**dpars, "cosy": dpars["rho"]}, d)

    return run
