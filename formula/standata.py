"""brms's ``make_standata``: the design as a dict with brms's field names and order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .ir import Design

# Addition-term data in the order brms writes it after Y.
_ADDITION_ORDER = ("se", "weights", "denom", "trials", "cens", "rcens", "lb", "ub")


def _suffix(dpar: str) -> str:
    return f"_{dpar}" if dpar else ""


def standata(design: Design, ordinal: bool = False) -> dict[str, Any]:
    """Return the design as brms 2.18's ``make_standata()`` output.

    Parameters
    ----------
    design
        The design data.
    ordinal
        Whether the family is ordinal (adds ``nthres`` and ``disc``; X has no intercept).

    Returns
    -------
    dict
        ``N``, ``Y``, addition terms, ``K``, ``X`` (a DataFrame whose first column is
        ``Intercept`` when the model has one), ``Z_k_m``, ``J_k`` (1-based), ``N_k``,
        ``M_k``, ``NC_k``, ``K_<dpar>``, ``X_<dpar>``, ``offsets``, ``prior_only``.
    """
    out: dict[str, Any] = {"N": design.N}
    resp = design.response
    y = resp.y.astype(np.int64) if resp.levels is not None or _is_integer(resp.y) else resp.y
    out["Y"] = y
    for key in _ADDITION_ORDER:
        if key in resp.addition:
            values = resp.addition[key]
            out[key] = values.astype(np.int64) if key == "trials" else values
    if ordinal and resp.levels is not None:
        out["nthres"] = len(resp.levels) - 1
    for block in design.fixed:
        sfx = _suffix(block.dpar)
        out[f"K{sfx}"] = block.K
        out[f"X{sfx}"] = pd.DataFrame(block.X, columns=list(block.columns))
        for group in design.groups:
            for m, dpar in enumerate(group.dpars, 1):
                if dpar == block.dpar:
                    out[f"Z_{group.id}{sfx}_{m}"] = group.Z[:, m - 1]
        if block.offset is not None:
            out[f"offsets{sfx}"] = block.offset
    if ordinal:
        out["disc"] = 1
    for group in design.groups:
        out[f"J_{group.id}"] = group.J.astype(np.int64) + 1
    for group in design.groups:
        k = group.id
        out[f"N_{k}"] = group.n_levels
        out[f"M_{k}"] = group.M
        out[f"NC_{k}"] = group.NC
    out["prior_only"] = 0
    return out


def _is_integer(y: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(y)) and np.all(y == np.round(y)))
