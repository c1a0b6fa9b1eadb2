"""The penalized parts of ``s()`` terms: brms's ``s = sds * zs`` and ``Zs s`` in the predictor.

brms 2.18 writes each smooth's random part ``j`` as ``s_<k>_<j> = sds_<k>_<j> * zs_<k>_<j>``
with ``zs ~ std_normal()`` and adds ``Zs_<k>_<j> * s_<k>_<j>`` to the dpar's linear predictor;
the unpenalized columns are ordinary population-level columns (``bs``) of the dpar's block.
Here one site ``zs_<key>`` holds all parts of a smooth side by side, and ``sds_<key>`` their
standard deviations (a parameter vector with the class ``sds`` priors). Where the data
inform the coefficients well, the site holds ``s`` itself (``SmoothPlan.centred``, chosen by
:func:`~brmsjax.backend.model.smooth_plans.centred_smooth`): the funnel between ``sds`` and
``zs`` goes away, and the posterior of every brms parameter is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jax import Array

from brmsjax.backend.model.plans import SmoothPlan, Structure

__all__ = ["smooth_coefficients", "smooth_log_priors", "smooth_parts"]

PyTree = Any


def _scales(sm: SmoothPlan, sds: Array) -> Array:
    """Each penalized coefficient's standard deviation (its part's ``sds``)."""
    sds = jnp.reshape(sds, (-1,))
    if len(sm.knots) == 1:
        return jnp.broadcast_to(sds[0], (sm.knots[0],))
    return sds[np.repeat(np.arange(len(sm.knots)), sm.knots)]


def smooth_coefficients(structure: Structure, params: Mapping[str, Array]) -> dict[str, Array]:
    """``s_<key>``: every smooth's penalized coefficients, ``sds * zs`` part by part (the
    site itself where it is sampled centred)."""
    return {
        f"s_{sm.key}": params[f"zs_{sm.key}"]
        if sm.centred
        else _scales(sm, params[f"sds_{sm.key}"]) * params[f"zs_{sm.key}"]
        for sm in structure.smooths
    }


def smooth_log_priors(structure: Structure, params: Mapping[str, Array]) -> dict[str, Array]:
    """The density of each centred site: ``N(s | 0, sds)``, which is brms's
    ``std_normal(zs)`` with the Jacobian of ``zs -> s = sds * zs``."""
    out = {}
    for sm in structure.smooths:
        if sm.centred:
            s = params[f"zs_{sm.key}"]
            scale = _scales(sm, params[f"sds_{sm.key}"])
            out[f"zs_{sm.key}_prior"] = jnp.sum(dist.Normal(0.0, scale).log_prob(s))
    return out


def smooth_parts(
    structure: Structure, params: Mapping[str, Array], data: PyTree
) -> list[tuple[str, Array]]:
    """``(dpar, Zs s)`` per smooth, for :func:`~brmsjax.backend.model.predictor.
    linear_predictors`."""
    coefs = smooth_coefficients(structure, params)
    return [(sm.dpar, data["Zs"][sm.key] @ coefs[f"s_{sm.key}"]) for sm in structure.smooths]
