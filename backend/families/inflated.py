"""Zero-inflated and hurdle families, built on a base family's distribution.

brms 2.18's Stan functions are the reference::

    zero_inflated_<base>:  y == 0: log_sum_exp(log(zi), log1m(zi) + base_lpmf(0))
                           else:   log1m(zi) + base_lpmf(y)
                           lccdf = log1m(zi) + base_lccdf(y)
    hurdle_<base>:         y == 0: log(hu)
                           else:   log1m(hu) + base_lpdf(y) [- log1m_exp(base_lpmf(0)), counts]
                           lccdf = log1m(hu) + base_lccdf(y) [- log1m_exp(base_lpmf(0))]

with ``lcdf = log1m_exp(lccdf)``. The inflation probability is the last distribution argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import jax
import jax.numpy as jnp
from jax import Array

from brmsjax.backend.dists.stan_math import log1m_exp
from brmsjax.backend.families.base import Args, Family
from brmsjax.backend.families.continuous import GammaFamily, Lognormal
from brmsjax.backend.families.discrete import Binomial, NegBinomial, Poisson

_MAX_COUNT = 100_000.0


def _zero_truncated_negbinomial(key: Array, mu: Array, phi: Array) -> Array:
    """neg_binomial_2 draws conditioned on ``y > 0``, by inverting the CDF from ``P(0)`` up.

    ``u ~ uniform(P(0), 1)`` and the draw is the first ``k`` with ``P(Y <= k) >= u``; the
    masses follow ``p(k) = p(k - 1) (k - 1 + phi) / k * mu / (mu + phi)`` in log space.
    """
    mu, phi = jnp.broadcast_arrays(jnp.asarray(mu, float), jnp.asarray(phi, float))
    log_q = jnp.log(mu) - jnp.logaddexp(jnp.log(mu), jnp.log(phi))
    log_p0 = phi * (jnp.log(phi) - jnp.logaddexp(jnp.log(mu), jnp.log(phi)))
    p0 = jnp.exp(log_p0)
    u = p0 + (1.0 - p0) * jax.random.uniform(key, jnp.shape(mu))

    def cond(state: tuple[Array, Array, Array, Array, Array]) -> Array:
        k, _, _, _, done = state
        return jnp.logical_and(~jnp.all(done), k < _MAX_COUNT)

    def body(
        state: tuple[Array, Array, Array, Array, Array],
    ) -> tuple[Array, Array, Array, Array, Array]:
        k, log_pk, cdf, out, done = state
        k = k + 1.0
        log_pk = log_pk + jnp.log((k - 1.0 + phi) / k) + log_q
        cdf = cdf + jnp.exp(log_pk)
        hit = (~done) & (cdf >= u)
        return k, log_pk, cdf, jnp.where(hit, k, out), done | hit

    init = (jnp.zeros(()), log_p0, p0, jnp.ones_like(mu), jnp.zeros(jnp.shape(mu), bool))
    state = jax.lax.while_loop(cond, body, init)
    return jnp.where(state[4], state[3], state[0])


def _zero_truncated_poisson(key: Array, lam: Array) -> Array:
    """Exact zero-truncated poisson draws: the first event time, then the remaining events."""
    k1, k2 = jax.random.split(key)
    u = jax.random.uniform(k1, jnp.shape(lam))
    first = -jnp.log1p(u * jnp.expm1(-lam)) / lam
    rest = jax.random.poisson(k2, lam * (1.0 - first), jnp.shape(lam))
    return 1.0 + rest.astype(jnp.result_type(float))


class _Inflated(Family):
    """Shared code: a base family's arguments plus the inflation probability."""

    base: ClassVar[Family]
    inflation: ClassVar[str] = "zi"
    has_cdf: ClassVar[bool] = True

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        prob = jnp.asarray(dpars[self.inflation], dtype=float)
        return (*self.base.args(mu, dpars, addition), prob)

    def lcdf(self, y: Array, args: Args) -> Array:
        return log1m_exp(self.lccdf(y, args))

    def lcdfs(self, y: Array, args: Args) -> tuple[Array, Array]:
        lccdf = self.lccdf(y, args)
        return log1m_exp(lccdf), lccdf


