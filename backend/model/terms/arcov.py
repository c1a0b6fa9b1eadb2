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
density). brms builds ``chol_cor``, the Cholesky factor of the longest series' ``C``, and
takes its leading block for each series (``O(M^3)`` per evaluation); brmsjax computes the same
density in ``O(G M)`` with the innovations algorithm (the ``LDL'`` factorization of ``C``: the
one-step prediction errors ``e`` of ``u = (y - mu) / sigma`` and their variances ``v``, with
``u' C^-1 u = sum e^2 / v`` and ``log det C = sum log v``), run on the rows gathered into
``(G, M)`` series (padded, masked; ``M = max(nobs_tg)``) with parallel scans.

``log_lik`` is brms's ``log_lik_<family>_time``: each row given its series' other rows
(:func:`~.cosy.series_loo`), with ``C^-1 u`` and ``diag(C^-1)`` from the same recursions run
backwards; response draws run them forwards. :func:`arcov_matrix` is brms's ``C`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.formula.errors import ModelError

from .cosy import cosy_draw, cosy_pointwise, series_joint_lpdf, series_loo

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


def _linear_scan(a: Array, b: Array, reverse: bool = False) -> Array:
    """``x_k = a_k x_(k-1) + b_k`` along the last axis (``x_(-1) = 0``; ``reverse``: from the
    end, ``x_k = a_k x_(k+1) + b_k``), in parallel (:func:`jax.lax.associative_scan`)."""
    a, b = jnp.broadcast_arrays(a, b)

    def combine(x: tuple[Array, Array], y: tuple[Array, Array]) -> tuple[Array, Array]:
        return y[0] * x[0], y[0] * x[1] + y[1]

    return jax.lax.associative_scan(combine, (a, b), reverse=reverse, axis=a.ndim - 1)[1]


def _innovation_parts(ar: Array, ma: Array, M: int) -> tuple[Array, Array]:
    """The innovations algorithm of ``C`` (its ``LDL'`` factorization, Brockwell and Davis
    5.3): the one-step prediction variances ``v`` ``(..., M)`` (``v_0 = gamma_0``,
    ``v_k = 1 + ma^2 - ma^2 / v_(k-1)``) and the MA weights ``c_k = ma / v_(k-1)`` (``c_0 = 0``)
    of the innovations ``e_k = u_k - ar u_(k-1) - c_k e_(k-1)``, whose variance is ``v_k``."""
    g0 = (1.0 + ma**2 + 2.0 * ar * ma) / (1.0 - ar**2)

    def step(v: Array, _: Any) -> tuple[Array, Array]:
        v = 1.0 + ma**2 - ma**2 / v
        return v, v

    _, rest = jax.lax.scan(step, g0, None, length=M - 1)
    v = jnp.concatenate([g0[..., None], jnp.moveaxis(rest, 0, -1)], axis=-1)
    c = jnp.concatenate([jnp.zeros_like(g0)[..., None], ma[..., None] / v[..., :-1]], axis=-1)
    return v, c


def _shift(x: Array, step: int) -> Array:
    """``x`` moved along the last axis by ``step`` (``1``: ``x_(k-1)``, ``-1``: ``x_(k+1)``),
    zero filled."""
    zero = jnp.zeros_like(x[..., :1])
    return jnp.concatenate([zero, x[..., :-1]] if step > 0 else [x[..., 1:], zero], axis=-1)


def _parts(y: Array, mu: Array, dpars: dict[str, Any], d: Any) -> tuple[Array, ...]:
    """Per series ``(..., G, M)``: the innovations ``e`` of ``u = (y - mu) / sigma`` (masked),
    their variances ``v`` ``(..., 1, M)`` and weights ``c``, and the sigmas ``s``."""
    ar, ma = jnp.broadcast_arrays(_coef(dpars, "ar"), _coef(dpars, "ma"))
    v, c = _innovation_parts(ar, ma, d["mask"].shape[-1])
    v, c = v[..., None, :], c[..., None, :]
    sigma = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), mu.shape)
    s = _series(sigma, d, 1.0)
    u = _series(y - mu, d, 0.0) / s
    w = u - ar[..., None, None] * _shift(u, 1)
    e = w if "ma" not in dpars else _linear_scan(-c, w)
    return e * d["mask"], v, c, s


