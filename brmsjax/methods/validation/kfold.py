"""K-fold cross-validation, as brms's ``kfold`` (brms 2.18, with loo's fold splitters).

Each fold's rows are held out in turn: the model is refitted to the other rows
(:func:`~brmsjax.methods.refit.update` with ``newdata``, so compiled code is reused when the
training sets have the same size) and the held-out rows are scored by the refit's log
likelihood, with new group levels allowed (grouped folds hold out whole groups). The result is
brms's ``kfold`` object: ``elpd_kfold`` (the sum over rows of the log of the mean likelihood
over draws), ``p_kfold`` (the full fit's lpd minus ``elpd_kfold``) and ``kfoldic`` (``-2 *
elpd_kfold``), each with ``sqrt(N * var(pointwise))`` as its SE, and the fold of each row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from brmsjax.core import FitLike
from brmsjax.methods.comparison import ComparisonError, Loo, _fr, _table
from brmsjax.methods.predictions import log_lik
from brmsjax.methods.refit import update

__all__ = [
    "Kfold",
    "kfold",
    "kfold_split_grouped",
    "kfold_split_random",
    "kfold_split_stratified",
    "model_frame",
]


@dataclass(frozen=True)
class Kfold(Loo):
    """brms's ``kfold`` result: a :class:`~brmsjax.methods.comparison.Loo` with the folds.

    ``estimates`` has rows ``elpd_kfold``, ``p_kfold``, ``kfoldic``; ``pointwise`` columns
    ``elpd``, ``p`` and ``fold``; fields by R's names as for loo (``.elpd_kfold``,
    ``.se_elpd_kfold``, ``.p_kfold``, ``.kfoldic``). ``fits`` holds the refits when
    ``save_fits=True``.
    """

    K: int = 10
    fits: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def folds(self) -> np.ndarray:
        """The fold (1 to K) of each observation."""
        return self.pointwise["fold"].to_numpy()

    def __str__(self) -> str:
        est = self.estimates
        return f"\nBased on {self.K}-fold cross-validation\n\n" + _table(
            list(est.index),
            {"Estimate": _fr(est["Estimate"].to_numpy()), "SE": _fr(est["SE"].to_numpy())},
            right=True,
        )


def kfold_split_random(K: int, N: int, rng: np.random.Generator) -> np.ndarray:
    """loo's ``kfold_split_random``: folds 1..K of (nearly) equal size in random order."""
    _check_K(K, N, "observations")
    idx = np.ceil(np.linspace(1, N, N) / (N / K)).astype(int)
    return idx[rng.permutation(N)]


def kfold_split_stratified(K: int, x: Any, rng: np.random.Generator) -> np.ndarray:
    """loo's ``kfold_split_stratified``: each value of ``x`` spread evenly over the folds."""
    codes = pd.factorize(pd.Series(x), sort=True)[0]
    N = codes.size
    _check_K(K, N, "observations")
    order = np.concatenate(
        [rng.permutation(np.flatnonzero(codes == lev)) for lev in np.unique(codes)]
    )
    bins = np.empty(N, dtype=int)
    bins[order] = np.resize(np.arange(1, K + 1), N)
    return bins


def kfold_split_grouped(K: int, x: Any, rng: np.random.Generator) -> np.ndarray:
    """loo's ``kfold_split_grouped``: whole groups of ``x`` in each fold, groups spread evenly."""
    codes, levels = pd.factorize(pd.Series(x), sort=True)
    _check_K(K, len(levels), "groups")
    group_fold = np.resize(np.arange(1, K + 1), len(levels))[rng.permutation(len(levels))]
    return group_fold[codes]


def _check_K(K: Any, n: int, what: str) -> None:
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 2:
        raise ComparisonError(f"kfold: K must be an integer of at least 2, not {K!r}.")
    if K > n:
        raise ComparisonError(f"kfold: K = {K} is more than the {n} {what}; use K <= {n}.")