@dataclass(frozen=True)
class ZeroInflated(_Inflated):
    """``zero_inflated_<base>()``: a zero with probability zi, else the base family."""

    def lpdf(self, y: Array, args: Args) -> Array:
        *base, zi = args
        keep = jnp.log1p(-zi)
        zero = jnp.logaddexp(jnp.log(zi), keep + self.base.lpdf(jnp.zeros_like(y), tuple(base)))
        return jnp.where(y == 0, zero, keep + self.base.lpdf(y, tuple(base)))

    def lccdf(self, y: Array, args: Args) -> Array:
        *base, zi = args
        return jnp.log1p(-zi) + self.base.lccdf(y, tuple(base))

    def mean(self, args: Args) -> Array:
        *base, zi = args
        return (1.0 - zi) * self.base.mean(tuple(base))

    def draw(self, key: Array, args: Args) -> Array:
        *base, zi = args
        k1, k2 = jax.random.split(key)
        y = self.base.draw(k2, tuple(base))
        return jnp.where(jax.random.uniform(k1, jnp.shape(y)) < zi, 0.0, y)


@dataclass(frozen=True)
class Hurdle(_Inflated):
    """``hurdle_<base>()``: a zero with probability hu, else the base family above zero."""

    inflation: ClassVar[str] = "hu"

    def _log_positive(self, base: Args, like: Array) -> Array:
        """``log P(base > 0)`` for count families, 0 for continuous ones."""
        if not self.base.discrete:
            return jnp.zeros(())
        return log1m_exp(self.base.lpdf(jnp.zeros_like(like), base))

    def lpdf(self, y: Array, args: Args) -> Array:
        *base, hu = args
        safe = jnp.where(y == 0, 1.0, y)
        above = (
            jnp.log1p(-hu) + self.base.lpdf(safe, tuple(base)) - self._log_positive(tuple(base), y)
        )
        return jnp.where(y == 0, jnp.log(hu), above)

    def lccdf(self, y: Array, args: Args) -> Array:
        *base, hu = args
        return jnp.log1p(-hu) + self.base.lccdf(y, tuple(base)) - self._log_positive(tuple(base), y)

    def mean(self, args: Args) -> Array:
        *base, hu = args
        m = self.base.mean(tuple(base))
        return (1.0 - hu) * m / jnp.exp(self._log_positive(tuple(base), m))

    def draw(self, key: Array, args: Args) -> Array:
        *base, hu = args
        k1, k2 = jax.random.split(key)
        if isinstance(self.base, Poisson) and not isinstance(self.base, NegBinomial):
            y = _zero_truncated_poisson(k2, jnp.asarray(base[0], dtype=float))
        elif self.base.discrete:
            y = _zero_truncated_negbinomial(k2, base[0], base[1])
        else:
            y = self.base.draw(k2, tuple(base))
        y = jnp.broadcast_to(y, jnp.broadcast_shapes(jnp.shape(y), jnp.shape(hu)))
        return jnp.where(jax.random.uniform(k1, jnp.shape(y)) < hu, 0.0, y)


_POISSON = Poisson(name="poisson", link="log", kind="discrete")
_NEGBIN = NegBinomial(name="negbinomial", link="log", kind="discrete")
_BINOMIAL = Binomial(name="binomial", link="logit", kind="discrete")


@dataclass(frozen=True)
class ZeroInflatedPoisson(ZeroInflated):
    """``zero_inflated_poisson()``."""

    base: ClassVar[Family] = _POISSON
    support: ClassVar[str] = "count"


@dataclass(frozen=True)
class ZeroInflatedNegBinomial(ZeroInflated):
    """``zero_inflated_negbinomial()``."""

    base: ClassVar[Family] = _NEGBIN
    support: ClassVar[str] = "count"


@dataclass(frozen=True)
class ZeroInflatedBinomial(ZeroInflated):
    """``zero_inflated_binomial()``."""

    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "trials"})
    base: ClassVar[Family] = _BINOMIAL
    support: ClassVar[str] = "trials"


@dataclass(frozen=True)
class HurdlePoisson(Hurdle):
    """``hurdle_poisson()``."""

    base: ClassVar[Family] = _POISSON
    support: ClassVar[str] = "count"


@dataclass(frozen=True)
class HurdleNegBinomial(Hurdle):
    """``hurdle_negbinomial()``."""

    base: ClassVar[Family] = _NEGBIN
    support: ClassVar[str] = "count"


@dataclass(frozen=True)
class HurdleGamma(Hurdle):
    """``hurdle_gamma()``."""

    base: ClassVar[Family] = GammaFamily(name="gamma", link="log")
    support: ClassVar[str] = "nonneg"


@dataclass(frozen=True)
class HurdleLognormal(Hurdle):
    """``hurdle_lognormal()``."""

    base: ClassVar[Family] = Lognormal(name="lognormal", link="identity")
    support: ClassVar[str] = "nonneg"
