"""Category-specific group-level terms ``(cs(1) | g)``: their effects enter the thresholds.

brms 2.18's Stan code (``stan_cs``) adds each effect ``r_k_m`` of such a term to the row's
category-specific predictor ``mucs[n, t]`` of its threshold ``t``; the likelihood then takes
the thresholds ``Intercept - mucs[n]``. Here a category-specific coefficient's column of a
group block gets the tag :func:`cs_dpar` (``"mucs[t]"``) in place of its dpar ``""``, so the
one builder of linear predictors (:mod:`brmsjax.backend.model.predictor`) sums the columns of
each threshold into ``eta["mucs[t]"]`` as it sums a dpar's, for fitting and prediction alike;
:func:`subtract_cs` then moves those sums from ``eta`` into the thresholds.

brms 2.18's generated Stan code adds these effects *twice* when mu also has population-level
slopes (``stan_eta_combine`` appends to ``out$model_comp_eta``, which R's partial matching of
``$`` reads as ``model_comp_eta_loop``, the loop that adds them; fixed upstream in brms commit
6922a5e "make_stancode: avoid accidental partial matching"). brms's own predictions add them
once; so does this model, the one brms means (its effects are twice brms 2.18's fitted ones
in such models, its ``sd`` likewise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp

from brmsjax.formula.design.ir import GroupBlock
from brmsjax.formula.design.special.cs_groups import cs_thresholds

__all__ = ["cs_dpar", "cs_dpars", "subtract_cs"]


def cs_dpar(threshold: int) -> str:
    """The tag of threshold ``threshold``'s (1-based) category-specific predictor."""
    return f"mucs[{threshold}]"


def cs_dpars(block: GroupBlock) -> tuple[str, ...]:
    """The dpar of each coefficient of ``block``, a category-specific one's threshold tag in
    place of mu's ``""``."""
    return tuple(
        cs_dpar(t) if t else d for d, t in zip(block.dpars, cs_thresholds(block), strict=True)
    )


def subtract_cs(dpars: dict[str, Any], eta: Mapping[str, Any]) -> dict[str, Any]:
    """``dpars`` with the category-specific group effects in ``eta`` subtracted from the
    thresholds ``dpars["thres"]`` (brms's ``Intercept - mucs[n]``).

    ``eta``'s tagged predictors are ``(N,)`` (fitting) or ``(S, N)`` (prediction); the
    thresholds ``(nthres,)``, ``(N, nthres)`` or ``(S, 1 or N, nthres)`` broadcast against
    their stack ``(..., N, nthres)``. Without such effects ``dpars`` is returned as it is.
    """
    if "thres" not in dpars:
        return dpars
    nthres = dpars["thres"].shape[-1]
    tags = [cs_dpar(t) for t in range(1, nthres + 1)]
    present = [eta[t] for t in tags if t in eta]
    if not present:
        return dpars
    zeros = jnp.zeros_like(present[0])
    mucs = jnp.stack([eta[t] if t in eta else zeros for t in tags], axis=-1)
    return {**dpars, "thres": dpars["thres"] - mucs}
