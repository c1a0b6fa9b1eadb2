"""Response families: links, distributional parameters and pointwise log likelihoods.

A :class:`Family` is structure: it chooses code at lowering time. The families issue adds more
families behind this same interface; brms 2.18's parameterizations are the reference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jax.numpy as jnp
from jax import Array

from brmsjax.formula.errors import ModelError

# Inverse link functions, by brms link name.
INV_LINKS = {
    "identity": lambda x: x,
    "log": jnp.exp,
    "inverse": lambda x: 1.0 / x,
    "sqrt": lambda x: x * x,
    "logit": lambda x: 1.0 / (1.0 + jnp.exp(-x)),
    "softplus": lambda x: jnp.logaddexp(x, 0.0),
    "logm1": lambda x: jnp.exp(x) + 1.0,
}


@dataclass(frozen=True)
class Family:
    """A brms family with its links.

    Attributes
    ----------
    name
        brms family name (``"gaussian"``).
    link
        Link of mu.
    dpars
        Auxiliary distributional parameters besides mu, in brms's order (``("sigma",)``).
    dpar_links
        Link of each auxiliary parameter when it is predicted (``{"sigma": "log"}``).
    dpar_bounds
        Lower and upper bound of each auxiliary parameter on its natural scale.
    allowed_links
        Links brms allows for mu.
    dpar_priors
        brms 2.18's default prior of each auxiliary parameter when it is a scalar
        (``{"nu": "gamma(2, 0.1)"}``); ``sigma``'s data-dependent default is computed by the
        priors code and is absent here.
    kind
        ``"continuous"``, ``"discrete"`` (counts and binary), ``"ordinal"`` (thresholds
        ``Intercept[k]``, mu without intercept, ``dpars["thres"]`` holds the ordered
        thresholds) or ``"categorical"`` (one linear predictor per non-reference category;
        ``eta`` is ``(N, ncat)`` with a zero first column).
    """

    name: str
    link: str
    dpars: tuple[str, ...] = ()
    dpar_links: Mapping[str, str] = field(default_factory=dict)
    dpar_bounds: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    allowed_links: tuple[str, ...] = ("identity",)
    dpar_priors: Mapping[str, str] = field(default_factory=dict)
    kind: str = "continuous"

    def links_line(self, predicted: tuple[str, ...] = ()) -> str:
        """The ``Links:`` line of brms's summary, e.g. ``mu = identity; sigma = identity``.

        A predicted auxiliary parameter shows its link (``sigma = log``); a scalar one shows
        ``identity`` as brms prints it.
        """
        parts = [f"mu = {self.link}"] + [
            f"{d} = {self.dpar_links.get(d, 'identity') if d in predicted else 'identity'}"
            for d in self.dpars
        ]
        return "; ".join(parts)

    def log_lik(self, y: Array, mu: Array, dpars: Mapping[str, Array]) -> Array:
        """Pointwise log likelihood of ``y`` given mu on the response scale and the dpars."""
        raise NotImplementedError

    def log_lik_eta(
        self,
        y: Array,
        eta: Array,
        dpars: Mapping[str, Array],
        addition: Mapping[str, Array],
    ) -> Array:
        """Pointwise log likelihood given mu's linear predictor ``eta`` (link scale).

        This is what the lowering calls. The default applies the inverse link and calls
        :meth:`log_lik`; families override it for stable link-scale forms (bernoulli-logit) or
        to read addition terms (``trials``, ``cens``, ...). ``dpars`` are on their natural
        scale; ``weights`` are applied by the lowering, not here.
        """
        return self.log_lik(y, INV_LINKS[self.link](eta), dpars)

    def epred(self, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Array:
        """Expected value of the response (brms's ``posterior_epred``) per observation.

        ``(N,)`` for most families; ``(N, ncat)`` category probabilities for ordinal and
        categorical families. Broadcasts over leading draw dimensions of ``eta``.
        """
        raise NotImplementedError

    def rng(
        self,
        key: Array,
        eta: Array,
        dpars: Mapping[str, Array],
        addition: Mapping[str, Array],
    ) -> Array:
        """Draws of the response (brms's ``posterior_predict``), shaped like ``eta``'s rows."""
        raise NotImplementedError

    def check_response(self, name: str, y: Any, levels: tuple[str, ...] | None,
                       addition: Mapping[str, Any]) -> None:
        """Raise :class:`ModelError` naming ``name`` when the response does not suit the family."""
        if levels is not None:
            raise ModelError(
                f"The response '{name}' is not numeric; the {self.name} family needs a numeric "
                "response. Convert it, or choose a family for categories."
            )


@dataclass(frozen=True)
class Gaussian(Family):
    """``gaussian()``: y ~ normal(mu, sigma)."""

    def log_lik(self, y: Array, mu: Array, dpars: Mapping[str, Array]) -> Array:
        sigma = dpars["sigma"]
        z = (y - mu) / sigma
        return -0.5 * z * z - jnp.log(sigma) - 0.5 * math.log(2 * math.pi)


def gaussian(link: str = "identity") -> Family:
    """The gaussian family (``link`` one of identity, log, inverse, softplus)."""
    return _checked(
        Gaussian(
            name="gaussian",
            link=link,
            dpars=("sigma",),
            dpar_links={"sigma": "log"},
            dpar_bounds={"sigma": (0.0, None)},
            allowed_links=("identity", "log", "inverse", "softplus"),
        )
    )


_FAMILIES = {"gaussian": gaussian}


def _checked(family: Family) -> Family:
    if family.link not in family.allowed_links:
        raise ModelError(
            f"Link '{family.link}' is not allowed for family '{family.name}'; "
            f"use one of: {', '.join(family.allowed_links)}."
        )
    return family


def get_family(family: str | Family) -> Family:
    """Resolve a family given as a name (``"gaussian"``) or a :class:`Family` object."""
    if isinstance(family, Family):
        return family
    if not isinstance(family, str):
        raise ModelError(
            f"A family must be a name such as 'gaussian' or a family object, not {family!r}."
        )
    key = family.strip()
    if key not in _FAMILIES:
        raise ModelError(
            f"Unknown family '{family}'; supported families are: {', '.join(sorted(_FAMILIES))}."
        )
    return _FAMILIES[key]()
