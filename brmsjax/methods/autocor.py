"""Predictions of models with an ARMA term (brms 2.18's ``cov = FALSE`` "predicted residuals").

brms predicts each row of a series with the residuals of the rows before it in its series
(``.predictor_arma``): the observed response where the data have it, else a draw from the
posterior predictive distribution. For the fitting data (and new data with the response) the
predictions therefore use the observed residuals; for new data without the response every row
is drawn in series order. Results come back in the data's own row order (brms's ``old_order``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from brmsjax.backend.model.autocor import arma_data
from brmsjax.core import FitLike
from brmsjax.formula.design.design import as_frame
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.newdata import NewData
from brmsjax.formula.evaluate.variables import variable_names

__all__ = ["arma_draws", "has_response", "without_arma"]


def has_response(design: Design, newdata: Any) -> bool:
    """Whether ``newdata`` has every variable of the model's response."""
    columns = [str(c) for c in as_frame(newdata).columns]
    return all(v in columns for v in variable_names(design.state.terms.response, columns))


def arma_draws(fit: FitLike, nd: NewData, rows: np.ndarray) -> dict[str, Any]:
    """The ``ar``/``ma`` draws at draw rows ``rows`` and the lag structure of ``nd``'s rows."""
    arma = nd.arma
    if arma is None:  # pragma: no cover - callers check
        raise ValueError("The data have no ARMA term.")
    out: dict[str, Any] = {"lags": arma_data(arma.J_lag, arma.max_lag, arma.order)}
    for cls, k in (("ar", arma.p), ("ma", arma.q)):
        if k:
            out[cls] = fit.store.matrix([f"{cls}[{i}]" for i in range(1, k + 1)])[rows]
    return out


def without_arma(design: Design) -> Design:
    """``design`` without its ARMA term (brms's ``incl_autocor = FALSE``): new data need no
    ``time`` or ``gr`` and predictions leave the lagged residuals out."""
    if design.arma is None:
        return design
    state = design.state
    return replace(design, arma=None, state=replace(state, terms=replace(state.terms, arma=None)))
