"""Multi-membership terms mm() and mmc(): make_standata and get_prior equal brms 2.18's, and
brms's error messages.

The references are recorded by ``tests/fixtures/groups_more/make_fixtures.R`` (brms 2.18.0) on
``data.csv`` of that folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.formula.errors import BrmsjaxError

HERE = Path(__file__).parents[1] / "fixtures" / "groups_more"
REFERENCE = json.loads((HERE / "brms_groups_more.json").read_text())
CASES = {c["id"]: c for c in REFERENCE["cases"]}


def data() -> pd.DataFrame:
    return pd.read_csv(HERE / "data.csv")


@pytest.mark.parametrize("case_id", list(CASES))
def test_standata_equals_brms(case_id: str) -> None:
    case = CASES[case_id]
    got = brmsjax.make_standata(case["formula"], data(), family=case["family"])
    expected = case["standata"]
    assert list(got) == list(expected)
    for key, value in expected.items():
        ours = got[key]
        ours = ours.to_numpy() if isinstance(ours, pd.DataFrame) else np.asarray(ours)
        np.testing.assert_allclose(
            ours.reshape(-1), np.asarray(value, dtype=float).reshape(-1), err_msg=key
        )


@pytest.mark.parametrize("case_id", list(CASES))
def test_get_prior_equals_brms(case_id: str) -> None:
    case = CASES[case_id]
    table = brmsjax.get_prior(case["formula"], data(), family=case["family"])
    got = table[["prior", "class", "coef", "group", "dpar"]].to_dict("records")
    assert got == case["get_prior"]


ERRORS = [(e["formula"], e["message"]) for e in REFERENCE["errors"]]


@pytest.mark.parametrize(("formula", "message"), ERRORS)
def test_brms_error_messages(formula: str, message: str) -> None:
    assert message  # brms refuses each of them
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, data())
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        # brms 2.18 builds the standata and fails later; refused here with its message
        ("y ~ mmc(x1, x2) + (1 | mm(g1, g2))", "'mmc' is only supported in multi-membership"),
        ("y ~ (1 | mm(g1, g2, by = x1))", "mm(by = ) is not supported yet."),
        ('y ~ (1 | mm(g1, g2, dist = "student"))', 'Only mm(dist = "gaussian") is supported.'),
        ("y ~ (1 | mm(g1, g2, scale = 2))", "mm(scale = ) must be TRUE or FALSE."),
        ("y ~ (1 | mm(g1, g2, wt = w1))", "mm() has no argument 'wt'"),
        ("y ~ (1 | mm(g1, g2 + x1))", "The grouping variables of mm() must be variables."),
        ("y ~ mo(n1) + (mo(n1) | mm(g1, g2))", "mo() terms cannot be used inside a multi-memb"),
    ],
)
def test_refused_mm_terms(formula: str, message: str) -> None:
    with pytest.raises(BrmsjaxError) as err:
        brmsjax.make_standata(formula, data())
    assert message in str(err.value)


def test_zero_weights_cannot_be_scaled() -> None:
    d = data()
    d.loc[0, ["w1", "w2"]] = 0.0
    with pytest.raises(BrmsjaxError, match="sum to zero in some rows"):
        brmsjax.make_standata("y ~ (1 | mm(g1, g2, weights = cbind(w1, w2)))", d)
