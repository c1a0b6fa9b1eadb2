"""The response distributions of brms 2.18's further families, as brms's Stan functions write them.

- ``shifted_lognormal(y | mu, sigma, ndt)``: ``lognormal_lpdf(y - ndt | mu, sigma)``;
  ``-inf`` (log CDF) and ``0`` (log CCDF) at or below the shift.
- ``inv_gaussian(y | mu, shape)``: brms's ``inv_gaussian_lpdf``, ``_lcdf`` and ``_lccdf``
  (``fun_inv_gaussian.stan``); the CDF's ``exp(2 shape / mu) Phi(.)`` term is summed on the log
  scale so that it does not overflow.
- ``asym_laplace(y | mu, sigma, quantile)``: brms's ``asym_laplace_lpdf``, ``_lcdf``,
  ``_lccdf`` (``fun_asym_laplace.stan``), with ``rho_quantile`` the check loss.
- ``frechet(y | alpha, sigma)``: Stan's ``frechet_lcdf`` and ``frechet_lccdf`` (the log
  density is the prior table's :func:`~brmsjax.backend.dists.stan_priors.frechet_lpdf`).

Every function broadcasts its arguments and keeps all normalizing constants.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import Array
from jax.scipy.special import log_ndtr

from brmsjax.backend.dists.stan import lognormal_lccdf, lognormal_lcdf, lognormal_lpdf
from brmsjax.backend.dists.stan_math import log1m_exp, log_diff_exp

__all__ = [
    "asym_laplace_lccdf",
    "asym_laplace_lcdf",
    "asym_laplace_lpdf",
    "frechet_lccdf",
    "frechet_lcdf",
    "inv_gaussian_lccdf",
    "inv_gaussian_lcdf",
    "inv_gaussian_lpdf",
    "shifted_lognormal_lccdf",
    "shifted_lognormal_lcdf",
    "shifted_lognormal_lpdf",
]

_LOG_2PI = math.log(2.0 * math.pi)


def _above(y: Array, ndt: Array) -> tuple[Array, Array]:
    """``(y - ndt > 0, y - ndt)`` with the difference replaced by 1 where it is not positive."""
    x = jnp.asarray(y, dtype=float) - ndt
    inside = x > 0
    return inside, jnp.where(inside, x, 1.0)


def shifted_lognormal_lpdf(y: Array, mu: Array, sigma: Array, ndt: Array) -> Array:
    """``lognormal_lpdf(y - ndt | mu, sigma)``; ``-inf`` where ``y <= ndt``."""
    inside, x = _above(y, ndt)
    return jnp.where(inside, lognormal_lpdf(x, mu, sigma), -jnp.inf)


def shifted_lognormal_lcdf(y: Array, mu: Array, sigma: Array, ndt: Array) -> Array:
    """``lognormal_lcdf(y - ndt | mu, sigma)``."""
    inside, x = _above(y, ndt)
    return jnp.where(inside, lognormal_lcdf(x, mu, sigma), -jnp.inf)


def shifted_lognormal_lccdf(y: Array, mu: Array, sigma: Array, ndt: Array) -> Array:
    """``lognormal_lccdf(y - ndt | mu, sigma)``."""
    inside, x = _above(y, ndt)
    return jnp.where(inside, lognormal_lccdf(x, mu, sigma), 0.0)


def inv_gaussian_lpdf(y: Array, mu: Array, shape: Array) -> Array:
    """``0.5 log(shape / 2 pi) - 1.5 log(y) - 0.5 shape ((y - mu) / (mu sqrt(y)))^2``."""
    return (
        0.5 * (jnp.log(shape) - _LOG_2PI)
        - 1.5 * jnp.log(y)
        - 0.5 * shape * jnp.square(y - mu) / (y * mu * mu)
    )


def _inv_gaussian_terms(y: Array, mu: Array, shape: Array) -> tuple[Array, Array, Array]:
    """``(a, 2 shape / mu + log Phi(b), log Phi(a))`` of the CDF ``Phi(a) + e^(2s/mu) Phi(b)``."""
    root = jnp.sqrt(shape) / jnp.sqrt(y)
    a = root * (y / mu - 1.0)
    b = -root * (y / mu + 1.0)
    return a, 2.0 * shape / mu + log_ndtr(b), log_ndtr(a)


def inv_gaussian_lcdf(y: Array, mu: Array, shape: Array) -> Array:
    """``log(Phi(a) + exp(2 shape / mu) Phi(b))`` with brms's ``a`` and ``b``."""
    _, log_second, log_first = _inv_gaussian_terms(y, mu, shape)
    return jnp.logaddexp(log_first, log_second)


def inv_gaussian_lccdf(y: Array, mu: Array, shape: Array) -> Array:
    """``log1m(Phi(a) - exp(2 shape / mu) Phi(b))``, i.e. ``log(Phi(-a) - e^(2s/mu) Phi(b))``."""
    a, log_second, _ = _inv_gaussian_terms(y, mu, shape)
    return log_diff_exp(log_ndtr(-a), log_second)


def asym_laplace_lpdf(y: Array, mu: Array, sigma: Array, quantile: Array) -> Array:
    """``log(q (1 - q)) - log(sigma) - rho_q((y - mu) / sigma)``."""
    z = (y - mu) / sigma
    rho = jnp.where(z < 0, z * (quantile - 1.0), z * quantile)
    return jnp.log(quantile) + jnp.log1p(-quantile) - jnp.log(sigma) - rho


def asym_laplace_lcdf(y: Array, mu: Array, sigma: Array, quantile: Array) -> Array:
    """brms's ``asym_laplace_lcdf``: two branches split at ``mu``."""
    z = (y - mu) / sigma
    below = jnp.log(quantile) + (1.0 - quantile) * jnp.minimum(z, 0.0)
    above = jnp.log1p(-(1.0 - quantile) * jnp.exp(-quantile * jnp.maximum(z, 0.0)))
    return jnp.where(y < mu, below, above)


def asym_laplace_lccdf(y: Array, mu: Array, sigma: Array, quantile: Array) -> Array:
    """brms's ``asym_laplace_lccdf``: two branches split at ``mu``."""
    z = (y - mu) / sigma
    below = jnp.log1p(-quantile * jnp.exp((1.0 - quantile) * jnp.minimum(z, 0.0)))
    above = jnp.log1p(-quantile) - quantile * jnp.maximum(z, 0.0)
    return jnp.where(y < mu, below, above)


def frechet_lcdf(y: Array, alpha: Array, sigma: Array) -> Array:
    """Stan's ``frechet_lcdf(y | alpha, sigma) = -(y / sigma)^-alpha``."""
    return -jnp.power(y / sigma, -alpha)


def frechet_lccdf(y: Array, alpha: Array, sigma: Array) -> Array:
    """Stan's ``frechet_lccdf``: ``log1m_exp(frechet_lcdf)``."""
    return log1m_exp(frechet_lcdf(y, alpha, sigma))
