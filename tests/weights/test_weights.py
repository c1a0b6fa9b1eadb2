"""loo_model_weights, model_weights and add_criterion against loo 2.5.1 (R fixture made by
tests/fixtures/loo/make_weights_reference.R) and hand formulas."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp, softmax

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.methods.comparison import ComparisonError, Loo, psis_loo, relative_eff
from brmsjax.methods.weights import pseudobma_bb, stacking

FIX = Path(__file__).parents[1] / "fixtures/loo"
REF = json.loads((FIX / "weights_reference.json").read_text())
LOO = json.loads((FIX / "loo_reference.json").read_text())
LPD = np.asarray(REF["lpd"], dtype=np.float64)
CASES = [(c["models"], c) for c in REF["cases"]]
SLEEP = pd.read_csv("brmsjax/data/sleepstudy.csv")


def _loos() -> list[Loo]:
    mats = [LOO["a"]["log_lik"], LOO["b"]["log_lik"], REF["c_log_lik"]]
    out = []
    for m in mats:
        ll = np.asarray(m, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(psis_loo(ll, relative_eff(ll, LOO["chains"])))
    return out


def _score(lpd: np.ndarray, w: np.ndarray) -> float:
    return float(logsumexp(lpd + np.log(np.maximum(w, 1e-300)), axis=1).sum())


@pytest.mark.parametrize(("models", "ref"), CASES)
def test_stacking_matches_loo(models: list[int], ref: dict[str, Any]) -> None:
    lpd = LPD[:, np.asarray(models) - 1]
    w = stacking(lpd)
    # loo's constrOptim stops at a log-barrier point: weights agree to 1e-4 and our optimum
    # scores at least as high, within 1e-6 of loo's.
    np.testing.assert_allclose(w, ref["stacking"], atol=1e-4)
    gap = _score(lpd, w) - _score(lpd, np.asarray(ref["stacking"]))
    assert -1e-10 <= gap <= 1e-6


@pytest.mark.parametrize(("models", "ref"), CASES)
def test_pseudobma_matches_loo(models: list[int], ref: dict[str, Any]) -> None:
    lpd = LPD[:, np.asarray(models) - 1]
    np.testing.assert_allclose(softmax(lpd.sum(axis=0)), ref["pseudobma"], rtol=1e-10, atol=1e-12)
    bb = pseudobma_bb(lpd, np.asarray(ref["dirichlet"], dtype=np.float64))
    np.testing.assert_allclose(bb, ref["pseudobma_bb"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("models", "ref"), CASES)
def test_loo_model_weights_on_loo_results(models: list[int], ref: dict[str, Any]) -> None:
    loos = _loos()
    picked = {f"m{k}": loos[k - 1] for k in models}
    np.testing.assert_allclose(
        [r.pointwise["elpd"].to_numpy() for r in loos], LPD.T, rtol=1e-10, atol=1e-10
    )
    st = bj.loo_model_weights(**picked)
    assert list(st.index) == list(picked)
    np.testing.assert_allclose(st.to_numpy(), ref["stacking"], atol=1e-4)
    pb = bj.loo_model_weights(**picked, method="pseudobma", BB=False)
    np.testing.assert_allclose(pb.to_numpy(), ref["pseudobma"], rtol=1e-10, atol=1e-12)
    same = bj.model_weights(**picked, weights="loo")
    np.testing.assert_allclose(same.to_numpy(), ref["pseudobma"], rtol=1e-10, atol=1e-12)
    bb1 = bj.loo_model_weights(**picked, method="pseudobma", BB_n=200, seed=3)
    bb2 = bj.loo_model_weights(**picked, method="pseudobma", BB_n=200, seed=3)
    pd.testing.assert_series_equal(bb1, bb2)
    assert bb1.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ls: bj.loo_model_weights(ls[0]), "At least two models are required"),
        (lambda ls: bj.loo_model_weights(*ls[:2], method="bma"), "method must be 'stacking'"),
        (lambda ls: bj.model_weights(*ls[:2], weights="kfold"), "weights must be 'stacking'"),
        (lambda ls: bj.model_weights(ls[0], 3), "is a int, not a fit or a loo result"),
        (
            lambda ls: bj.loo_model_weights(*ls[:2], method="pseudobma", BB_n=0),
            "BB_n must be a positive number",
        ),
    ],
)
def test_weight_errors(call: Any, message: str) -> None:
    with pytest.raises(ComparisonError, match=message):
        call(_loos())


@pytest.fixture(scope="module")
def fits() -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        full = bj.brm(
            "Reaction ~ Days + (1 | Subject)", SLEEP, chains=2, iter=300, seed=5, progress=False
        )
        plain = bj.brm("Reaction ~ Days", SLEEP, chains=2, iter=300, seed=5, progress=False)
    return full, plain


def test_add_criterion_round_trip(fits: tuple[Any, Any]) -> None:
    full, plain = fits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert full.add_criterion(["loo", "waic", "bayes_R2", "loo_R2"]) is full
        plain.add_criterion("loo")
    assert set(full.criteria) == {"loo", "waic", "bayes_R2", "loo_R2"}
    pd.testing.assert_frame_equal(full.criteria["bayes_R2"], full.bayes_R2())
    assert full.loo() is full.criteria["loo"]
    assert full.waic() is full.criteria["waic"]
    fresh = full.loo(r_eff=1.0)  # arguments recompute, as brms
    assert fresh is not full.criteria["loo"]
    stored = full.criteria["loo"]
    full.add_criterion("loo")  # kept unless overwrite
    assert full.criteria["loo"] is stored
    full.add_criterion("loo", overwrite=True)
    assert full.criteria["loo"] is not stored
    cmp = bj.loo_compare(full, plain)
    assert cmp.table.loc["full", "elpd_loo"] == full.criteria["loo"].elpd
    w = bj.model_weights(full, plain, weights="loo")
    elpd = np.array([full.criteria["loo"].elpd, plain.criteria["loo"].elpd])
    np.testing.assert_allclose(w.to_numpy(), softmax(elpd), rtol=1e-12)
    assert list(w.index) == ["full", "plain"]


@pytest.mark.parametrize(
    ("criterion", "message"),
    [
        ("loo_subsample", "Criterion 'loo_subsample' is not supported yet"),
        ("R2", "Argument 'criterion' should be a subset of"),
        (["loo", "ic"], "not 'ic'"),
    ],
)
def test_add_criterion_errors(fits: tuple[Any, Any], criterion: Any, message: str) -> None:
    with pytest.raises(ComparisonError, match=message):
        fits[1].add_criterion(criterion)
