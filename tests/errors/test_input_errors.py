"""Inputs that once escaped as Python's own exceptions give a pinned brmsjax error instead.

Each reproducer raised OverflowError, KeyError, IndexError or a pandas AttributeError from deep
inside the design code; each now fails at its cause with a message that names the culprit, and
addition-term errors show the formula with a caret under the term.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brmsjax.formula.design.design import build_design
from brmsjax.formula.errors import (
    BrmsjaxError,
    DesignError,
    FormulaSyntaxError,
    FormulaTermError,
)

DATA = pd.DataFrame(
    {
        "y": [1.5, 2.5, 3.5, 4.5, 5.5, 6.5],
        "x": [0.1, 0.4, 0.2, 0.9, 0.5, 0.7],
        "n": [1, 2, 3, 1, 2, 3],
        "t": [1.0, 2.5, 3.0, 4.0, 5.0, 6.0],
    }
)
HEX = "0x" + "f" * 257

ERRORS = [
    (
        "y ~ poly(x, Inf)",
        FormulaTermError,
        "The degree of poly() must be a whole number of at least 1.\n"
        "  y ~ poly(x, Inf)\n              ^^^",
    ),
    (
        f"y ~ x + {HEX}",
        FormulaSyntaxError,
        "The hexadecimal number '0xffffffffffffffffff...' (257 digits) is too large for a "
        f"double; write a smaller number.\n  y ~ x + {HEX}\n          {'^' * len(HEX)}",
    ),
    (
        "y | trunc(lb='a') ~ x",
        FormulaTermError,
        "The argument 'lb' of trunc() is the string \"a\"; give a variable of the data or a "
        "number.\n  y | trunc(lb='a') ~ x\n               ^^^",
    ),
    (
        "y ~ as.character(poly(n, 2))",
        FormulaTermError,
        "as.character() needs a vector, not a matrix.\n"
        "  y ~ as.character(poly(n, 2))\n                   ^^^^^^^^^^",
    ),
    (
        "y | se(-1) ~ x",
        DesignError,
        "se(-1) must not be negative; fix the values of its variable.\n"
        "  y | se(-1) ~ x\n      ^^^^^^",
    ),
    (
        "y | se(NA) ~ x",
        DesignError,
        "The values of se(NA) must not be missing; give se() a number or a variable without "
        "missing values.\n  y | se(NA) ~ x\n      ^^^^^^",
    ),
    (
        "bf(y | weights(-x) ~ x, sigma ~ x)",
        DesignError,
        "weights(-x) must not be negative; fix the values of its variable.\n"
        "  bf(y | weights(-x) ~ x, sigma ~ x)\n         ^^^^^^^^^^^",
    ),
]


@pytest.mark.parametrize(("formula", "kind", "message"), ERRORS, ids=[e[0][:30] for e in ERRORS])
def test_error_is_pinned(formula: str, kind: type[BrmsjaxError], message: str) -> None:
    with pytest.raises(kind) as err:
        build_design(formula, DATA)
    assert str(err.value) == message


def test_trials_values_error_has_a_caret() -> None:
    # trials() belongs to binomial families (a gaussian model refuses the term itself).
    with pytest.raises(DesignError) as err:
        build_design("y | trials(t) ~ x", DATA, family="binomial")
    assert str(err.value) == (
        "trials(t) must be non-negative whole numbers; fix the values of its variable.\n"
        "  y | trials(t) ~ x\n      ^^^^^^^^^"
    )


def test_round_to_infinite_digits_is_r_s_identity() -> None:
    # R: round(x, Inf) is x and round(x, -Inf) is 0 (no error there, so none here).
    design = build_design("y ~ round(x, Inf) + round(x, -Inf)", DATA)
    assert design.fixed[0].columns == ("Intercept", "roundxInf", "roundxMInf")
    np.testing.assert_array_equal(design.fixed[0].X[:, 1], DATA["x"])
    np.testing.assert_array_equal(design.fixed[0].X[:, 2], 0.0)


def test_factor_of_a_one_column_poly() -> None:
    # poly(n) is a one-column matrix; factor() reads it as the vector R's factor() sees.
    design = build_design("y ~ factor(poly(n))", DATA)
    columns = design.fixed[0].columns
    assert (columns[0], columns[1], columns[-1]) == (
        "Intercept",
        "factorpolynM0.5",
        "factorpolyn0.5",
    )


def test_duplicated_column_names_are_refused() -> None:
    data = pd.DataFrame(np.ones((3, 3)), columns=["y", "x", "x"])
    with pytest.raises(DesignError) as err:
        build_design("y ~ x", data)
    assert str(err.value) == (
        "The data have the column 'x' more than once; give every column its own name."
    )


def test_empty_data_frame() -> None:
    with pytest.raises(DesignError) as err:
        build_design("y ~ x", DATA.iloc[:0])
    assert str(err.value) == "The data have no rows."


def test_no_rows_left_names_every_column_with_missing_values() -> None:
    data = DATA.assign(y=[np.nan, 1, np.nan, 1, np.nan, 1], x=[1, np.nan, 1, np.nan, 1, np.nan])
    with pytest.raises(DesignError) as err:
        build_design("y ~ x + log(t)", data)
    assert str(err.value) == (
        "No rows are left after excluding rows with missing values; the missing values are "
        "in 'y', 'x'."
    )
