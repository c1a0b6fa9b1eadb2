"""Stan's distributions that brms offers as priors but no family uses, and prior CDFs.

The log densities follow Stan's parameterizations and include every normalizing constant, as
brms's ``lprior`` does. The CDFs (probability scale, not log) are what the truncation of a
bounded prior needs, ``log(F(ub) - F(lb))`` (:func:`~brmsjax.backend.model.transforms.
log_mass`); they are written to stay finite at the edges of the support. Families' log CDFs
live with their densities in :mod:`brmsjax.backend.dists.stan`.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import Array
from jax.scipy import special as jsp

_TINY = 1e-300


# --------------------------------------------------------------------------- log densities


def std_normal_lpdf(y: Array) -> Array:
    """``std_normal_lpdf(y)``."""
    return -0.5 * y * y - 0.5 * math.log(2 * math.pi)


def cauchy_lpdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``cauchy_lpdf(y | mu, sigma)``."""
    z = (y - mu) / sigma
    return -math.log(math.pi) - jnp.log(sigma) - jnp.log1p(z * z)


def double_exponential_lpdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``double_exponential_lpdf(y | mu, sigma)``."""
    return -math.log(2.0) - jnp.log(sigma) - jnp.abs(y - mu) / sigma


def logistic_lpdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``logistic_lpdf(y | mu, sigma)``."""
    z = (y - mu) / sigma
    return -z - jnp.log(sigma) - 2 * jnp.log1p(jnp.exp(-z))


def inv_gamma_lpdf(y: Array, alpha: Array, beta: Array) -> Array:
    """``inv_gamma_lpdf(y | alpha, beta)``."""
    return alpha * jnp.log(beta) - jsp.gammaln(alpha) - (alpha + 1) * jnp.log(y) - beta / y


def chi_square_lpdf(y: Array, nu: Array) -> Array:
    """``chi_square_lpdf(y | nu)``."""
    k = nu / 2
    return -k * math.log(2.0) - jsp.gammaln(k) + (k - 1) * jnp.log(y) - y / 2


def inv_chi_square_lpdf(y: Array, nu: Array) -> Array:
    """``inv_chi_square_lpdf(y | nu)``."""
    k = nu / 2
    return -k * math.log(2.0) - jsp.gammaln(k) - (k + 1) * jnp.log(y) - 0.5 / y


def frechet_lpdf(y: Array, alpha: Array, sigma: Array) -> Array:
    """``frechet_lpdf(y | alpha, sigma)``."""
    return (
        jnp.log(alpha)
        - jnp.log(sigma)
        - (1 + alpha) * (jnp.log(y) - jnp.log(sigma))
        - (y / sigma) ** (-alpha)
    )


def uniform_lpdf(y: Array, lower: Array, upper: Array) -> Array:
    """``uniform_lpdf(y | lower, upper)``: ``-inf`` outside ``[lower, upper]``."""
    inside = (y >= lower) & (y <= upper)
    return jnp.where(inside, -jnp.log(upper - lower), -jnp.inf)


# --------------------------------------------------------------------------- CDFs


def _t_cdf(z: Array, nu: Array) -> Array:
    tail = 0.5 * jsp.betainc(nu / 2.0, 0.5, nu / (nu + z * z))
    return jnp.where(z < 0, tail, 1.0 - tail)


def normal_cdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``normal_cdf(y | mu, sigma)``."""
    return jsp.ndtr((y - mu) / sigma)


def std_normal_cdf(y: Array) -> Array:
    """``std_normal_cdf(y)``."""
    return jsp.ndtr(y)


def student_t_cdf(y: Array, nu: Array, mu: Array, sigma: Array) -> Array:
    """``student_t_cdf(y | nu, mu, sigma)``."""
    return _t_cdf((y - mu) / sigma, nu)


def cauchy_cdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``cauchy_cdf(y | mu, sigma)``."""
    return 0.5 + jnp.arctan((y - mu) / sigma) / math.pi


def double_exponential_cdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``double_exponential_cdf(y | mu, sigma)``."""
    z = (y - mu) / sigma
    return jnp.where(z < 0, 0.5 * jnp.exp(z), 1 - 0.5 * jnp.exp(-z))


def logistic_cdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``logistic_cdf(y | mu, sigma)``."""
    return jsp.expit((y - mu) / sigma)


def exponential_cdf(y: Array, rate: Array) -> Array:
    """``exponential_cdf(y | rate)``."""
    return jnp.where(y <= 0, 0.0, -jnp.expm1(-rate * y))


def gamma_cdf(y: Array, alpha: Array, beta: Array) -> Array:
    """``gamma_cdf(y | alpha, beta)``."""
    return jnp.where(y <= 0, 0.0, jsp.gammainc(alpha, beta * jnp.maximum(y, _TINY)))


def inv_gamma_cdf(y: Array, alpha: Array, beta: Array) -> Array:
    """``inv_gamma_cdf(y | alpha, beta)``."""
    return jnp.where(y <= 0, 0.0, jsp.gammaincc(alpha, beta / jnp.maximum(y, _TINY)))


def lognormal_cdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``lognormal_cdf(y | mu, sigma)``."""
    return jnp.where(y <= 0, 0.0, jsp.ndtr((jnp.log(jnp.maximum(y, _TINY)) - mu) / sigma))


def chi_square_cdf(y: Array, nu: Array) -> Array:
    """``chi_square_cdf(y | nu)``."""
    return jnp.where(y <= 0, 0.0, jsp.gammainc(nu / 2, jnp.maximum(y, _TINY) / 2))


def inv_chi_square_cdf(y: Array, nu: Array) -> Array:
    """``inv_chi_square_cdf(y | nu)``."""
    return jnp.where(y <= 0, 0.0, jsp.gammaincc(nu / 2, 0.5 / jnp.maximum(y, _TINY)))


def weibull_cdf(y: Array, alpha: Array, sigma: Array) -> Array:
    """``weibull_cdf(y | alpha, sigma)``."""
    return jnp.where(y <= 0, 0.0, -jnp.expm1(-((jnp.maximum(y, 0.0) / sigma) ** alpha)))


def frechet_cdf(y: Array, alpha: Array, sigma: Array) -> Array:
    """``frechet_cdf(y | alpha, sigma)``."""
    return jnp.where(y <= 0, 0.0, jnp.exp(-((jnp.maximum(y, _TINY) / sigma) ** -alpha)))


def beta_cdf(y: Array, a: Array, b: Array) -> Array:
    """``beta_cdf(y | a, b)``."""
    return jsp.betainc(a, b, jnp.clip(y, 0.0, 1.0))


def uniform_cdf(y: Array, lower: Array, upper: Array) -> Array:
    """``uniform_cdf(y | lower, upper)``."""
    return jnp.clip((y - lower) / (upper - lower), 0.0, 1.0)
