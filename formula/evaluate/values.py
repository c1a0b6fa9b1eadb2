"""R's values of evaluated variables, and data columns typed as R types them.

A variable's value is a :class:`Numeric` (an ``(N,)`` vector or an ``(N, k)`` matrix, with
:class:`Integer` for R integers) or a :class:`Factor` (characters, factors and logicals);
:class:`Character` holds R character vectors inside calls. :func:`column_value` types a data
column as R does (r-formula-semantics.md 1.7): numbers are numeric; strings become a factor with
levels sorted by code point (R in the C locale); a pandas Categorical keeps its category order
(``ordered`` when the Categorical is); booleans are logicals, a factor with levels
``FALSE``/``TRUE``. ``None``, NaN and ``pd.NA`` are R's NA: NaN or the code -1.

The level helpers :func:`relevel` and :func:`drop_unused` recode factors, and
:func:`unique_inverse` finds the distinct values of a numeric vector. :mod:`.variables`
evaluates formulas with these values and re-exports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from ..errors import DesignError, Span
from ..syntax.deparse import format_r_number

__all__ = [
    "LOGICAL_LEVELS",
    "Character",
    "Factor",
    "Integer",
    "Numeric",
    "RValue",
    "Value",
    "column_value",
    "drop_unused",
    "new_level_error",
    "relevel",
    "unique_inverse",
]


@dataclass(frozen=True, eq=False)
class Numeric:
    """A numeric variable: an ``(N,)`` vector or an ``(N, k)`` matrix of float64 (NaN is NA).

    ``colnames`` names the columns of a matrix (``poly(x, 2)`` has ``("1", "2")``); a matrix
    without column names, such as ``scale(x)``, has None.
    """

    values: np.ndarray
    colnames: tuple[str, ...] | None = None


@dataclass(frozen=True, eq=False)
class Factor:
    """A factor: 0-based ``codes`` (int64, -1 is NA) into ``levels``.

    ``ordered`` marks an ordered factor (contr.poly), ``logical`` an R logical (levels
    ``FALSE``, ``TRUE``).
    """

    codes: np.ndarray
    levels: tuple[str, ...]
    ordered: bool = False
    logical: bool = False


Value: TypeAlias = Numeric | Factor


@dataclass(frozen=True, eq=False)
class Integer(Numeric):
    """An R integer vector (internal): prints without decimals in factor levels."""


@dataclass(frozen=True, eq=False)
class Character:
    """An R character vector (internal): codes into the sorted distinct strings."""

    codes: np.ndarray
    levels: tuple[str, ...]


RValue: TypeAlias = Numeric | Factor | Character

LOGICAL_LEVELS = ("FALSE", "TRUE")


def new_level_error(
    level: str, label: str, source: str | None = None, span: Span | None = None
) -> DesignError:
    """The error for a level of new data that the fitting data lacks."""
    return DesignError(
        f"Level '{level}' of '{label}' does not occur in the data the model was fitted to; "
        "drop the rows with new levels or refit the model on data that includes them.",
        source,
        span,
    )


def relevel(
    codes: np.ndarray,
    levels: tuple[str, ...],
    target: tuple[str, ...],
    label: str,
    *,
    source: str | None = None,
    span: Span | None = None,
) -> np.ndarray:
    """Recode ``codes`` (into ``levels``) as codes into ``target``; an observed new level raises."""
    if levels == target:
        return codes
    position = {lv: i for i, lv in enumerate(target)}
    remap = np.array([position.get(lv, -2) for lv in levels] + [-1], dtype=np.int64)
    out = remap[codes]  # code -1 picks the final -1
    if (out == -2).any():
        raise new_level_error(levels[int(codes[out == -2][0])], label, source, span)
    return out


def _counting_codes(whole: np.ndarray, lo: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of the int64 vector ``whole`` (all ``>= lo``), sorted, and each
    element's index into them, by counting (O(n + range))."""
    offset = whole - lo
    used = np.bincount(offset) > 0
    remap = np.cumsum(used) - 1
    return np.flatnonzero(used) + lo, remap[offset]


def _dense(n: int, lo: float, hi: float) -> bool:
    """Whether the range ``lo..hi`` of n whole numbers is narrow enough to count."""
    return -(2.0**53) <= lo and hi <= 2.0**53 and hi - lo <= 2 * n + 1024


