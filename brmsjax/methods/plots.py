"""Plots of a fit with matplotlib: ``pp_check``, ``plot`` and ``mcmc_plot``.

The plots follow brms 2.18, which draws them with bayesplot: ``pp_check`` overlays the data
``y`` on draws ``y_rep`` of the posterior predictive distribution (``dens_overlay``, ``hist``,
``stat``, ``intervals``, ``bars``; the other bayesplot types in :mod:`brmsjax.methods.ppc`);
``mcmc_plot`` shows chains (``trace``), posterior densities (``dens``) or 50% and 90% intervals
(``intervals``); ``plot`` pairs a density with a trace for each parameter (conditional effects
plot in :mod:`brmsjax.methods.conditional_effects`). Every function returns the matplotlib
Figure. matplotlib is imported inside the functions, so importing brmsjax does not import it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from brmsjax.core import FIXEF_PATTERN, FitLike
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.methods.ppc.more_types import MORE_PPC_TYPES, more_pp_check
from brmsjax.methods.predictions import posterior_predict

if TYPE_CHECKING:
    from matplotlib.figure import Figure


__all__ = ["PPC_TYPES", "PlotError", "kde_nrd0", "mcmc_plot", "plot", "pp_check"]

PPC_TYPES = ("dens_overlay", "hist", "stat", "intervals", "bars", *MORE_PPC_TYPES)
MCMC_TYPES = ("trace", "dens", "intervals")
STATS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": lambda x: np.mean(x, axis=-1), "median": lambda x: np.median(x, axis=-1),
    "sd": lambda x: np.std(x, axis=-1, ddof=1), "min": lambda x: np.min(x, axis=-1),
    "max": lambda x: np.max(x, axis=-1),
}  # fmt: skip
DARK, LIGHT = "#011f4b", "#b3cde0"
_DRAWWISE = ("dens_overlay", "hist", "ecdf_overlay", "boxplot")


class PlotError(BrmsjaxError, ValueError):
    """A plot argument is invalid."""


def _pyplot() -> Any:
    import matplotlib.pyplot as plt

    return plt


def kde_nrd0(x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Gaussian kernel density of ``x`` on ``grid`` with R's default bandwidth ``bw.nrd0``."""
    x = np.asarray(x, dtype=np.float64)
    sd = np.std(x, ddof=1) if x.size > 1 else 0.0
    iqr = np.subtract(*np.quantile(x, [0.75, 0.25])) / 1.34
    lo = min(sd, iqr) if min(sd, iqr) > 0 else (sd or abs(x[0]) or 1.0)
    bw = 0.9 * lo * x.size ** (-0.2)
    z = (grid[:, None] - x[None, :]) / bw
    return np.exp(-0.5 * z**2).sum(axis=1) / (x.size * bw * np.sqrt(2 * np.pi))


def _stat(stat: str | Callable[[np.ndarray], Any]) -> tuple[str, Callable[[np.ndarray], Any]]:
    if callable(stat):
        return getattr(stat, "__name__", "stat"), lambda x: np.apply_along_axis(stat, -1, x)
    if stat not in STATS:
        raise PlotError(f"stat must be one of {', '.join(STATS)} or a function, not {stat!r}.")
    return stat, STATS[stat]


def _dens_overlay(ax: Any, y: np.ndarray, yrep: np.ndarray) -> None:
    lo, hi = min(y.min(), yrep.min()), max(y.max(), yrep.max())
    grid = np.linspace(lo, hi, 512)
    for i, row in enumerate(yrep):
        ax.plot(grid, kde_nrd0(row, grid), color=LIGHT, lw=0.7, label="y_rep" if i == 0 else None)
    ax.plot(grid, kde_nrd0(y, grid), color=DARK, lw=1.5, label="y")
    ax.legend()


def _bars(ax: Any, y: np.ndarray, yrep: np.ndarray) -> None:
    if not (np.allclose(y, np.round(y)) and np.allclose(yrep, np.round(yrep))):
        raise PlotError(
            "pp_check type 'bars' needs a discrete response (counts or categories); use "
            "type='dens_overlay' or 'hist' for a continuous one."
        )
    values = np.unique(np.concatenate([np.unique(y), np.unique(yrep)]))
    obs = np.array([np.sum(y == v) for v in values])
    rep = np.stack([(yrep == v).sum(axis=1) for v in values], axis=1)
    lo, mid, hi = np.quantile(rep, [0.05, 0.5, 0.95], axis=0)
    ax.bar(values, obs, color=LIGHT, edgecolor=DARK, label="y")
    ax.errorbar(values, mid, yerr=[mid - lo, hi - mid], fmt="o", color=DARK, label="y_rep")
    ax.legend()


