"""Further continuous families of brms 2.18: shifted_lognormal, inverse.gaussian, frechet,
asym_laplace.

brms 2.18's Stan code and post-processing are the reference:

- ``shifted_lognormal``: ``lognormal_lpdf(Y - ndt | mu, sigma)`` with the non-decision time
  ``0 < ndt < min_Y`` (a bound the response sets, :attr:`Family.data_bounds`); the mean is
  ``exp(mu + sigma^2 / 2) + ndt``.
- ``inverse.gaussian``: ``inv_gaussian_lpdf(Y | mu, shape)`` with mu the mean, link
  ``1/mu^2`` by default.
- ``frechet``: ``frechet_lpdf(Y | nu, mu / tgamma(1 - 1 / nu))``, so mu is the mean (nu > 1).
- ``asym_laplace``: ``asym_laplace_lpdf(Y | mu, sigma, quantile)``, mu the ``quantile``-th
  quantile; the mean is ``mu + sigma (1 - 2 quantile) / (quantile (1 - quantile))``.

Draws follow brms's ``posterior_predict``: shifted lognormal and Frechet by their
transformations of normal and uniform draws, the inverse Gaussian by brms's ``rinv_gaussian``
(Michael, Schucany and Haas), the asymmetric Laplace by brms's quantile function of a uniform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import jax
import jax.numpy as jnp
from jax import Array
from jax.scipy.special import gammaln

from brmsjax.backend.families.base import Args, Family

__all__ = ["AsymLaplace", "Frechet", "InverseGaussian", "ShiftedLognormal"]


def _dpar(dpars: Mapping[str, Array], name: str) -> Array:
    return jnp.asarray(dpars[name], dtype=float)


@dataclass(frozen=True)
class ShiftedLognormal(Family):
    """``shifted_lognormal()``: y - ndt ~ lognormal(mu, sigma), ``0 < ndt < min(y)``."""

    support: ClassVar[str] = "positive"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "shifted_lognormal"
    data_bounds: ClassVar[Mapping[str, str]] = {"ndt": "min_Y"}

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (mu, _dpar(dpars, "sigma"), _dpar(dpars, "ndt"))

    def mean(self, args: Args) -> Array:
        mu, sigma, ndt = jnp.broadcast_arrays(*args)
        return jnp.exp(mu + 0.5 * sigma * sigma) + ndt

    def draw(self, key: Array, args: Args) -> Array:
        mu, sigma, ndt = jnp.broadcast_arrays(*args)
        return ndt + jnp.exp(mu + sigma * jax.random.normal(key, jnp.shape(mu)))


@dataclass(frozen=True)
class InverseGaussian(Family):
    """``inverse.gaussian()``: y ~ inv_gaussian(mu, shape), mu the mean."""

    support: ClassVar[str] = "positive"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "inv_gaussian"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (mu, _dpar(dpars, "shape"))

    def mean(self, args: Args) -> Array:
        mu, shape = jnp.broadcast_arrays(*args)
        return mu

    def draw(self, key: Array, args: Args) -> Array:
        mu, shape = jnp.broadcast_arrays(*args)
        k1, k2 = jax.random.split(key)
        v = jnp.square(jax.random.normal(k1, jnp.shape(mu)))
        x = mu + mu * mu * v / (2.0 * shape)
        x = x - mu / (2.0 * shape) * jnp.sqrt(4.0 * mu * shape * v + mu * mu * v * v)
        z = jax.random.uniform(k2, jnp.shape(mu))
        return jnp.where(z <= mu / (mu + x), x, mu * mu / x)


@dataclass(frozen=True)
class Frechet(Family):
    """``frechet()``: y ~ frechet(nu, mu / tgamma(1 - 1 / nu)), mu the mean."""

    support: ClassVar[str] = "positive"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "frechet"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        nu = _dpar(dpars, "nu")
        return (nu, mu / jnp.exp(gammaln(1.0 - 1.0 / nu)))

    def mean(self, args: Args) -> Array:
        nu, scale = jnp.broadcast_arrays(*args)
        return scale * jnp.exp(gammaln(1.0 - 1.0 / nu))

    def draw(self, key: Array, args: Args) -> Array:
        nu, scale = jnp.broadcast_arrays(*args)
        return scale * jax.random.exponential(key, jnp.shape(scale)) ** (-1.0 / nu)


@dataclass(frozen=True)
class AsymLaplace(Family):
    """``asym_laplace()``: y ~ asym_laplace(mu, sigma, quantile), mu its quantile."""

    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "asym_laplace"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (mu, _dpar(dpars, "sigma"), _dpar(dpars, "quantile"))

    def mean(self, args: Args) -> Array:
        mu, sigma, q = jnp.broadcast_arrays(*args)
        return mu + sigma * (1.0 - 2.0 * q) / (q * (1.0 - q))

    def draw(self, key: Array, args: Args) -> Array:
        mu, sigma, q = jnp.broadcast_arrays(*args)
        p = jax.random.uniform(key, jnp.shape(mu))
        below = mu + sigma * jnp.log(p / q) / (1.0 - q)
        above = mu - sigma * jnp.log((1.0 - p) / (1.0 - q)) / q
        return jnp.where(p < q, below, above)
