"""The brms 2.18 references of this folder's tests (tests/fixtures/families_multi, and
tests/fixtures/logistic_normal for logistic_normal): the data set they were made with, the
recorded cases, and the comparisons of brmsjax's get_prior and make_standata with them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.backend.families.registry import get_family
from brmsjax.backend.priors.resolve import prior_table
from brmsjax.formula.design.design import build_design
from brmsjax.formula.design.standata import standata

FIXTURES = Path(__file__).parents[1] / "fixtures"
#: The columns of brms's get_prior table, in its order.
COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source"]


@cache
def families_fixture() -> dict[str, Any]:
    """tests/fixtures/families_multi/families.json: densities, get_prior and standata cases
    per family."""
    return json.loads((FIXTURES / "families_multi" / "families.json").read_text())


@cache
def fixture_data() -> pd.DataFrame:
    """The data set the fixtures were made with (tests/fixtures/families_multi/data.json)."""
    raw = json.loads((FIXTURES / "families_multi" / "data.json").read_text())
    return pd.DataFrame(raw["columns"])


def assert_prior_rows_equal(family: str, ref: dict[str, Any]) -> None:
    """``ref["formula"]``'s get_prior table under ``family`` (on :func:`fixture_data`) is
    brms's recorded ``ref["rows"]``."""
    fam = get_family(family)
    got = prior_table(build_design(ref["formula"], fixture_data(), family=fam), fam)
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), pd.DataFrame(ref["rows"], columns=COLUMNS)
    )


def assert_standata_equal(family: str, ref: dict[str, Any], dims: bool = True) -> None:
    """``ref["formula"]``'s make_standata under ``family`` (on :func:`fixture_data`) has
    brms's names in its order and its values to 1e-12 (flattened as R's ``as.vector``); with
    ``dims``, each entry also has brms's dimensions (or is a scalar)."""
    fam = get_family(family)
    got = standata(build_design(ref["formula"], fixture_data(), family=fam), family=fam)
    assert list(got) == ref["names"]
    for key, want in ref["values"].items():
        ours = got[key]
        ours = ours.to_numpy() if isinstance(ours, pd.DataFrame) else ours
        if dims:
            assert list(np.shape(ours)) == list(np.atleast_1d(ref["dims"][key])) or (
                np.size(ours) == 1
            )
        np.testing.assert_allclose(
            np.asarray(ours, dtype=float).reshape(-1, order="F"), want, atol=1e-12, err_msg=key
        )
