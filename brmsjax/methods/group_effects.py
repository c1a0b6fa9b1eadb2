"""Group-level extractors of a fit: brms's ``ranef()``, ``coef()`` and ``VarCorr()``.

Plain functions of a fit (:class:`~brmsjax.core.FitLike`), bound as methods of
:class:`~brmsjax.fit.BrmsFit`; they read the fit's draws by brms's names
(``r_Subject[s308,Days]``, ``sd_Subject__Days``, ``cor_Subject__Intercept__Days``) in the ID
blocks of its :class:`~brmsjax.core.FitInfo`.
``coef()`` adds the population-level effects, combining an ordinal family's thresholds with a
varying intercept with brms's sign (:data:`THRES_MINUS_ETA`, :data:`ETA_MINUS_THRES`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from brmsjax.core import FitError, FitInfo, FitLike
from brmsjax.formula.design.ir import GroupSpec
from brmsjax.formula.design.special.group_by import by_info, by_names
from brmsjax.formula.names import cor_name, sd_name
from brmsjax.methods.summary import check_probs, fixef, level_array, matrix_array, sd_table

if TYPE_CHECKING:  # the DataArrays come from methods.summary, which imports xarray on use
    import xarray as xr

__all__ = ["ETA_MINUS_THRES", "THRES_MINUS_ETA", "VarCorr", "coef", "ranef"]

# Ordinal families whose thresholds enter as ``thres - eta`` / ``eta - thres`` (brms specials).
THRES_MINUS_ETA = frozenset({"cumulative", "sratio"})
ETA_MINUS_THRES = frozenset({"cratio", "acat"})


def _group_coefs(info: FitInfo, group: str) -> list[tuple[GroupSpec, int]]:
    """(block, index) of every coefficient of a grouping factor, in brms's ranef order."""
    return [(b, k) for b in info.blocks(group) for k in range(len(b.coefs))]


def _no_digits(name: str) -> str:
    """A name without a trailing ``[k]`` (ordinal thresholds ``Intercept[1]``)."""
    return name.split("[", 1)[0]


def _cor_names(group: str, rnames: Sequence[str]) -> list[str]:
    """brms's ``get_cornames``: upper triangle, column by column."""
    return [cor_name(group, rnames[j], rnames[i]) for i in range(1, len(rnames)) for j in range(i)]


def _ranef_draws(fit: FitLike, group: str) -> tuple[np.ndarray, list[str], list[str]]:
    """``(draw, level, coef)`` group-level effects of one grouping factor."""
    pairs = _group_coefs(fit.info, group)
    levels = list(pairs[0][0].levels)
    coefs = [b.names[k] for b, k in pairs]
    names = [b.r_name(lv, k) for b, k in pairs for lv in levels]
    draws = fit.store.matrix(names).reshape(fit.ndraws, len(coefs), len(levels))
    return draws.transpose(0, 2, 1), levels, coefs


def _require_groups(fit: FitLike, message: str) -> None:
    if not fit.info.groups:
        raise FitError(message)


def ranef(
    fit: FitLike,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
) -> dict[str, xr.DataArray]:
    """Group-level effects per grouping factor, as brms's 3-D arrays.

    Returns
    -------
    dict of str to xarray.DataArray
        Dims ``(level, stat, coef)``; with ``summary=False`` dims ``(draw, level, coef)``.
        brms's ``ranef(fit)$Subject[, , "Intercept"]`` is
        ``fit.ranef()["Subject"].sel(coef="Intercept")``.
    """
    _require_groups(fit, "The model does not contain group-level effects.")
    probs = check_probs(probs)
    out = {}
    for g in fit.info.group_names:
        draws, levels, coefs = _ranef_draws(fit, g)
        out[g] = level_array(draws, levels, coefs, summary=summary, probs=probs, robust=robust)
    return out


