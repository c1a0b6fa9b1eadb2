"""Stan's response distributions in JAX: log densities, log CDFs and log CCDFs.

Arguments follow Stan's parameterizations (``neg_binomial_2(mu, phi)``, ``gamma(shape, rate)``,
``weibull(shape, scale)``, ...). Every function broadcasts its arguments and includes all
normalizing constants. CDFs are written so that their gradients stay finite at the edges of the
support (Stan returns ``poisson_lccdf(-1 | lambda) = 0``, which truncation at ``lb = 0`` needs),
and the regularized incomplete beta function is differentiable in all three arguments.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.special import (
    gammainc,
    gammaincc,
    gammaln,
    i0e,
    log_ndtr,
    ndtr,
    xlog1py,
    xlogy,
)

from brmsjax.backend.dists.stan_math import log1m_exp

_TINY = 1e-300
_BETACF_STEPS = 200
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- helpers


def lbeta(a: Array, b: Array) -> Array:
    """``log B(a, b)`` from log gamma functions (``jax.scipy.special.betaln`` is off by ~1e-6)."""
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def _betacf(a: Array, b: Array, x: Array) -> Array:
    """Continued fraction of the incomplete beta function (modified Lentz, fixed steps)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0

    def fix(v: Array) -> Array:
        return jnp.where(jnp.abs(v) < _TINY, _TINY, v)

    d = 1.0 / fix(1.0 - qab * x / qap)
    c = jnp.ones_like(d)

    def step(m: int, carry: tuple[Array, Array, Array]) -> tuple[Array, Array, Array]:
        c, d, h = carry
        m2 = 2.0 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 / fix(1.0 + aa * d)
        c = fix(1.0 + aa / c)
        h = h * d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 / fix(1.0 + aa * d)
        c = fix(1.0 + aa / c)
        return c, d, h * d * c

    return jax.lax.fori_loop(1, _BETACF_STEPS, step, (c, d, d))[2]


def log_betainc(a: Array, b: Array, x: Array) -> tuple[Array, Array]:
    """``(log I_x(a, b), log(1 - I_x(a, b)))`` for ``0 < x < 1``, differentiable in a, b, x."""
    a, b, x = jnp.broadcast_arrays(*(jnp.asarray(v, dtype=float) for v in (a, b, x)))
    x = jnp.clip(x, _TINY, 1.0 - 1e-16)
    flip = x > (a + 1.0) / (a + b + 2.0)
    a1, b1, x1 = jnp.where(flip, b, a), jnp.where(flip, a, b), jnp.where(flip, 1.0 - x, x)
    log_front = xlogy(a1, x1) + xlog1py(b1, -x1) - lbeta(a1, b1) - jnp.log(a1)
    small = log_front + jnp.log(_betacf(a1, b1, x1))
    large = log1m_exp(jnp.minimum(small, 0.0))
    return jnp.where(flip, large, small), jnp.where(flip, small, large)


# --------------------------------------------------------------------------- continuous


def normal_lpdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``normal_lpdf(y | mu, sigma)``."""
    z = (y - mu) / sigma
    return -0.5 * z * z - jnp.log(sigma) - _LOG_SQRT_2PI


def normal_lcdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``normal_lcdf(y | mu, sigma)``."""
    return log_ndtr((y - mu) / sigma)


