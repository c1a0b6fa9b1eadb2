"""The shrinkage bases "cs"/"ts", the random effect basis "re", the penalty order m, fx = TRUE
and id against brms 2.18 + mgcv 1.8-41 (fixtures/smooths/bases2.json, make_bases2.R).

``Xs`` and every ``Zs_<k>_<j>`` equal R's to 1e-8, on the data and at new data (brms's
``s2rPred``), with R's column signs and R's basis of repeated eigenvalues' eigenspaces (the
shrunk null space of ``"ts"`` in 2-d, the two unpenalized columns of ``m = 3``): LAPACK's
choices follow rounding, reproduced with R's (see :mod:`brmsjax.formula.smooths`).
``fx = TRUE`` puts the whole constrained basis in ``Xs`` (``nb = 0``, no ``Zs``); ``id`` does
not change brms's data.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula import DesignError, FormulaTermError, build_design, standata
from brmsjax.formula.design.newdata import encode_newdata
from brmsjax.port import from_r

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "smooths"
FIXTURE = json.loads((HERE / "bases2.json").read_text())
FS = json.loads((HERE / "fs.json").read_text())
DATA = pd.DataFrame(FIXTURE["data"])
NEWDATA = pd.DataFrame(FIXTURE["newdata"])
for _frame in (DATA, NEWDATA):
    for _col in ("g", "h"):
        _frame[_col] = pd.Categorical(_frame[_col], categories=sorted(set(DATA[_col])))
CASES = [k for k in FIXTURE if k not in ("data", "newdata")]


def _matrix(values: list | dict, n: int) -> np.ndarray:
    out = np.asarray(values if isinstance(values, list) else [], dtype=float)
    return out.reshape(n, 0) if out.size == 0 else out.reshape(n, -1)


@pytest.mark.parametrize("case", CASES)
def test_basis_matches_brms(case: str) -> None:
    ref = FIXTURE[case]
    design = build_design(ref["formula"], DATA)
    sd = standata(design)
    want = ref["standata"]
    n, m = len(DATA), len(NEWDATA)
    assert [k for k in sd if k.startswith(("nb", "Zs", "knots", "Ks", "Xs"))] == list(want)
    names = ref.get("xs_names") or []
    assert list(sd["Xs"].columns) == ([names] if isinstance(names, str) else names)
    for key, value in want.items():
        if key.startswith(("Zs", "Xs")):
            got = np.asarray(sd[key], dtype=float)
            np.testing.assert_allclose(got, _matrix(value, n), rtol=0, atol=1e-8)
        else:
            assert list(np.atleast_1d(sd[key])) == list(np.atleast_1d(value))
    # new data: the first smooth's Xs columns and Zs parts (brms's s2rPred)
    X = encode_newdata(design, NEWDATA).X[""]
    nX = design.fixed[0].K
    xs_new = np.hstack([_matrix(r["Xs"], m) for r in ref["new"]])
    cols = list(range(xs_new.shape[1]))
    got = X[:, nX - sd["Xs"].shape[1] : nX][:, cols] if cols else np.zeros((m, 0))
    np.testing.assert_allclose(got, xs_new, atol=1e-8)
    start = nX
    for r in ref["new"]:
        parts = r["Zs"] if isinstance(r["Zs"], list) else []
        for z in parts:
            Z = _matrix(z, m)
            np.testing.assert_allclose(X[:, start : start + Z.shape[1]], Z, atol=1e-8)
            start += Z.shape[1]


def test_fx_smooth_has_no_penalized_part() -> None:
    design = build_design("y ~ s(x, fx = TRUE, k = 6) + s(z)", DATA)
    assert [sm.knots for sm in design.smooths] == [(), (8,)]
    rows = bj.get_prior("y ~ s(x, fx = TRUE, k = 6) + s(z)", data=DATA)
    assert list(rows[rows["class"] == "sds"]["coef"]) == ["", "s(x, fx = TRUE, k = 6)", "s(z)"]


def test_porter_keeps_smooth_arguments() -> None:
    code = from_r('brm(y ~ s(g, bs = "re") + s(x, bs = "ts", m = 1, id = 2), data = d)')
    assert '"y ~ s(g, bs = \\"re\\") + s(x, bs = \\"ts\\", m = 1, id = 2)"' in code.to_python()


@pytest.mark.slow
def test_re_and_shrinkage_smooths_recover_the_truth() -> None:
    rng = np.random.default_rng(8)
    n = 240
    g = rng.integers(0, 6, n)
    effects = np.array([-1.0, -0.5, 0.0, 0.3, 0.7, 1.2])
    x = rng.uniform(0, 3, n)
    d = pd.DataFrame({"x": x, "g": pd.Categorical([f"g{i}" for i in g])})
    d["y"] = effects[g] + np.sin(2 * x) + rng.normal(0, 0.3, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm('y ~ s(g, bs = "re") + s(x, bs = "cs")', data=d, chains=2, iter=800, seed=1)
    names = list(fit.draws().columns)
    assert [c for c in names if c.startswith("sds")] == ["sds_sg_1", "sds_sx_1"]
    assert "s_sg_1[6]" in names and "s_sx_1[9]" in names and not any("bs_" in c for c in names)
    grid = pd.DataFrame({"x": np.full(6, 1.0), "g": pd.Categorical([f"g{i}" for i in range(6)])})
    mu = fit.posterior_epred(newdata=grid).mean(axis=0)
    want = effects + np.sin(2.0)
    np.testing.assert_allclose(mu - mu.mean(), want - want.mean(), atol=0.2)


@pytest.mark.parametrize("case", [k for k in FS if k.startswith("fs")])
def test_fs_basis_matches_brms(case: str) -> None:
    """``s(x, g, bs = "fs")``: brms's parts, names and sizes, every ``Zs_<k>_<j>`` R's to 1e-8
    with R's signs and R's basis of the null space: LAPACK returns the repeated eigenvalue 0's
    eigenvectors of ``R^-T S R^-1`` in a basis set by rounding (which through ``norm(X, "I")``
    also scales every part), reproduced with R's (LINPACK's QR, ``forwardsolve``, reference
    LAPACK's ``dsyevr``; see :mod:`brmsjax.formula.smooths.fs`). The same at new data."""
    ref = FS[case]
    design = build_design(ref["formula"], DATA)
    sd = standata(design)
    want = ref["standata"]
    n = len(DATA)
    assert [k for k in sd if k.startswith(("nb", "Zs", "knots", "Ks", "Xs"))] == list(want)
    assert list(sd["knots_1"]) == want["knots_1"] and sd["Xs"].shape[1] == want["Ks"] == 0
    keys = [k for k in want if k.startswith("Zs_1_")]
    for key in keys:
        np.testing.assert_allclose(np.asarray(sd[key]), _matrix(want[key], n), rtol=0, atol=1e-8)
    X = encode_newdata(design, NEWDATA).X[""]
    m, start = len(NEWDATA), design.fixed[0].K
    for z in ref["new"][0]["Zs"]:
        Z = _matrix(z, m)
        np.testing.assert_allclose(X[:, start : start + Z.shape[1]], Z, rtol=0, atol=1e-8)
        start += Z.shape[1]
    assert start == X.shape[1]


