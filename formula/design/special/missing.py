"""brms's ``mi()`` response data: the rows whose response is a parameter of the model.

``y | mi() ~ x`` keeps the rows with a missing response; their values are parameters
(brms's ``Ymi``, one per missing row, ``Jmi`` their 1-based positions). ``y | mi(sdy) ~ x``
makes the whole response a latent variable ``Yl`` observed with noise: ``Y[Jme] ~
normal(Yl[Jme], noise[Jme])`` over the rows ``Jme`` whose response and ``sdy`` are known;
``noise`` is ``sdy`` with ``Inf`` at the other rows, as brms's standata writes it. Either latent
lies within the family's response bounds (``lbmi``, ``ubmi``: brms's ``trunc_bounds`` with the
family's ``ybounds``). brms's data_response writes them after the other response data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ...errors import DesignError
from ...evaluate.variables import Numeric, Value
from ...syntax.parse import deparse
from ...terms.additions import constant_value
from ...terms.brmsterms import BrmsTerms
from ...terms.family_terms.missing import mi_sdy
from ..ir_mime import MissingData

__all__ = ["MissingData", "missing_data", "observed"]

# brms 2.18's ``ybounds`` of the families whose ``ad`` list has mi() (others are -Inf, Inf).
_YBOUNDS = {
    "beta": (0.0, 1.0),
    "von_mises": (-math.pi, math.pi),
    **dict.fromkeys(
        (
            "gamma",
            "weibull",
            "exponential",
            "frechet",
            "inverse.gaussian",
            "lognormal",
            "shifted_lognormal",
        ),
        (0.0, math.inf),
    ),
}


def observed(y: np.ndarray, missing: MissingData | None) -> np.ndarray:
    """The response values that are data (all of ``y`` without ``mi()``)."""
    if missing is None:
        return y
    return y[~np.isnan(y)]


def missing_data(
    bt: BrmsTerms, values: Mapping[str, Value], y: np.ndarray, family: str
) -> MissingData | None:
    """The ``mi()`` data of ``bt`` on the design's rows, or None without ``mi()``.

    Raises
    ------
    DesignError
        ``mi()`` combined with ``cens()`` or ``trunc()`` (not supported yet), or a ``sdy``
        that is not numeric or negative.
    """
    add = bt.addition("mi")
    if add is None:
        return None
    for other in ("cens", "trunc"):
        if bt.addition(other) is not None:
            raise DesignError(
                f"mi() together with {other}() is not supported yet in brmsjax; remove one of "
                "them.",
                bt.source,
                add.call.span,
            )
    lb, ub = _YBOUNDS.get(family, (-math.inf, math.inf))
    sdy_node = mi_sdy(bt)
    if sdy_node is None:
        return MissingData(np.flatnonzero(np.isnan(y)), None, lb, ub)
    constant = constant_value(sdy_node)
    value = (
        Numeric(np.full(len(y), constant)) if constant is not None else values[deparse(sdy_node)]
    )
    if not isinstance(value, Numeric) or value.values.ndim != 1:
        raise DesignError(
            f"mi({deparse(sdy_node)}): the measurement error must be numeric.",
            bt.source,
            add.call.span,
        )
    sdy = value.values.astype(np.float64)
    if np.any(sdy < 0):
        raise DesignError(
            f"mi({deparse(sdy_node)}): measurement errors must be non-negative.",
            bt.source,
            add.call.span,
        )
    missing = np.flatnonzero(np.isnan(y) | np.isnan(sdy) | np.isinf(sdy))
    noise = sdy.copy()
    noise[missing] = math.inf
    return MissingData(missing, noise, lb, ub)
