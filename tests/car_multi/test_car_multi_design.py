"""make_standata and get_prior of ``car()`` per mixture component and per response equal brms
2.18's (the data ``Nloc_mu1``, ``Jloc_y``, ... and the prior rows of ``sdcar`` with their
``dpar`` or ``resp``), directly and through the porter's ``from_r()``."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.design.design import DataWarning
from brmsjax.port import BrmCall, from_r
from tests.car_multi.car_multi_fixtures import CASES, case, data, data2

LOCS = [f"L{i:02d}" for i in range(1, 17)]
PRIOR_COLUMNS = ["prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub"]


def _standata(formula: object, family: object) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # R's data.frame row names
        return bj.make_standata(formula, data(), family=family, data2=data2())


def _assert_standata(got: dict, want: dict) -> None:
    assert list(got) == list(want)
    for key, value in want.items():
        a = np.asarray(got[key], dtype=float)
        b = np.asarray(value, dtype=float).reshape(a.shape)
        # car_scale: an inverse of a near-singular matrix, equal to ~2e-10
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("name", list(CASES))
def test_standata_equals_brms(name: str) -> None:
    formula, family = CASES[name]
    _assert_standata(_standata(formula, family), case(name)["standata"])


@pytest.mark.parametrize("name", list(CASES))
def test_get_prior_equals_brms(name: str) -> None:
    formula, family = CASES[name]
    got = bj.get_prior(formula, data(), family=family, data2=data2())
    want = pd.DataFrame(case(name)["prior"])
    got_rows = got[PRIOR_COLUMNS].astype(str).to_numpy().tolist()
    assert got_rows == want[PRIOR_COLUMNS].astype(str).to_numpy().tolist()


@pytest.mark.parametrize(
    ("name", "code", "python"),
    [
        (
            "mix_escar",
            "brm(y ~ x + car(W, gr = g), data = d, family = mixture(gaussian, gaussian), "
            "data2 = list(W = W))",
            'family=bj.mixture("gaussian", "gaussian"),',
        ),
        (
            "mv_escar",
            "brm(bf(mvbind(y, y2) ~ x + car(W, gr = g)) + set_rescor(FALSE), data = d, "
            "data2 = list(W = W))",
            'bj.bf("mvbind(y, y2) ~ x + car(W, gr = g)") + bj.set_rescor(False),',
        ),
        (
            "mv_bym2_one",
            "brm(bf(y ~ x + car(W, gr = g, type = 'bym2')) + bf(y2 ~ x) + set_rescor(FALSE), "
            "data = d, data2 = list(W = W))",
            'bj.bf("y ~ x + car(W, gr = g, type = \\"bym2\\")") + bj.bf("y2 ~ x")',
        ),
    ],
)
def test_porter_translates_and_builds(name: str, code: str, python: str) -> None:
    call = from_r(code)
    assert isinstance(call, BrmCall)
    text = call.to_python()
    assert python in text and 'data2={"W": W},' in text
    got = _standata(call.formula, call.family.resolve())
    _assert_standata(got, case(name)["standata"])


def _with_subset() -> pd.DataFrame:
    return data().assign(s=lambda d: np.arange(len(d)) % 4 > 0)


@pytest.mark.parametrize(
    ("formula", "frame", "extra", "message"),
    [
        (
            bj.bf("y | subset(s) ~ x + car(W, gr = g)") + bj.bf("y2 ~ x") + bj.set_rescor(False),
            _with_subset,
            {},
            "car() terms in multivariate models with subset() or index() are not supported",
        ),
        (
            bj.bf("mvbind(y, y2) ~ x + (1 | gr(g, cov = A))") + bj.set_rescor(False),
            data,
            {"A": pd.DataFrame(np.eye(16), index=LOCS, columns=LOCS)},
            "Multivariate models with gr(cov = ), fcor() and sar() terms are not supported yet",
        ),
    ],
)
def test_unsupported_multivariate_data2_terms_are_refused(
    formula: object, frame: object, extra: dict, message: str
) -> None:
    with pytest.raises(bj.BrmsjaxError, match=re.escape(message)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            bj.make_standata(formula, frame(), data2={**data2(), **extra})
