"""conditional_effects(method=, categorical=, spaghetti=, ndraws=) against the draws they
summarize, computed by hand from posterior_epred / posterior_predict / posterior_linpred."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.methods.conditional_effects import ConditionalEffectsError
from brmsjax.methods.effects.ce_methods import CeMethodError

from .conftest import simulated

GRID = pd.DataFrame({"x": np.linspace(simulated()["x"].min(), simulated()["x"].max(), 100)})


def _interval(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.median(draws, axis=0), *np.quantile(draws, [0.025, 0.975], axis=0)


@pytest.mark.parametrize("method", ["posterior_epred", "posterior_linpred", "posterior_predict"])
def test_method_summarizes_its_draws(gauss: Any, method: str) -> None:
    table = gauss.conditional_effects("x", method=method, seed=7)["x"]
    draws = getattr(gauss, method)(GRID, re_formula=np.nan, seed=7)
    est, lo, hi = _interval(draws)
    np.testing.assert_allclose(table["effect1__"], GRID["x"])
    np.testing.assert_allclose(table["estimate__"], est, rtol=1e-10)
    np.testing.assert_allclose(table["lower__"], lo, rtol=1e-10)
    np.testing.assert_allclose(table["upper__"], hi, rtol=1e-10)


def test_posterior_predict_is_wider_than_epred(gauss: Any) -> None:
    epred = gauss.conditional_effects("x")["x"]
    pred = gauss.conditional_effects("x", method="posterior_predict", seed=1)["x"]
    width_e = (epred["upper__"] - epred["lower__"]).to_numpy()
    width_p = (pred["upper__"] - pred["lower__"]).to_numpy()
    assert (width_p > width_e).all()
    sigma = gauss.draws()["sigma"].median()
    # the predictive interval adds the noise: about 2 * 1.96 * sigma wide
    assert np.median(width_p) == pytest.approx(2 * 1.96 * sigma, rel=0.15)
    np.testing.assert_allclose(pred["estimate__"], epred["estimate__"], atol=0.35)


def test_spaghetti_keeps_every_drawn_curve(gauss: Any) -> None:
    ce = gauss.conditional_effects("x", spaghetti=True, ndraws=20, seed=2)
    lines = ce.spaghetti["x"]
    assert lines.shape == (20 * 100, 4)
    assert sorted(lines["sample__"].unique()) == list(range(1, 21))
    curves = lines.pivot(index="sample__", columns="effect1__", values="estimate__").to_numpy()
    np.testing.assert_allclose(np.median(curves, axis=0), ce["x"]["estimate__"], rtol=1e-10)
    draws = gauss.posterior_epred(GRID, re_formula=np.nan, ndraws=20, seed=2)
    np.testing.assert_allclose(curves, draws, rtol=1e-10)
    (fig,) = ce.plot()
    assert len(fig.axes[0].lines) == 21  # the 20 curves and the summary


def test_one_draw_collapses_the_interval(gauss: Any) -> None:
    table = gauss.conditional_effects("x", ndraws=1, seed=3)["x"]
    np.testing.assert_allclose(table["lower__"], table["upper__"])
    np.testing.assert_allclose(table["estimate__"], table["upper__"])


@pytest.fixture(scope="module")
def ordinal() -> Any:
    d = simulated()
    d["o"] = np.digitize(d["y"], [0.5, 1.5]) + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm(
            "o ~ x", d, family=bj.cumulative(), chains=2, iter=400, seed=1, progress=False
        )


def test_categorical_gives_each_categorys_probability(ordinal: Any) -> None:
    ce = ordinal.conditional_effects("x", categorical=True, robust=False)
    assert list(ce) == ["x:cats__"]
    table = ce["x:cats__"]
    assert table.shape[0] == 300 and list(table["cats__"].unique()) == ["1", "2", "3"]
    draws = ordinal.posterior_epred(GRID, re_formula=np.nan)
    for k, cat in enumerate(["1", "2", "3"]):
        sub = table[table["cats__"] == cat]
        np.testing.assert_allclose(sub["estimate__"], draws[:, :, k].mean(axis=0), rtol=1e-10)
    total = table.groupby("effect1__")["estimate__"].sum()
    np.testing.assert_allclose(total, 1.0, rtol=1e-10)
    # P(category 3) grows with x, P(category 1) falls
    first, last = (table[table["cats__"] == c]["estimate__"].to_numpy() for c in ("1", "3"))
    assert first[0] > first[-1] and last[0] < last[-1]
    assert len(ce.plot()[0].axes[0].lines) == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"method": "fitted"}, CeMethodError, "method must be one of posterior_epred, "),
        (
            {"categorical": True, "method": "posterior_predict"},
            CeMethodError,
            "needs method = 'posterior_epred', not 'posterior_predict'",
        ),
        (
            {"categorical": True},
            CeMethodError,
            "'categorical' is only allowed for categorical or ordinal models.",
        ),
        ({"ndraws": 0}, CeMethodError, "ndraws must be an integer from 1 to 600, not 0"),
        ({"ndraws": 2.5}, CeMethodError, "not 2.5"),
    ],
)
def test_method_errors(gauss: Any, kwargs: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        gauss.conditional_effects("x", **kwargs)


def test_categorical_refuses_interactions(ordinal: Any) -> None:
    with pytest.raises(ConditionalEffectsError, match="takes effects of one variable"):
        ordinal.conditional_effects("x:x", categorical=True)
