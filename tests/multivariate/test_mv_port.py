"""The porter's multivariate formulas, and the brms_multivariate vignette's models.

References: brms 2.18.0 ``make_standata()`` / ``get_prior()`` of the vignette's formulas in
tests/fixtures/multivariate/btdata.json (make_fixtures.R there, on data simulated like BTdata).
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.terms.mv_formula import MvFormula
from brmsjax.port import Ref, from_r
from brmsjax.port.script import port_script
from tests.port.test_port_corpus import CORPUS

FIXTURE = Path(__file__).parents[1] / "fixtures" / "multivariate" / "btdata.json"
COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub"]
BF_TARSUS = "bf(tarsus ~ sex + (1|p|fosternest) + (1|q|dam))"
BF_BACK = "bf(back ~ hatchdate + (1|p|fosternest) + (1|q|dam))"


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


@pytest.mark.parametrize(
    ("code", "python"),
    [
        (
            "brm(bf(mvbind(a, b) ~ x) + set_rescor(TRUE), data = d)",
            'bj.bf("mvbind(a, b) ~ x") + bj.set_rescor(True)',
        ),
        (
            "brm(bf(y1 ~ x) + bf(y2 ~ z, family = poisson()) + set_rescor(FALSE), data = d)",
            'bj.bf("y1 ~ x") + bj.bf("y2 ~ z", family="poisson") + bj.set_rescor(False)',
        ),
        (
            "brm(mvbf(bf(y1 ~ x), y2 ~ z, rescor = TRUE), data = d)",
            'bj.mvbf(bj.bf("y1 ~ x"), bj.bf("y2 ~ z"), rescor=True)',
        ),
        (
            "brm(bf_tarsus + bf_back + set_rescor(TRUE), data = BTdata)",
            "bj.mvbf(bf_tarsus, bf_back, rescor=True)",
        ),
    ],
)
def test_porter_translates(code: str, python: str) -> None:
    call = from_r(code)
    assert call.formula_call.code == python
    assert isinstance(call.formula, MvFormula)


def _env() -> dict[str, Any]:
    tarsus, back = from_r(BF_TARSUS).formula, from_r(BF_BACK).formula
    bform1 = bj.bf(
        "mvbind(tarsus, back) ~ sex + hatchdate + (1|p|fosternest) + (1|q|dam)"
    ) + bj.set_rescor(True)
    return {"bf_tarsus": tarsus, "bf_back": back, "bform1": bform1}


@pytest.mark.parametrize(
    ("corpus_id", "case"),
    [("brms_multivariate-1", "vignette_mvbind"), ("brms_multivariate-2", "vignette_bf_plus")],
)
def test_vignette_calls_build_as_brms(corpus_id: str, case: str) -> None:
    """The corpus calls (whose formulas are R objects) build brms's standata and priors."""
    call = from_r(next(c for c in CORPUS if c.id == corpus_id).code)
    formula = call.formula
    env = _env()
    if isinstance(formula, Ref):
        formula = env[formula.name]
    else:
        assert isinstance(formula, MvFormula)
        formula = MvFormula(tuple(env[p.name] for p in formula.parts), formula.rescor)
    ref = fixture()["cases"][case]
    data = pd.DataFrame(fixture()["data"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sd = bj.make_standata(formula, data)
        table = bj.get_prior(formula, data)
    assert list(sd) == ref["standata_names"]
    for key in ref["standata_names"]:
        mine = np.asarray(sd[key], dtype=float)
        theirs = np.asarray(ref["standata"][key], dtype=float).reshape(mine.shape)
        np.testing.assert_allclose(mine, theirs, err_msg=key)
    theirs = pd.DataFrame(ref["prior"])[COLUMNS]
    pd.testing.assert_frame_equal(table[COLUMNS].reset_index(drop=True), theirs)


def test_script_ports_formula_objects() -> None:
    script = port_script(
        f"bf_tarsus <- {BF_TARSUS}\nbf_back <- {BF_BACK}\n"
        "fit2 <- brm(bf_tarsus + bf_back + set_rescor(TRUE), data = BTdata)\n"
    ).code
    assert "bj.mvbf(bf_tarsus, bf_back, rescor=True)," in script
    assert 'bf_back = bj.bf("back ~ hatchdate + (1 | p | fosternest) + (1 | q | dam)")' in script
