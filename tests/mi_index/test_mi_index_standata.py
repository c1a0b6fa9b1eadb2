"""mi(x, idx) predictors of responses with subset() and index() in multivariate models
(brms 2.18's mi.Rd example): make_standata, get_prior rows and errors as brms 2.18's
(tests/fixtures/mi_index/standata_cases.R)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.errors import FormulaTermError
from brmsjax.port.translate import r_formula
from brmsjax.rcode.rparse import parse_r

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mi_index"
CASES = json.loads((FIXTURES / "standata_cases.json").read_text())
NHANES = Path(__file__).parents[2] / "benchmarks" / "brms_refs" / "data" / "nhanes.csv"


def nhanes() -> pd.DataFrame:
    """nhanes with the R script's se, sub, id and idx."""
    d = pd.read_csv(NHANES)
    r = np.arange(1, len(d) + 1)
    d["se"] = 0.5 + (r % 3) / 4
    d["sub"] = r > 2
    d["id"] = r
    d["idx"] = 3 + (r * 7) % (len(d) - 2)
    return d


def formula(code: str) -> Any:
    """The R formula sum as the porter reads it."""
    return r_formula(parse_r(code), code).formula


def _r_array(value: Any) -> np.ndarray:
    if isinstance(value, list) and value and isinstance(value[0], dict):  # a data frame
        return pd.DataFrame(value).to_numpy(dtype=float)
    special = {"Inf": np.inf, "-Inf": -np.inf}
    flat = [special.get(v, v) if isinstance(v, str) else v for v in np.ravel(value)]
    return np.asarray(flat, dtype=float).reshape(np.shape(value))


STANDATA = [k for k, v in CASES.items() if "standata" in v]


@pytest.mark.parametrize("case", STANDATA)
def test_standata_equals_brms(case: str) -> None:
    ref = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = bj.make_standata(formula(ref["formula"]), nhanes())
    assert list(sd) == list(ref["standata"])
    for key, value in ref["standata"].items():
        got = np.asarray(sd[key], dtype=float)
        want = _r_array(value)
        np.testing.assert_allclose(got.reshape(want.shape), want, err_msg=key)


@pytest.mark.parametrize("case", STANDATA)
def test_get_prior_rows_equal_brms(case: str) -> None:
    ref = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = bj.get_prior(formula(ref["formula"]), nhanes())
    rows = [(r["prior"], r["class"], r["coef"], r["resp"]) for r in ref["prior"]]
    got = list(table[["prior", "class", "coef", "resp"]].itertuples(index=False, name=None))
    assert got == rows


@pytest.mark.parametrize("case", [k for k, v in CASES.items() if "error" in v])
def test_errors_are_brms(case: str) -> None:
    ref = CASES[case]
    with pytest.raises(FormulaTermError, match=re.escape(ref["error"])):
        bj.make_standata(formula(ref["formula"]), nhanes())
