"""The penalized parts of ``s()`` terms: brms's ``s = sds * zs`` and ``Zs s`` in the predictor.

brms 2.18 writes each smooth's random part ``j`` as ``s_<k>_<j> = sds_<k>_<j> * zs_<k>_<j>``
with ``zs ~ std_normal()`` and adds ``Zs_<k>_<j> * s_<k>_<j>`` to the dpar's linear predictor;
the unpenalized columns are ordinary population-level columns (``bs``) of the dpar's block.
Here one site ``zs_<key>`` holds all parts of a smooth side by side, and ``sds_<key>`` their
standard deviations (a parameter vector with the class ``sds`` priors). Where the data inform
the coefficients well, the site holds ``s`` itself (``SmoothPlan.centred``, chosen by
:func:`centred_smooth`): the funnel between ``sds`` and ``zs`` goes away, and the posterior
of every brms parameter is unchanged. :func:`plan_smooths` is the lowering's part (plans,
``Zs`` data, ``sds`` vectors); the rest is the model's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jax import Array

from brmsjax.backend.model.plans import SmoothPlan, Structure
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import ModelError

__all__ = [
    "INFORMED",
    "centred_smooth",
    "plan_smooths",
    "smooth_coefficients",
    "smooth_likelihood",
    "smooth_log_priors",
    "smooth_parts",
]

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


# A smooth is sampled centred when its coefficients' spread exceeds their standard errors
# this many times over (in variance); measured on boston's s(lstat), see centred_smooth.
INFORMED = 1.0


def plan_smooths(
    design: Design, vector: Callable[..., None], data: dict[str, Any], family: Any = None
) -> tuple[SmoothPlan, ...]:
    """Plan each smooth's ``sds_<key>`` vector (lower bound 0) and put its ``Zs`` in ``data``.

    ``vector`` is the lowering's planner of parameter vectors (it collects the priors);
    ``family`` (None: brms's non-centred ``zs`` throughout) lets :func:`centred_smooth` choose
    the coordinates.
    """
    plans = []
    for sm in design.smooths:
        if not sm.knots:  # fx = TRUE: all its columns are in Xs
            continue
        vector(name=f"sds_{sm.key}", size=len(sm.knots), scalar=False, natural=(0.0, None))
        Zs = np.hstack([np.asarray(z, dtype=float) for z in sm.Zs])
        data.setdefault("Zs", {})[sm.key] = Zs
        centred = family is not None and centred_smooth(design, family, sm.dpar, Zs)
        plans.append(SmoothPlan(sm.key, sm.dpar, tuple(sm.knots), centred))
    return tuple(plans)


def centred_smooth(design: Design, family: Any, dpar: str, Zs: np.ndarray) -> bool:
    """Whether the data inform a smooth's penalized coefficients well (the automatic rule).

    For mu of a gaussian identity-link model without other smooths or group terms: the least
    squares fit of ``y`` on the dpar's population-level columns and ``Zs`` gives estimates
    ``s_j`` with variances ``V_j``; the coefficients' spread ``tau^2 = mean(s^2) - mean(V)``
    against the median ``V`` is the information ratio (as for group-level terms, see
    :func:`~brmsjax.backend.model.geometry.centred_coordinates`). Above :data:`INFORMED` the
    site holds ``s``. Measured on boston's ``medv ~ s(lstat) + rm`` (ratio 5.1; 4 chains x
    1000 at ``adapt_delta = 0.8``): brms's non-centred ``zs`` had 85 divergent transitions
    and 26 leapfrog steps per iteration (``sds`` 0.1 posterior sd off brms's), the centred
    site 0 and 7 steps, agreeing with brms. Anything else keeps brms's ``zs``.
    """
    if dpar or family.name != "gaussian" or family.link != "identity":
        return False
    if design.groups or len(design.smooths) != 1 or len(design.fixed) != 1:
        return False
    block = design.fixed[0]
    W = np.hstack([np.asarray(block.X, dtype=float), Zs])
    y = np.asarray(design.response.y, dtype=float)
    if block.offset is not None:
        y = y - np.asarray(block.offset, dtype=float)
    n, p = W.shape
    if n <= p + 1:
        return False
    coef, _, rank, _ = np.linalg.lstsq(W, y, rcond=None)
    if rank < p:
        return False
    resid = y - W @ coef
    sigma2 = float(resid @ resid) / (n - p)
    V = sigma2 * np.diag(np.linalg.inv(W.T @ W))[-Zs.shape[1] :]
    s = coef[-Zs.shape[1] :]
    tau2 = float(np.mean(s * s) - np.mean(V))
    return bool(tau2 > INFORMED * float(np.median(V)))


def smooth_likelihood(likelihood: str) -> str:
    """The likelihood form of a model with smooths: the plain row-wise sum.

    Raises
    ------
    ModelError
        When another form was asked for.
    """
    if likelihood not in ("auto", "plain"):
        raise ModelError(
            f"The {likelihood} likelihood cannot be used with s() terms; use likelihood='plain' "
            "(or 'auto')."
        )
    return "plain"
