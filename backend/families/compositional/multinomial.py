"""``multinomial()`` and ``dirichlet()``: brms 2.18's softmax families of matrix responses.

brms's Stan code (``make_stancode(cbind(y1, y2, y3) | trials(n) ~ x, family =
multinomial())``) stacks ``mu[n] = [0, muy2[n], muy3[n]]'`` and adds::

    multinomial:  multinomial_lpmf(Y[n] | softmax(mu[n]))
    dirichlet:    dirichlet_lpdf(Y[n] | softmax(mu[n]) * phi)

Means are brms's ``posterior_epred``: ``softmax(mu) * trials`` and ``softmax(mu)``, one column
per category; draws are ``rmultinom(1, trials, softmax(mu))`` and ``rdirichlet(softmax(mu) phi)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.special import gammaln

from brmsjax.backend.families.ordinal import Categorical
from brmsjax.formula.errors import ModelError

__all__ = ["Dirichlet", "Multinomial"]


def _matrix(family: str, name: str, y: Any, levels: tuple[str, ...] | None) -> np.ndarray:
    values = np.asarray(y, dtype=float)
    if levels is None or values.ndim != 2:
        raise ModelError(
            f"The {family} family needs a matrix response with one column per category; write "
            f"the response as cbind(y1, y2, ...), not '{name}'."
        )
    return values


@dataclass(frozen=True)
class Multinomial(Categorical):
    """``multinomial()``: counts ``Y[n]`` of the categories out of ``trials[n]``."""

    support: ClassVar[str] = "multinomial"
    addition_terms: ClassVar[frozenset[str]] = frozenset({"weights", "trials"})

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """``multinomial_lpmf(y | softmax(eta))`` per row (brms's ``dmultinomial``)."""
        y = jnp.asarray(y, dtype=float)
        lp = self.log_probs(eta, dpars)
        size = jnp.sum(y, axis=-1)
        return gammaln(size + 1.0) + jnp.sum(y * lp - gammaln(y + 1.0), axis=-1)

    def epred(self, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Array:
        """brms's ``softmax(mu) * trials``, ``(..., N, ncat)``."""
        trials = jnp.asarray(addition["trials"], dtype=float)
        return jnp.exp(self.log_probs(eta, dpars)) * trials[..., None]

    def rng(
        self, key: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """``rmultinom(1, trials, softmax(mu))`` per draw and row, ``(..., N, ncat)``."""
        lp = self.log_probs(eta, dpars)
        trials = jnp.broadcast_to(jnp.asarray(addition["trials"], dtype=float), lp.shape[:-1])
        draws = jax.random.multinomial(key, trials, jnp.exp(lp))
        return draws.astype(jnp.result_type(float))

    def check_response(
        self, name: str, y: Any, levels: tuple[str, ...] | None, addition: Mapping[str, Any]
    ) -> None:
        """Counts in every cell, and brms's checks of ``trials()``."""
        values = _matrix(self.name, name, y, levels)
        bad = ~(np.isfinite(values) & (values >= 0) & (values == np.round(values)))
        if bad.any():
            raise ModelError(
                f"The response '{name}' contains {values[bad][0]:g}, but the {self.name} family "
                "needs non-negative whole numbers (counts)."
            )
        if "trials" not in addition:
            raise ModelError(
                "Specifying 'trials' is required in multinomial models; write the response as "
                f"'{name} | trials(n)'."
            )
        if np.any(np.sum(values, axis=1) != np.asarray(addition["trials"], dtype=float)):
            raise ModelError(
                f"Number of trials does not match the number of events: trials() must be the "
                f"row sums of '{name}'."
            )


@dataclass(frozen=True)
class Dirichlet(Categorical):
    """``dirichlet()``: proportions ``Y[n]`` (rows summing to 1) with precision phi."""

    support: ClassVar[str] = "dirichlet"

    def links_line(self, predicted: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> str:
        """``mup2 = logit; mup3 = logit; phi = identity`` (phi's link where predicted)."""
        phi = self.dpar_links.get("phi", "log") if "phi" in predicted else "identity"
        return f"{super().links_line(predicted, categories)}; phi = {phi}"

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """``dirichlet_lpdf(y | softmax(eta) * phi)`` per row."""
        y = jnp.asarray(y, dtype=float)
        alpha = jnp.exp(self.log_probs(eta, dpars)) * jnp.asarray(dpars["phi"])[..., None]
        return (
            gammaln(jnp.sum(alpha, axis=-1))
            - jnp.sum(gammaln(alpha), axis=-1)
            + jnp.sum((alpha - 1.0) * jnp.log(y), axis=-1)
        )

    def epred(self, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Array:
        """brms's ``softmax(mu)``, ``(..., N, ncat)``."""
        return jnp.exp(self.log_probs(eta, dpars))

    def rng(
        self, key: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """``rdirichlet(softmax(mu) * phi)`` per draw and row, ``(..., N, ncat)``."""
        alpha = jnp.exp(self.log_probs(eta, dpars)) * jnp.asarray(dpars["phi"])[..., None]
        g = jax.random.gamma(key, alpha)
        return g / jnp.sum(g, axis=-1, keepdims=True)

    def check_response(
        self, name: str, y: Any, levels: tuple[str, ...] | None, addition: Mapping[str, Any]
    ) -> None:
        """brms's checks: values in (0, 1) whose rows sum to 1."""
        values = _matrix(self.name, name, y, levels)
        bad = ~((values > 0) & (values < 1))
        if bad.any():
            raise ModelError(
                f"The response '{name}' contains {values[bad][0]:g}, but the {self.name} family "
                "needs values strictly between 0 and 1."
            )
        if np.any(np.abs(np.sum(values, axis=1) - 1.0) > 1e-6):
            raise ModelError(
                f"The rows of the response '{name}' must sum to 1 for the {self.name} family."
            )
