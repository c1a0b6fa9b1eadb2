"""s(x, by = ...) and the bases "cr", "cc" and "ps" against brms 2.18 (fixtures/smooths/
by.json, cr.json, cc.json and ps.json, each made by the make_<name>.R beside it).

A factor ``by`` gives one smooth per level (``Zs_1_1``, ``Zs_2_1``, ... and ``Xs`` columns
``sx:fhi_1``, ...); a numeric ``by`` multiplies the basis and drops the sum-to-zero
constraint (two unpenalized columns). ``Xs`` and ``Zs`` equal R's to 1e-8, on the data and on
new data, with R's column signs (LAPACK's eigenvector signs, reproduced with R's rounding, see
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

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "smooths"
FIXTURES = {
    name: json.loads((HERE / f"{name}.json").read_text()) for name in ("by", "cr", "cc", "ps")
}
FIXTURE = FIXTURES["by"]
DATA = pd.DataFrame(FIXTURE["data"])


def _matrix(values: list, n: int) -> np.ndarray:
    out = np.asarray(values, dtype=float)
    return out.reshape(n, 0) if out.size == 0 else out.reshape(n, -1)


def _same_up_to_sign(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    sign = np.where(np.sum(got * want, axis=0) < 0, -1.0, 1.0)
    np.testing.assert_allclose(got * sign, want, rtol=0, atol=1e-8)
    return sign


@pytest.mark.parametrize(
    ("fixture", "case"),
    [
        ("by", "by_factor"),
        ("by", "by_numeric"),
        ("by", "by_factor_k5"),
        ("cr", "cr_default"),
        ("cr", "cr_k6"),
        ("cr", "cr_by"),
        ("ps", "ps_default"),
        ("ps", "ps_k6"),
        ("ps", "ps_by"),
        ("cc", "cc_default"),
        ("cc", "cc_k6"),
        ("cc", "cc_by"),
    ],
)
def test_basis_matches_brms(fixture: str, case: str) -> None:
    """Columns equal R's, with R's signs."""
    ref = FIXTURES[fixture][case]
    data = pd.DataFrame(FIXTURES[fixture]["data"])
    newdata = pd.DataFrame(FIXTURES[fixture]["newdata"])
    design = build_design(ref["formula"], data)
    sd = standata(design)
    n = len(data)
    want = ref["standata"]
    assert [k for k in sd if k.startswith(("nb", "Zs", "knots", "Ks", "Xs"))] == list(want)
    names = ref["xs_names"] or []  # R's colnames of an empty Xs are NULL
    assert list(sd["Xs"].columns) == ([names] if isinstance(names, str) else names)
    xs_sign = _same_up_to_sign(sd["Xs"].to_numpy(), _matrix(want["Xs"], n))
    signs = []
    for sm in design.smooths:
        key = f"Zs_{sm.k}_1"
        assert list(sd[f"knots_{sm.k}"]) == want[f"knots_{sm.k}"]
        signs.append(_same_up_to_sign(sd[key], _matrix(want[key], n)))
    # new data: each smooth through its fitted basis (mgcv's PredictMat, brms's s2rPred)
    new = encode_newdata(design, newdata)
    X = new.X[""]
    nX = design.fixed[0].K
    m = len(newdata)
    xs = np.hstack([_matrix(r["Xs"], m) for r in ref["new"]])
    np.testing.assert_allclose(X[:, nX - xs.shape[1] : nX] * xs_sign, xs, rtol=0, atol=1e-8)
    assert np.all(xs_sign == 1) and all(np.all(sign == 1) for sign in signs)
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
