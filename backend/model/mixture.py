"""A ``mixture()`` model: brms's ordered intercepts and mixing proportions, as a program.

brms 2.18's Stan code of ``mixture(gaussian, gaussian)`` (``make_stancode``)::

    parameters {  ...  simplex[2] theta;  ordered[2] ordered_Intercept;  }
    transformed parameters {
      real Intercept_mu1 = ordered_Intercept[1];  real Intercept_mu2 = ordered_Intercept[2];
      theta1 = theta[1];  theta2 = theta[2];
      lprior += student_t_lpdf(Intercept_mu1 | ...) + ... + dirichlet_lpdf(theta | con_theta);
    }
    model {  ps[k] = log(theta_k) + normal_lpdf(Y[n] | mu_k[n], sigma_k);
             target += log_sum_exp(ps);  }

:func:`plan_mixture` plans the two vectors that differ from other models (the ``ordered``
intercepts where ``order = "mu"``, the ``theta`` simplex where the proportions are neither
fixed nor predicted); :class:`MixtureProgram` fills in ``Intercept_mu<k>`` and
``theta<k>`` from them and hands the components' parameters to the family
(:class:`~brmsjax.backend.families.mixture.Mixture`), whose densities are the components'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
from jax import Array

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.links import INV_LINKS
from brmsjax.backend.families.mixture import Mixture, theta_mode, theta_names
from brmsjax.backend.model.plans import VectorPlan
from brmsjax.backend.model.prior_values import ParamPriorLike, plan_vector
from brmsjax.backend.model.program import ModelProgram
from brmsjax.backend.model.terms.monotonic import plan_simplex
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import ModelError

__all__ = ["MixtureProgram", "plan_mixture"]

#: The vector of a mixture's ordered mu intercepts (brms's name).
ORDERED = "ordered_Intercept"


@dataclass(frozen=True)
class _Joint:
    """The priors of the ordered intercepts: each component's ``Intercept_mu<k>`` prior."""

    param: str
    specs: tuple[PriorSpec, ...]


def plan_mixture(
    design: Design,
    family: Mixture,
    *,
    vectors: list[VectorPlan],
    prior_args: dict[str, dict[str, Any]],
    priors: Mapping[str, ParamPriorLike],
    aux: tuple[str, ...],
    predicted: set[str],
    fixed: Mapping[str, float],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Plan a mixture's ordered intercepts and ``theta`` simplex.

    Returns the scalar dpars without the mixing proportions (never scalars of their own) and
    the proportions saved with the draws (``theta1``, ... of the simplex).

    Raises
    ------
    ModelError
        With brms's message when ``order = "mu"`` but a component's mu has no intercept.
    """
    nmix = family.nmix
    if family.order == "mu":
        blocks = [design.block(f"mu{k}") for k in range(1, nmix + 1)]
        if not all(b is not None and b.intercept for b in blocks):
            raise ModelError(
                "Identifying mixture components via ordering requires population-level "
                "intercepts to be present.\nTry setting order = 'none'."
            )
        names = [f"Intercept_mu{k}" for k in range(1, nmix + 1)]
        specs = tuple(
            s for n in names for s in (priors[n].specs if n in priors else (PriorSpec("flat"),))
        )
        vectors[:] = [v for v in vectors if v.name not in names]
        for n in names:
            prior_args.pop(n, None)
        plan_vector(
            vectors,
            prior_args,
            {ORDERED: _Joint(ORDERED, specs)},
            name=ORDERED,
            size=nmix,
            scalar=False,
            natural=(None, None),
            ordered=True,
        )
    thetas = theta_names(nmix)
    saved: tuple[str, ...] = ()
    if theta_mode(family, predicted, fixed) == "simplex":
        plan_simplex(vectors, prior_args, priors, "theta", nmix)
        saved = thetas
    return tuple(d for d in aux if d not in thetas), saved


class MixtureProgram(ModelProgram):
    """The program of a mixture model: its parameters as the family takes them."""

    def assemble(
        self, values: Mapping[str, Array], prior_args: Any, data: Any = None
    ) -> dict[str, Array]:
        """The parameters, with ``Intercept_mu<k>`` from the ordered vector and ``theta<k>``
        from the simplex (brms's transformed parameters)."""
        params = super().assemble(values, prior_args, data)
        names = {vp.name for vp in self.structure.vectors}
        if ORDERED in names:
            for k in range(params[ORDERED].shape[-1]):
                params[f"Intercept_mu{k + 1}"] = params[ORDERED][..., k]
        if "theta" in names:
            for k, name in enumerate(theta_names(params["theta"].shape[-1])):
                params[name] = params["theta"][..., k]
        return params

    def dpars(self, params: Mapping[str, Array], data: Any, eta: Mapping[str, Array]) -> dict:
        """Every component's parameters (``mu<k>`` on its link scale) and the proportions
        that are parameters, fixed or predicted (the reference one of these is absent)."""
        out = {}
        for d in self.family.dpars:
            if d in eta:
                out[d] = INV_LINKS[self.family.dpar_links[d]](eta[d])
            elif d in self.structure.fixed_dpars:
                out[d] = data["fixed_dpars"][d]
            elif d in params:
                out[d] = params[d]
        return out

    def derive(
        self, u: Array, data: Any, prior_args: Any, key: Array | None = None
    ) -> dict[str, Array]:
        """brms's saved quantities plus ``theta<k>`` of the simplex."""
        out = super().derive(u, data, prior_args, key)
        if "theta" in out:
            for k, name in enumerate(theta_names(out["theta"].shape[-1])):
                out[name] = out["theta"][..., k]
        return out

    def mu_eta(self, eta: Mapping[str, Array]) -> Array:
        """No mu of its own: the components' ``mu<k>`` are dpars (zeros stand in)."""
        first = eta["mu1"]
        return jnp.zeros_like(first)
