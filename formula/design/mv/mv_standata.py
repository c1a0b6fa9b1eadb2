"""brms 2.18's ``make_standata()`` of a multivariate design.

brms lists each response's ``N_<resp>`` and ``Y_<resp>`` (with its addition data), then
``nresp`` and ``nrescor`` where the residuals correlate, ``N``, then per response its blocks
(``K_<resp>``, ``X_<resp>``, ``Z_<id>_<resp>_<m>``, ``K_sigma_<resp>`` ...) followed by the
index of each group-level ID the response has coefficients in (``J_<id>_<resp>``), then
``N_k``, ``M_k``, ``NC_k`` per ID and ``prior_only``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data2.car_multi import car_structures
from ..ir import Design
from ..standata import smooth_standata, sp_standata, standata
from .ir_mv import split_dpar

__all__ = ["mv_standata"]

#: brms's mi() data of a response (``Jmi_<resp>``, ...), after its other response data.
_MI = ("Jmi", "Nmi", "Jme", "Nme", "noise", "lbmi", "ubmi")


def mv_standata(design: Design, families: Any = None) -> dict[str, Any]:
    """The ``make_standata()`` list of a flat multivariate design (``design.mv`` set).

    ``families`` (one per response) default to the design's own.
    """
    mv = design.mv
    fams = mv.families if families is None else families
    out: dict[str, Any] = {}
    for resp, d, fam in zip(mv.responses, mv.designs, fams, strict=True):
        sd = standata(d, family=fam)
        out[f"N_{resp}"] = sd["N"]
        out[f"Y_{resp}"] = sd["Y"]
        for key in ("trials", "se", "weights", "denom", "cens", "rcens", "lb", "ub", *_MI):
            if key in sd:
                out[f"{key}_{resp}"] = sd[key]
    if mv.rescor:
        out["nresp"] = mv.nresp
        out["nrescor"] = mv.nresp * (mv.nresp - 1) // 2
    out["N"] = design.N
    subset = mv.subset
    for k, resp in enumerate(mv.responses):
        kept = None if subset is None else subset.rows[k]

        def take(a: Any, kept: Any = kept) -> Any:  # a subsetted response's rows only
            return a if kept is None else np.asarray(a)[kept]

        mine = [b for b in design.fixed if split_dpar(b.dpar, mv.responses)[0] == resp]
        for block in mine:
            sfx = f"_{block.dpar}"
            ns = len(block.smooth)  # the smooths' columns (brms's Xs) are X's last
            out[f"K{sfx}"] = block.K - ns
            out[f"X{sfx}"] = pd.DataFrame(
                take(block.X[:, : block.K - ns]), columns=block.columns[: block.K - ns]
            )
            if block.sp is not None:  # mi(x) predictors: Ksp_<resp>, Csp_<resp>_k
                out.update(sp_standata(block.sp, sfx, {}))
            for look in () if subset is None else subset.lookups:  # mi(x, idx): idxl_*
                if look.dpar == block.dpar:
                    out[look.name] = take(look.positions + 1)
            for g in design.groups:
                for m, dpar in enumerate(g.dpars, 1):
                    if dpar == block.dpar:
                        out[f"Z_{g.id}{sfx}_{m}"] = take(g.Z[:, m - 1])
            out.update(smooth_standata(design, block, sfx))
            if block.offset is not None:
                out[f"offsets{sfx}"] = take(block.offset)
            for car in car_structures(design):  # brms's data_ac of car(M, gr)
                if car.dpar == block.dpar:
                    out.update(car.standata())
        for g in design.groups:
            if any(split_dpar(d, mv.responses)[0] == resp for d in g.dpars):
                out[f"J_{g.id}_{resp}"] = take(g.J.astype(np.int64) + 1)
        for key, value in design.fixed_dpars.items():
            if split_dpar(key, mv.responses)[0] == resp:
                out[key] = int(value) if float(value).is_integer() else float(value)
    for g in design.groups:
        out[f"N_{g.id}"] = g.n_levels
        out[f"M_{g.id}"] = g.M
        out[f"NC_{g.id}"] = g.NC
    out["prior_only"] = 0
    return out
