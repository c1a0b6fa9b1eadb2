"""logistic_normal's correlations of the latent log ratios: brms's ``Llncor`` and ``lncor``.

brms 2.18 writes (``make_stancode(cbind(p1, p2, p3) ~ x, family = logistic_normal())``)::

    parameters {
      real<lower=0> sigmap2;  real<lower=0> sigmap3;
      cholesky_factor_corr[ncat-1] Llncor;
    }
    transformed parameters { lprior += lkj_corr_cholesky_lpdf(Llncor | 1); ... }
    model {
      vector[ncat-1] sigma = transpose([sigmap2, sigmap3]);
      mu[n] = transpose([mup2[n], mup3[n]]);
      target += logistic_normal_cholesky_cor_lpdf(Y[n] | mu[n], sigma, Llncor, 1);
    }
    generated quantities {   // the upper triangle column by column
      lncor[choose(k - 1, 2) + j] = Lncor[j, k];
    }

and renames ``lncor[i]`` to ``lncor__p2__p3``, ... (``get_cornames`` of the non-reference
categories), placed after the family's dpars. This is the residual-correlation machinery of a
multivariate gaussian model (``L_rescor``, ``rescor__y1__y2``) for one response:
:class:`LogisticNormalProgram` adds the site ``L_lncor`` (Stan's ``cholesky_factor_corr``
transform), its LKJ prior in ``lprior``, hands ``Llncor`` to the family's density with the
``sigma<cat>`` dpars and saves ``lncor`` with the draws. :func:`lncor_plan` and
:func:`lncor_names` are what :func:`~brmsjax.backend.model.lower.lower` records of it in the
structure and the names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.backend.families.compositional.logistic_normal import LogisticNormal
from brmsjax.backend.model.group_terms import upper_pairs
from brmsjax.backend.model.plans import Site
from brmsjax.backend.model.prior_values import lkj_args
from brmsjax.backend.model.program import ModelProgram
from brmsjax.backend.model.transforms import corr_cholesky, lkj_corr_cholesky_lpdf
from brmsjax.formula.design.ir import Design

__all__ = [
    "LNCOR_SITE",
    "LogisticNormalProgram",
    "lncor_cholesky",
    "lncor_names",
    "lncor_plan",
    "program_class",
]

PyTree = Any

#: The sampled Cholesky factor of the correlations (brms's ``Llncor``); its prior is keyed so.
LNCOR_SITE = "L_lncor"


def lncor_plan(family: Any, priors: Mapping[str, Any], prior_args: dict[str, Any]) -> dict:
    """The ``Structure`` fields of a logistic_normal family (none for another): the number
    ``K = ncat - 1`` of log ratios and whether ``L_lncor`` has an LKJ prior (brms's default
    ``lkj(1)``; its ``eta`` goes to ``prior_args["L_lncor"]``)."""
    if not isinstance(family, LogisticNormal):
        return {}
    k = len(family.dpars)
    lkj = k > 1 and lkj_args(prior_args, priors, "lncor")
    return {"lncor": k, "lncor_lkj": lkj}


def lncor_names(family: Any, design: Design) -> tuple[str, ...]:
    """The non-reference categories that name the draws ``lncor__p2__p3`` (brms's
    ``get_predcats``), else ()."""
    if not isinstance(family, LogisticNormal) or not design.response.levels:
        return ()
    return tuple(str(c) for c in design.response.levels[1:])


class LogisticNormalProgram(ModelProgram):
    """The model program of a logistic_normal family: :class:`ModelProgram` plus ``Llncor``."""

    def __init__(self, structure: Any, family: Any) -> None:
        super().__init__(structure, family)
        k = structure.lncor
        if k > 1:  # brms's cholesky_factor_corr[ncat-1] Llncor
            self.sites += (Site(LNCOR_SITE, (k, k), (k * (k - 1) // 2,), corr_cholesky),)
            self.dim = sum(s.size for s in self.sites)

    def _lcor(self, params: Mapping[str, Array]) -> Array:
        """``Llncor``: the sampled factor, or ``[1]`` for two categories (one log ratio)."""
        if LNCOR_SITE in params:
            return params[LNCOR_SITE]
        return jnp.eye(max(self.structure.lncor, 1))

    def lprior(self, params: Mapping[str, Array], prior_args: PyTree) -> Array:
        """brms's ``lprior`` plus ``lkj_corr_cholesky_lpdf(Llncor | eta)``."""
        lp = super().lprior(params, prior_args)
        if self.structure.lncor_lkj:
            eta = prior_args[LNCOR_SITE]["eta"]
            lp = lp + lkj_corr_cholesky_lpdf(params[LNCOR_SITE], eta)
        return lp

    def dpars(self, params: Mapping[str, Array], data: PyTree, eta: Mapping[str, Array]) -> dict:
        """The ``sigma<cat>`` dpars and ``Llncor`` (the family's ``_parts`` stacks them)."""
        out = super().dpars(params, data, eta)
        out["Llncor"] = self._lcor(params)
        return out

    def derive(
        self, u: Array, data: PyTree, prior_args: PyTree, key: Array | None = None
    ) -> dict[str, Array]:
        """The saved quantities plus brms's ``lncor``: the upper triangle of
        ``Llncor Llncor'`` column by column."""
        out = super().derive(u, data, prior_args, key)
        k = self.structure.lncor
        if k > 1:
            params = self.assemble(self.constrain(u), prior_args, data)
            L = params[LNCOR_SITE]
            rows, cols = upper_pairs(k)
            out["lncor"] = (L @ L.T)[rows, cols]
        return out


def program_class(family: Any, design: Design, default: type[ModelProgram]) -> type[ModelProgram]:
    """:class:`LogisticNormalProgram` for a logistic_normal family, else ``default``."""
    return LogisticNormalProgram if lncor_names(family, design) else default


def lncor_cholesky(lncor: np.ndarray, k: int) -> np.ndarray:
    """Per draw, ``Llncor`` ``(S, K, K)`` from the saved ``lncor`` draws ``(S, K (K - 1) / 2)``
    in brms's order (the upper triangle column by column), as brms's ``get_Sigma`` rebuilds
    the correlation matrix for ``posterior_predict`` and ``log_lik``."""
    lncor = np.asarray(lncor, dtype=float).reshape(len(lncor), -1)
    C = np.broadcast_to(np.eye(k), (len(lncor), k, k)).copy()
    rows, cols = upper_pairs(k)
    C[:, rows, cols] = lncor
    C[:, cols, rows] = lncor
    return np.linalg.cholesky(C)