def arcov_log_lik(family: str, y: Array, mu: Array, dpars: dict[str, Any], d: Any) -> Array:
    """The joint log density of ``y`` (rows in series order), summed over the series;
    ``dpars`` holds ``sigma``, ``nu`` (student) and the coefficients ``ar``/``ma``.

    ``u' C^-1 u = sum e_k^2 / v_k`` and ``log det C = sum log v_k`` over each series' rows
    (:func:`_innovation_parts`): the Cholesky factor of brms's ``chol_cor`` has diagonal
    ``sqrt(v)``, so this is brms's density in ``O(N)``.
    """
    e, v, _, s = _parts(y, mu, dpars, d)
    mask, n = d["mask"], d["nobs"]
    q = jnp.sum(e * e / v, axis=-1)
    half_log_det = jnp.sum(mask * (0.5 * jnp.log(v) + jnp.log(s)), axis=-1)
    return series_joint_lpdf(family, q, half_log_det, n, dpars)


def _rows(v: Array, d: Any) -> Array:
    """Series values ``(S, G, M)`` back at their rows ``(S, N)``."""
    return v[:, d["series"], d["pos"]]


def arcov_pointwise(family: str, y: Array, mu: Array, dpars: dict[str, Any], d: Any) -> Array:
    """brms's pointwise ``log_lik`` ``(S, N)``: each ``y_i`` given its series' other rows.

    ``mu`` and ``dpars["sigma"]`` are ``(S, N)``; ``dpars["ar"]``/``["ma"]`` are ``(S, 1)``.
    With ``e = A u`` (``A`` unit lower triangular, the innovations' recursion) ``C^-1 = A'
    V^-1 A``; its product with ``u`` and its diagonal are reverse recursions over the
    series' rows (``A``'s column ``i`` is ``1``, ``-(ar + c_(i+1))``, then times ``-c_k``).
    """
    yy = jnp.broadcast_to(y, mu.shape)
    e, v, c, s = _parts(yy, mu, dpars, d)
    mask = d["mask"]
    ar = jnp.asarray(_coef(dpars, "ar"))[..., None, None]
    lead = ar + _shift(c, -1)  # -A[i + 1, i]
    r = e / v
    tail = _shift(_linear_scan(-_shift(c, -1), r, reverse=True), -1)
    cinv_u = (r - lead * tail) / s  # C^-1 u / sigma = Cov^-1 (y - mu)
    rr = _shift(_linear_scan(_shift(c, -1) ** 2, mask / v, reverse=True), -1)
    cbar = (1.0 / v + lead**2 * rr) / s**2  # diag(Cov^-1)
    q = jnp.sum(e * r, axis=-1)
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
    """Response draws ``(S, N)``: per series one multivariate normal (student) draw, the
    innovations' recursion run forward (``u_k = ar u_(k-1) + e_k + c_k e_(k-1)``)."""
    sigma = jnp.broadcast_to(jnp.asarray(dpars["sigma"]), mu.shape)
    ar, ma = jnp.broadcast_arrays(_coef(dpars, "ar"), _coef(dpars, "ma"))
    M, G = d["mask"].shape[-1], d["index"].shape[0]
    v, c = _innovation_parts(ar, ma, M)
    v, c = v[:, None, :], c[:, None, :]
    k1, k2 = jax.random.split(key)
    e = jnp.sqrt(v) * jax.random.normal(k1, (mu.shape[0], G, M), dtype=mu.dtype)
    u = _linear_scan(jnp.broadcast_to(ar[:, None, None], e.shape), e + c * _shift(e, 1))
    eps = _rows(u, d)
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
