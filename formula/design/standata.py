"""brms's ``make_standata``: the design as a dict with brms's field names and order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .data2.car_multi import car_structures
from .gp import gp_standata
from .ir import Design, FixedBlock, SpBlock
from .special.group_by import ByGroupBlock
from .special.measurement import me_standata
from .special.multimembership import MmGroupBlock
from .special.nlf import with_nlf_standata

# Response data in the order brms 2.18 writes it after Y (``ncat``/``nthres`` are the category
# counts of categorical and ordinal models).
_ADDITION_ORDER = (
    "trials",
    "ncat",
    "nthres",
    "se",
    "weights",
    "dec",
    "denom",
    "cens",
    "rcens",
    "lb",
    "ub",
)
_INTEGER_FIELDS = frozenset({"trials", "cens"})


def _suffix(dpar: str) -> str:
    return f"_{dpar}" if dpar else ""


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def standata(
    design: Design,
    ordinal: bool = False,
    family: Any = None,
    con_simo: Mapping[str, np.ndarray] | None = None,
    con_theta: np.ndarray | None = None,
) -> dict[str, Any]:
    """Return the design as brms 2.18's ``make_standata()`` output.

    Parameters
    ----------
    design
        The design data.
    ordinal
        Treat the design as ordinal even if it was built without the family (adds ``nthres``
        and ``disc``); designs built for an ordinal family are recognised by themselves.
    family
        The family (an object with ``name``, ``kind`` and ``dpars``), optional: parameters fixed
        to constants (``nu = 4``, ``sigma = 0`` from ``se()``, ordinal ``disc = 1``) are
        written after the predictors in the order of its ``dpars``, else in the order they
        were fixed.
    con_simo
        The Dirichlet concentrations of the ``mo()`` simplexes by brms's data name
        (``con_simo_1``, ``con_simo_sigma_1``); brms's default ``dirichlet(1)`` where absent.
    con_theta
        A mixture's Dirichlet concentration of its mixing proportions ``theta`` (brms's
        default ``dirichlet(1)`` where None), written where they are neither fixed nor
        predicted.

    Returns
    -------
    dict
        ``N``, ``Y``, response data (``trials``, ``ncat``/``nthres``, ``se``, ``weights``,
        ``denom``, ``cens``, ``rcens``, ``lb``, ``ub``), ``K``, ``X`` (a DataFrame whose first
        column is ``Intercept`` when the model has one), the ``mo()`` data (``Ksp``,
        ``Csp_k``, ``Imo``, ``Xmo_j``, ``Jmo``, ``con_simo_j``), ``Z_k_m``, the fixed parameters,
        ``J_k`` (1-based), ``N_k``, ``M_k``, ``NC_k``, ``Lcov_k`` (``gr(g, cov = A)``),
        ``K_<dpar>``, ``X_<dpar>``, ``offsets``, ``prior_only``.
    """
    out: dict[str, Any] = {"N": design.N}
    resp = design.response
    factor = resp.levels is not None and resp.y.ndim == 1  # not a matrix of proportions
    y = resp.y.astype(np.int64) if factor or _is_integer(resp.y) else resp.y
    name = getattr(family, "name", None) or getattr(design.state, "family", "")
    if resp.levels is not None and name == "bernoulli":
        y = y - 1  # brms codes a two-level factor as 0 and 1
    out["Y"] = y if design.missing is None else np.where(np.isnan(y), np.inf, y)
    mu = design.fixed[0] if design.fixed else None
    ordinal = (
        ordinal
        or design.kind == "ordinal"
        or bool(mu and mu.thresholds)
        or getattr(family, "kind", "") == "ordinal"
    )
    response: dict[str, Any] = dict(resp.addition)
    if design.kind == "categorical" and resp.levels is not None:
        response["ncat"] = len(resp.levels)
    if ordinal and resp.levels is not None:
        response["nthres"] = mu.thresholds if mu and mu.thresholds else len(resp.levels) - 1
    for key in _ADDITION_ORDER:
        if key in response:
            values = response[key]
            out[key] = values.astype(np.int64) if key in _INTEGER_FIELDS else values
    if design.missing is not None:  # brms's mi() data follow the other response data
        out.update(design.missing.standata(design.N))
    if design.nonlinear is not None:  # covariate vectors of the non-linear formula
        for k in range(len(design.nonlinear.covariates)):
            out[f"C_{k + 1}"] = design.nonlinear.C[:, k]
    for block in design.fixed:
        sfx = _suffix(block.dpar)
        ns = len(block.smooth)  # the smooths' columns (brms's Xs) are X's last
        out[f"K{sfx}"] = block.K - ns
        out[f"X{sfx}"] = pd.DataFrame(
            block.X[:, : block.K - ns], columns=block.columns[: block.K - ns]
        )
        if block.sp is not None:
            out.update(sp_standata(block.sp, sfx, con_simo or {}))
        for group in design.groups:
            sp = group.sp or (False,) * group.M
            for m, (dpar, flag) in enumerate(zip(group.dpars, sp, strict=True), 1):
                if dpar == block.dpar and not flag and isinstance(group, MmGroupBlock):
                    for j in range(group.Z.shape[1]):  # Z_k_c_m per membership m
                        out[f"Z_{group.id}{sfx}_{m}_{j + 1}"] = group.Z_members[:, j, m - 1]
                elif dpar == block.dpar and not flag:
                    out[f"Z_{group.id}{sfx}_{m}"] = group.Z[:, m - 1]
        if block.Xcs is not None:  # brms's data_cs, after data_re
            out[f"Kcs{sfx}"] = len(block.cs_columns)
            out[f"Xcs{sfx}"] = pd.DataFrame(block.Xcs, columns=list(block.cs_columns))
        out.update(smooth_standata(design, block, sfx))
        for gp in design.gps:
            if gp.dpar == block.dpar:
                out.update(gp_standata(gp))
        if block.offset is not None:
            out[f"offsets{sfx}"] = block.offset
        if not block.dpar and design.arma is not None:  # brms's data_ac of mu
            out["Kar"], out["Kma"] = design.arma.p, design.arma.q
            out["J_lag"] = design.arma.J_lag.astype(np.int64)
        if not block.dpar and design.data2 is not None and design.data2.sar is not None:
            sar = design.data2.sar  # brms's data_ac of sar(M)
            out["Msar"], out["eigenMsar"], out["N_tg"] = sar.M, sar.eigen, 1
        for car in car_structures(design):  # brms's data_ac of car(M, gr) (per component)
            if car.dpar == block.dpar:
                out.update(car.standata())
        if not block.dpar and design.cosy is not None:  # brms's data_ac of cosy()
            out.update(design.cosy.standata())
        if not block.dpar and design.arcov is not None:  # data_ac of ar(cov = TRUE)
            out.update(design.arcov.standata())
        if not block.dpar and design.data2 is not None and design.data2.fcor is not None:
            out["Mfcor"], out["N_tg"] = design.data2.fcor, 1  # brms's data_ac of fcor(M)
    fixed = dict(design.fixed_dpars)
    if ordinal and design.block("disc") is None:
        fixed.setdefault("disc", 1.0)
    order = [d for d in getattr(family, "dpars", ()) if d in fixed]
    for dpar in [*order, *(d for d in fixed if d not in order)]:
        out[dpar] = _number(fixed[dpar])
    for group in design.groups:
        if isinstance(group, MmGroupBlock):  # J_k_m and W_k_m per membership
            for j in range(group.J.shape[1]):
                out[f"J_{group.id}_{j + 1}"] = group.J[:, j].astype(np.int64) + 1
                out[f"W_{group.id}_{j + 1}"] = group.W[:, j]
        else:
            out[f"J_{group.id}"] = group.J.astype(np.int64) + 1
    nmix = len(getattr(family, "components", ()) or ())
    thetas = [f"theta{k}" for k in range(1, nmix + 1)]
    if nmix and not any(t in fixed or design.block(t) is not None for t in thetas):
        out["con_theta"] = np.ones(nmix) if con_theta is None else np.asarray(con_theta, float)
    for group in design.groups:
        k = group.id
        out[f"N_{k}"] = group.n_levels
        out[f"M_{k}"] = group.M
        out[f"NC_{k}"] = group.NC
        if isinstance(group, ByGroupBlock) and group.by:  # gr(g, by = f)
            out[f"Nby_{k}"] = len(group.by_levels)
            out[f"Jby_{k}"] = group.Jby.astype(np.int64) + 1
        if design.data2 is not None and k in design.data2.lcov:  # gr(g, cov = A)
            out[f"Lcov_{k}"] = design.data2.lcov[k]
    out.update(me_standata([block.sp for block in design.fixed]))  # brms's data_Xme
    out["prior_only"] = 0
    return with_nlf_standata(out, design)  # nlf(): C_<dpar>_k where brms writes them


def _is_integer(y: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(y)) and np.all(y == np.round(y)))


def sp_standata(sp: SpBlock, sfx: str, con_simo: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """brms's ``data_sp`` of one block's ``mo()`` terms: ``Ksp``, ``Csp_k``, ``Imo``,
    ``Xmo_j``, ``Jmo`` and ``con_simo_j`` (suffixed ``_sigma`` etc. for a dpar)."""
    out: dict[str, Any] = {f"Ksp{sfx}": len(sp.terms)}
    for k, column in enumerate(sp.Csp, 1):
        out[f"Csp{sfx}_{k}"] = column
    if not sp.Xmo:  # me() terms only: brms writes no mo() data
        return out
    out[f"Imo{sfx}"] = len(sp.Xmo)
    for j, x in enumerate(sp.Xmo, 1):
        out[f"Xmo{sfx}_{j}"] = x.astype(np.int64)
    out[f"Jmo{sfx}"] = np.asarray(sp.Jmo, dtype=np.int64)
    for j, size in enumerate(sp.Jmo, 1):
        if sp.owner(j - 1) != j - 1:  # mo(x, id = ...): the simplex is another's
            continue
        key = f"con_simo{sfx}_{j}"
        out[key] = np.asarray(con_simo.get(key, np.ones(size)), dtype=float)
    return out


def smooth_standata(design: Design, block: FixedBlock, sfx: str) -> dict[str, Any]:
    """brms's ``data_sm`` of one block's ``s()``/``t2()`` terms: ``nb``, ``Zs``, ``knots`` per
    smooth, then ``Ks`` and ``Xs`` (the block's last, unpenalized columns)."""
    out: dict[str, Any] = {}
    smooths = [sm for sm in design.smooths if sm.dpar == block.dpar]
    for sm in smooths:
        out[f"nb{sfx}_{sm.k}"] = len(sm.Zs)
        for j, Zs in enumerate(sm.Zs, 1):
            out[f"Zs{sfx}_{sm.k}_{j}"] = Zs
        out[f"knots{sfx}_{sm.k}"] = np.asarray(sm.knots, dtype=np.int64)
    if smooths:
        ns = len(block.smooth)
        out[f"Ks{sfx}"] = ns
        out[f"Xs{sfx}"] = pd.DataFrame(block.X[:, block.K - ns :], columns=block.smooth)
    return out
