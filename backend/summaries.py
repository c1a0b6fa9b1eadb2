"""The one summary of posterior draws: estimate, error and quantiles, as brms computes them.

brms summarises draws everywhere the same way (``posterior_summary``, ``fixef``, ``fitted``,
``hypothesis``, ``conditional_effects``): the mean and SD, or with ``robust`` the median and
R's ``mad`` (median absolute deviation scaled by :data:`MAD_CONSTANT`), followed by R's type 7
quantiles (numpy's default). :func:`summarise_draws` is that computation for every layer, so the
numbers agree to the last bit wherever a fit prints them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

__all__ = ["MAD_CONSTANT", "summarise_draws"]

# R's mad() constant: 1 / qnorm(3/4), the MAD of a standard normal scaled to its SD.
MAD_CONSTANT = 1.4826


def summarise_draws(
    x: np.ndarray, probs: Sequence[float], robust: bool = False, *, skipna: bool = False
) -> np.ndarray:
    """Summarise draws along the first axis: estimate, error, then one column per quantile.

    Parameters
    ----------
    x
        Draws with shape ``(draw, ...)``.
    probs
        Quantile probabilities (R's type 7 quantiles, numpy's default).
    robust
        Median and MAD (scaled by :data:`MAD_CONSTANT`, as R's ``mad``) instead of mean and SD.
    skipna
        Ignore NaN draws as brms's ``posterior_summary`` does (``na.rm``), computing in
        float64; otherwise the values are summarised in their own dtype and a NaN draw gives
        NaN (the prediction layer, whose draws have none, takes this faster path).

    Returns
    -------
    numpy.ndarray
        Shape ``(..., 2 + len(probs))``: estimate, error, quantiles. With one draw the error is
        NaN (as R's ``sd``), without a warning.
    """
    arr = np.asarray(x, dtype=np.float64) if skipna else np.asarray(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if skipna:
            if robust:
                est = np.nanmedian(arr, axis=0)
                err = MAD_CONSTANT * np.nanmedian(np.abs(arr - est), axis=0)
            else:
                est = np.nanmean(arr, axis=0)
                err = np.nanstd(arr, axis=0, ddof=1)
            qs = list(np.nanquantile(arr, list(probs), axis=0))
        else:
            if robust:
                est = np.median(arr, axis=0)
                err = MAD_CONSTANT * np.median(np.abs(arr - est), axis=0)
            else:
                est = arr.mean(axis=0)
                err = arr.std(axis=0, ddof=1) if arr.shape[0] > 1 else np.full_like(est, np.nan)
            # Quantiles over the last axis keep each variable's draws contiguous (faster).
            qs = list(np.quantile(np.moveaxis(arr, 0, -1), list(probs), axis=-1))
    return np.stack([est, err, *qs], axis=-1)
