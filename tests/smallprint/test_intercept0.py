"""``0 + Intercept``: brms's reserved variable, an uncentred ``b_Intercept`` of class b.

References: brms 2.18.0's make_standata and get_prior (tests/fixtures/intercept0).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula import DesignError
from brmsjax.formula.design.design import build_design

from .brms_cases import assert_prior_rows, assert_standata, case, data

CASES = ["i0_cbpp", "i0_gauss", "i0_minus1", "i0_sigma", "i0_lower", "i0_group", "i0_bf"]


@pytest.mark.parametrize("case_id", CASES)
def test_standata_matches_brms(case_id: str) -> None:
    assert_standata(case(case_id))


@pytest.mark.parametrize("case_id", CASES)
def test_get_prior_matches_brms(case_id: str) -> None:
    assert_prior_rows(case(case_id))


@pytest.mark.parametrize(
    ("case_id", "block", "columns"),
    [
        ("i0_cbpp", "", ("Intercept", "periodp2", "periodp3", "periodp4")),
        ("i0_sigma", "sigma", ("Intercept", "z")),
        ("i0_lower", "", ("intercept", "x")),
    ],
)
def test_reserved_intercept_is_an_uncentred_b(case_id: str, block: str, columns: tuple) -> None:
    c = case(case_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        design = build_design(c["formula"], data(c["data"]), bj.get_family(c["family"]))
    fixed = design.block(block)
    assert fixed is not None
    assert fixed.intercept is False
    assert fixed.columns == columns
    np.testing.assert_array_equal(fixed.X[:, 0], np.ones(design.N))


def test_lowercase_intercept_warns_as_brms() -> None:
    c = case("i0_lower")
    with pytest.warns(UserWarning) as record:
        bj.make_standata(c["formula"], data(c["data"]))
    assert [str(w.message) for w in record] == c["warnings"]


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (
            "Intercept",
            "Variable name 'Intercept' is reserved in models without a population-level "
            "intercept; rename the data column 'Intercept'",
        ),
        (
            "intercept",
            "Variable name 'intercept' is reserved in models without a population-level "
            "intercept; rename the data column 'intercept'",
        ),
    ],
)
def test_a_data_column_named_intercept_is_refused(column: str, message: str) -> None:
    d = data("toy").assign(**{column: np.arange(12.0)})
    with pytest.raises(DesignError, match=message):
        bj.make_standata("y ~ 0 + Intercept + x", d)


def test_a_column_of_ones_named_intercept_is_accepted() -> None:
    d = data("toy").assign(Intercept=1)
    got = bj.make_standata("y ~ 0 + Intercept + x", d)
    assert list(got["X"].columns) == ["Intercept", "x"]


def test_intercept_with_the_intercept_is_an_unknown_variable() -> None:
    """``y ~ x + Intercept`` keeps R's intercept: brms adds no column (its error names it)."""
    assert "'Intercept'" in case("i0_with_int")["error"]
    with pytest.raises(bj.UnknownVariableError, match="Unknown variable 'Intercept'"):
        bj.make_standata("y ~ x + Intercept", data("toy"))


def test_newdata_gets_the_intercept_column() -> None:
    """Predictions on new data add the column of ones as the fitting data had it."""
    d = data("toy")
    design = build_design("y ~ 0 + Intercept + x + f", d)
    from brmsjax.formula.design.newdata import encode_newdata

    new = pd.DataFrame({"x": [0.5, -1.0], "f": ["c", "a"]})
    got = encode_newdata(design, new)
    np.testing.assert_array_equal(got.X[""], [[1, 0.5, 0, 1], [1, -1.0, 0, 0]])


def test_the_porter_translates_the_breadth_case() -> None:
    """The brm() call of the breadth reference ``cbpp_intercept0`` translates as written."""
    from brmsjax.port import from_r

    got = from_r(
        "brm(incidence | trials(size) ~ 0 + Intercept + period + (1 | herd), data = d, "
        "family = binomial(), prior = prior(normal(-2, 1), class = b, coef = Intercept))"
    )
    assert str(got.formula) == "incidence | trials(size) ~ 0 + Intercept + period + (1 | herd)"
    (p,) = got.prior
    assert (p.prior, p.class_, p.coef) == ("normal(-2, 1)", "b", "Intercept")
