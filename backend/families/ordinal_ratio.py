"""The sequential and adjacent-category ordinal families: ``sratio``, ``cratio``, ``acat``.

brms 2.18's Stan functions (``sratio_<link>_lpmf(y | mu, disc, thres)`` and its siblings) on
the log scale, with ``F`` the link's distribution function:

- ``sratio`` (stopping ratio), ``e_k = disc * (thres_k - mu)``:
  ``P(y = k) = F(e_k) prod_{j<k} (1 - F(e_j))``, ``P(y = K + 1) = prod_j (1 - F(e_j))``.
- ``cratio`` (continuation ratio), ``e_k = disc * (mu - thres_k)``:
  ``P(y = k) = (1 - F(e_k)) prod_{j<k} F(e_j)``, ``P(y = K + 1) = prod_j F(e_j)``.
- ``acat`` (adjacent category), ``e_k = disc * (mu - thres_k)``:
  ``P(y = k) ∝ prod_{j<k} F(e_j) prod_{j>=k} (1 - F(e_j))``; with the logit link this is
  brms's ``softmax(append_row(0, cumulative_sum(e)))`` (the same probabilities).

Their thresholds are unconstrained (Stan's ``vector[nthres] Intercept``, not ``ordered``).
``thres`` may be ``(..., nthres)`` or, with category-specific effects ``cs()``, one row of
thresholds per observation ``(..., N, nthres)``; both broadcast with ``eta (..., N)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import jax
import jax.numpy as jnp
from jax import Array

from brmsjax.backend.families.links import LOG_CCDF, LOG_CDF
from brmsjax.backend.families.ordinal import Cumulative

__all__ = ["Acat", "Cratio", "Sratio"]


def _scaled(eta: Array, dpars: Mapping[str, Array], sign: float) -> Array:
    """``disc * sign * (thres - mu)`` as ``(..., N, nthres)``."""
    thres = jnp.asarray(dpars["thres"], dtype=float)
    disc = jnp.asarray(dpars.get("disc", 1.0), dtype=float)
    return sign * disc[..., None] * (thres - jnp.asarray(eta, dtype=float)[..., None])


def _sequential(stop: Array, go: Array) -> Array:
    """Log probabilities of a sequential model: stop at step k after going on at every j < k.

    ``stop`` and ``go`` are ``(..., nthres)`` log probabilities of stopping at and passing
    each step; the last category is passing every step.
    """
    passed = jnp.cumsum(go, axis=-1)
    before = jnp.concatenate([jnp.zeros_like(go[..., :1]), passed[..., :-1]], axis=-1)
    return jnp.concatenate([stop + before, passed[..., -1:]], axis=-1)


@dataclass(frozen=True)
class Sratio(Cumulative):
    """``sratio()``: stop at category k with probability ``F(disc * (thres_k - mu))``."""

    ordered_thresholds: ClassVar[bool] = False

    def log_probs(self, eta: Array, dpars: Mapping[str, Array]) -> Array:
        x = _scaled(eta, dpars, 1.0)
        return _sequential(LOG_CDF[self.link](x), LOG_CCDF[self.link](x))


@dataclass(frozen=True)
class Cratio(Cumulative):
    """``cratio()``: continue past category k with probability ``F(disc * (mu - thres_k))``."""

    ordered_thresholds: ClassVar[bool] = False

    def log_probs(self, eta: Array, dpars: Mapping[str, Array]) -> Array:
        x = _scaled(eta, dpars, -1.0)
        return _sequential(LOG_CCDF[self.link](x), LOG_CDF[self.link](x))


@dataclass(frozen=True)
class Acat(Cumulative):
    """``acat()``: adjacent categories k + 1 against k with ``F(disc * (mu - thres_k))``."""

    ordered_thresholds: ClassVar[bool] = False

    def log_probs(self, eta: Array, dpars: Mapping[str, Array]) -> Array:
        x = _scaled(eta, dpars, -1.0)
        zero = jnp.zeros_like(x[..., :1])
        if self.link == "logit":
            # brms's acat_logit_lpmf: append_row(0, cumulative_sum(disc * (mu - thres)))
            unnorm = jnp.concatenate([zero, jnp.cumsum(x, axis=-1)], axis=-1)
        else:
            up = jnp.cumsum(LOG_CDF[self.link](x), axis=-1)
            down = jnp.cumsum(LOG_CCDF[self.link](x)[..., ::-1], axis=-1)[..., ::-1]
            unnorm = jnp.concatenate([zero, up], axis=-1) + jnp.concatenate([down, zero], axis=-1)
        return jax.nn.log_softmax(unnorm, axis=-1)
