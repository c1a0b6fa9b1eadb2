"""The user API's multivariate path: design, family, priors and standata of ``mvbind()`` and
``bf() + bf()`` models (see :mod:`brmsjax.formula.design.mv.ir_mv`).

:func:`brmsjax.api.brm`, :func:`~brmsjax.api.get_prior` and :func:`~brmsjax.api.make_standata`
hand a multivariate formula here; the lowering, sampling and the fit object are shared with
univariate models.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from brmsjax.backend.families.mv import MvFamily, mv_family
from brmsjax.backend.families.registry import Family, get_family
from brmsjax.backend.predict import GroupDraws
from brmsjax.backend.priors.mv import mv_prior_table, resolve_mv_priors
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.mv.mv_design import build_mv_design
from brmsjax.formula.design.mv.mv_standata import mv_standata
from brmsjax.formula.design.special.missing import observed
from brmsjax.formula.errors import ModelError
from brmsjax.formula.terms.mv import is_multivariate

__all__ = [
    "is_multivariate",
    "mv_design_for",
    "mv_get_prior",
    "mv_make_standata",
    "mv_mi_draws",
    "mv_priors",
]


def mv_design_for(
    formula: Any, data: Any, family: str | Family, data2: Any = None
) -> tuple[Design, MvFamily]:
    """The flat design of a multivariate formula and its :class:`MvFamily`, the responses
    checked against their families (``data2`` as :func:`~brmsjax.api.brm`'s)."""
    fam = get_family(family)
    design = build_mv_design(formula, data, family=fam, data2=data2)
    mv = design.mv
    members = [get_family(f) for f in mv.families]
    for d, f in zip(mv.designs, members, strict=True):
        y = observed(d.response.y, d.missing)  # mi(): the missing responses are parameters
        f.check_response(d.response.name, y, d.response.levels, d.response.addition)
    if design.N < 2:
        raise ModelError(
            f"The model has {design.N} usable row; it needs at least 2 rows without missing values."
        )
    return design, mv_family(mv.responses, members, mv.rescor)


def mv_priors(design: Design, family: MvFamily, prior: Any) -> dict[str, Any]:
    """The resolved priors of the flat design's parameters."""
    return resolve_mv_priors(design, family, prior)


def mv_get_prior(
    formula: Any, data: Any, family: str | Family, prior: Any, data2: Any = None
) -> pd.DataFrame:
    """brms's ``get_prior()`` of a multivariate model (with its ``resp`` column)."""
    design, fam = mv_design_for(formula, data, family, data2)
    return mv_prior_table(design, fam, prior)


def mv_make_standata(
    formula: Any, data: Any, family: str | Family, data2: Any = None
) -> dict[str, Any]:
    """brms's ``make_standata()`` of a multivariate model."""
    design, fam = mv_design_for(formula, data, family, data2)
    return mv_standata(design, fam.members)


def mv_mi_draws(
    fit: Any, nd: Any, newdata: Any, rows: np.ndarray, b: dict[str, np.ndarray]
) -> tuple[GroupDraws, ...]:
    """The ``mi(x)`` terms of a multivariate fit as per-draw effects of one level per row.

    Each term is ``bsp * Csp * Yl_x``: ``Yl_x`` is ``x``'s data with the draws of
    ``Ymi_x`` at its missing rows (the fitted data), or new data's ``x`` (brms reads the
    variable from new data). The terms' columns of ``b`` are zeroed: their effect is here.

    Raises
    ------
    ModelError
        New data without ``x`` or with missing values in it, or ``x | mi(sdy)`` (its latent
        values are not saved).
    """
    design = fit.design
    mv = design.mv
    if mv is None:
        return ()
    out = []
    latent: dict[str, np.ndarray] = {}
    for block in design.fixed:
        sp = block.sp
        if sp is None or not any(t.mi for t in sp.terms):
            continue
        n_sp = len(sp.terms)
        X = np.asarray(nd.X[block.dpar], dtype=float)
        start = b[block.dpar].shape[1] - n_sp
        r = np.zeros((len(rows), X.shape[0]))
        for i, term in enumerate(sp.terms):
            effect = b[block.dpar][:, start + i : start + i + 1] * X[None, :, X.shape[1] - n_sp + i]
            for resp in term.mi:
                if resp not in latent:
                    latent[resp] = _latent(fit, resp, newdata, rows)
                effect = effect * _matched(mv, block.dpar, resp, latent[resp], newdata)
            r += effect
            b[block.dpar][:, start + i] = 0.0
        J = np.arange(X.shape[0], dtype=np.int64)
        out.append(GroupDraws((block.dpar,), r[:, :, None], J, np.ones((X.shape[0], 1))))
    return tuple(out)


def _latent(fit: Any, resp: str, newdata: Any, rows: np.ndarray) -> np.ndarray:
    """``(S, N)`` values of response ``resp`` that its ``mi(x)`` terms read."""
    mv = fit.design.mv
    d = mv.design(resp)
    label = mv.labels[mv.responses.index(resp)]
    if newdata is not None:
        frame = pd.DataFrame(newdata)
        if label not in frame.columns or frame[label].isna().any():
            raise ModelError(
                f"mi({label}) needs the variable '{label}' without missing values in newdata."
            )
        return np.broadcast_to(frame[label].to_numpy(dtype=float), (len(rows), len(frame)))
    if d.missing is not None and d.missing.latent:
        raise ModelError(
            f"Predictions with mi({label}) of a response with mi(sdy) need its latent values, "
            "which are not saved; pass newdata with the variable."
        )
    y = np.broadcast_to(np.asarray(d.response.y, dtype=float), (len(rows), d.N)).copy()
    if d.missing is not None and len(d.missing.missing):
        names = [f"Ymi_{resp}[{j + 1}]" for j in d.missing.missing]
        y[:, d.missing.missing] = fit.store.matrix(names)[rows]
    return y


def _matched(mv: Any, dpar: str, resp: str, latent: np.ndarray, newdata: Any) -> np.ndarray:
    """``latent`` read at the rows that ``mi(x, idx)`` matches by ``index()`` (brms's
    ``Yl_x[idxl]``); ``latent`` itself for ``mi(x)``."""
    looks = () if mv.subset is None else mv.subset.lookups
    for look in looks:
        if look.dpar == dpar and look.target == resp:
            if newdata is not None:
                raise ModelError(
                    f"Predictions with newdata of mi(x, idx) terms (response '{resp}' matched "
                    "by index()) are not supported yet; predict the fitted data."
                )
            return latent[:, look.positions]
    return latent
