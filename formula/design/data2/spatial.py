"""brms's data of the spatial terms ``sar()`` and ``car()`` (brms 2.18's ``data_ac``).

:func:`sar_design` checks ``sar(M)``'s weight matrix (brms's ``validate_sar_matrix``),
restricts it to the rows used and takes its eigenvalues; :func:`car_design` checks ``car(M)``'s
adjacency matrix (``validate_car_matrix``: symmetric, non-zero entries read as 1), matches it
to the locations (``gr``'s levels by row name, or one location per row) and builds the edge
list, the neighbour counts and eigenvalues (``escar``, ``esicar``) or the BYM2 scale
(``.car_scale``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ...errors import DesignError
from ...evaluate.values import Factor, Value
from ...syntax.parse import deparse
from ...terms.data2_terms import CarTerm, SarTerm
from ...warn import user_stacklevel
from .ir_spatial import CarDesign, SarDesign

__all__ = [
    "car_design",
    "car_scale",
    "r_eigenvalues",
    "sar_design",
    "spatial_design",
    "spatial_nodes",
]


def r_eigenvalues(M: np.ndarray) -> np.ndarray:
    """R's ``eigen(M)$values``: decreasing for a symmetric matrix, else by decreasing modulus
    (real parts; a spatial weight matrix similar to a symmetric one has real eigenvalues)."""
    if np.allclose(M, M.T, rtol=1e-8, atol=1e-12):
        return np.linalg.eigvalsh(M)[::-1].copy()
    values = np.linalg.eigvals(M)
    return np.real(values[np.argsort(-np.abs(values), kind="stable")])


def _matrix(value: Any, what: str) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """The matrix's values and row names (a DataFrame's index, unless it is ``0..n-1``)."""
    names = None
    if isinstance(value, pd.DataFrame):
        if not isinstance(value.index, pd.RangeIndex):
            names = tuple(map(str, value.index))
        value = value.to_numpy(dtype=float)
    M = np.asarray(value, dtype=float)
    if M.ndim != 2:
        raise DesignError(f"'M' for {what} terms must be a matrix.")
    return M, names


def sar_design(term: SarTerm, data2: Mapping[str, Any], rows: np.ndarray, n_data: int) -> SarDesign:
    """brms's ``Msar`` and ``eigenMsar`` of ``sar(M)`` on the rows used.

    Raises
    ------
    DesignError
        With brms's messages: not a matrix, dimensions other than the number of observations.
    """
    from .build import get_from_data2

    M, _ = _matrix(get_from_data2(term.M, data2), "SAR")
    if M.shape != (n_data, n_data):
        raise DesignError(
            "Dimensions of 'M' for SAR terms must be equal to the number of observations."
        )
    M = M[np.ix_(rows, rows)]
    return SarDesign(term.type, M, r_eigenvalues(M))


def car_scale(edges1: np.ndarray, edges2: np.ndarray, n_loc: int) -> float:
    """brms's ``.car_scale``: the geometric mean of the marginal variances of the ICAR field
    (sum-to-zero constrained generalized inverse of ``Q = D - W``)."""
    W = np.zeros((n_loc, n_loc))
    W[edges1 - 1, edges2 - 1] = W[edges2 - 1, edges1 - 1] = 1.0
    Q = np.diag(W.sum(axis=1)) - W
    Q = Q + np.eye(n_loc) * np.max(np.diag(Q)) * np.sqrt(np.finfo(float).eps)
    S = np.linalg.inv(Q)
    w = S @ np.ones(n_loc)
    S = S - np.outer(w, w) / np.sum(w)
    return float(np.exp(np.mean(np.log(np.diag(S)))))


def _locations(
    term: CarTerm, values: Mapping[str, Value], n: int, category: type[Warning]
) -> tuple[np.ndarray, Any]:
    """``(Jloc, location names)``: 1-based positions of each row's location in ``gr``'s levels
    (brms's ``extract_levels``), or one location per row (names None) without ``gr``, with
    brms's warning of class ``category``."""
    if term.gr is None:
        warnings.warn(
            "Using CAR terms without a grouping factor is deprecated. Please use argument "
            "'gr' even if each observation represents its own location.",
            category,
            stacklevel=user_stacklevel(),
        )
        return np.arange(1, n + 1, dtype=np.int64), None
    value = values[deparse(term.gr)]
    if isinstance(value, Factor):
        used = np.unique(value.codes)
        levels = tuple(value.levels[i] for i in used)
        return np.searchsorted(used, value.codes).astype(np.int64) + 1, levels
    raw = np.asarray(value.values).reshape(-1)
    text = np.array([f"{v:g}" if isinstance(v, float) else str(v) for v in raw])
    levels = tuple(sorted(set(text.tolist()), key=lambda s: float(s) if _is_number(s) else s))
    return np.array([levels.index(t) + 1 for t in text], dtype=np.int64), levels


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def car_design(
    term: CarTerm,
    data2: Mapping[str, Any],
    values: Mapping[str, Value],
    n: int,
    category: type[Warning] = UserWarning,
) -> CarDesign:
    """brms's CAR data of ``car(M, gr, type)`` for ``n`` rows (warnings of class ``category``).

    Raises
    ------
    DesignError
        With brms's messages: ``M`` not symmetric, missing row names or names that do not
        match the locations (with ``gr``), dimensions other than the number of observations
        (without), locations without neighbours (``escar``/``esicar``).
    """
    from .build import get_from_data2

    M, names = _matrix(get_from_data2(term.M, data2), "CAR")
    if M.shape[0] != M.shape[1] or not np.allclose(M, M.T, rtol=1e-8, atol=0):
        raise DesignError("'M' for CAR terms must be symmetric.")
    M = (M != 0).astype(float)  # brms: "Converting all non-zero values in 'M' to 1."
    Jloc, locations = _locations(term, values, n, category)
    if locations is not None:
        if names is None:
            raise DesignError("Row names are required for 'M' in CAR terms.")
        if any(lv not in names for lv in locations):
            raise DesignError(
                "Row names of 'M' for CAR terms do not match the names of the grouping levels."
            )
        take = [names.index(lv) for lv in locations]
        M = M[np.ix_(take, take)]
    elif M.shape[0] != n:
        raise DesignError(
            "Dimensions of 'M' for CAR terms must be equal to the number of observations."
        )
    n_loc = M.shape[0]
    cols, rows = np.nonzero(np.tril(M).T)  # Matrix::tril(M)@i: column by column
    edges1, edges2 = (rows + 1).astype(np.int64), (cols + 1).astype(np.int64)
    out = CarDesign(term.type, n_loc, Jloc, edges1, edges2, locations)
    if term.type in ("escar", "esicar"):
        Nneigh = M.sum(axis=0)
        if np.any(Nneigh == 0):
            raise DesignError(
                "For exact sparse CAR, all locations should have at least one neighbor within "
                "the provided data set. Consider using type = 'icar' instead."
            )
        inv_sqrt = 1 / np.sqrt(Nneigh)
        eigen = np.linalg.eigvalsh(inv_sqrt[:, None] * M * inv_sqrt[None, :])[::-1].copy()
        return CarDesign(**{**out.__dict__, "Nneigh": Nneigh, "eigen": eigen})
    if term.type == "bym2":
        return CarDesign(**{**out.__dict__, "scale": car_scale(edges1, edges2, n_loc)})
    return out


def spatial_design(
    bt: Any,
    data2: Any,
    values: Mapping[str, Value],
    rows: np.ndarray,
    n_data: int,
    *,
    category: type[Warning] = UserWarning,
) -> dict[str, Any]:
    """The ``sar``/``car`` fields of :class:`~.ir.Data2Design` for the model's terms ``bt``
    (a :class:`~brmsjax.formula.terms.brmsterms.BrmsTerms`) on the rows used; ``category``
    is the class of the data warnings (the design's ``DataWarning``)."""
    from .build import as_data2

    sar, car = getattr(bt, "sar", None), getattr(bt, "car", None)
    if sar is None and car is None:
        return {}
    found = as_data2(data2)
    out: dict[str, Any] = {}
    if sar is not None:
        out["sar"] = sar_design(sar, found, rows, n_data)
    if car is not None:
        out["car"] = car_design(car, found, values, len(rows), category)
    return out


def spatial_nodes(bt: Any) -> list[Any]:
    """The data variables of the spatial terms: ``car()``'s ``gr``."""
    car = getattr(bt, "car", None)
    return [car.gr] if car is not None and car.gr is not None else []
