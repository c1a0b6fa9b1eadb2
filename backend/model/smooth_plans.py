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

__all__ = ["plan_smooths", "smooth_likelihood"]


def plan_smooths(
    design: Design, vector: Callable[..., None], data: dict[str, Any]
) -> tuple[SmoothPlan, ...]:
    """Plan each smooth's ``sds_<key>`` vector (lower bound 0) and put its ``Zs`` in ``data``.

    ``vector`` is the lowering's planner of parameter vectors (it collects the priors).
    """
    plans = []
    for sm in design.smooths:
        vector(name=f"sds_{sm.key}", size=len(sm.knots), scalar=False, natural=(0.0, None))
        data.setdefault("Zs", {})[sm.key] = np.hstack([np.asarray(z, dtype=float) for z in sm.Zs])
        plans.append(SmoothPlan(sm.key, sm.dpar, tuple(sm.knots)))
    return tuple(plans)


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