def coef(
    fit: FitLike,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
) -> dict[str, xr.DataArray]:
    """Population plus group-level effects per level (brms's ``coef``), shaped as ``ranef``.

    A coefficient with only a population-level effect gets that effect at every level; one
    with only a group-level effect gets a population-level effect of zero. Ordinal
    thresholds ``Intercept[k]`` combine with a varying ``Intercept`` with the family's sign.
    """
    _require_groups(
        fit,
        "No group-level effects detected. Call method 'fixef' to access population-level effects.",
    )
    probs = check_probs(probs)
    fixed = fixef(fit, summary=False)
    fnames = list(fixed.columns)
    fvals = {n: fixed[n].to_numpy() for n in fnames}
    ranefs = {g: _ranef_draws(fit, g) for g in fit.info.group_names}
    all_r = list(dict.fromkeys(c for _, _, cs in ranefs.values() for c in cs))
    f_nodig = [_no_digits(n) for n in fnames]
    miss_f = [n for n in all_r if n not in fnames]
    rm_f = {n for n in fnames if n in {_no_digits(m) for m in miss_f}}
    for n in miss_f:
        if _no_digits(n) in fnames:
            fvals[n] = fvals[_no_digits(n)]
        elif n not in f_nodig:
            fvals[n] = np.zeros(fit.ndraws)
    for n in rm_f:
        fvals.pop(n)
    out = {}
    for g, (r, levels, rnames) in ranefs.items():
        cols = {n: r[:, :, i] for i, n in enumerate(rnames)}
        miss_r = [n for n in fnames if n not in rnames]
        for n in miss_r:
            if _no_digits(n) in rnames:
                cols[n] = cols[_no_digits(n)]
            elif n not in [_no_digits(m) for m in rnames]:
                cols[n] = np.zeros(r.shape[:2])
        for n in rnames:
            if n in {_no_digits(m) for m in miss_r}:
                cols.pop(n)
        combined = {n: _combine(fit, n, fvals[n], v) for n, v in cols.items()}
        arr = np.stack(list(combined.values()), axis=-1)
        out[g] = level_array(
            arr, levels, list(combined), summary=summary, probs=probs, robust=robust
        )
    return out


def _combine(fit: FitLike, name: str, fixed: np.ndarray, varying: np.ndarray) -> np.ndarray:
    """b + r, or a threshold's combination with a varying intercept (brms's sign rule)."""
    if re.search(r"(^|_)Intercept\[\d+\]$", name):
        if fit.info.family in THRES_MINUS_ETA:
            return fixed[:, None] - varying
        if fit.info.family in ETA_MINUS_THRES:
            return varying - fixed[:, None]
    return fixed[:, None] + varying


def VarCorr(  # brms's name
    fit: FitLike,
    sigma: float = 1,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
) -> dict[str, dict[str, Any]]:
    """Standard deviations, correlations and covariances of the group-level effects.

    Parameters
    ----------
    sigma
        Ignored (brms keeps it for compatibility with nlme).
    summary, robust, probs
        As for :meth:`fixef`.

    Returns
    -------
    dict
        Per grouping factor ``{"sd": DataFrame, "cor": DataArray, "cov": DataArray}`` (the
        last two only when the factor has correlations; dims ``(row, stat, col)``, or
        ``(draw, row, col)`` with ``summary=False``), plus ``"residual__"`` with the ``sd``
        of a scalar ``sigma``.
    """
    del sigma
    info = fit.info
    if not info.groups and not fit.store.has("sigma"):
        raise FitError("The model does not contain covariance matrices.")
    probs = check_probs(probs)
    out: dict[str, dict[str, Any]] = {}
    for g in info.group_names:
        rnames = [b.names[k] for b, k in _group_coefs(info, g)]
        blocks = info.blocks(g)
        if any(by_info(b)[0] for b in blocks):  # gr(g, by = f): Intercept:fa, ... (brms)
            rnames = [n.split("__", 1)[1] for b in blocks for n in by_names(b)[0]]
        sds = fit.store.matrix([sd_name(g, c) for c in rnames])
        entry: dict[str, Any] = {
            "sd": sd_table(sds, rnames, summary=summary, probs=probs, robust=robust)
        }
        cor_names = _cor_names(g, rnames)
        if any(fit.store.has(c) for c in cor_names):
            have = [c for c in cor_names if fit.store.has(c)]  # by levels: no cross-level cor
            cors = np.zeros((fit.ndraws, len(cor_names)))
            cors[:, [cor_names.index(c) for c in have]] = fit.store.matrix(have)
            cors = np.nan_to_num(cors, nan=0.0)
            n = len(rnames)
            cor = np.broadcast_to(np.eye(n), (fit.ndraws, n, n)).copy()
            pairs = [(i, j) for j in range(1, n) for i in range(j)]
            for k, (i, j) in enumerate(pairs):
                cor[:, i, j] = cor[:, j, i] = cors[:, k]
            cov = cor * sds[:, :, None] * sds[:, None, :]
            for key, val in (("cor", cor), ("cov", cov)):
                entry[key] = matrix_array(val, rnames, summary=summary, probs=probs, robust=robust)
        out[g] = entry
    if "sigma" in info.spec_pars and fit.store.has("sigma"):
        sd = fit.store.matrix(["sigma"])
        out["residual__"] = {
            "sd": sd_table(sd, [info.response], summary=summary, probs=probs, robust=robust)
        }
    return out