def normal_lccdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``normal_lccdf(y | mu, sigma)``."""
    return log_ndtr((mu - y) / sigma)


def student_t_lpdf(y: Array, nu: Array, mu: Array, sigma: Array) -> Array:
    """``student_t_lpdf(y | nu, mu, sigma)``."""
    z = (y - mu) / sigma
    return (
        gammaln((nu + 1.0) / 2.0)
        - gammaln(nu / 2.0)
        - 0.5 * jnp.log(nu * math.pi)
        - jnp.log(sigma)
        - (nu + 1.0) / 2.0 * jnp.log1p(z * z / nu)
    )


def _t_tail(y: Array, nu: Array, mu: Array, sigma: Array) -> tuple[Array, Array, Array]:
    z = (y - mu) / sigma
    log_i, _ = log_betainc(nu / 2.0, jnp.asarray(0.5), nu / (nu + z * z))
    tail = log_i - math.log(2.0)  # log P(T > |z|)
    return z, tail, jnp.log1p(-jnp.exp(tail))


def student_t_lcdfs(y: Array, nu: Array, mu: Array, sigma: Array) -> tuple[Array, Array]:
    """``(student_t_lcdf, student_t_lccdf)`` from one incomplete beta function."""
    z, tail, body = _t_tail(y, nu, mu, sigma)
    return jnp.where(z < 0, tail, body), jnp.where(z < 0, body, tail)


def student_t_lcdf(y: Array, nu: Array, mu: Array, sigma: Array) -> Array:
    """``student_t_lcdf(y | nu, mu, sigma)``."""
    return student_t_lcdfs(y, nu, mu, sigma)[0]


def student_t_lccdf(y: Array, nu: Array, mu: Array, sigma: Array) -> Array:
    """``student_t_lccdf(y | nu, mu, sigma)``."""
    return student_t_lcdfs(y, nu, mu, sigma)[1]


def exp_mod_normal_lpdf(y: Array, mu: Array, sigma: Array, lam: Array) -> Array:
    """``exp_mod_normal_lpdf(y | mu, sigma, lambda)``: normal(mu, sigma) plus exponential(lambda).

    Written as brms's ``dexgaussian`` with ``beta = 1 / lambda``, using ``log Phi`` for the tail.
    """
    z = y - mu - sigma * sigma * lam
    return jnp.log(lam) - lam * (z + 0.5 * sigma * sigma * lam) + log_ndtr(z / sigma)


def von_mises_lpdf(y: Array, mu: Array, kappa: Array) -> Array:
    """brms's ``von_mises_real_lpdf``: von Mises, or ``normal(mu, 1 / sqrt(kappa))`` from
    ``kappa >= 100`` (brms's switch for numerical stability)."""
    small = kappa < 100.0
    k_small = jnp.where(small, kappa, 1.0)
    exact = k_small * (jnp.cos(y - mu) - 1.0) - math.log(2.0 * math.pi) - jnp.log(i0e(k_small))
    k_big = jnp.where(small, 100.0, kappa)
    z = (y - mu) * jnp.sqrt(k_big)
    approx = -0.5 * z * z - _LOG_SQRT_2PI + 0.5 * jnp.log(k_big)
    return jnp.where(small, exact, approx)


def skew_normal_lpdf(y: Array, xi: Array, omega: Array, alpha: Array) -> Array:
    """``skew_normal_lpdf(y | xi, omega, alpha)``."""
    z = (y - xi) / omega
    return math.log(2.0) - jnp.log(omega) - 0.5 * z * z - _LOG_SQRT_2PI + log_ndtr(alpha * z)


_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)


def _owens_t_unit(h: Array, a: Array) -> Array:
    """Owen's T(h, a) for ``0 <= a <= 1`` by 48-point Gauss-Legendre quadrature."""
    x = 0.5 * a[..., None] * (_GL_X + 1.0)
    f = jnp.exp(-0.5 * h[..., None] ** 2 * (1.0 + x * x)) / (1.0 + x * x)
    return 0.5 * a * jnp.sum(_GL_W * f, axis=-1) / (2.0 * math.pi)


def owens_t(h: Array, a: Array) -> Array:
    """Owen's T function, via ``T(h, a) + T(ah, 1/a) = (Phi(h) + Phi(ah))/2 - Phi(h)Phi(ah)``."""
    h, a = jnp.broadcast_arrays(jnp.abs(jnp.asarray(h, float)), jnp.asarray(a, float))
    sign, a_abs = jnp.sign(a), jnp.abs(a)
    big = a_abs > 1.0
    a_in = jnp.where(big, 1.0 / jnp.maximum(a_abs, 1.0), a_abs)
    h_in = jnp.where(big, h * a_abs, h)
    t = _owens_t_unit(h_in, a_in)
    ph, pah = ndtr(h), ndtr(h * a_abs)
    return sign * jnp.where(big, 0.5 * (ph + pah) - ph * pah - t, t)


def skew_normal_lcdf(y: Array, xi: Array, omega: Array, alpha: Array) -> Array:
    """``skew_normal_lcdf(y | xi, omega, alpha)``: ``log(Phi(z) - 2 T(z, alpha))``."""
    z = (y - xi) / omega
    return jnp.log(jnp.clip(ndtr(z) - 2.0 * owens_t(z, alpha), _TINY, 1.0))


