"""s(x, z): the isotropic thin plate smooth of two covariates against brms 2.18
(fixtures/smooths/tp2.json, make_tp2.R).

``Zs`` equals R's up to column signs. The two unpenalized columns (``sxz_1``, ``sxz_2``) span
the same space as R's but are another basis of it: they come from eigenvectors of the
penalty's repeated eigenvalue 0, which LAPACK returns in an arbitrary rotation (R's reference
LAPACK and scipy's differ), so ``Xs = Xs_R A`` for an invertible ``A``, the same on new data.
With the flat prior of class ``b`` the model's fit and predictions are unchanged; only the
draws of ``bs_sxz_1``/``bs_sxz_2`` are in other coordinates than brms's.
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
    sign = np.where(np.sum(sd["Zs_1_1"] * Zs_R, axis=0) < 0, -1.0, 1.0)
    np.testing.assert_allclose(sd["Zs_1_1"] * sign, Zs_R, rtol=0, atol=1e-8)
    Xs_R = np.asarray(want["Xs"], dtype=float).reshape(n, -1)
    A, *_ = np.linalg.lstsq(Xs_R, sd["Xs"].to_numpy(), rcond=None)
    np.testing.assert_allclose(Xs_R @ A, sd["Xs"].to_numpy(), rtol=0, atol=1e-8)
    assert abs(np.linalg.det(A)) > 1e-3
    X = encode_newdata(design, NEWDATA).X[""]
    K = design.fixed[0].K
    new_Xs = np.asarray(ref["new"]["Xs"], dtype=float).reshape(m, -1)
    np.testing.assert_allclose(X[:, K - 2 : K], new_Xs @ A, rtol=0, atol=1e-8)
    new_Zs = np.asarray(ref["new"]["Zs"], dtype=float).reshape(m, -1)
    np.testing.assert_allclose(X[:, K:] * sign, new_Zs, rtol=0, atol=1e-8)
