"""Bad formulas and data give one clear error with the formula and a caret under the culprit."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from brmsjax.formula.design.design import NA_WARNING, DataWarning, build_design, model_matrix
from brmsjax.formula.errors import (
    DesignError,
    FormulaError,
    FormulaSyntaxError,
    FormulaTermError,
    UnknownVariableError,
)

DATA = pd.DataFrame(
    {
        "score": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "age": [6.1, 6.5, 6.2, 6.9, 6.3, 6.4],
        "class": ["a", "a", "b", "b", "c", "c"],
    }
)

ERRORS = [
    (
        "score ~ agee + (1 | class)",
        UnknownVariableError,
        "Unknown variable 'agee' in the formula; the data has 'age'.\n"
        "  score ~ agee + (1 | class)\n          ^^^^",
    ),
    (
        "score ~ age + (1 | klass)",
        UnknownVariableError,
        "Unknown variable 'klass' in the formula; the data has 'class'.\n"
        "  score ~ age + (1 | klass)\n                     ^^^^^",
    ),
    (
        "score ~ age + (age | class",
        FormulaSyntaxError,
        "The '(' here is never closed; add a matching ')'.\n"
        "  score ~ age + (age | class\n                ^",
    ),
    (
        "score ~ age^x",
        FormulaTermError,
        "Invalid power in formula: the power of a term must be a number from 2 to 2147483647 "
        "(R truncates it: 2.5 is 2); write I(x^2) for arithmetic.\n  score ~ age^x\n"
        "              ^",
    ),
    (
        "score ~ 3 + age",
        FormulaTermError,
        "The number 3 cannot be a term; only 0, 1 and -1 set the intercept.\n"
        "  score ~ 3 + age\n          ^",
    ),
    (
        "score | wieghts(w) ~ age",
        FormulaTermError,
        "Unknown addition term 'wieghts()'; brms's addition terms are: weights, trials, cens, "
        "trunc, se, rate, mi, subset, thres, cat, dec, index, vreal, vint, bhaz.\n"
        "  score | wieghts(w) ~ age\n          ^^^^^^^^^^",
    ),
    (
        "score ~ age + x | class",
        FormulaTermError,
        "A group-level term needs parentheses: write it as (x | g).\n"
        "  score ~ age + x | class\n          ^^^^^^^^^^^^^^^",
    ),
    (
        'score ~ s(age, bs = "gp")',
        FormulaTermError,
        'The smooth basis bs = "gp" is not supported yet; brmsjax builds the bases bs = "tp" '
        '(the default), "ts", "cr", "cs", "cc", "ps", "re" and "fs".\n'
        '  score ~ s(age, bs = "gp")\n                 ^^^^^^^^^',
    ),
    (
        "score ~ age + (1 | mm(class))",
        FormulaTermError,
        "Multi-membership terms require at least two grouping variables.\n"
        "  score ~ age + (1 | mm(class))\n                     ^^^^^^^^^",
    ),
    (
        "~ age",
        FormulaSyntaxError,
        "The model formula needs a response: write it as 'y ~ x'.\n  ~ age\n  ^^^^^",
    ),
]


@pytest.mark.parametrize(("formula", "kind", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_formula_gives_caret_error(formula: str, kind: type, message: str) -> None:
    with pytest.raises(kind, match=re.escape(message)) as info:
        build_design(formula, DATA)
    assert isinstance(info.value, FormulaError)
    assert str(info.value) == message


def test_rows_with_missing_values_are_dropped_with_brms_warning() -> None:
    data = DATA.assign(age=[6.1, np.nan, 6.2, 6.9, 6.3, 6.4], unused=[np.nan] * 6)
    with pytest.warns(DataWarning, match=re.escape(NA_WARNING)):
        design = build_design("score ~ age + (1 | class)", data)
    assert design.rows.tolist() == [0, 2, 3, 4, 5]
    assert design.N == 5


def test_unused_levels_are_dropped_as_brms_does() -> None:
    data = DATA.assign(f=pd.Categorical(list("xxyyxx"), categories=["x", "y", "z"]))
    design = build_design("score ~ f + (1 | class)", data)
    assert design.fixed[0].columns == ("Intercept", "fy")
    # model_matrix follows R's model.matrix, which keeps the unused level of a factor.
    assert list(model_matrix("score ~ f", data).columns) == ["(Intercept)", "fy", "fz"]


def test_no_rows_left_is_an_error_that_names_the_columns() -> None:
    data = DATA.assign(age=np.nan)
    with pytest.raises(DesignError) as err:
        build_design("score ~ age", data)
    assert str(err.value) == (
        "No rows are left after excluding rows with missing values; the missing values are "
        "in 'age'."
    )
