"""The model side of ``me(x, sdx)`` noise-free predictors.

brms's Stan code (one group, brms's default ``set_mecor(TRUE)``)::

    vector[Mme_1] meanme_1;  vector<lower=0>[Mme_1] sdme_1;
    matrix[Mme_1, N] zme_1;  cholesky_factor_corr[Mme_1] Lme_1;   // Lme_1 if Mme_1 > 1
    Xme = rep_matrix(meanme_1', N) + (diag_pre_multiply(sdme_1, Lme_1) * zme_1)';
    mu += bsp[i] * Xme_k * Csp_j;
    target += normal_lpdf(Xn_k | Xme_k, noise_k) + std_normal_lpdf(to_vector(zme_1));
    lprior += lkj_corr_cholesky_lpdf(Lme_1 | 1);   // here in the latent density (not lprior)

:func:`plan_me` plans ``meanme_1`` and ``sdme_1`` (their priors resolved by
:mod:`brmsjax.backend.priors.measurement`; brms's defaults are flat) and the data (with
``corme``'s ``lkj`` eta, a data argument);
the sites ``zme_1`` and ``Lme_1`` come from the structure's ``me = (Mme, N)``
(:func:`~brmsjax.backend.model.plans.model_sites`). A term's ``me()`` variables multiply its
predictor (:func:`me_terms`); the latent values' density is :func:`me_log_density`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jax import Array

from brmsjax.backend.model.group_terms import upper_pairs
from brmsjax.backend.model.transforms import lkj_corr_cholesky_lpdf
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import ModelError

__all__ = ["latent_me", "me_derive", "me_log_density", "me_terms", "plan_me", "row_me"]


def plan_me(
    design: Design, vector: Callable[..., None], data: dict[str, Any], priors: Mapping[str, Any]
) -> tuple[int, int]:
    """Plan the ``me()`` parameters and data; returns ``(Mme, N)`` (``(0, 0)`` without).

    Raises
    ------
    ModelError
        ``me()`` outside mu's formula, or a term with both ``me()`` and ``mo()``.
    """
    blocks = [b for b in design.fixed if b.sp is not None and b.sp.Xn]
    if not blocks:
        return 0, 0
    if any(b.dpar for b in blocks):
        raise ModelError("me() terms are supported in mu's formula only in brmsjax.")
    sp = blocks[0].sp
    if sp is None:  # pragma: no cover - blocks have sp
        return 0, 0
    if any(t.me and t.mo for t in sp.terms):
        raise ModelError("Terms with both me() and mo() are not supported yet in brm().")
    m = len(sp.Xn)
    vector(name="meanme_1", size=m, scalar=False, natural=(None, None))
    vector(name="sdme_1", size=m, scalar=False, natural=(0.0, None))
    data["me"] = {
        "Xn": np.stack(sp.Xn, axis=1).astype(float),
        "noise": np.stack(sp.noise, axis=1).astype(float),
        "eta": np.asarray(_eta(priors.get("Lme_1")), dtype=float),
    }
    if sp.me_J is not None:  # me(x, sdx, gr = g): one latent value per level (brms's Jme_1)
        data["me"]["J"] = np.asarray(sp.me_J, dtype=np.int32)
    return m, len(sp.Xn[0])


def _eta(prior: Any) -> float:
    """The ``lkj(eta)`` of class ``corme`` (brms's default 1)."""
    specs = getattr(prior, "specs", ())
    return float(specs[0].args[0]) if specs else 1.0


def latent_me(m: int, params: Mapping[str, Array]) -> Array:
    """brms's ``Xme``: ``(N, Mme)`` latent values ``meanme + (diag(sdme) Lme zme)'``
    (``Lme`` the identity with ``set_mecor(FALSE)``: no ``Lme_1`` in ``params``)."""
    z = params["zme_1"]
    scale = params["sdme_1"][:, None] * (params["Lme_1"] if "Lme_1" in params else jnp.eye(m))
    return params["meanme_1"][None, :] + (scale @ z).T


def row_me(m: int, params: Mapping[str, Array], data: Any) -> Array:
    """``Xme`` of each row ``(N, Mme)``: the latent values, by level with ``gr`` (``Jme_1``)."""
    xme = latent_me(m, params)
    return xme[data["me"]["J"]] if "J" in data["me"] else xme


def me_log_density(m: int, params: Mapping[str, Array], data: Any) -> Array:
    """``normal_lpdf(Xn | Xme, noise) + std_normal_lpdf(zme)`` and ``Lme``'s ``lkj(1)``."""
    xme = latent_me(m, params)
    lp = jnp.sum(dist.Normal(xme, data["me"]["noise"]).log_prob(data["me"]["Xn"]))
    lp = lp + jnp.sum(dist.Normal(0.0, 1.0).log_prob(params["zme_1"]))
    if "Lme_1" in params:
        lp = lp + lkj_corr_cholesky_lpdf(params["Lme_1"], data["me"]["eta"])
    return lp


def me_terms(
    predictors: Sequence[Array], terms: Sequence[Sequence[int]], xme: Array
) -> list[Array]:
    """Each special term's predictor times its ``me()`` variables' latent values."""
    out = []
    for pred, me in zip(predictors, terms, strict=True):
        term = pred
        for k in me:
            term = term * xme[:, k]
        out.append(term)
    return out


def me_derive(m: int, params: Mapping[str, Array]) -> dict[str, Array]:
    """``corme_1``: the latent correlations (upper triangle column by column)."""
    if "Lme_1" not in params:  # one variable, or set_mecor(FALSE)
        return {}
    L = params["Lme_1"]
    rows, cols = upper_pairs(m)
    return {"corme_1": (L @ L.T)[rows, cols]}
