"""set_mecor(FALSE): me() latent variables without correlations, as brms 2.18
(tests/fixtures/mecor/mecor.R: make_standata, get_prior rows and Stan code)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.errors import FormulaTermError
from tests.mi_mv.standata_table import assert_standata_equal, formula

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mecor"
CASES = json.loads((FIXTURES / "cases.json").read_text())
DATA = pd.read_csv(FIXTURES / "data.csv")


@pytest.mark.parametrize("case", list(CASES))
def test_standata_and_prior_rows_equal_brms(case: str) -> None:
    ref = CASES[case]
    f = formula(ref["formula"])
    sd = bj.make_standata(f, DATA)
    assert_standata_equal(sd, ref["standata"])
    rows = [(r["prior"], r["class"], r["coef"]) for r in ref["prior"]]
    table = bj.get_prior(f, DATA)
    assert list(table[["prior", "class", "coef"]].itertuples(index=False, name=None)) == rows


def test_set_mecor_takes_a_flag() -> None:
    with pytest.raises(FormulaTermError, match="set_mecor\\(\\) takes TRUE or FALSE"):
        bj.set_mecor("no")  # type: ignore[arg-type]


@pytest.mark.slow
def test_fit_without_correlations_has_no_corme() -> None:
    f = bj.bf("y ~ me(x1, sdx) + me(x2, sdx)") + bj.set_mecor(False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm(f, DATA, chains=1, iter=200, seed=3, progress=False)
    names = [c for c in fit.draws().columns if not c.startswith(".")]
    assert [n for n in names if "me" in n] == [
        "bsp_mex1sdx",
        "bsp_mex2sdx",
        "meanme_mex1",
        "meanme_mex2",
        "sdme_mex1",
        "sdme_mex2",
    ]


GR_CASES = json.loads((FIXTURES / "me_gr_cases.json").read_text())
GR_DATA = pd.read_csv(FIXTURES / "me_gr_data.csv")


@pytest.mark.parametrize("case", [k for k, v in GR_CASES.items() if "standata" in v])
def test_me_gr_standata_and_prior_rows_equal_brms(case: str) -> None:
    ref = GR_CASES[case]
    sd = bj.make_standata(ref["formula"], GR_DATA)
    assert_standata_equal(sd, ref["standata"])
    rows = [(r["prior"], r["class"], r["coef"], r["group"]) for r in ref["prior"]]
    table = bj.get_prior(ref["formula"], GR_DATA)
    cols = ["prior", "class", "coef", "group"]
    assert list(table[cols].itertuples(index=False, name=None)) == rows


@pytest.mark.parametrize(
    ("formula", "data", "message"),
    [
        (
            GR_CASES["me_gr_not_unique"]["formula"],
            GR_DATA.assign(x=np.where(np.arange(len(GR_DATA)) == 3, 9.0, GR_DATA.x)),
            GR_CASES["me_gr_not_unique"]["error"],
        ),
        (
            "y ~ me(x, sdx, gr = g) + me(w, sdx)",
            GR_DATA,
            "me() terms with different gr (or some without gr) are not supported yet",
        ),
    ],
)
def test_me_gr_errors(formula: str, data: pd.DataFrame, message: str) -> None:
    with pytest.raises(bj.BrmsjaxError, match=re.escape(message)):
        bj.make_standata(formula, data)


@pytest.mark.slow
def test_me_gr_fits_and_predicts() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm("y ~ me(x, sdx, gr = g) + z", GR_DATA, chains=1, iter=200, seed=2)
        epred = fit.posterior_epred()
    assert "bsp_mexsdxgrEQg" in fit.draws().columns
    assert epred.shape == (100, len(GR_DATA)) and np.isfinite(epred).all()


@pytest.mark.slow
def test_me_gr_posterior_agrees_with_brms() -> None:
    """tests/fixtures/mecor/fit_brms.R: 4 chains x 1000 draws of brms 2.18, no divergences."""
    ref = json.loads((FIXTURES / "me_gr.fit.json").read_text())["summary"]
    data = pd.read_csv(FIXTURES / "fit_data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = bj.brm("y ~ me(x, sdx, gr = g) + z", data, chains=4, iter=2000, seed=5)
    draws = fit.draws()
    for r in ref:
        if r["variable"] in ("lp__", "lprior") or r["variable"].startswith("zme"):
            continue
        x = draws[r["variable"]]
        assert abs(x.mean() - r["mean"]) <= 0.1 * r["sd"], r["variable"]
        assert abs(x.std() / r["sd"] - 1) <= 0.1, r["variable"]
