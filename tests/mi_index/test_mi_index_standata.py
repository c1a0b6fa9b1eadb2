"""mi(x, idx) predictors of responses with subset() and index() in multivariate models
(brms 2.18's mi.Rd example): make_standata, get_prior rows and errors as brms 2.18's
(tests/fixtures/mi_index/standata_cases.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.mi_mv import standata_table
from tests.mi_mv.standata_table import cases, table_tests

CASES = cases("mi_index")


def nhanes() -> pd.DataFrame:
    """nhanes with the R script's se, sub, id and idx."""
    d = standata_table.nhanes()
    r = np.arange(1, len(d) + 1)
    d["sub"] = r > 2
    d["id"] = r
    d["idx"] = 3 + (r * 7) % (len(d) - 2)
    return d


test_standata_equals_brms, test_get_prior_rows_equal_brms, test_errors_are_brms = table_tests(
    "mi_index", nhanes
)
