"""Any DataFrame to the pandas frame the design code reads.

Data and newdata may be a pandas DataFrame, a dict of columns, or any DataFrame narwhals
knows (a polars DataFrame or LazyFrame, which is collected, a pyarrow Table, ...). They are
converted once, here, column by column so that each column keeps its R type:

- strings stay strings (factors with levels sorted by code point, as for pandas strings);
- an Enum keeps its categories in their order; a pyarrow dictionary column keeps its
  dictionary's order; a polars Categorical, which polars sorts lexically, gets its values
  sorted by code point. All become unordered pandas Categoricals (``factor()``, not
  ``ordered()``);
- booleans stay booleans (logical), integers integers, floats floats;
- nulls become missing values (pandas's nullable ``boolean`` and ``Int64`` where needed), so
  that the rows holding them are dropped with brms's warning, as for pandas input.

Other column types go through narwhals's own pandas conversion.

:func:`na_mask` and :func:`subset_value` are the row-level helpers of an evaluated variable
(its missing rows; its rows kept, unused factor levels dropped).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from ..errors import DesignError
from ..evaluate.variables import Factor, Numeric, Value

TYPE_MESSAGE = "data must be a DataFrame (pandas, polars, pyarrow) or a dict of columns, not {}."


def _check_unique(frame: pd.DataFrame) -> pd.DataFrame:
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise DesignError(
            f"The data have the column '{duplicated[0]}' more than once; give every column "
            "its own name."
        )
    return frame


def _categories(series: nw.Series[Any], dtype: Any, polars: bool) -> list[Any]:
    if isinstance(dtype, nw.Enum):
        return list(dtype.categories)
    if polars:
        return sorted(v for v in series.drop_nulls().unique().to_list())
    return list(series.cat.get_categories().to_list())


def _column(series: nw.Series[Any], polars: bool) -> Any:
    dtype = series.dtype
    nulls = series.null_count() > 0
    if isinstance(dtype, nw.Enum | nw.Categorical):
        cats = _categories(series, dtype, polars)
        return pd.Categorical(series.to_list(), categories=cats, ordered=False)
    if isinstance(dtype, nw.String):
        return np.asarray(series.to_list(), dtype=object)
    if isinstance(dtype, nw.Boolean):
        if nulls:
            return pd.array(series.to_list(), dtype="boolean")
        return series.to_numpy().astype(bool)
    if dtype.is_integer():
        if nulls:
            return pd.array(series.to_list(), dtype="Int64")
        return series.to_numpy()
    if dtype.is_float():
        return series.to_numpy().astype(np.float64)
    return series.to_pandas().to_numpy()


def to_pandas(data: Any) -> pd.DataFrame:
    """Convert data to a pandas DataFrame, keeping every column's type.

    Parameters
    ----------
    data
        A pandas DataFrame (returned as is), a dict of columns, or a DataFrame that narwhals
        accepts: a polars DataFrame or LazyFrame (collected), a pyarrow Table, ...

    Returns
    -------
    pandas.DataFrame
        The data with a fresh RangeIndex (a pandas DataFrame keeps its own).

    Raises
    ------
    TypeError
        When ``data`` is none of these; the message names its type.
    DesignError
        When a column name repeats, or the dict's columns cannot form a table.
    """
    if isinstance(data, pd.DataFrame):
        return _check_unique(data)
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame(dict(data))
        except ValueError as err:
            raise DesignError(f"The data columns cannot form a table: {err}.") from None
    frame: Any = nw.from_native(data, pass_through=True)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    if not isinstance(frame, nw.DataFrame):
        raise TypeError(TYPE_MESSAGE.format(type(data).__name__))
    polars = frame.implementation.is_polars()
    columns = {name: _column(frame.get_column(name), polars) for name in frame.columns}
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


__all__ = ["TYPE_MESSAGE", "na_mask", "subset_value", "to_pandas"]


def na_mask(value: Value) -> np.ndarray:
    """Which rows of ``value`` are missing (NA codes of a factor, NaN of a number)."""
    if isinstance(value, Factor):
        return value.codes < 0
    values = value.values
    if values.ndim == 2:
        return np.isnan(values).any(axis=1)
    return np.isnan(values)


def subset_value(value: Value, rows: np.ndarray | None, drop_levels: bool) -> Value:
    """``value`` at ``rows`` (None: all rows, without a copy), its unused levels dropped if
    ``drop_levels``."""
    if isinstance(value, Numeric):
        return Numeric(value.values if rows is None else value.values[rows], value.colnames)
    codes = value.codes if rows is None else value.codes[rows]
    levels = value.levels
    if drop_levels:
        used = np.bincount(codes + 1, minlength=len(levels) + 1)[1:] > 0  # code -1 is NA
        if not used.all():
            remap = np.append(np.cumsum(used) - 1, -1)
            codes = remap[codes]
            levels = tuple(lv for lv, u in zip(levels, used, strict=True) if u)
    return Factor(codes.astype(np.int64, copy=False), levels, value.ordered, value.logical)
