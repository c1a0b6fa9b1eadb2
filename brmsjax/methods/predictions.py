"""Predictions from a fit: posterior_linpred/epred/predict, fitted, predict, log_lik, residuals.

As brms 2.18 (``prepare_predictions``): new data is encoded with the fitted state, ``re_formula``
chooses the group-level terms (None all, NA or ``"~0"`` none, or a subset formula), and levels
the fitting data lacks get effects as ``sample_new_levels`` says. The work is streamed in blocks
of draws and rows by :mod:`brmsjax.backend.predict` from the inputs of
:mod:`brmsjax.methods.prediction_inputs`; summaries (``fitted``, ``predict``) are
computed block by block and never hold the full draws-by-rows matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.backend import predict as bp
from brmsjax.core import FitLike
from brmsjax.methods.mv.predict import fitted_subset, mv_compute
from brmsjax.methods.prediction_inputs import PredictionError, encode_data, prediction_inputs
from brmsjax.methods.summary import check_probs, stat_names

__all__ = [
    "PredictionError",
    "encode_data",
    "fitted",
    "log_lik",
    "posterior_epred",
    "posterior_linpred",
    "posterior_predict",
    "predict",
    "residuals",
]

_RESIDUAL_TYPES = ("ordinary", "pearson")


def _check_trunc(fit: FitLike, what: str) -> None:
    """brms's truncated expectations and draws need quantile functions brmsjax lacks yet."""
    terms = getattr(fit.design, "state", None)
    if terms is not None and any(a.name == "trunc" for a in terms.terms.additions):
        raise PredictionError(
            f"{what}() does not support models with trunc() yet; use posterior_linpred() or "
            "log_lik() for this model."
        )


def posterior_linpred(
    fit: FitLike,
    newdata: Any = None,
    *,
    re_formula: Any = None,
    transform: bool = False,
    allow_new_levels: bool = False,
    sample_new_levels: str = "uncertainty",
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    seed: int | None = None,
    incl_autocor: bool = True,
    dpar: str | None = None,
    nlpar: str | None = None,
    resp: str | None = None,
) -> np.ndarray:
    """Draws of the linear predictor (brms's ``posterior_linpred``), ``(draws, rows)``.

    Parameters
    ----------
    newdata
        Data to predict for (default: the fitting data); the response is not needed.
    re_formula
        Group-level terms: None (all), NA / ``"~0"`` (none) or a formula such as
        ``"~ (1 | Subject)"``.
    transform
        Apply the inverse link.
    allow_new_levels, sample_new_levels
        Allow levels of grouping factors the fit lacks, and how to give them effects:
        ``"uncertainty"``, ``"gaussian"`` or ``"old_levels"`` (as brms).
    ndraws, draw_ids, seed
        Use ``ndraws`` random draws or the draws with brms's 1-based ids ``draw_ids``;
        ``seed`` makes random choices reproducible.
    dpar
        A predicted distributional parameter (default mu).
    incl_autocor
        Include an ARMA term's lagged residuals (brms's default); False leaves them out, and
        new data then need no ``time`` or ``gr`` (as ``conditional_effects`` does). The other
        prediction methods take it too.
    nlpar
        A non-linear parameter of a non-linear formula: its linear predictor.
    resp
        A multivariate model's response (brms's ``resp``); None stacks every response's draws
        last, ``(draws, rows, nresp)``. The other prediction methods take it too.
    """
    inputs, key = prediction_inputs(
        fit,
        newdata,
        re_formula,
        allow_new_levels=allow_new_levels,
        sample_new_levels=sample_new_levels,
        ndraws=ndraws,
        draw_ids=draw_ids,
        seed=seed,
        incl_autocor=incl_autocor,
    )
    if nlpar is not None:
        return bp.compute(inputs, "linpred", dpar=_check_nlpar(inputs, nlpar), seed=key)
    if inputs.family.kind == "multivariate":
        return mv_compute(
            inputs,
            "linpred",
            resp,
            key,
            subset=fitted_subset(fit, newdata),
            dpar=dpar or "",
            transform=transform,
        )
    d = _check_dpar(inputs, dpar, linear=True)
    return bp.compute(inputs, "linpred", dpar=d, transform=transform, seed=key)


