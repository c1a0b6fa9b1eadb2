"""brms's ``data2``: matrices that do not fit in a data frame, checked and matched to the data.

:func:`as_data2` checks the ``data2`` argument as brms's ``validate_data2``;
:func:`fcor_matrix` is brms's ``Mfcor`` of ``fcor(M)`` (``validate_fcor_matrix``, ``data_ac``);
:func:`recov_matrix` is brms's ``validate_recov_matrix`` (a symmetric, positive definite
matrix with the levels as row or column names); :func:`group_lcov` builds brms's ``Lcov_k``
(``data_gr_global``): the lower Cholesky factor of the matrix restricted to and ordered by the
grouping factor's levels, matched by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...errors import DesignError
from ...terms.data2_terms import FcorTerm
from .ir import Data2Design

__all__ = ["as_data2", "data2_design", "fcor_matrix", "get_from_data2", "recov_matrix"]

#: Families with ``fcor()`` likelihoods in brms 2.18 (``normal_fcor``, ``student_t_fcor``).
FCOR_FAMILIES = ("gaussian", "student")


def as_data2(data2: Any) -> dict[str, Any]:
    """``data2`` as a dict of named objects (brms's ``validate_data2`` checks)."""
    if data2 is None:
        return {}
    if not isinstance(data2, Mapping):
        raise DesignError("'data2' must be a list.")
    if not all(isinstance(k, str) and k for k in data2):
        raise DesignError("All elements of 'data2' must be named.")
    return dict(data2)


def get_from_data2(name: str, data2: Mapping[str, Any]) -> Any:
    """The object ``name`` of ``data2`` (brms's ``get_from_data2``)."""
    if name not in data2:
        raise DesignError(f"Object '{name}' was not found in 'data2'.")
    return data2[name]


def _matrix_names(value: Any) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """A matrix's values and its row names (else column names), as R's ``as.matrix`` keeps
    them: a DataFrame's index (unless it is the default ``0..n-1``) or its columns."""
    if isinstance(value, pd.DataFrame):
        index = value.index
        rows = None if isinstance(index, pd.RangeIndex) else tuple(map(str, index))
        names = rows if rows is not None else tuple(map(str, value.columns))
        return value.to_numpy(dtype=float), names
    return np.asarray(value, dtype=float), None


def recov_matrix(value: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """brms's ``validate_recov_matrix``: the matrix and its level names.

    Raises
    ------
    DesignError
        With brms's messages: not symmetric, no row or column names, not positive definite.
    """
    M, names = _matrix_names(value)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or not np.allclose(M, M.T, rtol=1e-8, atol=0):
        raise DesignError("Within-group covariance matrices must be symmetric.")
    if names is None:
        raise DesignError("Row or column names are required for within-group covariance matrices.")
    if np.min(np.linalg.eigvalsh(M)) <= 0:
        raise DesignError("Within-group covariance matrices must be positive definite.")
    return M, names


def fcor_matrix(
    term: FcorTerm, data2: Mapping[str, Any], rows: np.ndarray, n_data: int
) -> np.ndarray:
    """brms's ``Mfcor``: ``fcor(M)``'s matrix checked (``validate_fcor_matrix``) and restricted
    to the rows used (``data_ac`` drops the rows with missing values)."""
    M = np.asarray(get_from_data2(term.M, data2), dtype=float)
    if M.ndim <= 1:
        M = np.diag(M.reshape(-1))
    if M.ndim != 2:
        raise DesignError("'M' for FCOR terms must be a matrix.")
    if M.shape[0] != M.shape[1] or not np.allclose(M, M.T, rtol=1e-8, atol=0):
        raise DesignError("'M' for FCOR terms must be symmetric.")
    if np.min(np.linalg.eigvalsh(M)) <= 0:
        raise DesignError("'M' for FCOR terms must be positive definite.")
    if M.shape[0] != n_data:
        raise DesignError(
            "Dimensions of 'M' for FCOR terms must be equal to the number of observations."
        )
    return M[np.ix_(rows, rows)]


def data2_design(
    groups: Sequence[Any],
    covs: Sequence[str | None],
    data2: Any,
    fcor: tuple[FcorTerm, str, np.ndarray, int, bool] | None = None,
    spatial: Mapping[str, Any] | None = None,
) -> Data2Design:
    """The ``data2`` part of a design: brms's ``Lcov_k`` of each ``gr(g, cov = A)`` ID and
    ``fcor(M)``'s ``Mfcor``.

    ``groups`` are the design's ``GroupBlock`` objects (``id``, ``group``, ``levels``; not
    imported: the IR imports this folder); ``covs`` holds each block's ``cov`` name (None
    without one); ``fcor`` is the ``fcor()`` term with the family's name, the rows used, the
    number of data rows and whether the response has addition terms; ``spatial`` holds the
    ``sar``/``car`` fields (:func:`~.spatial.spatial_design`).
    """
    found = as_data2(data2)
    lcov: dict[int, np.ndarray] = {}
    names: dict[int, str] = {}
    for block, cov in zip(groups, covs, strict=True):
        if cov is None:
            continue
        M, levels = recov_matrix(get_from_data2(cov, found))
        position = {lv: i for i, lv in enumerate(levels)}
        if any(lv not in position for lv in block.levels):
            raise DesignError(
                f"Levels of the within-group covariance matrix for '{block.group}' do not "
                "match names of the grouping levels."
            )
        take = np.array([position[lv] for lv in block.levels], dtype=np.int64)
        lcov[block.id] = np.linalg.cholesky(M[np.ix_(take, take)])
        names[block.id] = cov
    mfcor = None
    if fcor is not None:
        term, family, rows, n_data, additions = fcor
        if family not in FCOR_FAMILIES:
            raise DesignError("FCOR terms are not implemented for this family.")
        if additions:
            raise DesignError("Invalid addition arguments for this model.")
        mfcor = fcor_matrix(term, found, rows, n_data)
    return Data2Design(lcov=lcov, cov=names, fcor=mfcor, **(spatial or {}))
