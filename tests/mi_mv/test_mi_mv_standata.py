"""mi(x) predictors in multivariate models: make_standata, get_prior rows and errors as brms
2.18's (tests/fixtures/mi_mv/standata_cases.R) and the fit's draws named as brms's."""

from __future__ import annotations

import re

import pytest

import brmsjax as bj
from brmsjax.formula.errors import FormulaTermError

from .standata_table import formula, nhanes, table_tests

test_standata_equals_brms, test_get_prior_rows_equal_brms, test_errors_are_brms = table_tests(
    "mi_mv", nhanes
)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "bf(bmi ~ age + mi(chl)) + bf(hyp ~ age) + set_rescor(FALSE)",
            "Error occurred for 'chl'.",
        ),
    ],
)
def test_unsupported_mi_predictors_are_refused(code: str, message: str) -> None:
    with pytest.raises(FormulaTermError, match=re.escape(message)):
        bj.make_standata(formula(code), nhanes())


def test_univariate_mi_predictor_keeps_brms_error() -> None:
    with pytest.raises(FormulaTermError, match=re.escape("Error occurred for 'chl'.")):
        bj.make_standata("bmi | mi() ~ age + mi(chl)", nhanes())
