"""The data of an ARMA term: brms's series order and ``J_lag``.

brms 2.18 sorts the data by the term's ``gr`` then ``time`` before it builds anything
(``order_data``: R's ``order(gr, time)``, after the rows with missing values are dropped), so
``make_standata`` lists the rows in series order; predictions are returned in the data's own
order (brms's ``old_order``). With ``cov = FALSE`` the lags come from ``J_lag``
(``data_ac``)::

    J_lag[n] = #{ m in n, n-1, ..., max(1, n + 1 - max_lag) : gr[m] == gr[n + 1] },  J_lag[N] = 0

so row ``n + 1`` uses the residuals of its ``J_lag[n]`` predecessors in its own series, however
far apart their times are (brms's predicted residuals ignore gaps in time).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ...errors import DesignError
from ...evaluate.variables import Evaluator, Factor, Value
from ...syntax.ast import Node
from ...syntax.parse import deparse
from ...terms.brmsterms import BrmsTerms
from ..ir import ArmaData

__all__ = ["ARMA_FAMILIES", "arma_nodes", "arma_rows", "lag_counts"]

#: Families whose ARMA terms brmsjax fits with brms's predicted residuals (brms's families
#: with "natural residuals"); brms fits the others with latent residuals.
ARMA_FAMILIES = frozenset({"gaussian", "student"})


def arma_nodes(bt: BrmsTerms) -> list[Node]:
    """The ``time`` and ``gr`` variables of the model's ARMA term (evaluated with the data)."""
    arma = bt.arma
    if arma is None:
        return []
    return [n for n in (arma.time, arma.gr) if n is not None]


def _key(value: Value, what: str) -> np.ndarray:
    """Sort key of a ``time`` or ``gr`` variable: a factor's codes (R orders a factor by its
    levels) or the numbers."""
    if isinstance(value, Factor):
        return np.asarray(value.codes, dtype=np.float64)
    values = np.asarray(value.values, dtype=np.float64)
    if values.ndim != 1:
        raise DesignError(f"The {what} variable of an ARMA term must be a single column.")
    return values


def lag_counts(groups: np.ndarray, max_lag: int) -> np.ndarray:
    """brms's ``J_lag`` of rows in series order with series keys ``groups``."""
    n = len(groups)
    out = np.zeros(n, dtype=np.int64)
    for i in range(n - 1):
        window = groups[max(0, i + 1 - max_lag) : i + 1]
        out[i] = int(np.sum(window == groups[i + 1]))
    return out


def arma_rows(
    bt: BrmsTerms,
    values: Mapping[str, Value] | None,
    n: int,
    family: str,
    frame: pd.DataFrame | None = None,
) -> ArmaData:
    """The series order of ``n`` evaluated rows and their ``J_lag``.

    ``values`` holds the evaluated ``time`` and ``gr``; None evaluates them on ``frame`` (new
    data) as brms's ``order_data`` reads them: raw, not with the fitting data's levels, so a
    new series or time is fine.

    Returns
    -------
    ArmaData
        With ``order`` the rows in series order (R's ``order(gr, time)``; ties keep the data
        order) and ``J_lag`` in that order.

    Raises
    ------
    DesignError
        For a family brmsjax fits no ARMA term for, or a time point repeated within a group
        (brms's message).
    """
    arma = bt.arma
    if arma is None:  # pragma: no cover - callers check
        raise ValueError("The model has no ARMA term.")
    if values is None:
        evaluator = Evaluator(frame if frame is not None else {}, bt.source)
        values = {deparse(node): evaluator.value(node) for node in arma_nodes(bt)}
    if family not in ARMA_FAMILIES:
        raise DesignError(
            f"ARMA terms ({arma.label}) are supported in brmsjax for the gaussian and student "
            f"families only, not for family '{family}' (brms fits them with latent residuals)."
        )
    time = (
        np.arange(n, dtype=np.float64)
        if arma.time is None
        else _key(values[deparse(arma.time)], "time")
    )
    group = np.zeros(n) if arma.gr is None else _key(values[deparse(arma.gr)], "gr")
    order = np.lexsort((time, group))
    t, g = time[order], group[order]
    if np.any((t[1:] == t[:-1]) & (g[1:] == g[:-1])):
        raise DesignError("Time points within groups must be unique.")
    return ArmaData(arma.p, arma.q, lag_counts(g, max(arma.p, arma.q)), order)
