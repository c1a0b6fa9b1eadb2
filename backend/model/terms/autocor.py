"""brms's ARMA terms with ``cov = FALSE``: mu from the lagged "predicted residuals".

brms 2.18's Stan code (gaussian and student families)::

    for (n in 1:N) {
      mu[n] += Err[n, 1:Kma] * ma;
      err[n] = Y[n] - mu[n];
      for (i in 1:J_lag[n]) Err[n + 1, i] = err[n + 1 - i];
      mu[n] += Err[n, 1:Kar] * ar;
    }

so the residual of a row excludes its own AR part but includes its MA part. Without MA terms
the residuals are ``Y - eta`` and the AR part is one gather of lagged residuals; with MA terms
each residual needs the ones before it, which is a scan over the rows in series order.

The same function serves fitting (``eta`` of shape ``(N,)``, one parameter value) and
prediction (``(S, N)``, a chunk of draws). Where the response is missing (new data without it),
brms's ``.predictor_arma`` draws it from the posterior predictive distribution given the mu so
far; ``fill`` gives that draw (``mu + scale * noise``), so later rows use it as their lag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

__all__ = ["arma_data", "arma_mu"]


def arma_data(J_lag: np.ndarray, max_lag: int, order: np.ndarray | None = None) -> dict[str, Any]:
    """The lag structure of rows in series order, as arguments of the compiled program.

    Parameters
    ----------
    J_lag
        brms's ``J_lag`` in series order.
    max_lag
        ``max(Kar, Kma)``.
    order
        The row of each series position (prediction rows in the data's order), or None for
        rows already in series order.

    Returns
    -------
    dict
        ``mask`` ``(N, max_lag)``: 1 where row ``j``'s lag ``i + 1`` exists
        (``i + 1 <= J_lag[j - 1]``); ``index`` ``(N, max_lag)``: that lag's series position
        (0 where there is none); ``order`` when given.
    """
    n = len(J_lag)
    lags = np.arange(1, max_lag + 1)
    prev = np.concatenate([[0], np.asarray(J_lag[:-1], dtype=np.int64)]) if n else np.zeros(0)
    mask = (lags[None, :] <= prev[:, None]).astype(np.float64)
    index = np.maximum(np.arange(n)[:, None] - lags[None, :], 0).astype(np.int32)
    out: dict[str, Any] = {"mask": mask, "index": index}
    if order is not None:
        out["order"] = np.asarray(order, dtype=np.int32)
    return out


def _coef(x: Array | None, lead: tuple[int, ...]) -> Array | None:
    """Coefficients as ``(..., K)`` broadcasting against ``lead + (K,)``."""
    if x is None:
        return None
    x = jnp.asarray(x)
    return x.reshape(x.shape[:-1] + (1,) * (len(lead) - x.ndim + 1) + x.shape[-1:])


def arma_mu(
    eta: Array,
    y: Array,
    *,
    ar: Array | None,
    ma: Array | None,
    lags: Mapping[str, Any],
    fill: tuple[Array, Array] | None = None,
) -> Array:
    """mu with brms's ARMA part added (rows in the order of ``eta``).

    Parameters
    ----------
    eta
        ``(..., N)`` mu's linear predictor without the ARMA part.
    y
        ``(N,)`` the response (NaN where it is missing and ``fill`` draws it).
    ar, ma
        ``(Kar,)``/``(Kma,)`` coefficients, or ``(S, K)`` per draw; None where the order is 0.
    lags
        :func:`arma_data`'s arrays.
    fill
        ``(scale, noise)``, each ``(..., N)``: a missing response is ``mu + scale * noise``.
    """
    order = lags.get("order")
    if order is not None:
        eta, y = jnp.take(eta, order, axis=-1), jnp.take(y, order, axis=-1)
        if fill is not None:
            fill = (jnp.take(fill[0], order, axis=-1), jnp.take(fill[1], order, axis=-1))
    lead = eta.shape[:-1]
    ar_c, ma_c = _coef(ar, lead), _coef(ma, lead)
    if ma is None and fill is None:
        err = y - eta
        lagged = jnp.take(err, lags["index"], axis=-1) * lags["mask"]  # (..., N, max_lag)
        k = ar_c.shape[-1]  # type: ignore[union-attr]
        mu = eta + jnp.sum(lagged[..., :k] * ar_c[..., None, :], axis=-1)  # type: ignore[index]
    else:
        mu = _scan(eta, y, (ar_c, ma_c), lags["mask"], fill)
    if order is not None:
        mu = jnp.zeros_like(mu).at[..., order].set(mu)
    return mu


def _scan(
    eta: Array,
    y: Array,
    coefs: tuple[Array | None, Array | None],
    mask: Array,
    fill: tuple[Array, Array] | None,
) -> Array:
    """The row-by-row recursion of brms's Stan code (residuals carried, newest first)."""
    ar, ma = coefs
    lead = eta.shape[:-1]
    max_lag = mask.shape[-1]
    moved = [jnp.moveaxis(eta, -1, 0), y, mask]
    if fill is not None:
        moved += [jnp.moveaxis(fill[0], -1, 0), jnp.moveaxis(fill[1], -1, 0)]

    def step(carry: Array, row: tuple[Array, ...]) -> tuple[Array, Array]:
        eta_j, y_j, mask_j = row[:3]
        lag = carry * mask_j
        mu = eta_j
        if ma is not None:
            mu = mu + jnp.sum(lag[..., : ma.shape[-1]] * ma, axis=-1)
        before_ar = mu
        if ar is not None:
            mu = mu + jnp.sum(lag[..., : ar.shape[-1]] * ar, axis=-1)
        if fill is not None:
            y_j = jnp.where(jnp.isnan(y_j), mu + row[3] * row[4], y_j)
        err = y_j - before_ar
        carry = jnp.concatenate([err[..., None], carry[..., : max_lag - 1]], axis=-1)
        return carry, mu

    init = jnp.zeros(lead + (max_lag,), dtype=eta.dtype)
    _, mu = jax.lax.scan(step, init, tuple(moved))
    return jnp.moveaxis(mu, 0, -1)


def arma_key(arma: Mapping[str, Any], y: np.ndarray | None) -> tuple[int, int, bool]:
    """What about a prediction's ARMA term chooses code: ``(Kar, Kma, response missing)``."""
    kar = int(np.shape(arma["ar"])[1]) if "ar" in arma else 0
    kma = int(np.shape(arma["ma"])[1]) if "ma" in arma else 0
    missing = y is None or bool(np.isnan(np.asarray(y, dtype=np.float64)).any())
    return kar, kma, missing


def predict_arma(
    family: Any,
    eta: Array,
    dpars: Mapping[str, Array],
    draws: Mapping[str, Array],
    data: Mapping[str, Any],
    *,
    key: Array,
    missing: bool,
) -> Array:
    """mu with the ARMA part for a chunk of draws ``(S, N)`` (brms's ``.predictor_arma``).

    With latent residuals (``draws["err"]``) brms adds the fitted rows' ``err`` to mu and
    leaves the AR part out. Where the response is missing it is drawn from the family given the
    mu so far (gaussian:
    ``mu + sigma z``; student: ``mu + sigma t_nu``), and later rows take that draw's residual.
    """
    if "err" in draws:  # latent residuals: brms's predictor_ac adds err, not the AR part
        order = data["arma"].get("order")  # err is in series order, eta in the rows' order
        return eta + draws["err"] if order is None else eta.at[..., order].add(draws["err"])
    fill = None
    if missing:
        if family.name == "student":
            noise = jax.random.t(key, dpars["nu"], eta.shape, dtype=eta.dtype)
        else:
            noise = jax.random.normal(key, eta.shape, dtype=eta.dtype)
        fill = (jnp.broadcast_to(dpars["sigma"], eta.shape), noise)
    y = data["y"]
    if y is None:
        y = jnp.full(eta.shape[-1:], jnp.nan, dtype=eta.dtype)
    return arma_mu(eta, y, ar=draws.get("ar"), ma=draws.get("ma"), lags=data["arma"], fill=fill)