def skew_normal_lccdf(y: Array, xi: Array, omega: Array, alpha: Array) -> Array:
    """``skew_normal_lccdf(y | xi, omega, alpha)``."""
    z = (y - xi) / omega
    return jnp.log(jnp.clip(ndtr(-z) + 2.0 * owens_t(z, alpha), _TINY, 1.0))


def lognormal_lpdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``lognormal_lpdf(y | mu, sigma)``."""
    ly = jnp.log(y)
    return normal_lpdf(ly, mu, sigma) - ly


def lognormal_lcdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``lognormal_lcdf(y | mu, sigma)``."""
    ly = jnp.log(jnp.maximum(y, _TINY))
    return jnp.where(y > 0, log_ndtr((ly - mu) / sigma), -jnp.inf)


def lognormal_lccdf(y: Array, mu: Array, sigma: Array) -> Array:
    """``lognormal_lccdf(y | mu, sigma)``."""
    ly = jnp.log(jnp.maximum(y, _TINY))
    return jnp.where(y > 0, log_ndtr((mu - ly) / sigma), 0.0)


def gamma_lpdf(y: Array, shape: Array, rate: Array) -> Array:
    """``gamma_lpdf(y | shape, rate)``."""
    return xlogy(shape, rate) - gammaln(shape) + xlogy(shape - 1.0, y) - rate * y


def gamma_lcdf(y: Array, shape: Array, rate: Array) -> Array:
    """``gamma_lcdf(y | shape, rate)``."""
    return jnp.log(gammainc(shape, rate * jnp.maximum(y, 0.0)))


def gamma_lccdf(y: Array, shape: Array, rate: Array) -> Array:
    """``gamma_lccdf(y | shape, rate)``."""
    return jnp.log(gammaincc(shape, rate * jnp.maximum(y, 0.0)))


def weibull_lpdf(y: Array, shape: Array, scale: Array) -> Array:
    """``weibull_lpdf(y | shape, scale)``."""
    z = y / scale
    return jnp.log(shape) - jnp.log(scale) + xlogy(shape - 1.0, z) - z**shape


def weibull_lcdf(y: Array, shape: Array, scale: Array) -> Array:
    """``weibull_lcdf(y | shape, scale)``."""
    return log1m_exp(-((jnp.maximum(y, 0.0) / scale) ** shape))


def weibull_lccdf(y: Array, shape: Array, scale: Array) -> Array:
    """``weibull_lccdf(y | shape, scale)``."""
    return -((jnp.maximum(y, 0.0) / scale) ** shape)


def exponential_lpdf(y: Array, rate: Array) -> Array:
    """``exponential_lpdf(y | rate)``."""
    return jnp.log(rate) - rate * y


def exponential_lcdf(y: Array, rate: Array) -> Array:
    """``exponential_lcdf(y | rate)``."""
    return log1m_exp(-rate * jnp.maximum(y, 0.0))


def exponential_lccdf(y: Array, rate: Array) -> Array:
    """``exponential_lccdf(y | rate)``."""
    return -rate * jnp.maximum(y, 0.0)


def beta_lpdf(y: Array, a: Array, b: Array) -> Array:
    """``beta_lpdf(y | a, b)``."""
    return xlogy(a - 1.0, y) + xlog1py(b - 1.0, -y) - lbeta(a, b)


def beta_lcdfs(y: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """``(beta_lcdf, beta_lccdf)`` from one incomplete beta function."""
    lo, hi = log_betainc(a, b, y)
    return (
        jnp.where(y <= 0, -jnp.inf, jnp.where(y >= 1, 0.0, lo)),
        jnp.where(y <= 0, 0.0, jnp.where(y >= 1, -jnp.inf, hi)),
    )


def beta_lcdf(y: Array, a: Array, b: Array) -> Array:
    """``beta_lcdf(y | a, b)``."""
    return beta_lcdfs(y, a, b)[0]


def beta_lccdf(y: Array, a: Array, b: Array) -> Array:
    """``beta_lccdf(y | a, b)``."""
    return beta_lcdfs(y, a, b)[1]
