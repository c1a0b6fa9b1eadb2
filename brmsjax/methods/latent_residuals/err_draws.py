"""The latent residuals ``err`` of a prediction (brms 2.18's ``prepare_predictions_ac`` and
``predictor_ac`` for ``ar(cov = TRUE)``/``cosy()`` with latent residuals).

brms adds each row's ``err`` to mu before the family's inverse link: for the fitting data
the saved draws ``err[n]`` (rows in series order); for new data (any ``newdata``, even the
fitting data again) it draws new residuals per series of the new rows (sorted by ``gr`` and
``time``) from ``multi_normal(0, sderr^2 C)``, independent of the fitted ones, with ``C``
the series' correlation matrix of each draw's ``ar``/``ma`` (or ``cosy``). brmsjax draws
them as ``sderr * chol_cor * z`` with standard normal ``z``
(:func:`~brmsjax.backend.model.terms.latent.time_err.scale_time_err`), the same
distribution. ``incl_autocor = FALSE`` leaves them out, as brms does.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from brmsjax.backend import predict as bp
from brmsjax.backend.model.terms.arcov import arcov_data
from brmsjax.backend.model.terms.latent.time_err import is_latent_cov, scale_time_err
from brmsjax.core import FitLike
from brmsjax.formula.design.design import as_frame
from brmsjax.formula.design.newdata import NewDataError, parse_re_formula
from brmsjax.formula.design.special.cosy import series_order
from brmsjax.formula.evaluate.variables import Evaluator
from brmsjax.formula.syntax.parse import deparse

__all__ = ["is_latent_fit", "latent_err_draws"]


def is_latent_fit(fit: FitLike, family: Any) -> bool:
    """Whether the fit's model has latent time-series residuals with ``cov = TRUE``."""
    return fit.design is not None and is_latent_cov(fit.design, family)


def _coefs(fit: FitLike, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The draws' ``ar``/``ma`` ``(S, 1)`` or ``cosy`` ``(S,)`` at draw rows ``rows``."""
    design = fit.design
    if design.arcov is None:
        return {"cosy": fit.store.matrix(["cosy"])[rows, 0]}
    orders = (("ar", design.arcov.p), ("ma", design.arcov.q))
    return {k: fit.store.matrix([f"{k}[1]"])[rows] for k, n in orders if n}


def _new_err(fit: FitLike, newdata: Any, rows: np.ndarray, rng: np.random.Generator) -> Any:
    """New residuals ``(S, n)`` of ``newdata``'s rows (in its order), drawn per series.

    Raises
    ------
    NewDataError
        When ``newdata`` lacks the term's ``time`` or ``gr`` variable.
    """
    bt = fit.design.state.terms
    term = bt.cosy if fit.design.cosy is not None else bt.arma
    frame = as_frame(newdata)
    nodes = [v for v in (term.time, term.gr) if v is not None]
    missing = [deparse(v) for v in nodes if deparse(v) not in map(str, frame.columns)]
    if missing:
        raise NewDataError(
            f"newdata lacks the variables {missing} of {term.label}: new latent residuals are "
            "drawn per series of the new rows, so give their time and group."
        )
    evaluator = Evaluator(frame, bt.source)
    values = {deparse(v): evaluator.value(v) for v in nodes}
    n = len(frame)
    order, series = series_order(term, values, n, term.label)
    z = rng.standard_normal((len(rows), n))
    sderr = fit.store.matrix(["sderr"])[rows, 0]
    scaled = scale_time_err(_coefs(fit, rows), jnp.asarray(z), arcov_data(series))
    err = sderr[:, None] * np.asarray(scaled, dtype=np.float64)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    return err[:, back]


def latent_err_draws(
    fit: FitLike,
    family: Any,
    newdata: Any,
    re_formula: Any,
    *,
    rows: np.ndarray,
    rng: np.random.Generator,
) -> tuple[bp.GroupDraws, ...]:
    """The rows' ``err`` as one per-row effect of mu (none without latent residuals).

    For the fitting data the saved ``err`` draws at draw rows ``rows``, matched to the
    predicted rows (the design's series order, or the data's order when ``re_formula`` has
    group terms); for new data new draws (:func:`_new_err`).
    """
    if not is_latent_fit(fit, family):
        return ()
    design = fit.design
    if newdata is None:
        err = fit.store.matrix([f"err[{i}]" for i in range(1, design.N + 1)])[rows]
        re_terms = parse_re_formula(re_formula)
        if re_terms is not None and re_terms.dpars[0].groups:  # rows in the data's order
            err = err[:, np.argsort(np.asarray(design.rows), kind="stable")]
    else:
        err = _new_err(fit, newdata, rows, rng)
    n = err.shape[1]
    return (bp.GroupDraws(("",), err[:, :, None], np.arange(n), np.ones((n, 1))),)
