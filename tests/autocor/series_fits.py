"""The shared fit of the tests of autocorrelation structures over series (tests/arcov,
tests/cosy): simulated series ``y = 1 + 0.5 x + e`` in shuffled rows, one short fit of a
formula per test module, and the checks both structures make of it
(:func:`series_fit_tests`, :func:`assert_epred_is_brms_predictor`)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import brmsjax
from brmsjax.formula.errors import ModelError


def series_frame(e: np.ndarray, x: np.ndarray) -> pd.DataFrame:
    """``y = 1 + 0.5 x + e`` for series ``g`` (rows of the ``(G, T)`` arrays) over ``time``;
    rows shuffled, so that the design sorts them by g and time."""
    G, T = e.shape
    d = pd.DataFrame(
        {
            "y": (1 + 0.5 * x + e).ravel(),
            "x": x.ravel(),
            "time": np.tile(np.arange(T), G),
            "g": np.repeat([f"s{k:02d}" for k in range(G)], T),
        }
    )
    return d.sample(frac=1.0, random_state=2).reset_index(drop=True)


def fit_series(
    formula: str, data: pd.DataFrame, chains: int, iter: int, family: str = "gaussian"
) -> brmsjax.BrmsFit:
    """brm() of ``formula`` at seed 4, its sampler warnings silenced (short fits)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return brmsjax.brm(
            formula, data, family=family, chains=chains, iter=iter, seed=4, progress=False
        )


def series_fit_tests(
    formula: str, simulated: Callable[[], pd.DataFrame], name: str
) -> tuple[Callable[..., Any], ...]:
    """The module-scoped fixture ``fit`` (one chain of 300 iterations of ``formula`` on
    ``simulated()``) and the two tests both structures make of it, which a test module binds
    to ``fit``, ``test_names_and_summary`` and ``test_new_data_response_draws_are_refused``:
    the structure's parameter ``name`` follows b and precedes sigma in the draws and is the
    summary's one correlation structure row; response draws of new data are refused (the
    structure's are computed for the fitted rows only)."""

    @pytest.fixture(scope="module")
    def fit() -> brmsjax.BrmsFit:
        return fit_series(formula, simulated(), 1, 300)

    def names_and_summary(fit: brmsjax.BrmsFit) -> None:
        assert list(fit.draws().columns)[:4] == ["b_Intercept", "b_x", name, "sigma"]
        assert list(fit.summary().cor_pars.index) == [name]
        assert "Correlation Structures:" in str(fit.summary())

    def new_data_refused(fit: brmsjax.BrmsFit) -> None:
        with pytest.raises(ModelError, match=r"computed for the fitted rows only"):
            fit.posterior_predict(newdata=simulated().iloc[:5])

    return fit, names_and_summary, new_data_refused


def assert_epred_is_brms_predictor(fit: brmsjax.BrmsFit, new: pd.DataFrame) -> np.ndarray:
    """posterior_epred is ``b_Intercept + b_x x`` on the fitted rows and on ``new``; returns
    the latter."""
    d = fit.draws()
    x = fit.design.fixed[0].X[:, 1]  # the design's rows: sorted by g, then time
    expected = d["b_Intercept"].to_numpy()[:, None] + d["b_x"].to_numpy()[:, None] * x
    np.testing.assert_allclose(fit.posterior_epred(), expected, rtol=1e-8)
    expected = d["b_Intercept"].to_numpy()[:, None] + np.outer(d["b_x"], new["x"])
    np.testing.assert_allclose(fit.posterior_epred(newdata=new), expected, rtol=1e-8)
    return expected
