"""Continuous families: gaussian, student, skew_normal, exgaussian, von_mises, lognormal, Gamma,
exponential, weibull, Beta.

brms 2.18's Stan code is the reference: ``se()`` adds to sigma as ``sqrt(sigma^2 + se^2)``;
skew_normal's mu is the mean, so ``omega = sigma / sqrt(1 - 2/pi delta^2)`` and
``xi = mu - omega delta sqrt(2/pi)`` with ``delta = alpha / sqrt(1 + alpha^2)``; gamma is
``gamma(shape, shape / mu)``, weibull ``weibull(shape, mu / tgamma(1 + 1 / shape))``,
exponential ``exponential(1 / mu)`` and beta ``beta(mu * phi, (1 - mu) * phi)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpyro.distributions as dist
from jax import Array
from jax.scipy.special import gammaln

from brmsjax.backend.families.base import Args, Family

_SQRT_2_PI = math.sqrt(2.0 / math.pi)


def _shape(args: Args) -> tuple[int, ...]:
    return jnp.broadcast_shapes(*(jnp.shape(a) for a in args))


def _total_sd(sigma: Array, addition: Mapping[str, Array]) -> Array:
    if "se" not in addition:
        return jnp.asarray(sigma, dtype=float)
    se = jnp.asarray(addition["se"], dtype=float)
    return jnp.sqrt(jnp.square(sigma) + jnp.square(se))


def _beta_draw(key: Array, a: Array, b: Array) -> Array:
    """Beta draws as ``G_a / (G_a + G_b)``, sharing the compiled gamma sampler."""
    g = jax.random.gamma(key, jnp.stack([a, b]))
    return g[0] / (g[0] + g[1])


@dataclass(frozen=True)
class Gaussian(Family):
    """``gaussian()``: y ~ normal(mu, sqrt(sigma^2 + se^2))."""

    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "se"})
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "normal"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (mu, _total_sd(dpars["sigma"], addition))

    def mean(self, args: Args) -> Array:
        return args[0] * jnp.ones_like(args[1])

    def draw(self, key: Array, args: Args) -> Array:
        mu, sigma = args
        return mu + sigma * jax.random.normal(key, _shape(args))


@dataclass(frozen=True)
class Student(Family):
    """``student()``: y ~ student_t(nu, mu, sqrt(sigma^2 + se^2))."""

    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "se"})
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "student_t"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (jnp.asarray(dpars["nu"], dtype=float), mu, _total_sd(dpars["sigma"], addition))

    def mean(self, args: Args) -> Array:
        nu, mu, sigma = jnp.broadcast_arrays(*args)
        return mu

    def draw(self, key: Array, args: Args) -> Array:
        nu, mu, sigma = jnp.broadcast_arrays(*args)
        k1, k2 = jax.random.split(key)
        chi2 = 2.0 * jax.random.gamma(k2, nu / 2.0)
        return mu + sigma * jax.random.normal(k1, jnp.shape(mu)) * jnp.sqrt(nu / chi2)


@dataclass(frozen=True)
class SkewNormal(Family):
    """``skew_normal()``: mu is the mean; y ~ skew_normal(xi, omega, alpha)."""

    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "se"})
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "skew_normal"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        alpha = jnp.asarray(dpars["alpha"], dtype=float)
        delta = alpha / jnp.sqrt(1.0 + alpha * alpha)
        omega = _total_sd(dpars["sigma"], addition) / jnp.sqrt(1.0 - _SQRT_2_PI**2 * delta * delta)
        return (mu - omega * delta * _SQRT_2_PI, omega, alpha)

    def mean(self, args: Args) -> Array:
        xi, omega, alpha = jnp.broadcast_arrays(*args)
        return xi + omega * alpha / jnp.sqrt(1.0 + alpha * alpha) * _SQRT_2_PI

    def draw(self, key: Array, args: Args) -> Array:
        xi, omega, alpha = jnp.broadcast_arrays(*args)
        delta = alpha / jnp.sqrt(1.0 + alpha * alpha)
        u = jax.random.normal(key, (2, *jnp.shape(xi)))
        return xi + omega * (delta * jnp.abs(u[0]) + jnp.sqrt(1.0 - delta * delta) * u[1])


@dataclass(frozen=True)
class Lognormal(Family):
    """``lognormal()``: y ~ lognormal(mu, sigma); mu is on the log scale."""

    support: ClassVar[str] = "positive"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "lognormal"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (mu, jnp.asarray(dpars["sigma"], dtype=float))

    def mean(self, args: Args) -> Array:
        mu, sigma = args
        return jnp.exp(mu + 0.5 * sigma * sigma)

    def draw(self, key: Array, args: Args) -> Array:
        mu, sigma = args
        return jnp.exp(mu + sigma * jax.random.normal(key, _shape(args)))


@dataclass(frozen=True)
class ExGaussian(Family):
    """``exgaussian()``: mu is the mean; y ~ exp_mod_normal(mu - beta, sigma, 1 / beta)."""

    dist: ClassVar[str | None] = "exp_mod_normal"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        beta = jnp.asarray(dpars["beta"], dtype=float)
        return (mu - beta, jnp.asarray(dpars["sigma"], dtype=float), 1.0 / beta)

    def mean(self, args: Args) -> Array:
        mu, sigma, lam = jnp.broadcast_arrays(*args)
        return mu + 1.0 / lam

    def draw(self, key: Array, args: Args) -> Array:
        mu, sigma, lam = jnp.broadcast_arrays(*args)
        k1, k2 = jax.random.split(key)
        normal = mu + sigma * jax.random.normal(k1, jnp.shape(mu))
        return normal + jax.random.exponential(k2, jnp.shape(mu)) / lam


@dataclass(frozen=True)
class VonMises(Family):
    """``von_mises()``: angles in [-pi, pi]; y ~ von_mises(mu, kappa), mu its mean direction."""

    support: ClassVar[str] = "circular"
    dist: ClassVar[str | None] = "von_mises"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (mu, jnp.asarray(dpars["kappa"], dtype=float))

    def mean(self, args: Args) -> Array:
        mu, kappa = jnp.broadcast_arrays(*args)
        return mu

    def draw(self, key: Array, args: Args) -> Array:
        mu, kappa = jnp.broadcast_arrays(*args)
        return dist.VonMises(mu, kappa).sample(key)


@dataclass(frozen=True)
class GammaFamily(Family):
    """``Gamma()``: y ~ gamma(shape, shape / mu)."""

    support: ClassVar[str] = "positive"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "gamma"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        shape = jnp.asarray(dpars["shape"], dtype=float)
        return (shape, shape / mu)

    def mean(self, args: Args) -> Array:
        return args[0] / args[1]

    def draw(self, key: Array, args: Args) -> Array:
        shape, rate = jnp.broadcast_arrays(*args)
        return jax.random.gamma(key, shape) / rate


@dataclass(frozen=True)
class Exponential(Family):
    """``exponential()``: y ~ exponential(1 / mu)."""

    support: ClassVar[str] = "positive"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "exponential"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (1.0 / mu,)

    def mean(self, args: Args) -> Array:
        return 1.0 / args[0]

    def draw(self, key: Array, args: Args) -> Array:
        return jax.random.exponential(key, jnp.shape(args[0])) / args[0]


@dataclass(frozen=True)
class Weibull(Family):
    """``weibull()``: y ~ weibull(shape, mu / tgamma(1 + 1 / shape))."""

    support: ClassVar[str] = "positive"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "weibull"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        shape = jnp.asarray(dpars["shape"], dtype=float)
        return (shape, mu / jnp.exp(gammaln(1.0 + 1.0 / shape)))

    def mean(self, args: Args) -> Array:
        shape, scale = args
        return scale * jnp.exp(gammaln(1.0 + 1.0 / shape))

    def draw(self, key: Array, args: Args) -> Array:
        shape, scale = jnp.broadcast_arrays(*args)
        return scale * jax.random.exponential(key, jnp.shape(scale)) ** (1.0 / shape)


@dataclass(frozen=True)
class BetaFamily(Family):
    """``Beta()``: y ~ beta(mu * phi, (1 - mu) * phi)."""

    support: ClassVar[str] = "unit"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "beta"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        phi = dpars["phi"]
        return (mu * phi, (1.0 - mu) * phi)

    def mean(self, args: Args) -> Array:
        a, b = args
        return a / (a + b)

    def draw(self, key: Array, args: Args) -> Array:
        a, b = jnp.broadcast_arrays(*args)
        return _beta_draw(key, a, b)
