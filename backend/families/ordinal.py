"""Ordinal (cumulative) and categorical families.

``cumulative``: brms 2.18's ``cumulative_<link>_lpmf(y | mu, disc, thres)`` with
``P(y <= k) = F(disc * (thres_k - mu))``; ``disc`` is 1 unless it is predicted. ``eta`` is
``(..., N)`` and ``dpars["thres"]`` ``(..., nthres)`` with leading dimensions that broadcast
with eta's (``eta (S, N)`` with ``thres (S, 1, nthres)``). ``categorical``: ``eta`` is
``(..., N, ncat)`` with the reference category's zero in column 0, and
``y ~ categorical_logit(eta)``. Responses are 1-based category codes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.backend.dists.stan_math import log_diff_exp
from brmsjax.backend.families.base import Family
from brmsjax.backend.families.links import LOG_CCDF, LOG_CDF
from brmsjax.formula.errors import ModelError


def _pick(log_probs: Array, y: Array) -> Array:
    """``log_probs[..., n, y_n - 1]`` for 1-based codes ``y``."""
    idx = jnp.asarray(y).astype(jnp.int32) - 1
    idx = jnp.broadcast_to(idx, log_probs.shape[:-1])
    return jnp.take_along_axis(log_probs, idx[..., None], axis=-1)[..., 0]


class _Categories(Family):
    """Shared code of the families whose response is a category."""

    def log_probs(self, eta: Array, dpars: Mapping[str, Array]) -> Array:
        """Log probability of every category, ``(..., N, ncat)``."""
        raise NotImplementedError

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        return _pick(self.log_probs(eta, dpars), y)

    def log_lik(self, y: Array, mu: Array, dpars: Mapping[str, Array]) -> Array:
        return self.log_lik_eta(y, mu, dpars, {})

    def epred(self, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Array:
        return jnp.exp(self.log_probs(eta, dpars))

    def rng(
        self, key: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        codes = jax.random.categorical(key, self.log_probs(eta, dpars), axis=-1) + 1
        return codes.astype(jnp.result_type(float))

    def log_cdf(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        return self.lcdf(y, ())

    def log_ccdf(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        return self.lcdf(y, ())

    def response_values(self, y: Any, levels: tuple[str, ...] | None) -> np.ndarray:
        return np.asarray(y, dtype=float)


@dataclass(frozen=True)
class Cumulative(_Categories):
    """``cumulative()``: ``P(y <= k) = F(disc * (thres_k - mu))`` with F the link's CDF.

    ``threshold`` is brms's: ``"flexible"`` (one free threshold each), ``"equidistant"``
    (``first_Intercept + (k - 1) * delta``) or ``"sum"`` (``Intercept - mean(Intercept)``
    with an uncentred X); it shapes the parameters only, :meth:`log_probs` takes the
    thresholds as they are.
    """

    threshold: str = "flexible"

    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "thres"})
    #: Whether the thresholds are Stan's ``ordered[nthres]`` (cumulative) or a free vector.
    ordered_thresholds: ClassVar[bool] = True

    def log_probs(self, eta: Array, dpars: Mapping[str, Array]) -> Array:
        thres = jnp.asarray(dpars["thres"], dtype=float)
        disc = jnp.asarray(dpars.get("disc", 1.0), dtype=float)
        x = disc[..., None] * (thres - jnp.asarray(eta)[..., None])
        lower = LOG_CDF[self.link](x)
        upper = LOG_CCDF[self.link](x)
        # F(t_k) - F(t_{k-1}), or S(t_{k-1}) - S(t_k) where F is near 1 (no cancellation).
        middle = jnp.where(
            lower[..., 1:] > -math.log(2.0),
            log_diff_exp(upper[..., :-1], upper[..., 1:]),
            log_diff_exp(lower[..., 1:], lower[..., :-1]),
        )
        return jnp.concatenate([lower[..., :1], middle, upper[..., -1:]], axis=-1)

    def check_response(
        self, name: str, y: Any, levels: tuple[str, ...] | None, addition: Mapping[str, Any]
    ) -> None:
        if levels is not None:
            return
        values = np.asarray(y, dtype=float)
        bad = ~(np.isfinite(values) & (values == np.round(values)) & (values >= 1))
        if bad.any():
            raise ModelError(
                f"The response '{name}' contains {values[bad][0]:g}, but the {self.name} family "
                "needs an ordered factor or whole numbers from 1. Convert it with "
                "pandas.Categorical(..., ordered=True)."
            )


@dataclass(frozen=True)
class Categorical(_Categories):
    """``categorical()``: y ~ categorical_logit(eta) with the reference category's eta at 0."""

    support: ClassVar[str] = "categorical"

    def log_probs(self, eta: Array, dpars: Mapping[str, Array]) -> Array:
        return jax.nn.log_softmax(jnp.asarray(eta, dtype=float), axis=-1)

    def links_line(self, predicted: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> str:
        """``muB = logit; muC = logit`` for the non-reference ``categories``."""
        if not categories:
            return f"mu = {self.link}"
        return "; ".join(f"mu{c} = {self.link}" for c in categories)

    def check_response(
        self, name: str, y: Any, levels: tuple[str, ...] | None, addition: Mapping[str, Any]
    ) -> None:
        if levels is None:
            raise ModelError(
                f"The response '{name}' is numeric, but the categorical family needs a factor "
                "response. Convert it with pandas.Categorical."
            )
        if len(levels) < 2:
            raise ModelError(
                f"The response '{name}' has {len(levels)} level, but the categorical family "
                "needs at least two. Check the data."
            )
