"""Thin plate smooths with more than ``max.knots`` unique covariate values against brms 2.18
(fixtures/smooths_knots/knots.json, make_knots.R).

mgcv draws the knots with R's generator under ``set.seed(xt$seed)``; the bases then equal R's
to 1e-8 with R's column signs (see :mod:`brmsjax.formula.smooths`), on the data (every 37th
row and the column sums) and at new data. The generator, ``sample()`` and ``as.character()``
(which orders two-covariate knots) are checked against R on their own.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brmsjax.formula import build_design, standata
from brmsjax.formula.design.newdata import encode_newdata
from brmsjax.formula.errors import FormulaTermError
from brmsjax.formula.smooths.knots import r_as_character, sample_knots, unique_combinations
from brmsjax.formula.smooths.r_random import RRandom, r_sample

FIXTURE = json.loads(
    (
        Path(__file__).resolve().parent.parent / "fixtures" / "smooths_knots" / "knots.json"
    ).read_text()
)
N = FIXTURE["n"]
ROWS = np.asarray(FIXTURE["rows"])
_U = np.arange(N) % 2600
DATA = pd.DataFrame(
    {
        "x": ((_U * 7919) % 3001) / 3001 * 10,
        "z": ((_U * 104729) % 2999) / 2999 * 4 - 2,
        "y": np.sin(np.arange(N) / 50),
    }
)
NEWDATA = pd.DataFrame(FIXTURE["newdata"]).assign(y=0.0)

CASES = [
    # (case, unpenalized columns)
    ("tp1", 1),
    ("tp1_k15", 1),
    ("ts1", 0),
    ("tp1_xt", 1),
    ("tp2", 2),
    ("tp2_xt", 2),
]


def _rows(values: list, n: int) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(n, -1)


@pytest.mark.parametrize(("case", "null"), CASES)
def test_sampled_knots_basis_matches_brms(case: str, null: int) -> None:
    ref = FIXTURE[case]
    design = build_design(ref["formula"], DATA)
    sd = standata(design)
    assert list(sd["knots_1"]) == ref["knots_1"] and sd["Ks"] == ref["Ks"]
    Xs = sd["Xs"].to_numpy()[:, sd["Xs"].shape[1] - null :]
    Zs = np.asarray(sd["Zs_1_1"])
    if null:
        np.testing.assert_allclose(Xs[ROWS], _rows(ref["Xs_rows"], len(ROWS)), rtol=0, atol=1e-8)
        np.testing.assert_allclose(Xs.sum(axis=0), ref["Xs_sum"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(Zs[ROWS], _rows(ref["Zs_rows"], len(ROWS)), rtol=0, atol=1e-8)
    np.testing.assert_allclose(Zs.sum(axis=0), ref["Zs_sum"], rtol=0, atol=1e-8)
    np.testing.assert_allclose((Zs**2).sum(axis=0), ref["Zs_sumsq"], rtol=1e-12, atol=1e-8)
    # new data: mgcv's PredictMat on the knots, then brms's s2rPred transform
    X = encode_newdata(design, NEWDATA).X[""]
    K = design.fixed[0].K
    m = len(NEWDATA)
    if null:
        np.testing.assert_allclose(X[:, K - null : K], _rows(ref["new"]["Xs"], m), atol=1e-8)
    np.testing.assert_allclose(X[:, K:], _rows(ref["new"]["Zs"], m), rtol=0, atol=1e-8)


@pytest.mark.parametrize(
    ("case", "columns", "max_knots", "seed"),
    [("tp1", ["x"], 2000, 1), ("tp1_xt", ["x"], 500, 7), ("tp2", ["x", "z"], 2000, 1)],
)
def test_knots_are_mgcvs(case: str, columns: list[str], max_knots: int, seed: int) -> None:
    """The drawn knots, sorted as ``Xd_strip`` sorts them (the first five of mgcv's ``Xu``)."""
    x = DATA[columns].to_numpy()
    shift = x.mean(axis=0)
    knots = sample_knots(x - shift, max_knots, seed)
    assert knots is not None and knots.shape[0] == FIXTURE[case]["n_knots"]
    order = np.lexsort([knots[:, c] for c in range(len(columns) - 1, -1, -1)])
    head = _rows(FIXTURE[case]["knots_head"], 5)
    np.testing.assert_allclose(knots[order[:5]] + shift, head, rtol=0, atol=1e-12)


@pytest.mark.parametrize("draw", FIXTURE["sample"], ids=lambda d: f"seed{d['seed']}")
def test_r_sample(draw: dict) -> None:
    got = r_sample(int(draw["n"]), int(draw["size"]), int(draw["seed"]))
    np.testing.assert_array_equal(got, np.atleast_1d(draw["value"]))


def test_r_runif() -> None:
    rng = RRandom(1)
    np.testing.assert_allclose([rng.unif_rand() for _ in range(5)], FIXTURE["runif"], rtol=1e-14)


@pytest.mark.parametrize(
    ("hexed", "text"),
    list(zip(FIXTURE["as_character"]["x"], FIXTURE["as_character"]["text"], strict=True)),
)
def test_r_as_character(hexed: str, text: str) -> None:
    assert r_as_character(float.fromhex(hexed)) == text


@pytest.mark.parametrize(
    ("x", "want"),
    [
        # one covariate: numeric order
        ([[3.0], [-1.0], [3.0], [10.0]], [[-1.0], [3.0], [10.0]]),
        # two: by the pasted strings in byte order ("-" before digits, "10" before "9")
        (
            [[9.0, 1.0], [10.0, 1.0], [-2.0, 0.5], [9.0, 1.0]],
            [[-2.0, 0.5], [10.0, 1.0], [9.0, 1.0]],
        ),
    ],
)
def test_unique_combinations(x: list, want: list) -> None:
    np.testing.assert_array_equal(unique_combinations(np.asarray(x)), want)


def test_no_draw_below_max_knots() -> None:
    x = np.repeat(np.linspace(0, 1, 1500), 2)[:, None]  # 3000 rows, 1500 unique values
    assert sample_knots(x - x.mean()) is None


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y ~ s(x, xt = 3)", "must be list(max.knots = , seed = )"),
        ("y ~ s(x, xt = list(max.knots = 0.5))", "must be list(max.knots = , seed = )"),
        ("y ~ s(x, xt = list(bs = 2))", "must be list(max.knots = , seed = )"),
        ('y ~ s(x, bs = "cr", xt = list(seed = 2))', 'xt of s(bs = "cr") is not supported'),
    ],
)
def test_xt_errors(formula: str, message: str) -> None:
    with pytest.raises(FormulaTermError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_design(formula, DATA.iloc[:50])


def test_get_prior_keeps_the_xt_term() -> None:
    """brms's prior rows of ``s(x, xt = list(...))``: the ``sds`` coef is the term as written
    (``prior`` compared where it does not depend on the response's scale)."""
    import brmsjax as bj

    want = FIXTURE["get_prior_xt"]
    got = bj.get_prior("y ~ s(x, xt = list(max.knots = 500, seed = 7))", data=DATA)
    assert list(got["class"]) == want["class"]
    assert list(got["coef"]) == want["coef"]
    assert [p for c, p in zip(got["class"], got["prior"], strict=True) if c == "sds"] == [
        p for c, p in zip(want["class"], want["prior"], strict=True) if c == "sds"
    ]
