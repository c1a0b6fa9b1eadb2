"""Infinite values in the design data are refused with the term and rows that hold them.

brms 2.18 passes ``Inf`` on to Stan, which then fails at initialization without naming the value
(brms issue #1694); brmsjax refuses it while building the design, naming the term, the rows and
the likely cause. Missing values keep brms's handling: their rows are dropped with a warning.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from brmsjax.formula.design.design import NA_WARNING, DataWarning, build_design
from brmsjax.formula.design.newdata import NewDataError, encode_newdata
from brmsjax.formula.errors import DesignError

DATA = pd.DataFrame(
    {
        "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        "p": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        "g": ["a", "a", "b", "b", "c", "c"],
    }
)
WITH_INF = DATA.assign(x=[0.0, 1.0, np.inf, 3.0, -np.inf, 5.0])
FIT_END = "; the model cannot be fitted with them."

CASES = [
    (
        "log0",
        "y ~ log(x)",
        DATA,
        "The predictor log(x) has non-finite values (-Inf) in row 0 (by the data's index); "
        "remove those rows or change log(x) so that it stays finite on the data "
        "(log() of 0 is -Inf)" + FIT_END,
    ),
    (
        "divide-by-zero",
        "y ~ I(y/0)",
        DATA,
        "The predictor I(y/0) has non-finite values (Inf) in rows 0, 1, 2, 3, 4 and 1 more "
        "(by the data's index); remove those rows or change I(y/0) so that it stays finite on "
        "the data (a division by zero is infinite)" + FIT_END,
    ),
    (
        "scale0",
        "y ~ scale(y, scale = 0)",
        DATA,
        "The predictor scale(y, scale = 0) has non-finite values (-Inf, Inf) in rows 0, 1, 2, 3, "
        "4 and 1 more (by the data's index); remove those rows or change scale(y, scale = 0) so "
        "that it stays finite on the data (scale() with scale = 0 divides by zero)" + FIT_END,
    ),
    (
        "qlogis1",
        "y ~ qlogis(p)",
        DATA,
        "The predictor qlogis(p) has non-finite values (-Inf, Inf) in rows 0, 5 (by the data's "
        "index); remove those rows or change qlogis(p) so that it stays finite on the data "
        "(qlogis() of 0 or 1 is -Inf or Inf)" + FIT_END,
    ),
    (
        "inf-column",
        "y ~ x",
        WITH_INF,
        "The predictor x has non-finite values (-Inf, Inf) in rows 2, 4 (by the data's index); "
        "remove those rows or fix the values" + FIT_END,
    ),
    (
        "response",
        "log(x) ~ 1",
        DATA,
        "The response log(x) has non-finite values (-Inf) in row 0",
    ),
    ("offset", "y ~ offset(log(x))", DATA, "The offset log(x) has non-finite values (-Inf)"),
    (
        "addition",
        "y | weights(1/x) ~ 1",
        DATA,
        "The weights() variable 1/x has non-finite values (Inf) in row 0",
    ),
    (
        "group-level",
        "y ~ 1 + (log(x) | g)",
        DATA,
        "The group-level predictor log(x) has non-finite values (-Inf) in row 0",
    ),
    (
        "overflow",
        "y ~ x:z",
        DATA.assign(x=1e200, z=1e200),
        "The population-level column 'x:z' has non-finite values (Inf) in rows 0, 1, 2, 3, 4 "
        "and 1 more (by the data's index); rescale the variables",
    ),
]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize(
    ("formula", "data", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_infinite_values_are_refused(formula: str, data: pd.DataFrame, message: str) -> None:
    with pytest.raises(DesignError, match=re.escape(message)):
        build_design(formula, data)


def test_rows_are_named_by_the_data_index() -> None:
    data = WITH_INF.set_index(pd.Index([10, 11, 12, 13, 14, 15]))
    with pytest.raises(DesignError, match=re.escape("in rows 12, 14 (by the data's index)")):
        build_design("y ~ x", data)


def test_na_rows_are_still_dropped_and_bounds_may_be_infinite() -> None:
    # I(x/x) is NaN (missing) at x = 0: the row is dropped with brms's warning, as before.
    with pytest.warns(DataWarning, match=re.escape(NA_WARNING)):
        design = build_design("y ~ I(x/x)", DATA)
    assert design.N == 5
    # trunc() bounds and cens()'s upper bound may be infinite.
    bounds = DATA.assign(lo=-np.inf, hi=[np.inf] * 6, c=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_design("y | trunc(lb = lo, ub = hi) ~ x", bounds)
        build_design("y | cens(c, hi) ~ x", bounds)


def test_newdata_with_infinite_values_is_refused() -> None:
    design = build_design("y ~ log(x + 1) + (1 | g)", DATA)
    new = pd.DataFrame({"x": [1.0, -1.0, np.inf], "g": ["a", "b", "c"]})
    with pytest.raises(NewDataError, match=re.escape("in rows 1, 2 (by the data's index)")):
        encode_newdata(design, new)
    encoded = encode_newdata(design, new.iloc[:1])
    assert np.isfinite(encoded.X[""]).all()
