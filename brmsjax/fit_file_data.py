"""The data of a netCDF fit file: ``brm()`` arguments as JSON and data columns as arrays.

:func:`encode_value` and :func:`decode_value` carry ``brm()`` arguments through JSON (arrays
tagged, to come back as arrays); :func:`data_tables` stores the fit's data frame as one
array per column with the JSON that restores its type exactly (categories, text with its
missing values), and :func:`frame_from` rebuilds it. Used by :mod:`brmsjax.fit_files`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.core import FitFileError

__all__ = ["ADVICE", "data_tables", "decode_value", "encode_value", "frame_from"]

ADVICE = "save the fit as a pickle instead (fit.save(path, format='pickle'))"


def encode_value(value: Any) -> Any:
    """A ``brm()`` argument as a JSON value (arrays tagged, to come back as arrays)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode_value(v) for v in value]
    return value


def decode_value(value: Any) -> Any:
    """The inverse of :func:`encode_value`."""
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


# -- data columns: arrays with their types in JSON ---------------------------------------------


def _encode_column(name: Any, column: pd.Series) -> tuple[np.ndarray, dict[str, Any]]:
    """A data column as a netCDF-ready array and the JSON that restores it exactly."""
    dtype = column.dtype
    meta: dict[str, Any] = {"name": name, "dtype": str(dtype)}
    if isinstance(dtype, pd.CategoricalDtype):
        meta |= {
            "kind": "category",
            "categories": encode_value(list(dtype.categories)),
            "ordered": bool(dtype.ordered),
        }
        return np.asarray(column.cat.codes, dtype=np.int64), meta
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        meta["kind"] = "numeric"
        return column.to_numpy().astype(np.int8 if dtype.kind == "b" else dtype), meta
    values = column.to_numpy(dtype=object)
    if isinstance(dtype, pd.StringDtype | np.dtype) and all(
        isinstance(v, str) or v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
        for v in values
    ):
        # Text as codes into its distinct values; -1 None, -2 NaN, -3 pd.NA (kept apart).
        levels = list(dict.fromkeys(v for v in values if isinstance(v, str)))
        index = {v: i for i, v in enumerate(levels)}
        missing = {"None": -1, "nan": -2, "<NA>": -3}
        codes = [index[v] if isinstance(v, str) else missing[str(v)] for v in values]
        meta |= {"kind": "text", "categories": levels}
        return np.asarray(codes, dtype=np.int64), meta
    raise FitFileError(
        f"The data column '{name}' ({dtype}) cannot be stored in a netCDF file (numbers, "
        "booleans, text and categorical columns can); convert it to one of those before "
        f"fitting, or {ADVICE}."
    )


def _decode_column(values: np.ndarray, meta: Mapping[str, Any]) -> pd.Series:
    kind = meta["kind"]
    if kind == "category":
        dtype = pd.CategoricalDtype(decode_value(meta["categories"]), ordered=meta["ordered"])
        return pd.Series(pd.Categorical.from_codes(values, dtype=dtype), name=meta["name"])
    if kind == "numeric":
        return pd.Series(values.astype(meta["dtype"]), name=meta["name"])
    missing = {-1: None, -2: np.nan, -3: pd.NA}
    levels = meta["categories"]
    objects = np.array([levels[c] if c >= 0 else missing[int(c)] for c in values], dtype=object)
    series = pd.Series(objects, name=meta["name"], dtype=object)
    return series if meta["dtype"] == "object" else series.astype(meta["dtype"])


def data_tables(data: pd.DataFrame) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The fit's data as netCDF arrays and their JSON spec, checked to come back exactly."""
    arrays: dict[str, np.ndarray] = {}
    columns = []
    for i, name in enumerate(data.columns):
        if not isinstance(name, str | int):
            raise FitFileError(
                f"The data column named {name!r} cannot be stored in a netCDF file (column "
                f"names must be text or integers); rename it, or {ADVICE}."
            )
        arrays[f"col{i}"], meta = _encode_column(name, data.iloc[:, i])
        columns.append(meta)
    index = None
    if not data.index.equals(pd.RangeIndex(len(data))):
        arrays["index"], index = _encode_column(data.index.name, data.index.to_series())
    spec = {"columns": columns, "index": index}
    back = frame_from(arrays, spec)
    if not back.equals(data) or list(back.dtypes) != list(data.dtypes):
        raise FitFileError(f"The fit's data do not survive a netCDF file exactly; {ADVICE}.")
    return arrays, spec


def frame_from(arrays: Mapping[str, np.ndarray], spec: Mapping[str, Any]) -> pd.DataFrame:
    """The data frame of :func:`data_tables`'s arrays and spec."""
    columns = [
        _decode_column(np.asarray(arrays[f"col{i}"]), meta)
        for i, meta in enumerate(spec["columns"])
    ]
    frame = pd.concat(columns, axis=1) if columns else pd.DataFrame(index=range(0))
    frame.columns = pd.Index([m["name"] for m in spec["columns"]])
    if spec["index"] is not None:
        index = _decode_column(np.asarray(arrays["index"]), spec["index"])
        frame.index = pd.Index(index, name=spec["index"]["name"])
    return frame
