"""The shared runner of the mi() standata tables (tests/mi_mv, tests/mi_index).

Each table is a fixture ``tests/fixtures/<name>/standata_cases.json`` that an R script wrote
with :file:`tests/fixtures/mi_record_cases.R`: per case, the R formula sum and either
brms 2.18's ``make_standata`` and ``get_prior`` rows or its error message. The data are
nhanes with the scripts' measurement error column ``se``. :func:`table_tests` makes a test
module's three tests of its table.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.errors import FormulaTermError
from brmsjax.port.translate import r_formula
from brmsjax.rcode.rparse import parse_r

FIXTURES = Path(__file__).parents[1] / "fixtures"
NHANES = Path(__file__).parents[2] / "benchmarks" / "brms_refs" / "data" / "nhanes.csv"


def cases(name: str) -> dict[str, Any]:
    """The recorded cases of ``tests/fixtures/<name>/standata_cases.json`` by id."""
    return json.loads((FIXTURES / name / "standata_cases.json").read_text())


def standata_ids(table: dict[str, Any]) -> list[str]:
    """The cases that brms builds (with standata and prior rows)."""
    return [k for k, v in table.items() if "standata" in v]


def error_ids(table: dict[str, Any]) -> list[str]:
    """The cases that brms refuses (with its error message)."""
    return [k for k, v in table.items() if "error" in v]


def nhanes() -> pd.DataFrame:
    """nhanes with the R scripts' ``se = 0.5 + (row %% 3) / 4``."""
    d = pd.read_csv(NHANES)
    d["se"] = 0.5 + (np.arange(1, len(d) + 1) % 3) / 4
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


def assert_standata(ref: dict[str, Any], data: pd.DataFrame) -> None:
    """brmsjax's make_standata has brms's names, in its order, and its values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = bj.make_standata(formula(ref["formula"]), data)
    assert_standata_equal(sd, ref["standata"])


def assert_standata_equal(sd: dict[str, Any], standata: dict[str, Any]) -> None:
    """``sd`` (make_standata) has the recorded ``standata``'s names, in its order, and its
    values (R's data frames, ``Inf`` and arrays in their recorded shape)."""
    assert list(sd) == list(standata)
    for key, value in standata.items():
        got = np.asarray(sd[key], dtype=float)
        want = _r_array(value)
        np.testing.assert_allclose(got.reshape(want.shape), want, err_msg=key)


def assert_prior_rows(ref: dict[str, Any], data: pd.DataFrame) -> None:
    """brmsjax's get_prior has brms's rows (prior, class, coef, resp), in its order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = bj.get_prior(formula(ref["formula"]), data)
    rows = [(r["prior"], r["class"], r["coef"], r["resp"]) for r in ref["prior"]]
    got = list(table[["prior", "class", "coef", "resp"]].itertuples(index=False, name=None))
    assert got == rows


def assert_brms_error(ref: dict[str, Any], data: pd.DataFrame) -> None:
    """make_standata refuses the case with brms's message."""
    with pytest.raises(FormulaTermError, match=re.escape(ref["error"])):
        bj.make_standata(formula(ref["formula"]), data)


def table_tests(name: str, data: Callable[[], pd.DataFrame]) -> tuple[Callable[[str], None], ...]:
    """The tests of the table ``name`` on ``data()``, each parametrized by its cases: standata
    and get_prior rows equal brms's, and brms's errors. A test module binds them to its names
    ``test_standata_equals_brms``, ``test_get_prior_rows_equal_brms`` and
    ``test_errors_are_brms``."""
    table = cases(name)

    @pytest.mark.parametrize("case", standata_ids(table))
    def standata(case: str) -> None:
        assert_standata(table[case], data())

    @pytest.mark.parametrize("case", standata_ids(table))
    def prior_rows(case: str) -> None:
        assert_prior_rows(table[case], data())

    @pytest.mark.parametrize("case", error_ids(table))
    def errors(case: str) -> None:
        assert_brms_error(table[case], data())

    return standata, prior_rows, errors
