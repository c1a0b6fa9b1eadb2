"""The data of ``ar()``/``ma()``/``arma()`` with ``cov = TRUE``: the series of the rows.

brms 2.18 sorts the data by the term's ``gr`` then ``time`` (R's ``order(gr, time)``) as for
every ARMA term and models each group's residuals with one AR(1)/MA(1)/ARMA(1, 1) covariance
matrix (consecutive rows of a series are one time step apart, whatever their ``time``
values). brmsjax fits the gaussian and student families, whose likelihood is that
multivariate density (brms's ``normal_time_hom``/``student_t_time_hom``, ``_het`` when sigma
is predicted); the other families take latent residuals ``err`` with that correlation
(:mod:`brmsjax.backend.model.terms.latent.time_err`), as for ``cosy()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import DesignError
from ...evaluate.variables import Value
from ...terms.brmsterms import BrmsTerms
from ..ir_special import ArcovData, CosyData
from .cosy import cosy_rows, series_order

__all__ = ["arcov_rows", "series_fields", "series_rows"]


def arcov_rows(
    bt: BrmsTerms, values: Mapping[str, Value], n: int, family: str, kind: str
) -> ArcovData:
    """The series order of ``n`` evaluated rows of a model with ``ar(..., cov = TRUE)``.

    Raises
    ------
    DesignError
        For a time point repeated within a group (brms's message).
    """
    arma = bt.arma
    if arma is None:  # pragma: no cover - callers check
        raise ValueError("The model has no ARMA term.")
    order, series = series_order(arma, values, n, "an ARMA term")
    return ArcovData(series, order, arma.p, arma.q)


def series_rows(
    bt: BrmsTerms, values: Mapping[str, Value], n: int, family: str, kind: str
) -> CosyData | None:
    """The model's time-series covariance term's rows: a ``cosy()`` term's
    (:class:`~..ir_special.CosyData`), an ARMA term's with ``cov = TRUE``
    (:class:`~..ir_special.ArcovData`), else None; brms allows one such term.

    Raises
    ------
    DesignError
        For a family with one mu per category or a mixture (brms's message).
    """
    if (bt.cosy is not None or (bt.arma is not None and bt.arma.cov)) and (
        kind == "categorical"
        or family in {"multinomial", "dirichlet", "logistic_normal", "mixture"}
    ):
        raise DesignError("Explicit covariance terms can only be specified on 'mu'.")
    if bt.arma is not None and bt.arma.cov:
        return arcov_rows(bt, values, n, family, kind)
    return None if bt.cosy is None else cosy_rows(bt, values, n, family)


def series_fields(data: CosyData | None) -> dict[str, Any]:
    """The :class:`~..ir.Design` field of :func:`series_rows`'s data: ``arcov`` or ``cosy``."""
    return {"arcov" if isinstance(data, ArcovData) else "cosy": data}