def model_frame(fit: FitLike, what: str) -> pd.DataFrame:
    """The rows the model was fitted to (brms's ``model.frame``), in the data's order."""
    if fit.data is None or fit.design is None or not fit.brm_args.get("formula"):
        raise ComparisonError(
            f"{what} refits the model, so it needs the fit's data and brm() arguments; fit "
            "the model with brm()."
        )
    rows = np.sort(np.asarray(fit.design.rows))
    return pd.DataFrame(fit.data).iloc[rows].reset_index(drop=True)


def _folds(data: pd.DataFrame, K: int, folds: Any, group: Any, seed: Any) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if folds is None or isinstance(folds, str):
        if group is not None and group not in data.columns:
            raise ComparisonError(
                f"kfold: group = {group!r} is not a column of the model's data; name a "
                "grouping variable."
            )
        if folds is None:
            return (
                kfold_split_random(K, len(data), rng)
                if group is None
                else kfold_split_grouped(K, data[group], rng)
            )
        if folds not in ("stratified", "grouped", "loo"):
            raise ComparisonError(
                "kfold: folds must be 'stratified', 'grouped', 'loo' or one fold number per "
                f"observation, not {folds!r}."
            )
        if folds == "loo":
            return np.arange(1, len(data) + 1)
        if group is None:
            raise ComparisonError(f"kfold: folds = '{folds}' needs group = (a column name).")
        split = kfold_split_stratified if folds == "stratified" else kfold_split_grouped
        return split(K, data[group], rng)
    ids = np.asarray(folds)
    if ids.shape != (len(data),):
        raise ComparisonError(
            f"kfold: folds must have one entry per observation ({len(data)}), not {ids.size}."
        )
    return pd.factorize(pd.Series(ids), sort=True)[0] + 1


def kfold(
    fit: FitLike,
    K: int = 10,
    folds: Any = None,
    group: str | None = None,
    *,
    save_fits: bool = False,
    seed: int | None = None,
    **brm_args: Any,
) -> Kfold:
    """K-fold cross-validation by refitting the model K times (brms's ``kfold``).

    Parameters
    ----------
    K
        Number of folds (brms's default 10).
    folds
        None (random folds of nearly equal size; with ``group``, whole groups per fold),
        ``"stratified"`` (each value of ``group`` spread evenly over the folds),
        ``"grouped"`` (whole groups of ``group`` per fold), ``"loo"`` (one row per fold: exact
        LOO), or one fold id per row of the model's data.
    group
        Column of the data that ``folds`` uses.
    save_fits
        Keep the K refits in the result's ``fits``.
    seed
        Seed for the random folds (the refits keep the fit's own seed).
    **brm_args
        Passed to each refit (e.g. ``chains``, ``iter``; see :func:`brmsjax.update`).

    Returns
    -------
    Kfold
        ``elpd_kfold``, ``p_kfold`` and ``kfoldic`` with SEs; pointwise values and folds.

    Raises
    ------
    ComparisonError
        For invalid ``K``, ``folds`` or ``group``, or a fit without its data.
    """
    data = model_frame(fit, "kfold")
    fold = _folds(data, K, folds, group, seed)
    k_max = int(fold.max())
    S = fit.ndraws
    elpd = np.empty(len(data))
    fits = []
    args = {"progress": False, **brm_args}
    for k in range(1, k_max + 1):
        held = fold == k
        refit = update(fit, newdata=data[~held].reset_index(drop=True), **args)
        ll = log_lik(refit, data[held].reset_index(drop=True), allow_new_levels=True)
        elpd[held] = logsumexp(ll, axis=0) - np.log(ll.shape[0])
        if save_fits:
            fits.append(refit)
    full = log_lik(fit)
    lpd = logsumexp(full, axis=0) - np.log(full.shape[0])
    p = lpd - elpd
    n = len(elpd)
    rows = [elpd, p, -2 * elpd]
    estimates = pd.DataFrame(
        {
            "Estimate": [float(r.sum()) for r in rows],
            "SE": [float(np.sqrt(n * np.var(r, ddof=1))) for r in rows],
        },
        index=["elpd_kfold", "p_kfold", "kfoldic"],
    )
    pointwise = pd.DataFrame({"elpd": elpd, "p": p, "fold": fold})
    return Kfold("kfold", estimates, pointwise, (S, n), K=k_max, fits=tuple(fits))