@pytest.mark.parametrize(
    ("formula", "error", "message"),
    [
        ('y ~ s(x, z, bs = "fs")', DesignError, "needs one factor and numeric covariates"),
        ('y ~ s(x, g, bs = "fs", by = h)', FormulaTermError, 'by of s(bs = "fs") is not'),
    ],
)
def test_fs_errors(formula: str, error: type, message: str) -> None:
    with pytest.raises(error) as err:
        build_design(formula, DATA)
    assert message in str(err.value)


@pytest.mark.slow
def test_fs_smooth_fits_per_level_curves() -> None:
    rng = np.random.default_rng(3)
    n = 240
    g = rng.integers(0, 3, n)
    x = rng.uniform(0, 3, n)
    d = pd.DataFrame({"x": x, "g": pd.Categorical([f"g{i}" for i in g])})
    shift = np.array([-0.8, 0.0, 0.8])
    d["y"] = shift[g] + np.sin(2 * x) * (1 + 0.3 * g) + rng.normal(0, 0.25, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm('y ~ s(x, g, bs = "fs", k = 6)', data=d, chains=2, iter=800, seed=2)
    names = list(fit.draws().columns)
    assert [c for c in names if c.startswith("sds")] == ["sds_sxg_1", "sds_sxg_2", "sds_sxg_3"]
    assert "s_sxg_1[12]" in names and "s_sxg_3[3]" in names
    grid = pd.DataFrame(
        {"x": np.tile([0.5, 1.5, 2.5], 3), "g": pd.Categorical(np.repeat(["g0", "g1", "g2"], 3))}
    )
    mu = fit.posterior_epred(newdata=grid).mean(axis=0)
    k = np.repeat([0, 1, 2], 3)
    want = shift[k] + np.sin(2 * grid.x.to_numpy()) * (1 + 0.3 * k)
    np.testing.assert_allclose(mu, want, atol=0.2)
