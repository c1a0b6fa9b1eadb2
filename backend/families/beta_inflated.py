"""brms 2.18's inflated beta families: zero_inflated_beta, zero_one_inflated_beta and
zero_inflated_beta_binomial.

brms's Stan functions are the reference (``fun_zero_inflated_beta.stan``,
``fun_zero_one_inflated_beta.stan``), with ``beta(mu * phi, (1 - mu) * phi)``::

    zero_inflated_beta:      y == 0: log(zi)
                             else:   log1m(zi) + beta_lpdf(y)
                             lccdf = log1m(zi) + beta_lccdf(y)
    zero_one_inflated_beta:  y == 0: log(zoi) + log1m(coi)
                             y == 1: log(zoi) + log(coi)
                             else:   log1m(zoi) + beta_lpdf(y)
    zero_inflated_beta_binomial: zero_inflated_<base> of beta_binomial(trials, mu phi,
                             (1 - mu) phi) (:class:`~brmsjax.backend.families.inflated.
                             ZeroInflated`); brmsjax has no beta_binomial CDF, so no cens/trunc.

zero_inflated_beta is a hurdle in form (a zero is never a beta draw), so it is
:class:`~brmsjax.backend.families.inflated.Hurdle` over the beta family with ``zi`` as the
inflation probability. The means are brms's ``posterior_epred``: ``(1 - zi) mu``,
``zoi coi + (1 - zoi) mu`` and ``(1 - zi) mu trials``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import jax
import jax.numpy as jnp
from jax import Array

from brmsjax.backend.families.base import Args, Family
from brmsjax.backend.families.continuous import BetaFamily
from brmsjax.backend.families.discrete import BetaBinomial
from brmsjax.backend.families.inflated import Hurdle, ZeroInflated

__all__ = ["ZeroInflatedBeta", "ZeroInflatedBetaBinomial", "ZeroOneInflatedBeta"]

_BETA = BetaFamily(name="beta", link="logit")


@dataclass(frozen=True)
class ZeroInflatedBeta(Hurdle):
    """``zero_inflated_beta()``: a zero with probability zi, else a beta draw."""

    base: ClassVar[Family] = _BETA
    inflation: ClassVar[str] = "zi"
    support: ClassVar[str] = "unit_zero"

    def lpdf(self, y: Array, args: Args) -> Array:
        # The beta density is read at 0.5 where y == 0, so that no infinite value (beta_lpdf
        # at 0 or 1) reaches the gradient of the branch jnp.where drops.
        *base, zi = args
        safe = jnp.where(y == 0, 0.5, y)
        return jnp.where(y == 0, jnp.log(zi), jnp.log1p(-zi) + _BETA.lpdf(safe, tuple(base)))


@dataclass(frozen=True)
class ZeroOneInflatedBeta(Family):
    """``zero_one_inflated_beta()``: 0 or 1 with probability zoi (1 with probability coi
    given that), else a beta draw."""

    support: ClassVar[str] = "unit_closed"

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        zoi = jnp.asarray(dpars["zoi"], dtype=float)
        coi = jnp.asarray(dpars["coi"], dtype=float)
        return (*_BETA.args(mu, dpars, addition), zoi, coi)

    def lpdf(self, y: Array, args: Args) -> Array:
        a, b, zoi, coi = args
        safe = jnp.where((y == 0) | (y == 1), 0.5, y)
        inside = jnp.log1p(-zoi) + _BETA.lpdf(safe, (a, b))
        ends = jnp.log(zoi) + jnp.where(y == 1, jnp.log(coi), jnp.log1p(-coi))
        return jnp.where((y == 0) | (y == 1), ends, inside)

    def mean(self, args: Args) -> Array:
        a, b, zoi, coi = args
        return zoi * coi + (1.0 - zoi) * a / (a + b)

    def draw(self, key: Array, args: Args) -> Array:
        a, b, zoi, coi = jnp.broadcast_arrays(*args)
        k1, k2, k3 = jax.random.split(key, 3)
        y = _BETA.draw(k1, (a, b))
        ends = (jax.random.uniform(k2, jnp.shape(a)) < coi).astype(y.dtype)
        return jnp.where(jax.random.uniform(k3, jnp.shape(a)) < zoi, ends, y)


@dataclass(frozen=True)
class ZeroInflatedBetaBinomial(ZeroInflated):
    """``zero_inflated_beta_binomial()``: a zero with probability zi, else beta_binomial;
    needs ``trials()``."""

    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "trials"})
    base: ClassVar[Family] = BetaBinomial(name="beta_binomial", link="logit", kind="discrete")
    support: ClassVar[str] = "trials"
    has_cdf: ClassVar[bool] = False
