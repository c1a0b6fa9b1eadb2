"""gen_extreme_value's scalar shape: brms's ``tmp_xi`` scaled by the data (``scale_xi``).

brms 2.18 writes, where xi is not predicted (``make_stancode(y ~ x, family =
gen_extreme_value())``)::

    parameters { real tmp_xi; }          // prior: the row of class xi, normal(0, 2.5)
    model {
      mu = ...;  (sigma = exp(...) where predicted)
      xi = scale_xi(tmp_xi, Y, mu, sigma);
      target += gen_extreme_value_lpdf(Y[n] | mu[n], sigma, xi);
    }

and after sampling ``compute_xi`` adds the draws of ``xi`` (the same function of each draw's
mu and sigma on the fitted data). :class:`GevProgram` samples the vector ``tmp_xi`` (planned by
:func:`~brmsjax.backend.model.lower.lower` under that name with the prior of ``xi``), hands the
scaled ``xi`` to the likelihood and saves it with the draws; predictions read the saved ``xi``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jax import Array

from brmsjax.backend.families.extreme_value import scale_xi
from brmsjax.backend.model.program import ModelProgram

__all__ = ["GevProgram", "tmp_name"]

PyTree = Any


def tmp_name(dpar: str) -> str:
    """brms's name of the sampled, untransformed parameter (``tmp_xi``)."""
    return f"tmp_{dpar}"


class GevProgram(ModelProgram):
    """The model program of a gen_extreme_value family whose xi is a scalar."""

    def dpars(self, params: Mapping[str, Array], data: PyTree, eta: Mapping[str, Array]) -> dict:
        """The dpars with xi scaled by brms's ``scale_xi(tmp_xi, Y, mu, sigma)``."""
        tmp = [d for d in self.family.tmp_dpars if tmp_name(d) in params]
        raw = {**params, **{d: params[tmp_name(d)] for d in tmp}}
        out = super().dpars(raw, data, eta)
        if tmp:
            mu = self.family.inv_link(self.mu_eta(eta))
            out["xi"] = scale_xi(raw["xi"], data["y"], mu, out["sigma"])
        return out

    def derive(
        self, u: Array, data: PyTree, prior_args: PyTree, key: Array | None = None
    ) -> dict[str, Array]:
        """The saved quantities plus the scaled ``xi`` (brms's ``compute_xi``)."""
        out = super().derive(u, data, prior_args, key)
        params = self.assemble(self.constrain(u), prior_args, data)
        eta = self.linear_predictors(params, data)
        out["xi"] = self.dpars(params, data, eta)["xi"]
        return out
