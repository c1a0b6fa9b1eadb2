"""Likelihoods that do not factor over rows: ``fcor()``, ``sar()``, ``cosy()`` and
``ar(cov = TRUE)`` residuals.

Their responses have one multivariate density: of all rows (``fcor(M)``, ``sar(M)``) or of
each series (``cosy(time, gr)``, ``arma(time, gr, cov = TRUE)``); :func:`joint_log_lik` picks
the term's density (:mod:`.fcor`, :mod:`.spatial`, :mod:`.cosy`, :mod:`.arcov`) for the
model's summed log likelihood.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jax import Array

from brmsjax.backend.model.plans import Structure

from .arcov import arcov_log_lik
from .cosy import cosy_log_lik
from .fcor import fcor_log_lik
from .spatial import sar_model

__all__ = ["joint_log_lik"]


def joint_log_lik(
    structure: Structure,
    family: str,
    data: Any,
    mu: Array,
    dp: dict[str, Any],
    *,
    params: Mapping[str, Array],
) -> Array:
    """Summed log likelihood of a model with a ``sar()``, ``cosy()``, ``fcor()`` or
    ``ar(cov = TRUE)`` term."""
    if structure.sar:  # sar(M, type)
        return sar_model(structure.sar, family, data, mu, (dp, params))
    if structure.cosy:
        return cosy_log_lik(family, data["y"], mu, {**dp, "cosy": params["cosy"]}, data["cosy"])
    if structure.arcov:
        coefs = {k: params[k] for k in ("ar", "ma") if k in params}
        return arcov_log_lik(family, data["y"], mu, {**dp, **coefs}, data["arcov"])
    return fcor_log_lik(family, data["y"], mu, dp, data["Lfcor"])
