"""s(x, by = ...) against brms 2.18 (fixtures/smooths/by.json, make_by.R).

A factor ``by`` gives one smooth per level (``Zs_1_1``, ``Zs_2_1``, ... and ``Xs`` columns
``sx:fhi_1``, ...); a numeric ``by`` multiplies the basis and drops the sum-to-zero
constraint (two unpenalized columns). ``Xs`` equals R's to 1e-8 and ``Zs`` up to column signs
(see :mod:`brmsjax.formula.smooths`), on the data and on new data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brmsjax.formula import build_design, standata
from brmsjax.formula.design.newdata import encode_newdata

FIXTURE = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "by.json").read_text()
)
DATA = pd.DataFrame(FIXTURE["data"])
NEWDATA = pd.DataFrame(FIXTURE["newdata"])


def _matrix(values: list, n: int) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(n, -1)


def _same_up_to_sign(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    sign = np.where(np.sum(got * want, axis=0) < 0, -1.0, 1.0)
    np.testing.assert_allclose(got * sign, want, rtol=0, atol=1e-8)
    return sign


@pytest.mark.parametrize("case", ["by_factor", "by_numeric", "by_factor_k5"])
def test_by_matches_brms(case: str) -> None:
    ref = FIXTURE[case]
    design = build_design(ref["formula"], DATA)
    sd = standata(design)
    n = len(DATA)
    want = ref["standata"]
    assert [k for k in sd if k.startswith(("nb", "Zs", "knots", "Ks", "Xs"))] == list(want)
    assert list(sd["Xs"].columns) == ref["xs_names"]
    np.testing.assert_allclose(sd["Xs"].to_numpy(), _matrix(want["Xs"], n), rtol=0, atol=1e-8)
    signs = []
    for sm in design.smooths:
        key = f"Zs_{sm.k}_1"
        assert list(sd[f"knots_{sm.k}"]) == want[f"knots_{sm.k}"]
        signs.append(_same_up_to_sign(sd[key], _matrix(want[key], n)))
    # new data: each smooth through its fitted basis (mgcv's PredictMat, brms's s2rPred)
    new = encode_newdata(design, NEWDATA)
    X = new.X[""]
    nX = design.fixed[0].K
    m = len(NEWDATA)
    xs = np.hstack([_matrix(r["Xs"], m) for r in ref["new"]])
    np.testing.assert_allclose(X[:, nX - xs.shape[1] : nX], xs, rtol=0, atol=1e-8)
    start = nX
    for sign, r in zip(signs, ref["new"], strict=True):
        Z = _matrix(r["Zs"], m)
        np.testing.assert_allclose(X[:, start : start + Z.shape[1]] * sign, Z, atol=1e-8)
        start += Z.shape[1]


def test_by_factor_labels() -> None:
    design = build_design("y ~ s(x, by = f)", DATA)
    assert [(sm.k, sm.label, sm.term) for sm in design.smooths] == [
        (1, "sxfhi", "s(x, by = f)"),
        (2, "sxflo", "s(x, by = f)"),
        (3, "sxfmid", "s(x, by = f)"),
    ]