def posterior_epred(
    fit: FitLike,
    newdata: Any = None,
    *,
    re_formula: Any = None,
    allow_new_levels: bool = False,
    sample_new_levels: str = "uncertainty",
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    seed: int | None = None,
    incl_autocor: bool = True,
    dpar: str | None = None,
    nlpar: str | None = None,
    resp: str | None = None,
) -> np.ndarray:
    """Draws of the expected response (brms's ``posterior_epred``), ``(draws, rows)``.

    ``(draws, rows, categories)`` for ordinal and categorical families. With ``dpar``, the
    draws of that distributional parameter on its natural scale; with ``nlpar``, those of a
    non-linear parameter. Arguments as :meth:`posterior_linpred`.
    """
    inputs, key = prediction_inputs(
        fit,
        newdata,
        re_formula,
        allow_new_levels=allow_new_levels,
        sample_new_levels=sample_new_levels,
        ndraws=ndraws,
        draw_ids=draw_ids,
        seed=seed,
        incl_autocor=incl_autocor,
    )
    if nlpar is not None:
        return bp.compute(inputs, "linpred", dpar=_check_nlpar(inputs, nlpar), seed=key)
    if inputs.family.kind == "multivariate":
        return mv_compute(
            inputs,
            "epred",
            resp,
            key,
            subset=fitted_subset(fit, newdata),
            dpar="" if dpar == "mu" else dpar or "",
        )
    d = _check_dpar(inputs, dpar, linear=False)
    if not d:
        _check_trunc(fit, "posterior_epred")
    return bp.compute(inputs, "epred", dpar=d, seed=key)


def posterior_predict(
    fit: FitLike,
    newdata: Any = None,
    *,
    re_formula: Any = None,
    allow_new_levels: bool = False,
    sample_new_levels: str = "uncertainty",
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    seed: int | None = None,
    incl_autocor: bool = True,
    resp: str | None = None,
) -> np.ndarray:
    """Draws from the posterior predictive distribution, ``(draws, rows)``.

    Arguments as :meth:`posterior_linpred`.
    """
    inputs, key = prediction_inputs(
        fit,
        newdata,
        re_formula,
        allow_new_levels=allow_new_levels,
        sample_new_levels=sample_new_levels,
        ndraws=ndraws,
        draw_ids=draw_ids,
        seed=seed,
        incl_autocor=incl_autocor,
    )
    if inputs.family.kind == "multivariate":
        return mv_compute(inputs, "predict", resp, key, subset=fitted_subset(fit, newdata))
    _check_trunc(fit, "posterior_predict")
    return bp.compute(inputs, "predict", seed=key)


def _summary(
    fit: FitLike,
    what: str,
    newdata: Any,
    *,
    probs: Sequence[float],
    robust: bool,
    dpar: str | None,
    **kwargs: Any,
) -> pd.DataFrame | np.ndarray:
    """Per-row summaries of a prediction (``what``: linpred, epred, predict), in blocks."""
    probs = check_probs(probs)
    resp = kwargs.pop("resp", None)
    inputs, key = prediction_inputs(fit, newdata, **kwargs)
    if inputs.family.kind == "multivariate":  # brms: (rows, stats, nresp) without resp
        values = mv_compute(
            inputs, what, resp, key, subset=fitted_subset(fit, newdata), dpar=dpar or ""
        )
        out = bp.summary_stats(values, probs, robust)
        return pd.DataFrame(out, columns=stat_names(probs)) if resp is not None else out
    d = _check_dpar(inputs, dpar, linear=what == "linpred")
    if what != "linpred" and not d:
        _check_trunc(fit, "fitted" if what == "epred" else "predict")
    stats = bp.summarize(inputs, what, probs, robust, dpar=d, seed=key)
    if stats.ndim == 2:
        return pd.DataFrame(stats, columns=stat_names(probs))
    return stats


def fitted(
    fit: FitLike,
    newdata: Any = None,
    *,
    re_formula: Any = None,
    scale: str = "response",
    allow_new_levels: bool = False,
    sample_new_levels: str = "uncertainty",
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    seed: int | None = None,
    incl_autocor: bool = True,
    dpar: str | None = None,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
    resp: str | None = None,
) -> pd.DataFrame | np.ndarray:
    """brms's ``fitted``: a summary of :meth:`posterior_epred` (``scale="linear"``:
    of :meth:`posterior_linpred`) per row.

    Returns
    -------
    pandas.DataFrame or numpy.ndarray
        Columns ``Estimate, Est.Error, Q2.5, Q97.5`` (one row per data row); with
        ``summary=False`` the draws.
    """
    if scale not in ("response", "linear"):
        raise PredictionError(f"scale must be 'response' or 'linear', not {scale!r}.")
    args = {
        "re_formula": re_formula,
        "allow_new_levels": allow_new_levels,
        "sample_new_levels": sample_new_levels,
        "ndraws": ndraws,
        "draw_ids": draw_ids,
        "seed": seed,
        "incl_autocor": incl_autocor,
        "resp": resp,
    }
    if not summary:
        if scale == "linear":
            return posterior_linpred(fit, newdata, dpar=dpar, **args)
        return posterior_epred(fit, newdata, dpar=dpar, **args)
    what = "linpred" if scale == "linear" else "epred"
    return _summary(fit, what, newdata, probs=probs, robust=robust, dpar=dpar, **args)


