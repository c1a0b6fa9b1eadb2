"""gr(g, cov = A): design data, prior rows and messages equal brms 2.18's."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.errors import BrmsjaxError
from tests.data2.data2_fixtures import CASES, brms_error, cov_matrix, data2_case, data2_data


@pytest.mark.parametrize("case", CASES)
def test_standata_equals_brms(case: str) -> None:
    ref = data2_case(case)
    got = bj.make_standata(ref["formula"], data2_data(), ref["family"], data2={"A": cov_matrix()})
    assert list(got) == list(ref["standata"])
    for key, value in ref["standata"].items():
        want = np.asarray(value, dtype=float)
        have = np.asarray(got[key], dtype=float).reshape(want.shape)
        np.testing.assert_allclose(have, want, rtol=1e-12, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("case", CASES)
def test_get_prior_equals_brms(case: str) -> None:
    ref = data2_case(case)
    table = bj.get_prior(ref["formula"], data2_data(), ref["family"], data2={"A": cov_matrix()})
    want = pd.DataFrame(ref["prior"])[list(table.columns)]
    pd.testing.assert_frame_equal(table.reset_index(drop=True), want.reset_index(drop=True))


def _less() -> pd.DataFrame:
    A = cov_matrix()
    return A.drop(index="sp2", columns="sp2")


def _asym() -> pd.DataFrame:
    A = cov_matrix().copy()
    A.iloc[0, 1] += 0.1
    return A


def _not_pd() -> pd.DataFrame:
    A = cov_matrix().copy()
    A.iloc[0, 1] = A.iloc[1, 0] = 5.0
    return A


@pytest.mark.parametrize(
    ("error", "formula", "data2"),
    [
        ("missing_level", "y ~ x + (1 | gr(g, cov = A))", lambda: {"A": _less()}),
        ("not_symmetric", "y ~ x + (1 | gr(g, cov = A))", lambda: {"A": _asym()}),
        ("no_names", "y ~ x + (1 | gr(g, cov = A))", lambda: {"A": cov_matrix().to_numpy()}),
        ("not_pd", "y ~ x + (1 | gr(g, cov = A))", lambda: {"A": _not_pd()}),
        ("not_found", "y ~ x + (1 | gr(g, cov = A))", lambda: {"B": cov_matrix()}),
        ("not_found", "y ~ x + (1 | gr(g, cov = A))", lambda: None),
        ("two_vars", "y ~ x + (1 | gr(g, cov = A + B))", lambda: {"A": cov_matrix()}),
    ],
)
def test_bad_covariance_gets_brms_message(error: str, formula: str, data2: object) -> None:
    with pytest.raises(BrmsjaxError, match=re.escape(brms_error(error))):
        bj.make_standata(formula, data2_data(), data2=data2())  # type: ignore[operator]


@pytest.mark.parametrize(
    ("data2", "message"),
    [
        ([1, 2], "'data2' must be a list."),
        ({"": cov_matrix()}, "All elements of 'data2' must be named."),
    ],
)
def test_bad_data2_argument(data2: object, message: str) -> None:
    with pytest.raises(BrmsjaxError, match=re.escape(message)):
        bj.make_standata("y ~ x + (1 | gr(g, cov = A))", data2_data(), data2=data2)  # type: ignore[arg-type]


def test_column_names_alone_name_the_levels() -> None:
    """R's row names, else column names: a DataFrame with a default index uses its columns."""
    A = cov_matrix()
    ref = data2_case("intercept")
    got = bj.make_standata(ref["formula"], data2_data(), data2={"A": A.reset_index(drop=True)})
    np.testing.assert_allclose(got["Lcov_1"], np.asarray(ref["standata"]["Lcov_1"]), atol=1e-12)
