"""The design IR of brms's spatial terms ``sar()`` and ``car()`` (their ``data2`` matrices).

:class:`SarDesign` holds brms's ``Msar`` and ``eigenMsar`` (``sar(M, type)``), whose smallest
and largest eigenvalues bound the ``lagsar``/``errorsar`` parameter; :class:`CarDesign` holds
brms's ``Nloc``/``Jloc``/``Nedges``/``edges1``/``edges2`` and, by type, ``Nneigh`` and
``eigenMcar`` (``escar``, ``esicar``) or ``car_scale`` (``bym2``) of ``car(M, gr, type)``.
They are fields of :class:`~.ir.Data2Design`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CarDesign", "SarDesign"]


@dataclass(frozen=True)
class SarDesign:
    """``sar(M, type)``: the ``(N, N)`` weight matrix of the rows used and its eigenvalues.

    Attributes
    ----------
    type
        ``"lag"`` (brms's ``lagsar``) or ``"error"`` (``errorsar``).
    M, eigen
        brms's ``Msar`` and ``eigenMsar`` (R's ``eigen(M)$values`` order).
    """

    type: str
    M: np.ndarray
    eigen: np.ndarray

    @property
    def param(self) -> str:
        """brms's parameter name: ``lagsar`` or ``errorsar``."""
        return f"{self.type}sar"


@dataclass(frozen=True)
class CarDesign:
    """``car(M, gr, type)``: brms's CAR data.

    Attributes
    ----------
    type
        ``"escar"``, ``"esicar"``, ``"icar"`` or ``"bym2"``.
    Jloc
        ``(N,)`` 1-based location of each row (brms's ``Jloc``).
    edges1, edges2
        1-based ends of each edge of the adjacency graph (lower triangle, column by column).
    locations
        The location names (``gr``'s levels), or None where each row is a location.
    Nneigh, eigen
        Neighbours per location and the eigenvalues of ``D^-1/2 M D^-1/2`` (escar, esicar).
    scale
        brms's ``car_scale`` (bym2).
    """

    type: str
    Nloc: int
    Jloc: np.ndarray
    edges1: np.ndarray
    edges2: np.ndarray
    locations: tuple[str, ...] | None = None
    Nneigh: np.ndarray | None = None
    eigen: np.ndarray | None = None
    scale: float | None = None

    def standata(self) -> dict[str, object]:
        """brms's ``data_ac`` entries of the term, in brms's order."""
        out: dict[str, object] = {
            "Nloc": self.Nloc,
            "Jloc": self.Jloc,
            "Nedges": len(self.edges1),
            "edges1": self.edges1,
            "edges2": self.edges2,
        }
        if self.Nneigh is not None:
            out["Nneigh"], out["eigenMcar"] = self.Nneigh, self.eigen
        if self.scale is not None:
            out["car_scale"] = self.scale
        return out
