"""make_standata reproduces brms 2.18's standata exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brmsjax.datasets import load
from brmsjax.formula.design import build_design
from brmsjax.formula.standata import standata

BRMS = Path(__file__).parent / "fixtures" / "brms"
CASES = [
    ("sleep_rs", "Reaction ~ Days + (Days | Subject)", "sleepstudy"),
    ("sleep_uncorr", "Reaction ~ Days + (Days || Subject)", "sleepstudy"),
]


@pytest.mark.parametrize(("case", "formula", "data"), CASES, ids=[c[0] for c in CASES])
def test_standata_equals_brms(case: str, formula: str, data: str) -> None:
    expected = json.loads((BRMS / f"{case}.standata.json").read_text())
    got = standata(build_design(formula, load(data)))
    assert list(got) == list(expected)
    for key, value in expected.items():
        ours = got[key]
        if isinstance(ours, pd.DataFrame):
            assert list(ours.columns) == ["Intercept", "Days"]
            ours = ours.to_numpy()
        np.testing.assert_array_equal(np.asarray(ours).reshape(-1),
                                      np.asarray(value, dtype=float).reshape(-1), err_msg=key)