def unique_inverse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(x, return_inverse=True)`` of a numeric vector, the inverse as 1-D int64 codes.

    Integers, and floats that are whole numbers, in a range not much wider than the vector
    (group ids, counts) are counted, O(n) instead of a sort; anything else (NaN, fractions, a
    wide range) takes ``np.unique``. Both give the same codes and the same distinct values (as
    float64 for float input) up to the sign of a zero (``-0.0`` and ``0.0`` are one value).
    """
    values = np.asarray(x).reshape(-1)
    n = len(values)
    if n and values.dtype.kind in "iu" and values.dtype.itemsize <= 8:
        lo, hi = int(values.min()), int(values.max())
        if _dense(n, lo, hi):
            uniq, codes = _counting_codes(values.astype(np.int64, copy=False), lo)
            return uniq.astype(values.dtype), codes
    elif n and values.dtype == np.float64:
        flo, fhi = float(values.min()), float(values.max())  # NaN if any value is NaN
        if _dense(n, flo, fhi):
            whole = values.astype(np.int64)
            if np.array_equal(whole, values):
                uniq, codes = _counting_codes(whole, int(flo))
                return uniq.astype(np.float64), codes
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq, inverse.reshape(-1).astype(np.int64, copy=False)


def _sorted_strings(values: np.ndarray | pd.Series) -> Character:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = [str(u) for u in uniques]
    order = sorted(range(len(labels)), key=labels.__getitem__)
    rank = np.empty(len(labels) + 1, dtype=np.int64)
    rank[order] = np.arange(len(labels))
    rank[-1] = -1
    return Character(rank[codes], tuple(labels[i] for i in order))


def _category_label(value: Any, integer: bool) -> str:
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | np.integer | np.floating):
        return str(int(value)) if integer else format_r_number(float(value))
    return str(value)


def _logical(series: pd.Series) -> Factor:
    codes = np.full(len(series), -1, dtype=np.int64)
    na = series.isna().to_numpy()
    codes[~na] = series[~na].astype(bool).to_numpy().astype(np.int64)
    return Factor(codes, LOGICAL_LEVELS, logical=True)


def column_value(name: str, raw: Any, drop_unused_levels: bool = False) -> RValue:
    """Type one data column as R does (numeric, integer, character, factor or logical).

    Parameters
    ----------
    name
        The column's name, for error messages.
    raw
        A pandas Series or anything one-dimensional that ``pd.Series`` accepts.
    drop_unused_levels
        Drop the categories of a Categorical that no row uses.
    """
    series = (
        raw
        if isinstance(raw, pd.Series)
        else pd.Series(np.asarray(raw, dtype=object) if isinstance(raw, list) else raw)
    )
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        integer = pd.api.types.is_integer_dtype(cats.dtype)
        levels = tuple(_category_label(c, integer) for c in cats)
        codes = np.asarray(series.cat.codes, dtype=np.int64)
        factor = Factor(codes, levels, ordered=bool(dtype.ordered))
        return drop_unused(factor) if drop_unused_levels else factor
    if pd.api.types.is_bool_dtype(dtype):
        return _logical(series)
    if pd.api.types.is_integer_dtype(dtype):
        return Integer(series.to_numpy(dtype=np.float64, na_value=np.nan))
    if pd.api.types.is_float_dtype(dtype):
        return Numeric(series.to_numpy(dtype=np.float64, na_value=np.nan))
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind == "string":
            return _sorted_strings(series)
        if kind in ("boolean", "empty"):
            return _logical(series)
        if kind == "integer":
            return Integer(pd.to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan))
        if kind in ("floating", "mixed-integer-float", "decimal"):
            return Numeric(pd.to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan))
        raise DesignError(
            f"Column '{name}' mixes values of different types ({kind}); convert "
            "it to numbers, strings or booleans."
        )
    raise DesignError(
        f"Column '{name}' has the type {dtype}, which formulas cannot use; convert "
        "it to numbers, strings, booleans or a pandas Categorical."
    )


def drop_unused(factor: Factor) -> Factor:
    """The factor without the levels that no row uses (R's ``droplevels``)."""
    used = np.zeros(len(factor.levels), dtype=bool)
    used[factor.codes[factor.codes >= 0]] = True
    if used.all():
        return factor
    remap = np.append(np.cumsum(used) - 1, -1)
    levels = tuple(lv for lv, u in zip(factor.levels, used, strict=True) if u)
    return Factor(remap[factor.codes], levels, factor.ordered, factor.logical)


def _columns(data: pd.DataFrame | Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    if isinstance(data, pd.DataFrame):
        return {str(c): data.iloc[:, i] for i, c in enumerate(data.columns)}, len(data)
    if not isinstance(data, Mapping):
        raise TypeError(
            f"data must be a pandas DataFrame or a dict of columns, not {type(data).__name__}."
        )
    columns = {str(k): v for k, v in data.items()}
    lengths = {k: np.shape(v)[0] if np.ndim(v) >= 1 else -1 for k, v in columns.items()}
    n = next(iter(lengths.values()), 0)
    for k, length in lengths.items():
        if length != n:
            first = next(iter(lengths))
            raise DesignError(
                f"Column '{k}' has {max(length, 1)} values but '{first}' has {n}; "
                "give every column one value per row."
            )
    return columns, n


def _labelled(value: RValue) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes and level labels of a value as R's ``as.character`` prints it."""
    if isinstance(value, Numeric):
        x = value.values
        if x.ndim == 2 and x.shape[1] == 1:  # poly(x) and other one-column matrices
            x = x[:, 0]
        finite = ~np.isnan(x)
        uniq, inverse = unique_inverse(x[finite])
        codes = np.full(len(x), -1, dtype=np.int64)
        codes[finite] = inverse
        integer = isinstance(value, Integer)
        return codes, tuple(str(int(u)) if integer else format_r_number(float(u)) for u in uniq)
    return value.codes, value.levels
