"""The ``wiener()`` family of brms 2.18: a two-boundary drift diffusion model.

``brm(rt | dec(resp) ~ x, family = wiener())`` models the response time ``rt`` of a decision
``resp`` (1 or ``"upper"``: the upper boundary; 0 or ``"lower"``: the lower one) with four
parameters, in brms's order and with brms's default links:

- ``mu`` (identity): the drift rate ``delta``;
- ``bs`` (log): the boundary separation ``alpha`` (prior ``gamma(1, 1)`` as a scalar);
- ``ndt`` (log): the non-decision time ``tau``, a scalar bounded by ``min(rt)`` (prior
  ``uniform(0, min_Y)``, :attr:`Family.data_bounds`);
- ``bias`` (logit): the relative starting point ``beta`` (prior ``beta(1, 1)``).

The likelihood is brms's ``wiener_diffusion_lpdf(Y | dec, bs, ndt, bias, mu)``
(:func:`~brmsjax.backend.dists.stan_wiener.wiener_diffusion_lpdf`). brms 2.18's
``posterior_epred_wiener`` is ``ndt - bias / mu + bs / mu * (exp(-2 mu bias) - 1) /
(exp(-2 mu bs) - 1)``, kept as brms writes it; ``posterior_predict`` returns response times
drawn from the model (of either boundary, as brms's default ``negative_rt = FALSE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import jax.numpy as jnp
from jax import Array

from brmsjax.backend.dists.stan_wiener import wiener_diffusion_lpdf
from brmsjax.backend.families.base import Args, Family
from brmsjax.backend.families.diffusion.wiener_rng import wiener_draws
from brmsjax.formula.errors import ModelError

__all__ = ["DEC_REQUIRED", "Wiener"]

#: brms's error for a wiener model without ``dec()``.
DEC_REQUIRED = "Addition argument 'dec' is required for family 'wiener'."


def _dpar(dpars: Mapping[str, Array], name: str) -> Array:
    return jnp.asarray(dpars[name], dtype=float)


@dataclass(frozen=True)
class Wiener(Family):
    """``wiener()``: response times of decisions ``dec()`` from a Wiener diffusion model."""

    support: ClassVar[str] = "positive"
    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "dec"})
    data_bounds: ClassVar[Mapping[str, str]] = {"ndt": "min_Y"}

    def args(self, mu: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Args:
        """``(bs, ndt, bias, mu, dec)``; ``dec`` is 1 where the decisions are not given (the
        mean and the draws do not read it)."""
        dec = jnp.asarray(addition.get("dec", 1.0), dtype=float)
        return (_dpar(dpars, "bs"), _dpar(dpars, "ndt"), _dpar(dpars, "bias"), mu, dec)

    def lpdf(self, y: Array, args: Args) -> Array:
        bs, ndt, bias, mu, dec = args
        return wiener_diffusion_lpdf(y, dec, bs, ndt, bias, mu)

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        if "dec" not in addition:
            raise ModelError(DEC_REQUIRED)
        return super().log_lik_eta(y, eta, dpars, addition)

    def mean(self, args: Args) -> Array:
        """brms 2.18's ``posterior_epred_wiener``, as brms writes it."""
        bs, ndt, bias, mu, _ = jnp.broadcast_arrays(*args)
        return ndt - bias / mu + bs / mu * jnp.expm1(-2.0 * mu * bias) / jnp.expm1(-2.0 * mu * bs)

    def draw(self, key: Array, args: Args) -> Array:
        bs, ndt, bias, mu, _ = jnp.broadcast_arrays(*args)
        return wiener_draws(key, bs, ndt, bias, mu)[0]

    def check_response(
        self, name: str, y: Any, levels: tuple[str, ...] | None, addition: Mapping[str, Any]
    ) -> None:
        """brms's checks: ``dec()`` is given and the response times are positive."""
        if "dec" not in addition:
            raise ModelError(DEC_REQUIRED)
        super().check_response(name, y, levels, addition)