def predict(
    fit: FitLike,
    newdata: Any = None,
    *,
    re_formula: Any = None,
    allow_new_levels: bool = False,
    sample_new_levels: str = "uncertainty",
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    seed: int | None = None,
    incl_autocor: bool = True,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
    resp: str | None = None,
) -> pd.DataFrame | np.ndarray:
    """brms's ``predict``: a summary of :meth:`posterior_predict` per row (computed in
    blocks of rows, so it fits in memory for millions of rows)."""
    args = {
        "re_formula": re_formula,
        "allow_new_levels": allow_new_levels,
        "sample_new_levels": sample_new_levels,
        "ndraws": ndraws,
        "draw_ids": draw_ids,
        "seed": seed,
        "incl_autocor": incl_autocor,
        "resp": resp,
    }
    if not summary:
        return posterior_predict(fit, newdata, **args)
    return _summary(fit, "predict", newdata, probs=probs, robust=robust, dpar=None, **args)


def log_lik(
    fit: FitLike,
    newdata: Any = None,
    *,
    re_formula: Any = None,
    allow_new_levels: bool = False,
    sample_new_levels: str = "uncertainty",
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    seed: int | None = None,
    incl_autocor: bool = True,
    resp: str | None = None,
) -> np.ndarray:
    """Pointwise log likelihood ``(draws, rows)`` (weighted as brms when the response has
    ``weights``); ``newdata`` must hold the response."""
    inputs, key = prediction_inputs(
        fit,
        newdata,
        re_formula,
        response=True,
        allow_new_levels=allow_new_levels,
        sample_new_levels=sample_new_levels,
        ndraws=ndraws,
        draw_ids=draw_ids,
        seed=seed,
        incl_autocor=incl_autocor,
    )
    if inputs.family.kind == "multivariate":
        return mv_compute(inputs, "log_lik", resp, key, subset=fitted_subset(fit, newdata))
    return bp.compute(inputs, "log_lik", seed=key)


def residuals(
    fit: FitLike,
    newdata: Any = None,
    *,
    re_formula: Any = None,
    type: str = "ordinary",
    allow_new_levels: bool = False,
    sample_new_levels: str = "uncertainty",
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    seed: int | None = None,
    incl_autocor: bool = True,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
) -> pd.DataFrame | np.ndarray:
    """brms's ``residuals``: ``y - posterior_epred`` per draw (``type="pearson"`` divides by
    the predictive SD, gaussian ``sigma``); ``newdata`` must hold the response."""
    if type not in _RESIDUAL_TYPES:
        raise PredictionError(f"type must be one of {', '.join(_RESIDUAL_TYPES)}, not {type!r}.")
    _check_trunc(fit, "residuals")
    probs = check_probs(probs)
    inputs, key = prediction_inputs(
        fit,
        newdata,
        re_formula,
        response=True,
        allow_new_levels=allow_new_levels,
        sample_new_levels=sample_new_levels,
        ndraws=ndraws,
        draw_ids=draw_ids,
        seed=seed,
        incl_autocor=incl_autocor,
    )
    if inputs.y is None:  # pragma: no cover - response=True always reads y
        raise PredictionError("residuals need the response.")
    res = inputs.y[None, :] - bp.compute(inputs, "epred", seed=key)
    if type == "pearson":
        if inputs.family.name != "gaussian":
            raise PredictionError(
                f"type='pearson' is available for the gaussian family only, not "
                f"{inputs.family.name}; use type='ordinary'."
            )
        res = res / bp.compute(inputs, "epred", dpar="sigma", seed=key)
    if not summary:
        return res
    return pd.DataFrame(bp.summary_stats(res, probs, robust), columns=stat_names(probs))


def _check_nlpar(inputs: bp.PredictInputs, nlpar: str) -> str:
    """``nlpar`` checked against the model's non-linear parameters."""
    have = inputs.nonlinear.nlpars if inputs.nonlinear is not None else ()
    have = have or (inputs.nlf[0].plan.nlpars if inputs.nlf else ())  # nlf() models
    if nlpar not in have:
        valid = f"its non-linear parameters are: {', '.join(have)}" if have else "it has none"
        raise PredictionError(f"The model has no non-linear parameter '{nlpar}'; {valid}.")
    return nlpar


def _check_dpar(inputs: bp.PredictInputs, dpar: str | None, *, linear: bool) -> str:
    """``dpar`` as the backend names it (``""`` is mu), checked against the model."""
    if dpar is None or dpar == "mu":
        return ""
    family = inputs.family
    if dpar not in family.dpars:
        valid = ", ".join(["mu", *family.dpars])
        raise PredictionError(
            f"dpar '{dpar}' is not a parameter of the {family.name} family; use one of: {valid}."
        )
    predicted = dpar in inputs.X or any(dpar in g.dpars for g in inputs.groups)
    if linear and not predicted:
        raise PredictionError(
            f"dpar '{dpar}' has no linear predictor in this model; use posterior_epred(dpar="
            f"'{dpar}') for its draws."
        )
    return dpar
