"""t2() tensor product smooths against brms 2.18 + mgcv 1.8-41 (fixtures/smooths/t2.json, made
by make_t2.R beside it), their names and priors, te()'s refusal, and a fit.

brms splits ``t2(x0, x2)`` into one ``Zs_<k>_<j>`` per penalty (``rr``, ``nr``, ``rn`` for two
margins) and the constrained null space columns ``Xs``. They equal R's to 1e-8 with R's column
signs (LAPACK's eigenvector signs in each margin's ``nat.param``, reproduced with R's rounding,
see :mod:`brmsjax.formula.smooths`), on the data and at new data (brms's ``s2rPred`` of the
``smoothCon(modCon = 3)`` basis).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula import FormulaTermError, build_design, standata
from brmsjax.formula.design.newdata import encode_newdata
from brmsjax.port import from_r

FIXTURE = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "smooths" / "t2.json").read_text()
)
DATA = pd.DataFrame(FIXTURE["data"])
NEWDATA = pd.DataFrame(FIXTURE["newdata"])
CASES = [k for k in FIXTURE if k.startswith("t2_")]


def _matrix(values: list, n: int) -> np.ndarray:
    out = np.asarray(values, dtype=float)
    return out.reshape(n, 0) if out.size == 0 else out.reshape(n, -1)


def _same(got: np.ndarray, want: np.ndarray) -> None:
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-8)


@pytest.mark.parametrize("case", CASES)
def test_t2_standata_matches_brms(case: str) -> None:
    ref = FIXTURE[case]
    sd = standata(build_design(ref["formula"], DATA))
    want = ref["standata"]
    n = len(DATA)
    assert [k for k in sd if k.startswith(("nb", "Zs", "knots", "Ks", "Xs"))] == list(want)
    names = ref["xs_names"]  # R's one name is a string in the JSON
    assert list(sd["Xs"].columns) == ([names] if isinstance(names, str) else names)
    for key, value in want.items():
        if key.startswith(("Zs", "Xs")):
            _same(np.asarray(sd[key], dtype=float), _matrix(value, n))
        else:
            assert list(np.atleast_1d(sd[key])) == list(np.atleast_1d(value))


@pytest.mark.parametrize("case", [c for c in CASES if c != "t2_with_s"])
def test_t2_new_data_matches_brms(case: str) -> None:
    ref = FIXTURE[case]
    design = build_design(ref["formula"], DATA)
    m = len(NEWDATA)
    X = encode_newdata(design, NEWDATA).X[""]
    nX = design.fixed[0].K
    xs = np.hstack([_matrix(r["Xs"], m) for r in ref["new"]])
    _same(X[:, nX - xs.shape[1] : nX], xs)
    start = nX
    for r in ref["new"]:
        for z in r["Zs"]:
            Z = _matrix(z, m)
            _same(X[:, start : start + Z.shape[1]], Z)
            start += Z.shape[1]


def test_t2_names_and_priors_as_brms() -> None:
    design = build_design("y ~ t2(x0, x2, k = 4)", DATA)
    (sm,) = design.smooths
    assert (sm.label, sm.term, sm.knots) == ("t2x0x2", "t2(x0, x2, k = 4)", (4, 4, 4))
    rows = bj.get_prior("y ~ t2(x0, x2)", data=DATA)
    sds = rows[rows["class"] == "sds"][["coef", "lb"]].to_dict("records")
    assert sds == [{"coef": "", "lb": "0"}, {"coef": "t2(x0, x2)", "lb": ""}]


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y ~ te(x0, x2)", "Tensor product smooths 'te' and 'ti' are not yet implemented in brms"),
        ("y ~ ti(x0, x2)", "Consider using 't2' instead."),
        ("y ~ t2(x0, x2, d = c(1, 1))", "The argument 'd' of t2() is not supported yet"),
        ('y ~ t2(x0, x2, bs = "re")', 'The margin basis bs = "re" of t2() is not supported'),
        ('y ~ t2(x0, x2, k = "a")', "The argument k of t2() must be one value or c()"),
        ("y ~ t2(x0, x2, full = TRUE)", "The argument 'full' of t2() is not supported yet"),
    ],
)
def test_t2_errors(formula: str, message: str) -> None:
    with pytest.raises(FormulaTermError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_design(formula, DATA)


def test_t2_margin_arguments_as_mgcv() -> None:
    with pytest.warns(UserWarning, match="one or more supplied k too small - reset to default"):
        design = build_design("y ~ t2(x0, x2, k = 2)", DATA)
    assert design.smooths[0].knots == (9, 6, 6)  # mgcv's default k = 5 per margin
    with pytest.warns(UserWarning, match="bs wrong length and ignored."):
        design = build_design('y ~ t2(x0, x2, bs = c("tp", "cr", "cr"))', DATA)
    assert design.smooths[0].knots == (9, 6, 6)


def test_porter_translates_t2() -> None:
    code = from_r("brm(y ~ t2(x0, x2, k = c(4, 6)), data = dat)").to_python()
    assert '"y ~ t2(x0, x2, k = c(4, 6))"' in code


@pytest.mark.slow
def test_t2_fit_recovers_a_surface() -> None:
    rng = np.random.default_rng(4)
    n = 300
    d = pd.DataFrame({"x": rng.uniform(0, 1, n), "z": rng.uniform(0, 1, n)})
    truth = np.sin(2 * np.pi * d.x) * d.z + 0.5 * d.z
    d["y"] = truth + rng.normal(0, 0.2, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm("y ~ t2(x, z)", data=d, chains=2, iter=1000, seed=2)
    names = list(fit.draws().columns)
    assert ["sds_t2xz_1", "sds_t2xz_2", "sds_t2xz_3"] == [c for c in names if "sds" in c]
    assert "s_t2xz_1[9]" in names and "s_t2xz_3[6]" in names
    grid = pd.DataFrame({"x": [0.25, 0.75, 0.25, 0.75, 0.5], "z": [0.2, 0.2, 0.8, 0.8, 0.5]})
    mu = fit.posterior_epred(newdata=grid).mean(axis=0)
    want = np.sin(2 * np.pi * grid.x) * grid.z + 0.5 * grid.z
    np.testing.assert_allclose(mu, want, atol=0.12)
    assert list(fit.summary().splines.index) == ["sds(t2xz_1)", "sds(t2xz_2)", "sds(t2xz_3)"]
