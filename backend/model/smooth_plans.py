"""Lowering the penalized parts of ``s()`` terms: their plans, data and ``sds`` vectors.

Kept apart from :mod:`.lower` so that the smooths add one call there; the model side is
:mod:`.smooth_terms`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from brmsjax.backend.model.plans import SmoothPlan
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import ModelError

__all__ = ["INFORMED", "centred_smooth", "plan_smooths", "smooth_likelihood"]


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
