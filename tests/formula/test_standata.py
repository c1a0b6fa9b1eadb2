"""make_standata reproduces brms 2.18's standata exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brmsjax.datasets import load
from brmsjax.formula.design.design import build_design
from brmsjax.formula.design.standata import standata

BRMS = Path(__file__).parents[1] / "fixtures" / "brms"
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
        np.testing.assert_array_equal(
            np.asarray(ours).reshape(-1), np.asarray(value, dtype=float).reshape(-1), err_msg=key
        )


# Field names and order of brms 2.18's make_standata() for these formulas, recorded with
# R 4.2.2 / brms 2.18.0 on d <- data.frame(y, x, w, g = rep(letters[1:5], each = 6)).
NAME_CASES = [
    (
        "bf(y | weights(w) ~ x + (1|p|g), sigma ~ x + (1|p|g))",
        [
            "N",
            "Y",
            "weights",
            "K",
            "X",
            "Z_1_1",
            "K_sigma",
            "X_sigma",
            "Z_1_sigma_2",
            "J_1",
            "N_1",
            "M_1",
            "NC_1",
            "prior_only",
        ],
    ),
    (
        "bf(y ~ x + (x||g), sigma ~ 1 + (1 | g))",
        [
            "N",
            "Y",
            "K",
            "X",
            "Z_1_1",
            "Z_1_2",
            "K_sigma",
            "X_sigma",
            "Z_2_sigma_1",
            "J_1",
            "J_2",
            "N_1",
            "M_1",
            "NC_1",
            "N_2",
            "M_2",
            "NC_2",
            "prior_only",
        ],
    ),
    (
        "y ~ x + offset(w) + (1 | g)",
        ["N", "Y", "K", "X", "Z_1_1", "offsets", "J_1", "N_1", "M_1", "NC_1", "prior_only"],
    ),
]


@pytest.mark.parametrize(("formula", "names"), NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_standata_names_follow_brms(formula: str, names: list[str]) -> None:
    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {
            "y": rng.normal(size=30),
            "x": rng.normal(size=30),
            "w": rng.uniform(1, 2, 30),
            "g": np.repeat(list("abcde"), 6),
        }
    )
    got = standata(build_design(formula, data))
    assert list(got) == names
    if "M_1" in names and "p|g" in formula:
        assert got["M_1"] == 2  # the shared id puts mu's and sigma's intercepts in one block
