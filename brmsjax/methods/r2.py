"""Bayesian R-squared as brms computes it: ``bayes_R2`` and ``loo_R2``.

``bayes_R2`` is Gelman et al. (2019)'s ``var(epred) / (var(epred) + var(y - epred))`` per
draw. ``loo_R2`` is brms 2.18's ``.loo_R2``: the LOO-predicted mean of each observation (the
PSIS-weighted mean of ``posterior_epred``, loo's ``E_loo``), and per draw one Bayesian bootstrap
(Dirichlet(1) weights over the observations) of ``1 - var(y - ypred_loo) / var(y)``, clipped
to [-1, 1]. brms draws those weights with R's RNG; here they come from ``seed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.core import FitLike
from brmsjax.methods.comparison import ComparisonError, psis_smooth, relative_eff
from brmsjax.methods.predictions import encode_data, log_lik, posterior_epred
from brmsjax.methods.summary import check_probs, posterior_table

__all__ = ["bayes_R2", "loo_R2", "loo_r2_draws"]


def bayes_R2(  # brms's name
    fit: FitLike,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
    **kwargs: Any,
) -> pd.DataFrame | np.ndarray:
    """Bayesian R-squared (Gelman et al. 2019) as brms's ``bayes_R2``.

    Per draw ``var(epred) / (var(epred) + var(y - epred))`` over the observations, with
    ``epred`` from :meth:`posterior_epred` (``kwargs`` go to it; ``newdata`` must hold the
    response).

    Returns
    -------
    pandas.DataFrame or numpy.ndarray
        One row ``R2`` with ``Estimate Est.Error Q2.5 Q97.5``; with ``summary=False`` the
        ``(draws,)`` values.
    """
    probs = check_probs(probs)
    if fit.info.family in ("categorical", "multinomial", "dirichlet", "logistic_normal"):
        raise ComparisonError("'bayes_R2' is not defined for unordered categorical models.")
    newdata = kwargs.pop("newdata", None)
    ypred = posterior_epred(fit, newdata, **kwargs)
    y = encode_data(fit, newdata, kwargs.get("re_formula"), True, True).y
    if y is None:  # pragma: no cover - response=True always reads y
        raise ComparisonError("bayes_R2 needs the response.")
    names = ["R2"]
    if y.ndim == 2:  # a multivariate model: one R2 per response (brms's R2y1, R2y2)
        responses = fit.design.mv.responses
        resp = kwargs.get("resp")
        names = [f"R2{r}" for r in ((resp,) if resp else responses)]
        y = y[:, responses.index(resp)] if resp else y
    e = y[None, :] - ypred
    var_ypred = np.var(ypred, axis=1, ddof=1)
    r2 = var_ypred / (var_ypred + np.var(e, axis=1, ddof=1))
    if not summary:
        return r2
    return posterior_table(r2 if r2.ndim == 2 else r2[:, None], names, probs, robust)


def loo_r2_draws(
    y: np.ndarray, ypred: np.ndarray, ll: np.ndarray, r_eff: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """brms's ``.loo_R2(y, ypred, ll, r_eff)``: one LOO-R2 value per draw.

    Parameters
    ----------
    y
        The response, ``(N,)``.
    ypred, ll
        ``posterior_epred`` and ``log_lik``, ``(S, N)``.
    r_eff
        Relative efficiency per observation (loo's ``relative_eff``).
    rng
        Draws the Bayesian bootstrap weights (R's ``rexp`` in brms).
    """
    lw, _ = psis_smooth(ll, r_eff)
    ypred_loo = np.sum(np.exp(lw).T * ypred, axis=0)
    err = ypred_loo - y
    S, N = ypred.shape
    exp_draws = rng.exponential(1.0, size=(S, N))
    w = exp_draws / exp_draws.sum(axis=1, keepdims=True)
    var_y = N / (N - 1) * (w @ y**2 - (w @ y) ** 2)
    # brms squares the weighted errors before summing them: sum((w * err)^2), kept as brms has it
    var_err = N / (N - 1) * (w @ err**2 - np.sum((w * err) ** 2, axis=1))
    return np.clip(1 - var_err / var_y, -1.0, 1.0)


def loo_R2(  # brms's name
    fit: FitLike,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
    seed: int | None = None,
) -> pd.DataFrame | np.ndarray:
    """LOO-adjusted R-squared as brms's ``loo_R2``.

    Parameters
    ----------
    summary, robust, probs
        As :func:`bayes_R2`.
    seed
        Seed of the Bayesian bootstrap weights (brms uses R's RNG state).

    Returns
    -------
    pandas.DataFrame or numpy.ndarray
        One row ``R2`` with ``Estimate Est.Error Q2.5 Q97.5``; with ``summary=False`` the
        ``(draws,)`` values.

    Raises
    ------
    ComparisonError
        For categorical models (brms: "'loo_R2' is not defined for unordered categorical
        models.").
    """
    probs = check_probs(probs)
    if fit.info.family in ("categorical", "multinomial", "dirichlet", "logistic_normal"):
        raise ComparisonError("'loo_R2' is not defined for unordered categorical models.")
    y = encode_data(fit, None, None, True, True).y
    if y is None:  # pragma: no cover - response=True always reads y
        raise ComparisonError("loo_R2 needs the response.")
    ypred = posterior_epred(fit)
    if ypred.ndim == 3:  # ordinal: brms's ordinal_probs_continuous, the expected category
        ypred = np.sum(ypred * np.arange(1, ypred.shape[2] + 1), axis=2)
    ll = log_lik(fit)
    r2 = loo_r2_draws(
        np.asarray(y, dtype=float),
        ypred,
        ll,
        relative_eff(ll, fit.nchains),
        np.random.default_rng(seed),
    )
    if not summary:
        return r2
    return posterior_table(r2[:, None], ["R2"], probs, robust)