def _intervals(ax: Any, y: np.ndarray, yrep: np.ndarray) -> None:
    x = np.arange(1, y.size + 1)
    q = np.quantile(yrep, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.vlines(x, q[0], q[4], color=LIGHT, lw=1)
    ax.vlines(x, q[1], q[3], color=LIGHT, lw=3)
    ax.plot(x, q[2], "o", color=LIGHT, ms=3, label="y_rep")
    ax.plot(x, y, "o", color=DARK, ms=3, label="y")
    ax.set_xlabel("Data point (in order)")
    ax.legend()


def _interval_rows(ax: Any, draws: np.ndarray, names: Sequence[str]) -> None:
    pos = np.arange(len(names))[::-1]
    q = np.quantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.hlines(pos, q[0], q[4], color=DARK, lw=1)
    ax.hlines(pos, q[1], q[3], color=DARK, lw=3)
    ax.plot(q[2], pos, "o", color=DARK, mfc=LIGHT)
    ax.set_yticks(pos, list(names))


def pp_check(
    fit: FitLike,
    type: str = "dens_overlay",
    ndraws: int | None = None,
    seed: int | None = None,
    stat: str | Callable[[np.ndarray], Any] = "mean",
    *,
    group: str | None = None,
) -> Figure:
    """brms's ``pp_check``: the data against posterior predictive draws.

    Parameters
    ----------
    type
        ``"dens_overlay"`` (densities of ``ndraws`` draws over the data's), ``"hist"``
        (histograms of the data and of ``ndraws`` draws), ``"stat"`` (the distribution of
        ``stat`` over draws with the data's value), ``"intervals"`` (50% and 90% predictive
        intervals per observation with the data), or ``"bars"`` (counts of each value of a
        discrete response, with 90% predictive intervals); and bayesplot's ``"loo_pit_overlay"``,
        ``"loo_pit_qq"`` (or ``"loo_pit"``), ``"ecdf_overlay"``, ``"stat_grouped"``,
        ``"scatter_avg"``, ``"error_scatter_avg"``, ``"violin_grouped"`` and ``"boxplot"``
        (see :mod:`brmsjax.methods.ppc`).
    ndraws
        Number of draws; brms's default: 10 for ``dens_overlay``, ``hist``, ``ecdf_overlay``
        and ``boxplot``, all draws otherwise (``loo_pit_overlay``: the number of uniform
        samples, 100 by default).
    seed
        Seed for choosing draws and simulating ``y_rep``.
    stat
        ``"mean"``, ``"median"``, ``"sd"``, ``"min"``, ``"max"`` or a function of a vector
        (for ``type="stat"`` and ``"stat_grouped"``).
    group
        The data column that ``stat_grouped`` and ``violin_grouped`` split by.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if type not in PPC_TYPES:
        raise PlotError(f"pp_check type must be one of {', '.join(PPC_TYPES)}, not {type!r}.")
    if fit.design is None:
        raise PlotError("pp_check needs the fit's data; refit the model with brm().")
    if fit.info.family in ("multinomial", "dirichlet", "logistic_normal"):  # a vector response
        raise PlotError(
            f"pp_check is not supported for the {fit.info.family} family, whose response is a "
            "matrix (one column per category); compare posterior_predict()'s columns with the "
            "response's instead."
        )
    if ndraws is None and type in _DRAWWISE:
        ndraws = min(10, fit.ndraws)
    label, fun = _stat(stat)
    resp = fit.design.response
    y = np.asarray(
        fit.model.program.family.response_values(resp.y, resp.levels)
        if fit.model is not None
        else resp.y,
        dtype=np.float64,
    )[np.argsort(fit.design.rows, kind="stable")]  # the data's order, as the predictions
    if type in MORE_PPC_TYPES:
        return more_pp_check(
            fit,
            type,
            y,
            lambda: np.asarray(posterior_predict(fit, ndraws=ndraws, seed=seed), np.float64),
            ndraws=ndraws,
            seed=seed,
            group=group,
            stat=(label, fun),
        )
    yrep = np.asarray(posterior_predict(fit, ndraws=ndraws, seed=seed), dtype=np.float64)
    plt = _pyplot()
    if type == "hist":
        ncol = 4
        nrow = -(-(yrep.shape[0] + 1) // ncol)
        fig, axes = plt.subplots(
            nrow, ncol, figsize=(3 * ncol, 2.2 * nrow), sharex=True, squeeze=False
        )
        flat = axes.ravel()
        bins = np.histogram_bin_edges(np.concatenate([y, yrep.ravel()]), bins=30)
        for k, (ax, data) in enumerate(zip(flat, [y, *yrep], strict=False)):
            ax.hist(data, bins=bins, color=DARK if k == 0 else LIGHT)
            ax.set_title("y" if k == 0 else "y_rep")
        for ax in flat[yrep.shape[0] + 1 :]:
            fig.delaxes(ax)
        fig.tight_layout()
        return fig
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if type == "dens_overlay":
        _dens_overlay(ax, y, yrep)
    elif type == "stat":
        ax.hist(fun(yrep), bins=30, color=LIGHT, edgecolor=DARK, label=f"T = {label}")
        ax.axvline(float(fun(y[None, :])[0]), color=DARK, lw=2, label="T(y)")
        ax.legend()
    elif type == "intervals":
        _intervals(ax, y, yrep)
    else:
        _bars(ax, y, yrep)
    fig.tight_layout()
    return fig


def _plot_variables(fit: FitLike, variables: Sequence[str] | str | None) -> list[str]:
    have = fit.variables()
    if variables is None:
        spec = set(fit.info.spec_pars)
        return [
            v for v in have if FIXEF_PATTERN.match(v) or v in spec or v.startswith(("sd_", "cor_"))
        ]
    chosen = [variables] if isinstance(variables, str) else list(variables)
    missing = [v for v in chosen if v not in set(have)]
    if missing or not chosen:
        import difflib

        hints = [m for v in missing for m in difflib.get_close_matches(v, have, n=2)]
        hint = f" Did you mean {', '.join(hints)}?" if hints else ""
        raise PlotError(
            f"The fit has no variable(s) {', '.join(missing) or '(none given)'}; use names "
            f"from fit.variables().{hint}"
        )
    return chosen


def mcmc_plot(
    fit: FitLike, variables: Sequence[str] | str | None = None, type: str = "intervals"
) -> Figure:
    """brms's ``mcmc_plot``: one bayesplot-style view of the draws.

    Parameters
    ----------
    variables
        Variable names (brms names, ``"b_Days"``); default: population-level, group-level
        SD and correlation, and family parameters.
    type
        ``"trace"`` (one panel per variable, one line per chain), ``"dens"`` (one
        posterior density per variable) or ``"intervals"`` (medians with 50% and 90%
        intervals, one row per variable).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if type not in MCMC_TYPES:
        raise PlotError(f"mcmc_plot type must be one of {', '.join(MCMC_TYPES)}, not {type!r}.")
    names = _plot_variables(fit, variables)
    plt = _pyplot()
    if type == "intervals":
        fig, ax = plt.subplots(figsize=(6, 1 + 0.4 * len(names)))
        _interval_rows(ax, fit.store.matrix(names), names)
        fig.tight_layout()
        return fig
    fig, axes = plt.subplots(len(names), 1, figsize=(7, 2 * len(names)), squeeze=False)
    arr = fit.store.array(names)
    for k, (ax, name) in enumerate(zip(axes[:, 0], names, strict=True)):
        if type == "trace":
            for c in range(arr.shape[0]):
                ax.plot(
                    np.arange(1, arr.shape[1] + 1), arr[c, :, k], lw=0.6, label=f"chain {c + 1}"
                )
        else:
            x = arr[:, :, k].ravel()
            grid = np.linspace(x.min(), x.max(), 512)
            ax.plot(grid, kde_nrd0(x, grid), color=DARK)
        ax.set_title(name)
    fig.tight_layout()
    return fig


def plot(fit: FitLike, variables: Sequence[str] | str | None = None) -> Figure:
    """brms's ``plot``: per variable, a posterior histogram (left) and chain traces (right).

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = _plot_variables(fit, variables)
    plt = _pyplot()
    fig, axes = plt.subplots(len(names), 2, figsize=(9, 2 * len(names)), squeeze=False)
    arr = fit.store.array(names)
    for k, name in enumerate(names):
        axes[k, 0].hist(arr[:, :, k].ravel(), bins=30, color=LIGHT, edgecolor=DARK)
        axes[k, 0].set_title(name)
        for c in range(arr.shape[0]):
            axes[k, 1].plot(np.arange(1, arr.shape[1] + 1), arr[c, :, k], lw=0.6)
        axes[k, 1].set_title(name)
    fig.tight_layout()
    return fig
