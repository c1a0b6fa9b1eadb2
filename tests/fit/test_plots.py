"""Plots: pp_check, mcmc_plot, plot and conditional_effects on real small fits.

Every figure is written to PNG; its artists are counted and their numbers checked against the
draws: pp_check's observed series equal the data (densities against scipy's gaussian_kde with
R's bw.nrd0), trace lines equal the chains, and conditional-effects ribbons equal quantiles of
posterior_epred computed here on brms's default grid (numeric predictors at their mean, factors
at their reference level, no group-level effects).
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import brmsjax as bj
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.fit import BrmsFit
from brmsjax.formula.design.design import build_design
from brmsjax.methods.conditional_effects import (
    ConditionalEffectsError,
    model_effects,
    model_variables,
)
from brmsjax.methods.plots import PlotError

SETTINGS: dict[str, Any] = {"chains": 2, "iter": 300, "seed": 3, "cores": 1}


def _brm(*args: Any, **kwargs: Any) -> BrmsFit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplerWarning)
        return bj.brm(*args, **kwargs)


@pytest.fixture(scope="module")
def sleep() -> BrmsFit:
    return _brm("Reaction ~ Days + (Days | Subject)", bj.datasets.sleepstudy(), **SETTINGS)


@pytest.fixture(scope="module")
def epil() -> BrmsFit:
    return _brm("y ~ trt * lbase", bj.datasets.epil(), family="poisson", **SETTINGS)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _save(fig: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _nrd0(x: np.ndarray) -> float:
    iqr = np.quantile(x, 0.75) - np.quantile(x, 0.25)
    return float(0.9 * min(np.std(x, ddof=1), iqr / 1.34) * len(x) ** -0.2)


def _y(fit: BrmsFit) -> np.ndarray:
    assert fit.data is not None
    return fit.data[fit.info.response].to_numpy(float)


def check_dens_overlay(fig: Any, y: np.ndarray) -> None:
    (ax,) = fig.axes
    assert len(ax.lines) == 11  # 10 draws of y_rep, then y
    line = ax.lines[-1]
    kde = stats.gaussian_kde(y, bw_method=_nrd0(y) / np.std(y, ddof=1))
    np.testing.assert_allclose(line.get_ydata(), kde(line.get_xdata()), rtol=1e-10)


def check_hist(fig: Any, y: np.ndarray) -> None:
    assert len(fig.axes) == 11
    bars = fig.axes[0].patches
    edges = [p.get_x() for p in bars] + [bars[-1].get_x() + bars[-1].get_width()]
    counts, _ = np.histogram(y, bins=np.array(edges))
    np.testing.assert_array_equal([p.get_height() for p in bars], counts)


def check_stat(fig: Any, y: np.ndarray) -> None:
    (ax,) = fig.axes
    assert ax.lines[0].get_xdata()[0] == pytest.approx(y.mean(), rel=1e-12)
    assert sum(p.get_height() for p in ax.patches) == 300  # one statistic per draw


def check_intervals(fig: Any, y: np.ndarray) -> None:
    (ax,) = fig.axes
    np.testing.assert_array_equal(ax.lines[-1].get_ydata(), y)
    assert len(ax.collections) == 2  # 90% and 50% intervals


def check_bars(fig: Any, y: np.ndarray) -> None:
    (ax,) = fig.axes
    values = [round(p.get_x() + p.get_width() / 2) for p in ax.patches]
    np.testing.assert_array_equal(
        [p.get_height() for p in ax.patches], [np.sum(y == v) for v in values]
    )
    assert len(ax.containers) == 2  # bars for y, error bars for y_rep


PPC = [
    ("sleep", "dens_overlay", check_dens_overlay),
    ("sleep", "hist", check_hist),
    ("sleep", "stat", check_stat),
    ("sleep", "intervals", check_intervals),
    ("epil", "bars", check_bars),
]


@pytest.mark.parametrize(("which", "type_", "check"), PPC, ids=[c[1] for c in PPC])
def test_pp_check(
    which: str, type_: str, check: Any, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    fit = request.getfixturevalue(which)
    fig = fit.pp_check(type_, seed=4)
    _save(fig, tmp_path, type_)
    check(fig, _y(fit))


SLEEP_VARS = [
    "b_Intercept",
    "b_Days",
    "sd_Subject__Intercept",
    "sd_Subject__Days",
    "cor_Subject__Intercept__Days",
    "sigma",
]


@pytest.mark.parametrize(("type_", "n_axes"), [("trace", 6), ("dens", 6), ("intervals", 1)])
def test_mcmc_plot(sleep: BrmsFit, type_: str, n_axes: int, tmp_path: Path) -> None:
    fig: Any = sleep.mcmc_plot(type=type_)
    _save(fig, tmp_path, type_)
    assert len(fig.axes) == n_axes
    arr = sleep.store.array(SLEEP_VARS)
    if type_ == "trace":
        assert [ax.get_title() for ax in fig.axes] == SLEEP_VARS
        for k, ax in enumerate(fig.axes):
            for c, line in enumerate(ax.lines):
                np.testing.assert_array_equal(line.get_ydata(), arr[c, :, k])
    elif type_ == "intervals":
        medians = np.asarray(fig.axes[0].lines[0].get_xdata(), dtype=float)
        np.testing.assert_allclose(medians, np.median(sleep.store.matrix(SLEEP_VARS), axis=0))


def test_plot_pairs_histogram_and_trace(sleep: BrmsFit, tmp_path: Path) -> None:
    fig: Any = sleep.plot(["b_Days", "sigma"])
    _save(fig, tmp_path, "plot")
    assert len(fig.axes) == 4
    np.testing.assert_array_equal(
        fig.axes[3].lines[1].get_ydata(), sleep.store.array(["sigma"])[1, :, 0]
    )
    assert sum(p.get_height() for p in fig.axes[0].patches) == sleep.ndraws


def test_conditional_effects_ribbon_is_epred_quantiles(sleep: BrmsFit, tmp_path: Path) -> None:
    ce = sleep.conditional_effects()
    assert list(ce) == ["Days"]
    table = ce["Days"]
    assert list(table.columns) == [
        "Days",
        "cond__",
        "effect1__",
        "estimate__",
        "se__",
        "lower__",
        "upper__",
    ]
    grid = np.linspace(0, 9, 100)
    epred = sleep.posterior_epred(pd.DataFrame({"Days": grid}), re_formula=np.nan)
    lo, med, hi = np.quantile(epred, [0.025, 0.5, 0.975], axis=0)
    np.testing.assert_allclose(table["Days"], grid)
    np.testing.assert_allclose(table["estimate__"], med, rtol=1e-10)
    fig: Any = ce.plot()[0]
    _save(fig, tmp_path, "ce")
    (ax,) = fig.axes
    np.testing.assert_allclose(np.asarray(ax.lines[0].get_ydata(), float), med, rtol=1e-10)
    verts = np.asarray(ax.collections[0].get_paths()[0].vertices, dtype=float)
    for xi, l_i, h_i in zip(grid[::11], lo[::11], hi[::11], strict=True):
        at = verts[np.isclose(verts[:, 0], xi), 1]
        np.testing.assert_allclose([at.min(), at.max()], [l_i, h_i], rtol=1e-10)


def test_conditions_give_one_panel_per_row(epil: BrmsFit, tmp_path: Path) -> None:
    cond = pd.DataFrame({"trt": ["placebo", "progabide"], "cond__": ["Placebo", "Progabide"]})
    ce = epil.conditional_effects("lbase", conditions=cond, resolution=20)
    fig: Any = ce.plot()[0]
    _save(fig, tmp_path, "panels")
    assert [ax.get_title() for ax in fig.axes] == ["Placebo", "Progabide"]
    table = ce["lbase"]
    for c, trt in enumerate(["placebo", "progabide"], start=1):
        sub = table[table["cond__"] == c]
        assert set(sub["trt"]) == {trt}
        new = pd.DataFrame({"lbase": sub["lbase"].to_numpy(), "trt": trt})
        np.testing.assert_allclose(
            sub["upper__"], np.quantile(epil.posterior_epred(new), 0.975, axis=0)
        )


def test_interactions_and_factors(epil: BrmsFit, tmp_path: Path) -> None:
    ce = epil.conditional_effects(resolution=10)
    assert list(ce) == ["trt", "lbase", "trt:lbase"]
    figs: list[Any] = list(ce.plot())
    for k, fig in enumerate(figs):
        _save(fig, tmp_path, f"effect{k}")
    assert len(figs[0].axes[0].containers) == 1  # factor: points with error bars
    lbase = epil.data["lbase"] if epil.data is not None else None
    assert lbase is not None
    m, s = lbase.mean(), lbase.std()
    inter = ce["trt:lbase"]
    np.testing.assert_allclose(sorted(set(inter["effect2__"])), [m - s, m, m + s])
    assert len(figs[2].axes[0].containers) == 3  # one coloured set per lbase value
    line: Any = epil.conditional_effects("lbase:trt", resolution=10).plot()[0].axes[0]
    assert len(line.lines) == 2 and len(line.collections) == 2
    assert [t.get_text() for t in line.get_legend().get_texts()] == [
        "trt = placebo",
        "trt = progabide",
    ]
    placebo = ce["lbase"]
    assert set(placebo["trt"]) == {"placebo"}  # factor at its reference level


D = pd.DataFrame(
    {
        "y": np.linspace(0, 1, 12),
        "x": np.linspace(1, 2, 12),
        "z": np.cos(np.arange(12.0)),
        "w": np.sin(np.arange(12.0)),
        "o": np.linspace(2, 3, 12),
    }
)
EFFECT_CASES = [
    ("incidence | trials(size) ~ period + (1 | herd)", "cbpp", ["period"], ["period", "size"]),
    (bj.bf("y ~ x * z", "sigma ~ w"), "D", ["x", "z", "x:z", "w"], ["x", "z", "w"]),
    ("y ~ log(x) + offset(log(o)) + poly(z, 2)", "D", ["x", "z"], ["x", "z", "o"]),
]


@pytest.mark.parametrize(("formula", "data", "effects", "variables"), EFFECT_CASES)
def test_default_effects_and_condition_variables(
    formula: Any, data: str, effects: list[str], variables: list[str]
) -> None:
    frame = bj.datasets.cbpp() if data == "cbpp" else D
    family = "binomial" if data == "cbpp" else "gaussian"
    fit: Any = SimpleNamespace(design=build_design(formula, frame, family=family))
    assert model_effects(fit) == effects
    assert model_variables(fit) == variables


ERRORS = [
    (
        "sleep",
        lambda f: f.pp_check("violin"),
        PlotError,
        "pp_check type must be one of dens_overlay, hist, stat, intervals, bars, loo_pit, "
        "loo_pit_overlay, loo_pit_qq, ecdf_overlay, stat_grouped, scatter_avg, error_scatter_avg, "
        "violin_grouped, boxplot, not 'violin'.",
    ),
    (
        "sleep",
        lambda f: f.pp_check("bars"),
        PlotError,
        "pp_check type 'bars' needs a discrete response (counts or categories); use "
        "type='dens_overlay' or 'hist' for a continuous one.",
    ),
    (
        "sleep",
        lambda f: f.pp_check("stat", stat="mode"),
        PlotError,
        "stat must be one of mean, median, sd, min, max or a function, not 'mode'.",
    ),
    (
        "sleep",
        lambda f: f.mcmc_plot(["b_Dayz"]),
        PlotError,
        "The fit has no variable(s) b_Dayz; use names from fit.variables(). Did you mean b_Days?",
    ),
    (
        "sleep",
        lambda f: f.mcmc_plot(type="pairs"),
        PlotError,
        "mcmc_plot type must be one of trace, dens, intervals, not 'pairs'.",
    ),
    (
        "sleep",
        lambda f: f.conditional_effects("Dayz"),
        ConditionalEffectsError,
        "'Dayz' is not an effect of the model; use one or two of its predictors joined by ':', "
        "e.g. 'Days'.",
    ),
    (
        "epil",
        lambda f: f.conditional_effects(conditions=pd.DataFrame({"age": [1]})),
        ConditionalEffectsError,
        "conditions has column(s) age that the model's predictors lack; use some of: trt, lbase.",
    ),
]


@pytest.mark.parametrize(("which", "call", "error", "message"), ERRORS)
def test_errors(
    which: str, call: Any, error: type[Exception], message: str, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call(request.getfixturevalue(which))


def test_importing_brmsjax_does_not_import_matplotlib() -> None:
    code = "import sys, brmsjax; print('matplotlib' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"JAX_PLATFORMS": "cpu", "PATH": ""},
    )
    assert out.stdout.strip() == "False"
