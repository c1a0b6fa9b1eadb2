"""brms's ``mixture()`` family: a finite mixture of the other families, as configuration.

A :class:`Mixture` holds its component families and adds nothing of its own to their
densities: component ``k``'s log likelihood, mean and draws are the component family's,
evaluated with the component's parameters ``mu<k>``, ``sigma<k>``, ... (brms's names), and the
mixture combines them with the mixing proportions ``theta<k>``::

    log p(y) = log_sum_exp_k(log(theta_k) + log p_k(y | mu_k, ...))   (brms's Stan code)
    E(y)     = sum_k theta_k E_k(y)                                    (posterior_epred)
    y        ~ component k with probability theta_k, then p_k            (posterior_predict)

The mixing proportions come in one of three ways (brms 2.18's ``stan_mixture``): one simplex
``theta`` with a Dirichlet prior (the default), fixed in the formula
(``bf(y ~ x, theta1 = 1, theta2 = 2)``, normalized to sum to one) or predicted
(``theta2 ~ w``: all but one, whose linear predictor is 0, then a softmax). The parameters
handed to :meth:`Mixture.log_lik_eta` tell which: all ``theta<k>`` are probabilities, and
``K - 1`` of them are linear predictors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
from jax import Array
from jax.scipy.special import logsumexp

from brmsjax.backend.families.base import Family
from brmsjax.backend.families.registry import get_family
from brmsjax.formula.errors import ModelError

__all__ = ["Mixture", "is_mixture", "mixture", "theta_mode", "theta_names"]

#: brms's mixture components may not be these (``no_mixture`` and ordinal families, which
#: brmsjax does not mix yet).
_REFUSED_KINDS = ("categorical", "ordinal")
#: Families whose response brms reads on the log scale for default priors (has_logscale).
_LOGSCALE = frozenset({"lognormal", "shifted_lognormal", "hurdle_lognormal"})


@dataclass(frozen=True)
class Mixture(Family):
    """``mixture(gaussian, gaussian)``: the component families and brms's ``order``.

    Attributes
    ----------
    components
        The component families in order (``nmix`` repeats already expanded).
    order
        ``"mu"``: the components' mu intercepts are ordered (brms's ``ordered_Intercept``,
        which identifies the components); ``"none"``: they are not.
    """

    components: tuple[Family, ...] = ()
    order: str = "none"
    mu_links: Mapping[str, str] = field(default_factory=dict)

    has_cdf: ClassVar[bool] = False

    @property
    def nmix(self) -> int:
        """The number of components."""
        return len(self.components)

    @property
    def display(self) -> str:
        """brms's family line: ``mixture(gaussian, gaussian)``."""
        return f"mixture({', '.join(c.name for c in self.components)})"

    @property
    def ad(self) -> tuple[str, ...]:
        """The addition terms every component allows (brms checks each component)."""
        first = self.components[0].ad if self.components else ()
        return tuple(a for a in first if all(a in c.ad for c in self.components))

    @property
    def implemented_additions(self) -> frozenset[str]:
        """``weights()`` only: brmsjax mixes the components' densities, not their CDFs."""
        return frozenset({"weights"} & set(self.ad))

    @property
    def support(self) -> str:  # type: ignore[override]
        """The first component's response support (all have real or all integer support)."""
        return self.components[0].support

    def links_line(self, predicted: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> str:
        """``mu1 = identity; sigma1 = identity; mu2 = ...; theta1 = identity; ...``."""
        parts = []
        for k, comp in enumerate(self.components, 1):
            parts.append(f"mu{k} = {comp.link}")
            for d in comp.dpars:
                shown = comp.dpar_links.get(d, "identity") if f"{d}{k}" in predicted else "identity"
                parts.append(f"{d}{k} = {shown}")
        parts += [f"theta{k} = identity" for k in range(1, self.nmix + 1)]
        return "; ".join(parts)

    def prior_scale(self, dpar: str) -> tuple[str, str]:
        """The link and family name brms scales the default prior of ``dpar`` by: the
        component's link of ``mu<k>``, and a log-scale family when any component is one."""
        k = int(dpar[2:]) if dpar.startswith("mu") and dpar[2:].isdigit() else 0
        link = self.components[k - 1].link if k else "identity"
        logscale = any(c.name in _LOGSCALE for c in self.components)
        return link, ("lognormal" if logscale else self.name)

    # -- the components' parameters
    def component_dpars(self, k: int, dpars: Mapping[str, Array]) -> dict[str, Array]:
        """Component ``k``'s (0-based) auxiliary parameters under their own names."""
        comp = self.components[k]
        return {d: dpars[f"{d}{k + 1}"] for d in comp.dpars if f"{d}{k + 1}" in dpars}

    def log_theta(self, dpars: Mapping[str, Array]) -> list[Array]:
        """``log(theta_k)`` per component: from probabilities, or the log softmax of the
        predicted thetas' linear predictors with the missing one at 0."""
        names = theta_names(self.nmix)
        given = [dpars.get(n) for n in names]
        if all(t is not None for t in given):
            return [jnp.log(jnp.asarray(t, dtype=float)) for t in given]
        shape = jnp.broadcast_shapes(*(jnp.shape(t) for t in given if t is not None))
        logits = jnp.stack(
            [jnp.zeros(shape) if t is None else jnp.broadcast_to(t, shape) for t in given]
        )
        lt = jax.nn.log_softmax(logits, axis=0)
        return [lt[k] for k in range(self.nmix)]

    def component_log_liks(
        self, y: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """``log(theta_k) + log p_k(y)`` stacked on a leading component axis."""
        lt = self.log_theta(dpars)
        out = []
        for k, comp in enumerate(self.components):
            part = self.component_dpars(k, dpars)
            out.append(lt[k] + comp.log_lik_eta(y, dpars[f"mu{k + 1}"], part, addition))
        shape = jnp.broadcast_shapes(*(jnp.shape(o) for o in out))
        return jnp.stack([jnp.broadcast_to(o, shape) for o in out])

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """brms's ``log_sum_exp(ps)``; ``eta`` (mu's) is unused, the ``mu<k>`` are in ``dpars``."""
        return logsumexp(self.component_log_liks(y, dpars, addition), axis=0)

    def membership(
        self, y: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """brms's ``pp_mixture``: ``log P(component k | y)``, components on the last axis."""
        parts = self.component_log_liks(y, dpars, addition)
        return jnp.moveaxis(parts - logsumexp(parts, axis=0), 0, -1)

    def epred(self, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Array:
        """``sum_k theta_k E_k(y)`` (brms's ``posterior_epred_mixture``)."""
        lt = self.log_theta(dpars)
        total: Any = 0.0
        for k, comp in enumerate(self.components):
            mean = comp.epred(dpars[f"mu{k + 1}"], self.component_dpars(k, dpars), addition)
            total = total + jnp.exp(lt[k]) * mean
        return total

    def rng(
        self, key: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """A component drawn by ``theta``, then the response from it (brms's
        ``posterior_predict_mixture``)."""
        lt = self.log_theta(dpars)
        keys = jax.random.split(key, self.nmix + 1)
        draws = [
            comp.rng(keys[k], dpars[f"mu{k + 1}"], self.component_dpars(k, dpars), addition)
            for k, comp in enumerate(self.components)
        ]
        shape = jnp.broadcast_shapes(*(jnp.shape(d) for d in draws), *(jnp.shape(t) for t in lt))
        logits = jnp.stack([jnp.broadcast_to(t, shape) for t in lt], axis=-1)
        which = jax.random.categorical(keys[-1], logits, axis=-1)
        stacked = jnp.stack([jnp.broadcast_to(d, shape).astype(float) for d in draws], axis=-1)
        return jnp.take_along_axis(stacked, which[..., None], axis=-1)[..., 0]

    def response_values(self, y: Any, levels: tuple[str, ...] | None) -> Any:
        return self.components[0].response_values(y, levels)

    def check_response(
        self, name: str, y: Any, levels: tuple[str, ...] | None, addition: Mapping[str, Any]
    ) -> None:
        for comp in self.components:
            comp.check_response(name, y, levels, addition)


def theta_names(nmix: int) -> tuple[str, ...]:
    """``theta1``, ..., ``theta<nmix>``."""
    return tuple(f"theta{k}" for k in range(1, nmix + 1))


def is_mixture(family: Any) -> bool:
    """Whether ``family`` is a :class:`Mixture`."""
    return isinstance(family, Mixture)


def theta_mode(family: Mixture, predicted: Any, fixed: Mapping[str, Any]) -> str:
    """How the mixing proportions are given: ``"simplex"`` (brms's ``theta`` with a Dirichlet
    prior), ``"fixed"`` or ``"predicted"``."""
    names = theta_names(family.nmix)
    if any(n in predicted for n in names):
        return "predicted"
    if any(n in fixed for n in names):
        return "fixed"
    return "simplex"


def _component(family: Any) -> Family:
    if isinstance(family, str) or isinstance(family, Family):
        return get_family(family)
    if callable(family):  # mixture(gaussian, poisson): the constructors themselves
        made = family()
        if isinstance(made, Family):
            return made
    raise ModelError(f"mixture() takes families such as gaussian or 'poisson', not {family!r}.")


def mixture(*families: Any, nmix: int | tuple[int, ...] = 1, order: Any = None) -> Mixture:
    """brms's ``mixture()``: a finite mixture of families.

    Parameters
    ----------
    *families
        The component families: names (``"gaussian"``), constructors (``gaussian``) or
        family objects (``student(link_sigma="identity")``).
    nmix
        How often each family is repeated: ``mixture("gaussian", nmix=3)`` has three
        gaussian components (one number for all families or one per family).
    order
        ``"mu"`` (or True) orders the components' mu intercepts, ``"none"`` (or False) does
        not. By default brms's: ``"mu"`` when all components are the same family.

    Examples
    --------
    >>> mixture("gaussian", "gaussian").display
    'mixture(gaussian, gaussian)'
    """
    comps = [_component(f) for f in families]
    counts = (nmix,) * len(comps) if isinstance(nmix, int) else tuple(nmix)
    if len(counts) != len(comps):
        raise ModelError(
            "The length of 'nmix' should be the same as the number of mixture components."
        )
    comps = [c for c, n in zip(comps, counts, strict=True) for _ in range(int(n))]
    if len(comps) < 2:
        raise ModelError("Expecting at least 2 mixture components.")
    if len({c.kind == "continuous" for c in comps}) > 1:
        raise ModelError("Cannot mix families with real and integer support.")
    for c in comps:
        if c.kind in _REFUSED_KINDS or isinstance(c, Mixture):
            raise ModelError(
                f"The {c.name} family cannot be a mixture component in brmsjax; mix "
                "univariate families such as gaussian, student or poisson."
            )
    if order is None:
        order = "mu" if len({c.name for c in comps}) == 1 else "none"  # brms's family_names
    elif isinstance(order, bool):
        order = "mu" if order else "none"
    if order not in ("none", "mu"):
        raise ModelError("Argument 'order' is invalid. Valid options are: 'none', 'mu'")
    dpars: list[str] = []
    links: dict[str, str] = {}
    bounds: dict[str, tuple[float | None, float | None]] = {}
    priors: dict[str, str] = {}
    for k, c in enumerate(comps, 1):
        dpars.append(f"mu{k}")
        links[f"mu{k}"] = "identity"  # the likelihood takes mu<k> on the link scale
        for d in c.dpars:
            dpars.append(f"{d}{k}")
            links[f"{d}{k}"] = c.dpar_links.get(d, "identity")
            bounds[f"{d}{k}"] = c.dpar_bounds.get(d, (None, None))
            if d in c.dpar_priors:
                priors[f"{d}{k}"] = c.dpar_priors[d]
    for name in theta_names(len(comps)):
        dpars.append(name)
        links[name] = "identity"
        priors[name] = "logistic(0, 1)"
    return Mixture(
        name="mixture",
        link="identity",
        dpars=tuple(dpars),
        dpar_links=links,
        dpar_bounds=bounds,
        allowed_links=("identity",),
        dpar_priors=priors,
        kind=comps[0].kind,
        components=tuple(comps),
        order=str(order),
        mu_links={f"mu{k}": c.link for k, c in enumerate(comps, 1)},
    )
