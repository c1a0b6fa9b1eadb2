"""Exact LOO where PSIS-LOO is unreliable: brms's ``reloo`` (and ``loo_moment_match``).

PSIS-LOO's estimate for an observation is unreliable when its Pareto k is above the threshold.
``reloo`` (brms 2.18's ``reloo.loo``) refits the model once per such observation without it
and replaces that observation's pointwise values with the exact ones: ``elpd_loo`` the log of
the refit's mean likelihood of the held-out row, ``p_loo`` the full fit's lpd minus it,
``looic = -2 * elpd_loo``; the estimates are summed again (SE ``sqrt(N * var)``) and the
refitted observations' Pareto k set to 0, as brms does.

brms's ``loo_moment_match``, which improves the PSIS estimates without refitting, lives in
:mod:`brmsjax.methods.validation.moment_match` and is re-exported here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from brmsjax.core import FitLike
from brmsjax.methods.comparison import ComparisonError, Loo, k_threshold
from brmsjax.methods.comparison import loo as psis_loo_of
from brmsjax.methods.predictions import log_lik
from brmsjax.methods.refit import update
from brmsjax.methods.validation.kfold import model_frame
from brmsjax.methods.validation.moment_match import loo_moment_match

__all__ = ["loo_moment_match", "reloo"]


def reloo(
    fit: FitLike,
    loo: Loo | None = None,
    k_threshold: float | None = None,
    **brm_args: Any,
) -> Loo:
    """PSIS-LOO with exact refits for the observations with a high Pareto k (brms's
    ``reloo``).

    Parameters
    ----------
    loo
        A ``fit.loo()`` result of this fit (brms's ``loo`` argument; default: ``fit.loo()``).
    k_threshold
        Refit observations whose Pareto k exceeds this (default: loo >= 2.6's
        ``min(1 - 1 / log10(S), 0.7)``; brms 2.18 used 0.7).
    **brm_args
        Passed to each refit (``chains``, ``iter``, ...; see :func:`brmsjax.update`).

    Returns
    -------
    Loo
        The loo result with the refitted observations' ``elpd``, ``p`` and estimates replaced
        and their Pareto k set to 0.
    """
    result = psis_loo_of(fit) if loo is None else loo
    if not isinstance(result, Loo) or result.criterion != "loo":
        raise ComparisonError("reloo: loo must be a loo() result of this fit.")
    data = model_frame(fit, "reloo")
    if result.dims[1] != len(data):
        raise ComparisonError(
            f"reloo: loo has {result.dims[1]} observations, the fit {len(data)}; pass "
            "the loo() result of this fit."
        )
    threshold = _threshold(k_threshold, result.dims[0])
    obs = np.flatnonzero(result.pareto_k > threshold)
    if obs.size == 0:
        return result
    args = {"progress": False, **brm_args}
    elpd = np.empty(obs.size)
    for j, i in enumerate(obs):
        keep = np.ones(len(data), dtype=bool)
        keep[i] = False
        refit = update(fit, newdata=data[keep].reset_index(drop=True), **args)
        ll = log_lik(refit, data.iloc[[int(i)]].reset_index(drop=True), allow_new_levels=True)
        elpd[j] = float(logsumexp(ll[:, 0]) - np.log(ll.shape[0]))
    full = log_lik(fit, data.iloc[obs].reset_index(drop=True))
    lpd = logsumexp(full, axis=0) - np.log(full.shape[0])
    pointwise = result.pointwise.copy()
    pointwise.loc[obs, "elpd"] = elpd
    pointwise.loc[obs, "p"] = lpd - elpd
    pointwise.loc[obs, "pareto_k"] = 0.0
    n = len(pointwise)
    columns = [pointwise["elpd"].to_numpy(), pointwise["p"].to_numpy()]
    columns.append(-2 * columns[0])
    estimates = pd.DataFrame(
        {
            "Estimate": [float(c.sum()) for c in columns],
            "SE": [float(np.sqrt(n * np.var(c, ddof=1))) for c in columns],
        },
        index=result.estimates.index,
    )
    return replace(result, estimates=estimates, pointwise=pointwise)


def _threshold(value: Any, draws: int) -> float:
    if value is None:
        return k_threshold(draws)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ComparisonError(f"reloo: k_threshold must be a number, not {value!r}.")
    return float(value)
