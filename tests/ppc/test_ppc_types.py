"""pp_check's bayesplot types: LOO-PIT values against ArviZ's and uniformity on a
well-specified model; each plot's drawn data against the data and draws it shows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from brmsjax.methods.comparison import psis_smooth, relative_eff
from brmsjax.methods.plots import PlotError
from brmsjax.methods.ppc.more_types import PpcGroupError

from .conftest import simulated

DATA = simulated()


def test_loo_pit_equals_arviz_and_is_uniform(gauss: Any) -> None:
    import arviz as az

    pit = gauss.loo_pit(seed=5)
    yrep = gauss.posterior_predict(seed=5)
    ll = gauss.log_lik()
    lw, _ = psis_smooth(ll, relative_eff(ll, gauss.nchains))
    ref = az.loo_pit(y=DATA["y"].to_numpy(), y_hat=yrep.T, log_weights=lw)
    np.testing.assert_allclose(pit, ref, atol=1e-10)
    assert pit.shape == (40,) and pit.min() >= 0 and pit.max() <= 1
    assert stats.kstest(pit, "uniform").pvalue > 0.05
    # the in-sample PIT (no LOO weights) is pulled towards 0.5; LOO spreads it out
    in_sample = (yrep <= DATA["y"].to_numpy()).mean(axis=0)
    assert np.abs(pit - 0.5).mean() > np.abs(in_sample - 0.5).mean()


@pytest.mark.parametrize("type_", ["loo_pit_qq", "loo_pit"])
def test_loo_pit_qq_plots_sorted_pit_against_uniform_quantiles(gauss: Any, type_: str) -> None:
    fig = gauss.pp_check(type_, seed=5)
    x, y = fig.axes[0].lines[0].get_data()
    np.testing.assert_allclose(x, (np.arange(1, 41) - 0.5) / 40)
    np.testing.assert_allclose(y, np.sort(gauss.loo_pit(seed=5)))


@pytest.mark.parametrize(
    ("type_", "ndraws", "lines"), [("loo_pit_overlay", 7, 8), ("loo_pit_overlay", None, 101)]
)
def test_loo_pit_overlay_draws_uniform_densities(
    gauss: Any, type_: str, ndraws: Any, lines: int
) -> None:
    ax = gauss.pp_check(type_, ndraws=ndraws, seed=5).axes[0]
    assert len(ax.lines) == lines
    grid, dens = ax.lines[-1].get_data()
    assert grid[0] == 0 and grid[-1] == 1
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=0.02)


def test_ecdf_overlay_steps_end_at_one(gauss: Any) -> None:
    ax = gauss.pp_check("ecdf_overlay", seed=2).axes[0]
    assert len(ax.lines) == 11  # brms's 10 draws and the data
    x, y = ax.lines[-1].get_data()
    np.testing.assert_array_equal(x, np.sort(DATA["y"]))
    np.testing.assert_allclose(y, np.arange(1, 41) / 40)


def test_scatter_avg_and_error_scatter_avg(gauss: Any) -> None:
    yrep = gauss.posterior_predict(seed=3)
    y = DATA["y"].to_numpy()
    pts = gauss.pp_check("scatter_avg", seed=3).axes[0].collections[0].get_offsets()
    np.testing.assert_allclose(pts[:, 0], yrep.mean(axis=0))
    np.testing.assert_allclose(pts[:, 1], y)
    err = gauss.pp_check("error_scatter_avg", seed=3).axes[0].collections[0].get_offsets()
    np.testing.assert_allclose(err[:, 0], y)
    np.testing.assert_allclose(err[:, 1], (y - yrep).mean(axis=0))


@pytest.mark.parametrize(("stat", "fun"), [("mean", np.mean), ("max", np.max)])
def test_stat_grouped_marks_each_groups_statistic(gauss: Any, stat: str, fun: Any) -> None:
    fig = gauss.pp_check("stat_grouped", stat=stat, group="g", seed=1)
    assert [ax.get_title() for ax in fig.axes] == [f"g: {v}" for v in "abcdefgh"]
    marks = [ax.lines[0].get_xdata()[0] for ax in fig.axes]
    by_group = [fun(v.to_numpy()) for _, v in DATA.groupby("g")["y"]]
    np.testing.assert_allclose(marks, by_group)


def test_violin_grouped_and_boxplot(gauss: Any) -> None:
    ax = gauss.pp_check("violin_grouped", group="g", seed=1).axes[0]
    assert len(ax.collections) == 8
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abcdefgh")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), DATA["y"][:5])
    box = gauss.pp_check("boxplot", ndraws=4, seed=1).axes[0]
    assert [t.get_text() for t in box.get_xticklabels()] == ["y"] + ["y_rep"] * 4
    medians = [ln.get_ydata()[0] for ln in box.lines if ln.get_color() == "C1"]
    assert medians[0] == pytest.approx(np.median(DATA["y"]))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"type": "stat_grouped"}, PpcGroupError, "pp_check type 'stat_grouped' needs group ="),
        ({"type": "violin_grouped", "group": "h"}, PpcGroupError, "group = 'h' is not a column"),
        ({"type": "stat_grouped", "group": "g", "stat": "mode"}, PlotError, "stat must be one of"),
    ],
)
def test_grouped_errors(gauss: Any, kwargs: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        gauss.pp_check(**kwargs)
