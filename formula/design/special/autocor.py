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
from ...evaluate.variables import Evaluator, Value
from ...syntax.ast import Node
from ...syntax.parse import deparse
from ...terms.brmsterms import BrmsTerms
from ..ir import ArmaData
from .cosy import series_order

__all__ = ["ARMA_FAMILIES", "arma_nodes", "check_arma_family", "arma_rows", "lag_counts"]

#: Families whose ARMA terms brmsjax fits with brms's predicted residuals (brms's families
#: with "natural residuals"); brms fits the others with latent residuals ``err``
#: (:mod:`brmsjax.backend.model.terms.arma_latent`).
ARMA_FAMILIES = frozenset({"gaussian", "student"})


def check_arma_family(q: int, family: str, kind: str) -> None:
    """Refuse what brms 2.18 refuses: an ARMA term of a family with one mu per category, and
    MA terms (``cov = FALSE``) of a family with latent residuals (brms's messages).

    Raises
    ------
    DesignError
        For those cases.
    """
    if kind == "categorical" or family in {"multinomial", "dirichlet", "logistic_normal"}:
        raise DesignError("Explicit covariance terms can only be specified on 'mu'.")
    if q > 0 and family not in ARMA_FAMILIES:
        raise DesignError("Please set cov = TRUE when modeling MA structures for this family.")


def arma_nodes(bt: BrmsTerms) -> list[Node]:
    """The ``time`` and ``gr`` variables of the model's ARMA term (evaluated with the data)."""
    arma = bt.arma
    if arma is None:
        return []
    return [n for n in (arma.time, arma.gr) if n is not None]


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
    *,
    kind: str = "continuous",
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
        For a family brms fits no ARMA term for (:func:`check_arma_family`), or a time point
        repeated within a group (brms's message).
    """
    arma = bt.arma
    if arma is None:  # pragma: no cover - callers check
        raise ValueError("The model has no ARMA term.")
    if values is None:
        evaluator = Evaluator(frame if frame is not None else {}, bt.source)
        values = {deparse(node): evaluator.value(node) for node in arma_nodes(bt)}
    check_arma_family(arma.q, family, kind)
    order, series = series_order(arma, values, n, "an ARMA term")
    return ArmaData(arma.p, arma.q, lag_counts(series, max(arma.p, arma.q)), order)
