"""Data from any DataFrame: pandas, polars (DataFrame and LazyFrame) and pyarrow input give the
same standata, draws and predictions, each column keeping its type (strings, a category order,
booleans, integers, floats, nulls as missing values); other inputs fail with their type named."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.formula.design.design import DataWarning, as_frame

Y = [1.2, 2.3, 0.7, 3.1, 2.2, 1.9, 2.8, 0.4, 1.5, 2.6]
X = [0.1, None, 0.3, 1.4, 0.5, 2.6, 0.7, 0.8, 1.9, 1.0]
S = ["b", "a", "c", "a", None, "c", "b", "a", "c", "b"]  # levels sorted: a, b, c
F = ["hi", "lo", "hi", "mid", "lo", "hi", "mid", "lo", "lo", "hi"]
F_LEVELS = ["mid", "lo", "hi"]  # not sorted: the category order is the levels' order
B = [True, False, None, True, False, True, True, False, False, True]
N = [3, 1, 4, 1, 5, None, 2, 6, 5, 3]
FORMULA = "y ~ x + s + f + b + n"


def pandas_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "y": Y,
            "x": np.array(X, dtype=float),
            "s": np.array(S, dtype=object),
            "f": pd.Categorical(F, categories=F_LEVELS),
            "b": pd.array(B, dtype="boolean"),
            "n": pd.array(N, dtype="Int64"),
        }
    )


def polars_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "y": Y,
            "x": X,
            "s": S,
            "f": pl.Series(F, dtype=pl.Enum(F_LEVELS)),
            "b": B,
            "n": N,
        }
    )


def arrow_table() -> pa.Table:
    f = pa.DictionaryArray.from_arrays(
        pa.array([F_LEVELS.index(v) for v in F], type=pa.int8()), pa.array(F_LEVELS)
    )
    return pa.table({"y": Y, "x": X, "s": S, "f": f, "b": B, "n": pa.array(N, pa.int64())})


def standata(data: Any, formula: str = FORMULA) -> dict[str, Any]:
    with pytest.warns(DataWarning, match="Rows containing NAs were excluded"):
        return bj.make_standata(formula, data)


def assert_same(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert list(got) == list(want)
    for key, value in want.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(got[key], value)
        else:
            np.testing.assert_array_equal(got[key], value)


def test_column_types_survive_conversion() -> None:
    frame = as_frame(polars_frame())
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["f"].cat.categories) == F_LEVELS
    assert not frame["f"].cat.ordered
    assert frame["b"].dtype == "boolean" and frame["b"].isna().sum() == 1
    assert pd.api.types.is_integer_dtype(frame["n"].dtype) and frame["n"].isna().sum() == 1
    assert frame["x"].dtype == np.float64 and frame["x"].isna().sum() == 1
    assert frame["s"].isna().sum() == 1 and set(frame["s"].dropna()) == {"a", "b", "c"}
    # Without nulls: plain numpy booleans and integers.
    plain = as_frame(pl.DataFrame({"b": [True, False], "n": [1, 2]}))
    assert plain["b"].dtype == bool and plain["n"].dtype == np.int64


@pytest.mark.parametrize(
    "make",
    [polars_frame, lambda: polars_frame().lazy(), arrow_table],
    ids=["polars", "polars-lazy", "pyarrow"],
)
def test_standata_identical_to_pandas(make: Any) -> None:
    want = standata(pandas_frame())
    assert want["N"] == 6 and list(want["X"].columns) == [
        "Intercept",
        "x",
        "sb",
        "sc",
        "flo",
        "fhi",
        "bTRUE",
        "n",
    ]
    assert_same(standata(make()), want)


def test_polars_categorical_sorts_like_strings() -> None:
    # polars orders a Categorical lexically: the levels are the code-point-sorted values.
    values = ["z", "é", "a", "Z", "z"]
    cat = pl.DataFrame(
        {"y": [1.0, 2.0, 3.0, 4.0, 5.5], "g": pl.Series(values, dtype=pl.Categorical)}
    )
    want = bj.make_standata("y ~ g", pd.DataFrame({"y": cat["y"].to_list(), "g": values}))
    got = bj.make_standata("y ~ g", cat)
    assert list(got["X"].columns) == ["Intercept", "ga", "gz", "gé"]
    assert_same(got, want)


@pytest.mark.parametrize("data", [[1, 2], np.zeros((2, 2)), "y"], ids=["list", "array", "str"])
def test_wrong_type_names_it(data: Any) -> None:
    name = type(data).__name__
    with pytest.raises(TypeError) as err:
        bj.make_standata("y ~ x", data)
    assert str(err.value) == (
        f"data must be a DataFrame (pandas, polars, pyarrow) or a dict of columns, not {name}."
    )


@pytest.fixture(scope="module")
def fits() -> tuple[Any, Any]:
    def fit(data: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SamplerWarning)
            warnings.simplefilter("ignore", DataWarning)
            return bj.brm(
                "y ~ x + s + f", data, chains=1, iter=300, warmup=150, seed=3, progress=False
            )

    return fit(pandas_frame()), fit(polars_frame())


def test_brm_draws_identical(fits: tuple[Any, Any]) -> None:
    from_pandas, from_polars = fits
    pd.testing.assert_frame_equal(from_polars.draws(), from_pandas.draws())
    assert isinstance(from_polars.data, pd.DataFrame)


def test_predictions_polars_newdata(fits: tuple[Any, Any]) -> None:
    fit = fits[0]
    new = {"x": [0.5, 1.5, 2.5], "s": ["c", "a", "b"], "f": ["lo", "hi", "mid"]}
    nd_pandas = pd.DataFrame({**new, "f": pd.Categorical(new["f"], categories=F_LEVELS)})
    nd_polars = pl.DataFrame({**new, "f": pl.Series(new["f"], dtype=pl.Enum(F_LEVELS))})
    pd.testing.assert_frame_equal(fit.fitted(nd_polars), fit.fitted(nd_pandas))
    pd.testing.assert_frame_equal(fit.predict(nd_polars, seed=4), fit.predict(nd_pandas, seed=4))
    pd.testing.assert_frame_equal(
        fit.predict(nd_polars.lazy(), seed=4), fit.predict(nd_pandas, seed=4)
    )
    with pytest.raises(TypeError, match=re.escape("or a dict of columns, not tuple.")):
        fit.fitted(("x",))
