"""brms's ``pp_mixture()``: each observation's posterior probabilities of the components.

For draw ``s`` and row ``n`` brms computes (``log_lik_mixture`` with ``pp_mixture = TRUE``)::

    P(K = k | y_n) = theta_k p_k(y_n) / sum_j theta_j p_j(y_n)

from the component densities of :class:`~brmsjax.backend.families.mixture.Mixture`, and
summarizes the draws per row and component (``Estimate``, ``Est.Error``, quantiles).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from brmsjax.backend import predict as bp
from brmsjax.backend.families.mixture import is_mixture
from brmsjax.core import FitLike
from brmsjax.methods.prediction_inputs import PredictionError, prediction_inputs

__all__ = ["pp_mixture"]


def pp_mixture(
    fit: FitLike,
    newdata: Any = None,
    *,
    re_formula: Any = None,
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    log: bool = False,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
    seed: int | None = None,
) -> np.ndarray:
    """Posterior probabilities that each observation belongs to each component.

    Parameters
    ----------
    fit
        A fit with a ``mixture()`` family.
    newdata
        New data with the response (default: the fitting data).
    re_formula, ndraws, draw_ids, seed
        As :meth:`~brmsjax.fit.BrmsFit.posterior_epred`.
    log
        Return log probabilities.
    summary
        Summarize the draws: ``(rows, 2 + len(probs), components)`` with ``Estimate``,
        ``Est.Error`` and the quantiles (brms's ``P(K = k | Y)`` slices); else the draws,
        ``(draws, rows, components)``.
    robust, probs
        Median and MAD instead of mean and SD; the quantiles.

    Raises
    ------
    PredictionError
        For a fit whose family is not a mixture (brms's message).
    """
    from brmsjax.methods.prediction_inputs import _family

    if not is_mixture(_family(fit)):
        raise PredictionError("Method 'pp_mixture' can only be applied to mixture models.")
    inputs, key = prediction_inputs(
        fit, newdata, re_formula, response=True, ndraws=ndraws, draw_ids=draw_ids, seed=seed
    )
    out = bp.compute(inputs, "pp_mixture", seed=key)
    if not log:
        out = np.exp(out)
    if summary:
        return bp.summary_stats(out, probs, robust)
    return out
