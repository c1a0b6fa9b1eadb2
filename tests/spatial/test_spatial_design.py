"""sar() and car(): brms 2.18's standata and get_prior, the terms' messages, and the porter's
``autocor = cor_sar(W)`` / ``cor_car(W)`` conversions."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.formula.design.design import DataWarning
from brmsjax.formula.errors import BrmsjaxError
from tests.spatial.spatial_fixtures import CASES, case, data, data2, r_number


def _standata(name: str) -> dict:
    ref = case(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return bj.make_standata(ref["formula"], data(name), ref["family"], data2=data2())


@pytest.mark.parametrize("name", CASES)
def test_standata_equals_brms(name: str) -> None:
    ref, got = case(name)["standata"], _standata(name)
    assert list(got) == list(ref)
    for key, value in ref.items():
        want = np.asarray(r_number(value), dtype=float)
        have = np.asarray(got[key], dtype=float).reshape(want.shape)
        if key == "eigenMsar":  # R orders ties of |value| by its LAPACK's choice
            want, have = np.sort(want), np.sort(have)
        np.testing.assert_allclose(have, want, rtol=1e-10, atol=1e-10, err_msg=key)


@pytest.mark.parametrize("name", CASES)
def test_get_prior_equals_brms(name: str) -> None:
    ref = case(name)
    table = bj.get_prior(ref["formula"], data(name), ref["family"], data2=data2())
    want = pd.DataFrame(ref["prior"])[list(table.columns)]
    pd.testing.assert_frame_equal(table.reset_index(drop=True), want.reset_index(drop=True))


def test_car_without_gr_warns_as_brms() -> None:
    frame = data("sar_lag")
    W = data2()["W"].to_numpy()
    with pytest.warns(DataWarning, match="Using CAR terms without a grouping factor"):
        sd = bj.make_standata("cnt ~ car(W)", frame, "poisson", data2={"W": W})
    np.testing.assert_array_equal(sd["Jloc"], np.arange(1, 17))


ERRORS = [
    ("y ~ sar()", "sar", "Argument 'M' is missing in sar()."),
    ("y ~ sar(Wr, type = 'spatial')", "sar", "Argument 'type' of sar() should be one of"),
    ("y ~ sar(Wr) + sar(Wr)", "sar", "Can only model one term per autocorrelation class."),
    ("y ~ sar(Wr) + ar(p = 1)", "sar", "sar() cannot be combined with ar(), ma(), arma()"),
    ("y ~ sar(W2)", "sar", "Dimensions of 'M' for SAR terms must be equal to the number"),
    ("y ~ sar(Nope)", "sar", "Object 'Nope' was not found in 'data2'."),
    ("y ~ car(Wa, gr = g)", "car", "'M' for CAR terms must be symmetric."),
    ("y ~ car(Wn, gr = g)", "car", "Row names are required for 'M' in CAR terms."),
    ("y ~ car(W, gr = g, type = 'x')", "car", "Argument 'type' of car() should be one of"),
    ("y ~ car(Wi, gr = g)", "car", "For exact sparse CAR, all locations should have at least"),
    ("y ~ car(W, gr = g, foo = 1)", "car", "car() has no argument 'foo'"),
]


@pytest.mark.parametrize(("formula", "kind", "message"), ERRORS)
def test_messages(formula: str, kind: str, message: str) -> None:
    frame = data("car_escar").assign(y=lambda d: d["cnt"] * 1.0)
    if kind == "sar":
        frame = data("sar_lag")
    W = data2()["W"]
    isolated = W.copy()
    isolated.iloc[0, :] = isolated.iloc[:, 0] = 0.0
    asym = W.to_numpy().copy()
    asym[0, 5] = 1.0
    extra = {"W2": np.eye(3), "Wa": asym, "Wn": W.to_numpy(), "Wi": isolated}
    with pytest.raises(BrmsjaxError, match=re.escape(message)):
        bj.make_standata(formula, frame, data2={**data2(), **extra})


@pytest.mark.parametrize(
    ("autocor", "term"),
    [
        ("cor_sar(Wr)", 'sar(Wr, type = "lag")'),
        ("cor_errorsar(Wr)", 'sar(Wr, type = "error")'),
        ("cor_car(W, ~ 1 | g)", 'car(W, gr = g, type = "escar")'),
        ("cor_icar(W, ~ 1 | g)", 'car(W, gr = g, type = "icar")'),
    ],
)
def test_porter_cor_brms_builds_the_term(autocor: str, term: str) -> None:
    """brms 2.18 rewrites ``autocor = cor_*()`` as the formula term; the port's standata are
    those of the formula with the term."""
    resp = "y" if autocor.startswith("cor_sar") or "errorsar" in autocor else "cnt"
    name = "sar_lag" if resp == "y" else "car_escar"
    call = bj.from_r(f"brm({resp} ~ x, data = d, autocor = {autocor})")
    assert term in str(call.to_python())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        got = bj.make_standata(call.formula, data(name), data2=data2())
        want = bj.make_standata(f"{resp} ~ x + {term}", data(name), data2=data2())
    assert list(got) == list(want)
    for key in want:
        np.testing.assert_array_equal(np.asarray(got[key]), np.asarray(want[key]), err_msg=key)


MODEL_ERRORS = [
    ("cnt ~ x + sar(Wr)", "poisson", {}, "SAR terms are not implemented for this family."),
    ("bf(y ~ x + sar(Wr), sigma ~ x)", "gaussian", {}, "SAR models are not implemented when"),
    ("y ~ x + sar(Wr)", "gaussian", {"shard_rows": True}, "Models with sar() terms cannot split"),
    (
        "bf(y ~ x, mu2 ~ car(W, gr = g))",
        "mixture",
        {},
        "Explicit covariance terms can only be specified on 'mu'.",
    ),
]


@pytest.mark.parametrize(("formula", "family", "kw", "message"), MODEL_ERRORS)
def test_model_messages(formula: str, family: str, kw: dict, message: str) -> None:
    frame = data("sar_lag").assign(g=lambda d: [f"L{i:02d}" for i in range(1, 17)])
    fam = bj.mixture("gaussian", "gaussian") if family == "mixture" else family
    with pytest.raises(BrmsjaxError, match=re.escape(message)):
        bj.brm(formula, frame, fam, data2=data2(), chains=1, iter=20, progress=False, **kw)
