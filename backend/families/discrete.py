"""Binary and count families: bernoulli, binomial, beta_binomial, poisson, negbinomial, geometric.

Parameterizations are brms 2.18's Stan code: ``rate(denom)`` multiplies the poisson mean by
``denom`` (``poisson_log_lpmf(Y | mu + log_denom)``) and, for the negative binomial, also the
shape (``neg_binomial_2_log_lpmf(Y | mu + log_denom, shape * denom)``); geometric is
``neg_binomial_2(mu, 1)``; beta_binomial is ``beta_binomial(trials, mu * phi, (1 - mu) * phi)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.backend.dists import stan_discrete as sd
from brmsjax.backend.families.base import Args, Family, check_support
from brmsjax.formula.errors import ModelError


def _shape(args: Args) -> tuple[int, ...]:
    return jnp.broadcast_shapes(*(jnp.shape(a) for a in args))


def _poisson_draw(key: Array, lam: Array) -> Array:
    return jax.random.poisson(key, lam, jnp.shape(lam)).astype(jnp.result_type(float))


def _trials(addition: Mapping[str, Array]) -> Array:
    return jnp.asarray(addition["trials"], dtype=float)


def _denom(addition: Mapping[str, Array]) -> Array | None:
    return jnp.asarray(addition["denom"], dtype=float) if "denom" in addition else None


@dataclass(frozen=True)
class Bernoulli(Family):
    """``bernoulli()``: y ~ bernoulli(mu); a two-level factor counts its second level as 1."""

    support: ClassVar[str] = "binary"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "bernoulli"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (mu,)

    def mean(self, args: Args) -> Array:
        return args[0]

    def draw(self, key: Array, args: Args) -> Array:
        p = args[0]
        return jax.random.bernoulli(key, p, jnp.shape(p)).astype(jnp.result_type(float))

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        if self.link == "logit":
            return sd.bernoulli_logit_lpmf(y, eta)
        return super().log_lik_eta(y, eta, dpars, addition)

    def response_values(self, y: Any, levels: tuple[str, ...] | None) -> np.ndarray:
        values = np.asarray(y, dtype=float)
        return values - 1.0 if levels is not None else values

    def check_response(
        self, name: str, y: Any, levels: tuple[str, ...] | None, addition: Mapping[str, Any]
    ) -> None:
        if levels is not None:
            if len(levels) != 2:
                raise ModelError(
                    f"The response '{name}' is a factor with {len(levels)} levels, but the "
                    "bernoulli family needs two levels. Use the categorical family for more "
                    "levels."
                )
            return
        check_support(self.name, self.support, name, np.asarray(y, dtype=float))


@dataclass(frozen=True)
class Binomial(Family):
    """``binomial()``: y ~ binomial(trials, mu); ``trials()`` is required."""

    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "trials"})
    support: ClassVar[str] = "trials"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "binomial"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (_trials(addition), mu)

    def mean(self, args: Args) -> Array:
        return args[0] * args[1]

    def draw(self, key: Array, args: Args) -> Array:
        n, p = jnp.broadcast_arrays(*args)
        return jax.random.binomial(key, n, p, jnp.shape(p))

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        if self.link == "logit":
            return sd.binomial_logit_lpmf(y, _trials(addition), eta)
        return super().log_lik_eta(y, eta, dpars, addition)


@dataclass(frozen=True)
class BetaBinomial(Binomial):
    """``beta_binomial()``: y ~ beta_binomial(trials, mu * phi, (1 - mu) * phi)."""

    has_cdf: ClassVar[bool] = False
    dist: ClassVar[str | None] = "beta_binomial"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        phi = dpars["phi"]
        return (_trials(addition), mu * phi, (1.0 - mu) * phi)

    def lcdf(self, y: Array, args: Args) -> Array:
        return Family.lcdf(self, y, args)

    def lccdf(self, y: Array, args: Args) -> Array:
        return Family.lcdf(self, y, args)

    def lcdfs(self, y: Array, args: Args) -> tuple[Array, Array]:
        return Family.lcdf(self, y, args), Family.lcdf(self, y, args)

    def mean(self, args: Args) -> Array:
        n, a, b = args
        return n * a / (a + b)

    def draw(self, key: Array, args: Args) -> Array:
        n, a, b = jnp.broadcast_arrays(*args)
        k1, k2 = jax.random.split(key)
        g = jax.random.gamma(k1, jnp.stack([a, b]))
        p = g[0] / (g[0] + g[1])
        return jax.random.binomial(k2, n, p, jnp.shape(p))

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        return self.lpdf(y, self.stan_args(eta, dpars, addition))


@dataclass(frozen=True)
class Poisson(Family):
    """``poisson()``: y ~ poisson(mu * denom)."""

    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "rate"})
    support: ClassVar[str] = "count"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "poisson"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        denom = _denom(addition)
        return (mu if denom is None else mu * denom,)

    def mean(self, args: Args) -> Array:
        return args[0]

    def draw(self, key: Array, args: Args) -> Array:
        return _poisson_draw(key, args[0])

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        if self.link == "log":
            denom = _denom(addition)
            return sd.poisson_log_lpmf(y, eta if denom is None else eta + jnp.log(denom))
        return super().log_lik_eta(y, eta, dpars, addition)


@dataclass(frozen=True)
class NegBinomial(Family):
    """``negbinomial()``: y ~ neg_binomial_2(mu * denom, shape * denom)."""

    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "rate"})
    support: ClassVar[str] = "count"
    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "neg_binomial_2"

    def _phi(self, dpars: Mapping[str, Array]) -> Array:
        return dpars["shape"]

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        phi, denom = self._phi(dpars), _denom(addition)
        if denom is None:
            return (mu, jnp.asarray(phi, dtype=float))
        return (mu * denom, phi * denom)

    def mean(self, args: Args) -> Array:
        return args[0] * jnp.ones_like(args[1])

    def draw(self, key: Array, args: Args) -> Array:
        mu, phi = jnp.broadcast_arrays(*args)
        k1, k2 = jax.random.split(key)
        return _poisson_draw(k2, jax.random.gamma(k1, phi) / phi * mu)

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        if self.link == "log":
            phi, denom = self._phi(dpars), _denom(addition)
            if denom is not None:
                eta, phi = eta + jnp.log(denom), phi * denom
            return sd.neg_binomial_2_log_lpmf(y, eta, phi)
        return super().log_lik_eta(y, eta, dpars, addition)


@dataclass(frozen=True)
class Geometric(NegBinomial):
    """``geometric()``: y ~ neg_binomial_2(mu, 1)."""

    def _phi(self, dpars: Mapping[str, Array]) -> Array:
        return jnp.asarray(1.0)
