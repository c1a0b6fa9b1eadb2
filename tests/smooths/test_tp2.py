"""s(x, z): the isotropic thin plate smooth of two covariates against brms 2.18
(fixtures/smooths/tp2.json, make_tp2.R).

``Xs`` and ``Zs`` equal R's to 1e-8, on the data and at new data, with R's column signs and R's
basis of the unpenalized space: the two ``Xs`` columns come from eigenvectors of the penalty's
repeated eigenvalue 0 and every column's sign from rounding-level quantities in LAPACK's
``dsyevr``, so the penalty is built with mgcv's rounding (its Lanczos iteration's divide and
conquer ``dstedc`` included) and decomposed with reference LAPACK's (see
:mod:`brmsjax.formula.smooths`).
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
    (Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "tp2.json").read_text()
)
DATA = pd.DataFrame(FIXTURE["data"])
NEWDATA = pd.DataFrame(FIXTURE["newdata"])


@pytest.mark.parametrize("case", ["tp2_default", "tp2_k12"])
def test_tp2_matches_brms(case: str) -> None:
    ref = FIXTURE[case]
    design = build_design(ref["formula"], DATA)
    sd = standata(design)
    n, m = len(DATA), len(NEWDATA)
    want = ref["standata"]
    assert list(sd["Xs"].columns) == ref["xs_names"]
    assert list(sd["knots_1"]) == want["knots_1"]
    Zs_R = np.asarray(want["Zs_1_1"], dtype=float)
    np.testing.assert_allclose(sd["Zs_1_1"], Zs_R, rtol=0, atol=1e-8)
    Xs_R = np.asarray(want["Xs"], dtype=float).reshape(n, -1)
    np.testing.assert_allclose(sd["Xs"].to_numpy(), Xs_R, rtol=0, atol=1e-8)
    X = encode_newdata(design, NEWDATA).X[""]
    K = design.fixed[0].K
    new_Xs = np.asarray(ref["new"]["Xs"], dtype=float).reshape(m, -1)
    np.testing.assert_allclose(X[:, K - 2 : K], new_Xs, rtol=0, atol=1e-8)
    new_Zs = np.asarray(ref["new"]["Zs"], dtype=float).reshape(m, -1)
    np.testing.assert_allclose(X[:, K:], new_Zs, rtol=0, atol=1e-8)
