"""brms 2.18's ``gen_extreme_value`` family: location mu, scale sigma, shape xi.

The density is brms's ``gen_extreme_value_lpdf`` (:mod:`brmsjax.backend.dists.stan_gev`).
Where xi is not predicted, brms samples an unbounded ``tmp_xi`` (prior ``normal(0, 2.5)``, the
row of class ``xi``) and scales it into the region where every observation has a positive
density, from the data, mu and sigma (brms's ``fun_scale_xi.stan``)::

    x = (Y - mu) / sigma;   bounds = [-1 / min(x), -1 / max(x)]
    xi = inv_logit(tmp_xi) * (max(bounds) - min(bounds)) + min(bounds)

:func:`scale_xi` is that function; the model program applies it (:mod:`brmsjax.backend.model.
family_programs`), and the draws carry brms's ``tmp_xi`` and the scaled ``xi`` (brms's
``compute_xi``). Predictions read the saved ``xi``. The mean is brms's
``posterior_epred_gen_extreme_value``, ``mu + sigma (gamma(1 - xi) - 1) / xi``; draws are brms's
``rgen_extreme_value``, ``mu + sigma (E^-xi - 1) / xi`` with ``E ~ exponential(1)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import jax
import jax.numpy as jnp
from jax import Array
from jax.scipy.special import gamma as gamma_fn

from brmsjax.backend.families.base import Args, Family

__all__ = ["GenExtremeValue", "scale_xi"]


def scale_xi(tmp_xi: Array, y: Array, mu: Array, sigma: Array) -> Array:
    """brms's ``scale_xi(tmp_xi, Y, mu, sigma)``: xi in the bounds the rows of ``y`` set.

    ``y`` and ``mu`` are ``(..., N)``, ``sigma`` a scalar or ``(..., N)``; the bounds are
    taken over the last axis.
    """
    x = (jnp.asarray(y) - mu) / sigma
    a, b = -1.0 / jnp.min(x, axis=-1), -1.0 / jnp.max(x, axis=-1)
    lb, ub = jnp.minimum(a, b), jnp.maximum(a, b)
    return jax.nn.sigmoid(tmp_xi) * (ub - lb) + lb


@dataclass(frozen=True)
class GenExtremeValue(Family):
    """``gen_extreme_value()``: y ~ gen_extreme_value(mu, sigma, xi)."""

    has_cdf: ClassVar[bool] = True
    dist: ClassVar[str | None] = "gen_extreme_value"
    tmp_dpars: ClassVar[tuple[str, ...]] = ("xi",)

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        return (mu, jnp.asarray(dpars["sigma"]), jnp.asarray(dpars["xi"]))

    def mean(self, args: Args) -> Array:
        mu, sigma, xi = jnp.broadcast_arrays(*args)
        return mu + sigma * (gamma_fn(1.0 - xi) - 1.0) / xi

    def draw(self, key: Array, args: Args) -> Array:
        mu, sigma, xi = jnp.broadcast_arrays(*args)
        e = jax.random.exponential(key, jnp.shape(mu))
        gumbel = xi == 0
        xi_s = jnp.where(gumbel, 1.0, xi)
        return jnp.where(
            gumbel, mu - sigma * jnp.log(e), mu + sigma * (jnp.exp(-xi_s * jnp.log(e)) - 1) / xi_s
        )
