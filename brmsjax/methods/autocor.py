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

from brmsjax.backend.model.terms.autocor import arma_data
from brmsjax.core import FitLike
from brmsjax.formula.design.design import as_frame
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.newdata import NewData
from brmsjax.formula.errors import ModelError
from brmsjax.formula.evaluate.variables import variable_names

__all__ = ["arma_draws", "check_arma_fit", "check_sar_fit", "has_response", "without_arma"]


def has_response(design: Design, newdata: Any) -> bool:
    """Whether ``newdata`` has every variable of the model's response."""
    columns = [str(c) for c in as_frame(newdata).columns]
    return all(v in columns for v in variable_names(design.state.terms.response, columns))


def arma_draws(fit: FitLike, nd: NewData, rows: np.ndarray, new: bool = False) -> dict[str, Any]:
    """The ``ar``/``ma`` draws at draw rows ``rows`` and the lag structure of ``nd``'s rows;
    with latent residuals (families other than gaussian and student) the ``err`` draws of the
    fitted rows, which brms's ``predictor_ac`` adds to mu.

    Raises
    ------
    ModelError
        For new data (``new``) of a model with latent residuals (brms's message).
    """
    arma = nd.arma
    if arma is None:  # pragma: no cover - callers check
        raise ValueError("The data have no ARMA term.")
    out: dict[str, Any] = {"lags": arma_data(arma.J_lag, arma.max_lag, arma.order)}
    for cls, k in (("ar", arma.p), ("ma", arma.q)):
        if k:
            out[cls] = fit.store.matrix([f"{cls}[{i}]" for i in range(1, k + 1)])[rows]
    if "err[1]" in fit.store.names:
        if new:
            raise ModelError(
                "Cannot predict new latent residuals when using cov = FALSE in autocor terms."
            )
        out["err"] = fit.store.matrix([f"err[{i}]" for i in range(1, nd.n + 1)])[rows]
    return out


def without_arma(design: Design) -> Design:
    """``design`` without its ARMA term (brms's ``incl_autocor = FALSE``): new data need no
    ``time`` or ``gr`` and predictions leave the lagged residuals out."""
    if design.arma is None:
        return design
    state = design.state
    return replace(design, arma=None, state=replace(state, terms=replace(state.terms, arma=None)))


def check_arma_fit(design: Design, algorithm: str, batch_size: Any, shard_rows: Any) -> None:
    """Refuse fitting settings that split an ARMA model's rows: each row's lags are the rows
    before it in its series, so the likelihood needs all rows together, in order.

    Raises
    ------
    ModelError
        For ``shard_rows``, and for an approximation that takes batches or a subsample of rows.
    """
    if design.arma is None and design.arcov is None:  # cov = FALSE: lags; TRUE: series
        return
    from brmsjax.backend.infer.approx import BATCH_ROWS, HESSIAN_ROWS

    if shard_rows:
        raise ModelError(
            "Models with ARMA terms cannot split their rows over devices (shard_rows)."
        )
    if algorithm != "sampling" and (
        batch_size is not None or design.N > min(BATCH_ROWS, HESSIAN_ROWS)
    ):
        raise ModelError(
            f"algorithm = '{algorithm}' would take batches of rows, which a model with ARMA terms "
            "cannot use (each row needs the rows before it); fit it with sampling."
        )


def check_sar_fit(design: Design, shard_rows: Any) -> None:
    """Refuse ``shard_rows`` for a ``sar()`` model: its likelihood is one density of all rows
    (``(I - rho M)`` couples every row with its neighbours).

    Raises
    ------
    ModelError
        For ``shard_rows`` with a ``sar()`` term.
    """
    data2 = design.data2
    if shard_rows and data2 is not None and data2.sar is not None:
        raise ModelError(
            "Models with sar() terms cannot split their rows over devices (shard_rows): their "
            "likelihood is one density of all rows."
        )
