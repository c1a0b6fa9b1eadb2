"""The data of a ``cosy()`` term: brms's series order of the rows (``begin_tg``, ``end_tg``).

As for ARMA terms (:mod:`.autocor`), brms 2.18 sorts the data by the term's ``gr`` then
``time`` (R's ``order(gr, time)``, after the rows with missing values are dropped), refuses a
time repeated within a group, and each group is one series of the compound symmetry density
(the design IR :class:`~..ir_special.CosyData`, ``Design.cosy``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ...errors import DesignError
from ...evaluate.variables import Factor, Value
from ...syntax.ast import Node
from ...syntax.parse import deparse
from ...terms.brmsterms import BrmsTerms
from ..ir_special import CosyData

__all__ = ["COSY_FAMILIES", "cosy_nodes", "cosy_rows", "series_order"]

#: Families whose cosy() terms (and ARMA terms with ``cov = TRUE``) are brms's multivariate
#: time-series densities; the others take latent residuals ``err``
#: (:mod:`brmsjax.backend.model.terms.latent.time_err`).
COSY_FAMILIES = frozenset({"gaussian", "student"})


def cosy_nodes(bt: BrmsTerms) -> list[Node]:
    """The ``time`` and ``gr`` variables of the model's ``cosy()`` term."""
    if bt.cosy is None:
        return []
    return [n for n in (bt.cosy.time, bt.cosy.gr) if n is not None]


def _key(value: Value, axis: str, what: str) -> np.ndarray:
    """Sort key: a factor's codes (R orders a factor by its levels) or the numbers."""
    if isinstance(value, Factor):
        return np.asarray(value.codes, dtype=np.float64)
    values = np.asarray(value.values, dtype=np.float64)
    if values.ndim != 1:
        raise DesignError(f"The {axis} variable of {what} must be a single column.")
    return values


def series_order(
    term: Any, values: Mapping[str, Value], n: int, what: str
) -> tuple[np.ndarray, np.ndarray]:
    """The series order of ``n`` rows of a time-series term (``cosy()`` or ``ar(cov = TRUE)``,
    whose ``time`` and ``gr`` are evaluated in ``values``) and each sorted row's 0-based series.

    Raises
    ------
    DesignError
        For a time point repeated within a group (brms's message), or a ``time`` or ``gr``
        that is not one column.
    """
    time = (
        np.arange(n, dtype=np.float64)
        if term.time is None
        else _key(values[deparse(term.time)], "time", what)
    )
    group = np.zeros(n) if term.gr is None else _key(values[deparse(term.gr)], "gr", what)
    order = np.lexsort((time, group))
    t, g = time[order], group[order]
    if np.any((t[1:] == t[:-1]) & (g[1:] == g[:-1])):
        raise DesignError("Time points within groups must be unique.")
    series = np.concatenate([[0], np.cumsum(g[1:] != g[:-1])]).astype(np.int64)
    return order, series


def cosy_rows(bt: BrmsTerms, values: Mapping[str, Value], n: int, family: str) -> CosyData:
    """The series order of ``n`` evaluated rows and each sorted row's series.

    Raises
    ------
    DesignError
        For a time point repeated within a group (brms's message).
    """
    term = bt.cosy
    if term is None:  # pragma: no cover - callers check
        raise ValueError("The model has no cosy() term.")
    order, series = series_order(term, values, n, "cosy()")
    return CosyData(series, order)
