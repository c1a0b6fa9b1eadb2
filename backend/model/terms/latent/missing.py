"""The model side of ``mi()`` responses: missing responses and latent responses as parameters.

``y | mi() ~ x`` (brms's Stan code)::

    vector[Nmi] Ymi;              // estimated missings, within (lbmi, ubmi)
    vector[N] Yl = Y;  Yl[Jmi] = Ymi;
    target += <family>_lpdf(Yl | mu, ...);

``y | mi(sdy) ~ x``::

    vector[N] Yl;                 // latent variable
    target += <family>_lpdf(Yl | mu, ...);
    target += normal_lpdf(Y[Jme] | Yl[Jme], noise[Jme]);   // outside if (!prior_only)

:func:`plan_missing` adds the parameter vector (flat, as in brms) and the data
(``data["mi"]``); :func:`latent_response` is the likelihood's response for one parameter value
and :func:`noise_log_lik` the measurement-error term. The likelihood takes the plain form: the
other forms' statistics are sums over a fixed response.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jax import Array

from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import ModelError

__all__ = ["MissingPlan", "latent_response", "missing_names", "noise_log_lik", "plan_missing"]


@dataclass(frozen=True)
class MissingPlan:
    """The structure of a ``mi()`` response: ``latent`` (``mi(sdy)``, vector ``Yl`` of all
    ``N`` rows) or not (``mi()``, vector ``Ymi`` of the ``n`` missing rows)."""

    latent: bool
    n: int

    @property
    def name(self) -> str:
        """The parameter vector's name (brms's ``Yl`` or ``Ymi``)."""
        return "Yl" if self.latent else "Ymi"


def _bound(value: float) -> float | None:
    return None if math.isinf(value) else float(value)


def plan_missing(
    design: Design,
    vector: Callable[..., None],
    data: dict[str, Any],
    likelihood: str,
) -> tuple[MissingPlan | None, str]:
    """Plan the ``mi()`` parameters and data; returns the plan and the likelihood form.

    ``vector`` is the planner's :meth:`~brmsjax.backend.model.fixed_terms.Planner.vector`;
    ``data["y"]`` gets 0 at the latent rows (the parameters replace them) and ``data["mi"]``
    the rows (``rows``) and, for ``mi(sdy)``, ``noise`` with the known rows' mask ``known``.

    Raises
    ------
    ModelError
        When another likelihood form than the plain one is asked for.
    """
    mi = design.missing
    if mi is None:
        return None, likelihood
    if likelihood not in ("auto", "plain"):
        raise ModelError(f"The {likelihood} likelihood cannot be used with mi(); use 'plain'.")
    n = design.N if mi.latent else len(mi.missing)
    plan = MissingPlan(mi.latent, n)
    if n:
        vector(name=plan.name, size=n, scalar=False, natural=(_bound(mi.lb), _bound(mi.ub)))
    y = np.asarray(data["y"], dtype=float).copy()
    y[mi.missing] = 0.0
    data["y"] = y
    entry: dict[str, np.ndarray] = {"rows": np.asarray(mi.missing, dtype=np.int32)}
    if mi.noise is not None:
        known = np.ones(design.N, dtype=bool)
        known[mi.missing] = False
        entry["known"] = known.astype(float)
        entry["noise"] = np.where(known, mi.noise, 1.0)
    data["mi"] = entry
    return plan, "plain"


def latent_response(plan: MissingPlan, params: Mapping[str, Array], data: Any) -> Array:
    """The response the likelihood reads: ``Y`` with ``Ymi`` at ``Jmi``, or ``Yl``."""
    if plan.latent:
        return params["Yl"]
    if not plan.n:
        return data["y"]
    return jnp.asarray(data["y"]).at[data["mi"]["rows"]].set(params["Ymi"])


def noise_log_lik(plan: MissingPlan, params: Mapping[str, Array], data: Any) -> Array:
    """``normal_lpdf(Y[Jme] | Yl[Jme], noise[Jme])`` of ``mi(sdy)`` (0 for ``mi()``)."""
    if not plan.latent:
        return jnp.zeros(())
    mi = data["mi"]
    lp = dist.Normal(params["Yl"], mi["noise"]).log_prob(data["y"])
    return jnp.sum(lp * mi["known"])


def missing_names(design: Design) -> tuple[str, ...]:
    """brms's draws of the ``mi()`` parameters: ``Ymi[j]`` at the 1-based rows ``Jmi``
    (brms's ``change_Ymi``); ``Yl`` is not saved (brms's ``save_pars(latent = FALSE)``)."""
    mi = design.missing
    if mi is None or mi.latent:
        return ()
    return tuple(f"Ymi[{j + 1}]" for j in mi.missing)
