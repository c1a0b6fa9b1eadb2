"""Stan's discrete response distributions in JAX: log masses, log CDFs and log CCDFs.

Outside the support the CDFs return Stan's values (``lcdf(-1) = -inf``, ``lccdf(-1) = 0``,
``lcdf(n) = 0`` for the binomial) with finite gradients, because brms truncates count models
at ``lb - 1``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array
from jax.scipy.special import gammainc, gammaincc, gammaln, xlog1py, xlogy

from brmsjax.backend.dists.stan import lbeta, log_betainc


def _lchoose(n: Array, k: Array) -> Array:
    return gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)


def _below(y: Array, lo: float, inside: Array, value: float) -> Array:
    return jnp.where(y < lo, value, inside)


def bernoulli_lpmf(y: Array, p: Array) -> Array:
    """``bernoulli_lpmf(y | p)``."""
    return xlogy(y, p) + xlog1py(1.0 - y, -p)


def bernoulli_logit_lpmf(y: Array, eta: Array) -> Array:
    """``bernoulli_logit_lpmf(y | eta)``."""
    return y * jax.nn.log_sigmoid(eta) + (1.0 - y) * jax.nn.log_sigmoid(-eta)


def bernoulli_lcdf(y: Array, p: Array) -> Array:
    """``bernoulli_lcdf(y | p)``."""
    return jnp.where(y < 0, -jnp.inf, jnp.where(y >= 1, 0.0, jnp.log1p(-p)))


def bernoulli_lccdf(y: Array, p: Array) -> Array:
    """``bernoulli_lccdf(y | p)``."""
    return jnp.where(y < 0, 0.0, jnp.where(y >= 1, -jnp.inf, jnp.log(p)))


def binomial_lpmf(y: Array, n: Array, p: Array) -> Array:
    """``binomial_lpmf(y | n, p)``."""
    return _lchoose(n, y) + xlogy(y, p) + xlog1py(n - y, -p)


def binomial_logit_lpmf(y: Array, n: Array, eta: Array) -> Array:
    """``binomial_logit_lpmf(y | n, eta)``."""
    return _lchoose(n, y) + y * jax.nn.log_sigmoid(eta) + (n - y) * jax.nn.log_sigmoid(-eta)


def _binomial_parts(y: Array, n: Array, p: Array) -> tuple[Array, Array, Array]:
    # P(Y <= y) = I_{1-p}(n - y, y + 1)
    inside = (y >= 0) & (y < n)
    ys = jnp.where(inside, y, 0.0)
    ns = jnp.where(inside, n, 1.0)
    lcdf, lccdf = log_betainc(ns - ys, ys + 1.0, 1.0 - p)
    return inside, lcdf, lccdf


def binomial_lcdfs(y: Array, n: Array, p: Array) -> tuple[Array, Array]:
    """``(binomial_lcdf, binomial_lccdf)`` from one incomplete beta function."""
    inside, lcdf, lccdf = _binomial_parts(y, n, p)
    return (
        jnp.where(inside, lcdf, jnp.where(y < 0, -jnp.inf, 0.0)),
        jnp.where(inside, lccdf, jnp.where(y < 0, 0.0, -jnp.inf)),
    )


def binomial_lcdf(y: Array, n: Array, p: Array) -> Array:
    """``binomial_lcdf(y | n, p)``."""
    return binomial_lcdfs(y, n, p)[0]


def binomial_lccdf(y: Array, n: Array, p: Array) -> Array:
    """``binomial_lccdf(y | n, p)``."""
    return binomial_lcdfs(y, n, p)[1]


def beta_binomial_lpmf(y: Array, n: Array, a: Array, b: Array) -> Array:
    """``beta_binomial_lpmf(y | n, a, b)``."""
    return _lchoose(n, y) + lbeta(y + a, n - y + b) - lbeta(a, b)


def poisson_lpmf(y: Array, lam: Array) -> Array:
    """``poisson_lpmf(y | lambda)``."""
    return xlogy(y, lam) - lam - gammaln(y + 1.0)


def poisson_log_lpmf(y: Array, eta: Array) -> Array:
    """``poisson_log_lpmf(y | eta)``."""
    return y * eta - jnp.exp(eta) - gammaln(y + 1.0)


def poisson_lcdf(y: Array, lam: Array) -> Array:
    """``poisson_lcdf(y | lambda)``: ``log Q(y + 1, lambda)``."""
    ys = jnp.maximum(jnp.floor(y), 0.0)
    return _below(y, 0.0, jnp.log(gammaincc(ys + 1.0, lam)), -jnp.inf)


def poisson_lccdf(y: Array, lam: Array) -> Array:
    """``poisson_lccdf(y | lambda)``: ``log P(y + 1, lambda)``."""
    ys = jnp.maximum(jnp.floor(y), 0.0)
    return _below(y, 0.0, jnp.log(gammainc(ys + 1.0, lam)), 0.0)


def neg_binomial_2_lpmf(y: Array, mu: Array, phi: Array) -> Array:
    """``neg_binomial_2_lpmf(y | mu, phi)``."""
    return neg_binomial_2_log_lpmf(y, jnp.log(mu), phi)


def neg_binomial_2_log_lpmf(y: Array, eta: Array, phi: Array) -> Array:
    """``neg_binomial_2_log_lpmf(y | eta, phi)`` with ``mu = exp(eta)``."""
    log_phi = jnp.log(phi)
    log_total = jnp.logaddexp(eta, log_phi)
    return (
        gammaln(y + phi)
        - gammaln(phi)
        - gammaln(y + 1.0)
        + phi * (log_phi - log_total)
        + xlogy(y, jnp.exp(eta - log_total))
    )


def _neg_binomial_parts(y: Array, mu: Array, phi: Array) -> tuple[Array, Array, Array]:
    # P(Y <= y) = I_p(phi, y + 1) with p = phi / (mu + phi)
    ys = jnp.maximum(jnp.floor(y), 0.0)
    lcdf, lccdf = log_betainc(phi, ys + 1.0, phi / (mu + phi))
    return y < 0, lcdf, lccdf


def neg_binomial_2_lcdfs(y: Array, mu: Array, phi: Array) -> tuple[Array, Array]:
    """``(neg_binomial_2_lcdf, neg_binomial_2_lccdf)`` from one incomplete beta function."""
    below, lcdf, lccdf = _neg_binomial_parts(y, mu, phi)
    return jnp.where(below, -jnp.inf, lcdf), jnp.where(below, 0.0, lccdf)


def neg_binomial_2_lcdf(y: Array, mu: Array, phi: Array) -> Array:
    """``neg_binomial_2_lcdf(y | mu, phi)``."""
    return neg_binomial_2_lcdfs(y, mu, phi)[0]


def neg_binomial_2_lccdf(y: Array, mu: Array, phi: Array) -> Array:
    """``neg_binomial_2_lccdf(y | mu, phi)``."""
    return neg_binomial_2_lcdfs(y, mu, phi)[1]
