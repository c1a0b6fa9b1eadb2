"""Design IR of ``ar()``/``ma()``/``arma()`` with ``cov = TRUE`` (brms 2.18's time-series
covariance formulation).

Such a term correlates the residuals of each series (one group of ``gr``, rows sorted by
``gr`` then ``time``) through an AR(1), MA(1) or ARMA(1, 1) covariance matrix, so its data are
the series of the rows, as for ``cosy()`` (:class:`~.ir_special.CosyData`, whose ``N_tg``,
``begin_tg``, ``nobs_tg`` and ``end_tg`` it shares), and brms's orders ``Kar``/``Kma``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ir_special import CosyData

__all__ = ["ArcovData"]


@dataclass(frozen=True)
class ArcovData(CosyData):
    """The series of the rows of an ARMA term with ``cov = TRUE`` and its orders.

    Attributes
    ----------
    series, order
        As :class:`~.ir_special.CosyData`: each sorted row's 0-based series, and the rows in
        series order (``arange(N)`` for a Design, whose rows are sorted).
    p, q
        The AR and MA orders (brms's ``Kar``, ``Kma``; each 0 or 1).
    """

    p: int = 0
    q: int = 0

    def standata(self) -> dict[str, object]:
        """brms's ``data_ac``: ``Kar``, ``Kma``, then the series' ``N_tg``, ``begin_tg``,
        ``nobs_tg`` and ``end_tg``."""
        return {"Kar": self.p, "Kma": self.q, **super().standata()}
