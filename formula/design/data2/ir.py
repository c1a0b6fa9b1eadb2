"""The design IR of brms's ``data2`` structures: matrices read from ``data2``, not the data.

A :class:`Data2Design` holds, per group-level ID with ``gr(g, cov = A)``, brms's ``Lcov_k``:
the lower Cholesky factor of ``A`` restricted to and ordered by the grouping factor's levels.
The backend maps the group's standardized effects through it (brms's ``r = sd * Lcov * z``,
with several coefficients ``kronecker(Lcov, diag(sd) L) z``); ``fcor`` holds brms's ``Mfcor``,
the fixed correlation matrix of the residuals (``fcor(M)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .ir_spatial import CarDesign, SarDesign

__all__ = ["Data2Design"]


@dataclass(frozen=True)
class Data2Design:
    """The ``data2`` matrices of a design.

    Attributes
    ----------
    lcov
        brms's ``Lcov_k`` by group-level ID ``k``: ``(N_k, N_k)`` lower Cholesky factors of the
        known covariance of the levels, rows in the order of the group's levels.
    cov
        The ``data2`` name of each ID's covariance matrix (``gr(g, cov = A)``'s ``A``).
    """

    lcov: Mapping[int, np.ndarray] = field(default_factory=dict)
    cov: Mapping[int, str] = field(default_factory=dict)
    #: brms's ``Mfcor``: ``fcor(M)``'s ``(N, N)`` matrix on the rows used, or None.
    fcor: np.ndarray | None = None
    #: ``sar(M, type)``'s ``Msar``/``eigenMsar`` and ``car(M, gr, type)``'s data, or None.
    sar: SarDesign | None = None
    car: CarDesign | None = None

    def __bool__(self) -> bool:
        return bool(self.lcov) or any(x is not None for x in (self.fcor, self.sar, self.car))
