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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from ..errors import DesignError

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


__all__ = ["TYPE_MESSAGE", "to_pandas"]
