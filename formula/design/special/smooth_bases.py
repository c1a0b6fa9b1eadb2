"""Which mgcv basis an ``s()``/``t2()`` term gets, at the data and at new data.

:mod:`.smooth_terms` reads the term and places its columns; this module picks the constructor
by the basis type (``"tp"``, ``"cr"``, ``"cc"``, ``"ps"``; the shrinkage bases ``"cs"`` and
``"ts"``; the random effect basis ``"re"``, whose covariates may be factors; the factor
smooth interaction ``"fs"``; ``t2()``'s
tensor product), applies ``smoothCon``/``smooth2random`` (``fx = TRUE``: every column
unpenalized, as mgcv's fixed smooths) and evaluates the raw basis at new data.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ...errors import DesignError
from ...evaluate.variables import Factor, Numeric, Value
from ...smooths import basis_setup, smooth_con
from ...smooths.construct import fixed_con
from ...smooths.fs import fs_con, fs_setup
from ...smooths.shrink import re_con, re_setup, shrink_setup
from ...smooths.t2 import t2_con
from ...smooths.tprs import default_order, null_space_dimension, tprs_setup
from ...syntax.parse import deparse
from ...warn import user_stacklevel
from .t2_terms import t2_basis

__all__ = ["basis_at", "basis_dimension", "covariate_matrix", "smooth_basis", "smooth_fits"]


def covariate_matrix(term: Any, values: Mapping[str, Value]) -> np.ndarray:
    """The numeric covariates of a smooth as columns.

    Raises
    ------
    DesignError
        For a factor covariate (only ``bs = "re"`` takes factors).
    """
    cols = []
    for node in term.covariates:
        value = values[deparse(node)]
        if not isinstance(value, Numeric) or value.values.ndim != 1:
            raise DesignError(
                f"The covariate {deparse(node)} of {term.term} must be numeric; give a factor "
                'to s() as by (one smooth per level), as bs = "re" or as a separate term.'
            )
        cols.append(np.asarray(value.values, dtype=float))
    return np.column_stack(cols)


def _re_parts(
    term: Any, values: Mapping[str, Value], levels: tuple[tuple[str, ...] | None, ...] = ()
) -> tuple[list[np.ndarray], list[tuple[str, ...] | None]]:
    """``bs = "re"``'s covariates expanded: a factor's indicators (of ``levels`` at new data),
    a numeric covariate's values."""
    parts: list[np.ndarray] = []
    out_levels: list[tuple[str, ...] | None] = []
    for i, node in enumerate(term.covariates):
        value = values[deparse(node)]
        if isinstance(value, Factor):
            labels = np.asarray(value.levels, dtype=object)
            lv = tuple(levels[i] or ()) if levels and levels[i] else tuple(map(str, value.levels))
            got = np.where(value.codes >= 0, labels[np.maximum(value.codes, 0)], None)
            parts.append(np.column_stack([got == v for v in lv]).astype(float))
            out_levels.append(lv)
        elif isinstance(value, Numeric) and value.values.ndim == 1:
            parts.append(np.asarray(value.values, dtype=float)[:, None])
            out_levels.append(None)
        else:
            raise DesignError(
                f"The covariate {deparse(node)} of {term.term} must be a factor or one numeric "
                "column."
            )
    return parts, out_levels


def _fs_parts(
    term: Any, values: Mapping[str, Value], levels: tuple[str, ...] = ()
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """``bs = "fs"``'s numeric covariates, the factor's indicators and its levels.

    Raises
    ------
    DesignError
        Without exactly one factor and at least one numeric covariate (mgcv's rules).
    """
    factors = [n for n in term.covariates if isinstance(values[deparse(n)], Factor)]
    numeric = [n for n in term.covariates if n not in factors]
    if len(factors) != 1 or not numeric:
        raise DesignError(
            f'{term.term} with bs = "fs" needs one factor and numeric covariates, as in '
            's(x, g, bs = "fs").'
        )
    x = covariate_matrix(replace_covariates(term, numeric), values)
    parts, found = _re_parts(replace_covariates(term, factors), values, (levels or None,))
    return x, parts[0], tuple(found[0] or ())


def replace_covariates(term: Any, covariates: list[Any]) -> Any:
    """The term with other covariates (for the parts of an ``"fs"`` smooth)."""
    return replace(term, covariates=tuple(covariates))


def basis_dimension(term: Any, d: int) -> int:
    """mgcv's basis dimension: the default, or ``k`` raised to the minimum with its warning."""
    thin = term.bs in ("tp", "ts", "fs")
    M = null_space_dimension(d, default_order(d, term.m)) if thin else 2
    if term.bs == "cc":  # mgcv's minimum is 4
        M = 3
    if term.bs == "ps":  # mgcv: max(10, m + 1) by default, no minimum beyond its error
        return 10 if term.k < 0 else int(term.k)
    if term.k < 0:
        return M + (8, 27, 100)[min(d, 3) - 1] if thin else 10
    if term.k < M + 1:
        warnings.warn(
            f"basis dimension, k, increased to minimum possible ({term.term}: k = {M + 1})",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return M + 1
    return int(term.k)


def smooth_basis(term: Any, values: Mapping[str, Value]) -> Any:
    """The raw basis of a term at the data (mgcv's ``smooth.construct``).

    Raises
    ------
    ValueError
        From the constructor (too few unique values, ...).
    """
    if term.bs == "re":
        parts, levels = _re_parts(term, values)
        return re_setup(parts, levels)
    if term.bs == "fs":
        x, indicators, flev = _fs_parts(term, values)
        base = tprs_setup(x, basis_dimension(term, x.shape[1]), term.m)
        return fs_setup(base, indicators, flev)
    x = covariate_matrix(term, values)
    if term.func == "t2":
        return t2_basis(term.margins, x)
    k = basis_dimension(term, x.shape[1])
    if term.bs in ("cs", "ts"):
        return shrink_setup(term.bs, x, k, term.m, term.knots_xt)
    if term.bs == "tp":
        return tprs_setup(x, k, term.m, *term.knots_xt)
    return basis_setup(term.bs, x, k)


def smooth_fits(term: Any, basis: Any, by: list[np.ndarray] | None, constrain: bool) -> list[Any]:
    """``smoothCon`` and ``smooth2random``: one fit per ``by`` multiplier."""
    if term.func == "t2":
        return t2_con(basis, by, constrain)
    if term.bs == "re":
        return re_con(basis.X, by)
    if term.bs == "fs":
        return fs_con(basis)
    if term.fx:
        return fixed_con(basis.X, by, constrain)
    return smooth_con(basis.X, basis.S, basis.rank, by, constrain)


def basis_at(term: Any, basis: Any, values: Mapping[str, Value]) -> np.ndarray:
    """The raw basis at new data (mgcv's ``Predict.matrix``), before ``by``."""
    if term.bs == "re":
        return np.asarray(basis.predict(_re_parts(term, values, basis.levels)[0]))
    if term.bs == "fs":
        x, indicators, _ = _fs_parts(term, values, basis.levels)
        return np.asarray(basis.predict(x, indicators))
    return np.asarray(basis.predict(covariate_matrix(term, values)))
