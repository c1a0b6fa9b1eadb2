"""Design IR of brms's missing-value and measurement-error terms (``mi()``, ``me()``).

Split from :mod:`.ir` (which holds a :class:`MissingData` in ``Design.missing``); the builders
are in :mod:`.special.missing`. Everything is frozen; arrays are never mutated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MissingData"]


@dataclass(frozen=True)
class MissingData:
    """The ``mi()`` data of a response.

    Attributes
    ----------
    missing
        0-based rows whose response is latent without an observation: the missing responses
        (``mi()``: brms's ``Jmi``, the ``Ymi`` parameters), or with ``mi(sdy)`` the rows whose
        response or ``sdy`` is missing or whose ``sdy`` is infinite.
    noise
        ``mi(sdy)``'s ``sdy`` per row (``Inf`` at ``missing``), None for ``mi()``.
    lb, ub
        Bounds of the latent values (brms's ``lbmi``, ``ubmi``).
    """

    missing: np.ndarray
    noise: np.ndarray | None = None
    lb: float = -math.inf
    ub: float = math.inf

    @property
    def latent(self) -> bool:
        """Whether every response is latent (``mi(sdy)``: brms's ``Yl``)."""
        return self.noise is not None

    def standata(self, n: int) -> dict[str, Any]:
        """brms's ``Jmi``, ``Nmi`` (or ``Jme``, ``Nme``, ``noise``), ``lbmi``, ``ubmi``."""
        out: dict[str, Any] = {}
        if self.noise is None:
            out["Jmi"] = self.missing.astype(np.int64) + 1
            out["Nmi"] = len(self.missing)
        else:
            known = np.setdiff1d(np.arange(n), self.missing)
            out["Jme"] = known.astype(np.int64) + 1
            out["Nme"] = len(known)
            out["noise"] = self.noise
        out["lbmi"], out["ubmi"] = self.lb, self.ub
        return out
