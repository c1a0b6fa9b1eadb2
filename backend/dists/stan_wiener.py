"""The Wiener diffusion first passage time density, as Stan's ``wiener_lpdf`` defines it.

Stan's ``wiener_lpdf(y | alpha, tau, beta, delta)`` is the log density of the time ``y`` at
which a Wiener process with drift ``delta``, started at ``beta * alpha`` between the
boundaries 0 and ``alpha``, first reaches the *upper* boundary, delayed by the non-decision
time ``tau``. brms 2.18's ``wiener_diffusion_lpdf(y | dec, alpha, tau, beta, delta)``
(``fun_wiener_diffusion.stan``) calls it as it is for ``dec == 1`` and with
``(1 - beta, -delta)`` for ``dec == 0`` (the lower boundary).

Both reduce to Navarro & Fuss's (2009) density at the lower boundary of a process with drift
``v`` started at ``w``:

    p(t | v, a, w) = a^-2 exp(-v a w - v^2 t / 2) f(t / a^2 | w),

with the upper boundary's ``(v, w) = (-delta, 1 - beta)``. The standardized density ``f(u | w)``
has two series, each evaluated here on the log scale in the range of ``u`` where it needs few
terms (Stan picks between them by its own term counts at an error of 1e-6):

- large times (``u >= 1/2``): ``pi sum_k k exp(-k^2 pi^2 u / 2) sin(k pi w)``, factored as its
  first term times ``1 + sum_{k >= 2} ...``; 7 terms reach double precision.
- small times (``u < 1/2``): ``(2 pi u^3)^-1/2 sum_k (w + 2k) exp(-(w + 2k)^2 / (2 u))``, its
  images summed in pairs that cancel exactly as the density vanishes: ``(w + 2k, w - 2k)`` for
  ``w <= 1/2`` (density of order ``w``) and ``(w + 2k, w - 2k - 2)`` for ``w > 1/2`` (of order
  ``1 - w``), each pair written with ``expm1`` so that no two large numbers are subtracted;
  6 pairs reach double precision.

Both branches are evaluated on clamped arguments (``u`` and ``w`` inside their own ranges) and
selected with ``where``, so that their gradients stay finite. The result agrees with a
50-digit evaluation of the series to about 1e-14 (``tests/wiener``).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import Array

__all__ = ["wiener_diffusion_lpdf", "wiener_lower_lpdf", "wiener_lpdf"]

_U0 = 0.5  # small-time series below, large-time series from here
_K_LARGE = 7  # terms of the large-time series
_K_SMALL = 6  # image pairs of the small-time series
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_TINY = 1e-300


def _expm1_ratio(x: Array) -> Array:
    """``expm1(x) / x``, 1 at ``x == 0``."""
    small = jnp.abs(x) < 1e-12
    safe = jnp.where(small, 1.0, x)
    return jnp.where(small, 1.0 + 0.5 * x, jnp.expm1(safe) / safe)


def _log_large_time(u: Array, w: Array, w1: Array) -> Array:
    """``log f(u | w)`` by the large-time series (``u >= 1/2``; ``w1 = 1 - w``)."""
    m = jnp.maximum(jnp.minimum(w, w1), _TINY)  # sin(k pi w) = +-sin(k pi m)
    k = jnp.arange(2.0, _K_LARGE + 1.0)
    sign = jnp.where((w[..., None] > 0.5) & (k % 2 == 0), -1.0, 1.0)
    s1 = jnp.sin(math.pi * m)
    ratio = sign * jnp.sin(math.pi * k * m[..., None]) / s1[..., None]
    terms = k * jnp.exp(-(k * k - 1.0) * (0.5 * math.pi**2) * u[..., None]) * ratio
    return math.log(math.pi) - 0.5 * math.pi**2 * u + jnp.log(s1) + jnp.log1p(terms.sum(-1))


def _log_small_time_w(u: Array, w: Array) -> Array:
    """``log f(u | w)`` by the small-time series with images paired as ``(w + 2k, w - 2k)``
    (``u < 1/2``, ``w <= 1/2``)."""
    k = jnp.arange(1.0, _K_SMALL + 1.0)
    uu, ww = u[..., None], w[..., None]
    x = -4.0 * k * ww / uu
    bracket = 1.0 + jnp.exp(x) - (8.0 * k * k / uu) * _expm1_ratio(x)
    terms = jnp.exp(-2.0 * k * (k - ww) / uu) * bracket
    log_sum = jnp.log(w) - 0.5 * w * w / u + jnp.log1p(terms.sum(-1))
    return log_sum - _HALF_LOG_2PI - 1.5 * jnp.log(u)


def _log_small_time_m(u: Array, m: Array) -> Array:
    """``log f(u | 1 - m)`` by the small-time series with images paired as
    ``(w + 2k, w - 2k - 2)`` (``u < 1/2``, ``m = 1 - w < 1/2``)."""
    a = 2.0 * jnp.arange(0.0, _K_SMALL) + 1.0
    uu, mm = u[..., None], m[..., None]
    x = -2.0 * a * mm / uu
    bracket = (2.0 * a * a / uu) * _expm1_ratio(x) - 1.0 - jnp.exp(x)
    terms = jnp.exp(-(a - 1.0) * (a + 1.0 - 2.0 * mm) / (2.0 * uu)) * bracket
    log_sum = jnp.log(m) - 0.5 * jnp.square(1.0 - m) / u + jnp.log(terms.sum(-1))
    return log_sum - _HALF_LOG_2PI - 1.5 * jnp.log(u)


def _log_standard(u: Array, w: Array, w1: Array) -> Array:
    """``log f(u | w)``, the density at the lower boundary of a driftless process between 0
    and 1 started at ``w`` (``u > 0``, ``0 < w < 1``, ``w1 = 1 - w`` as exact as given)."""
    large = u >= _U0
    u_large = jnp.where(large, u, _U0)
    u_small = jnp.where(large, _U0 * 0.5, u)
    low_w = w <= 0.5
    w_small = jnp.maximum(jnp.where(low_w, w, 0.5), _TINY)
    m_small = jnp.maximum(jnp.where(low_w, 0.5, w1), _TINY)
    small = jnp.where(
        low_w, _log_small_time_w(u_small, w_small), _log_small_time_m(u_small, m_small)
    )
    return jnp.where(large, _log_large_time(u_large, w, w1), small)


def wiener_lower_lpdf(t: Array, v: Array, a: Array, w: Array, w1: Array | None = None) -> Array:
    """Log density of the decision time ``t > 0`` at the lower boundary (drift ``v``,
    boundary separation ``a``, relative start ``w``); ``-inf`` where ``t <= 0``.

    ``w1`` is ``1 - w`` where the caller has it without rounding (``beta`` itself when
    ``w = 1 - beta``), which keeps the density of a start near the far boundary exact.
    """
    w1 = 1.0 - jnp.asarray(w, dtype=float) if w1 is None else w1
    t, v, a, w, w1 = jnp.broadcast_arrays(*(jnp.asarray(x, dtype=float) for x in (t, v, a, w, w1)))
    inside = t > 0
    t_safe = jnp.where(inside, t, 1.0)
    a2 = a * a
    log_f = _log_standard(t_safe / a2, w, w1)
    out = -v * a * w - 0.5 * v * v * t_safe - jnp.log(a2) + log_f
    return jnp.where(inside, out, -jnp.inf)


def wiener_lpdf(y: Array, alpha: Array, tau: Array, beta: Array, delta: Array) -> Array:
    """Stan's ``wiener_lpdf(y | alpha, tau, beta, delta)``: the upper boundary's first passage
    time ``y`` (``-inf`` where ``y <= tau``)."""
    y, alpha, tau, beta, delta = (jnp.asarray(x, dtype=float) for x in (y, alpha, tau, beta, delta))
    return wiener_lower_lpdf(y - tau, -delta, alpha, 1.0 - beta, beta)


def wiener_diffusion_lpdf(  # noqa: PLR0917 - brms's Stan function's argument order
    y: Array, dec: Array, alpha: Array, tau: Array, beta: Array, delta: Array
) -> Array:
    """brms 2.18's ``wiener_diffusion_lpdf(y | dec, alpha, tau, beta, delta)``: Stan's
    ``wiener_lpdf`` for ``dec == 1``, with ``(1 - beta, -delta)`` for ``dec == 0``."""
    y, dec, alpha, tau, beta, delta = (
        jnp.asarray(x, dtype=float) for x in (y, dec, alpha, tau, beta, delta)
    )
    upper = dec == 1
    # the lower-boundary density with (v, w) = (-delta, 1 - beta) for an upper response
    v = jnp.where(upper, -delta, delta)
    w = jnp.where(upper, 1.0 - beta, beta)
    return wiener_lower_lpdf(y - tau, v, alpha, w, jnp.where(upper, beta, 1.0 - beta))
