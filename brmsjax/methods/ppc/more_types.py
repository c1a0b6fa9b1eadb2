"""bayesplot's ``ppc_ecdf_overlay``, ``ppc_stat_grouped``, ``ppc_scatter_avg``,
``ppc_error_scatter_avg``, ``ppc_violin_grouped`` and ``ppc_boxplot`` for ``pp_check``.

Each draws the observed ``y`` against draws ``y_rep`` of the posterior predictive distribution:

* ``ecdf_overlay``: the empirical CDF of ``y`` over those of ``ndraws`` draws;
* ``stat_grouped``: per level of ``group``, the distribution of ``stat`` over draws with the
  data's value;
* ``scatter_avg``: ``y`` against the average ``y_rep`` of each observation, with the line
  ``y = x``;
* ``error_scatter_avg``: ``y`` against the average predictive error ``y - y_rep``;
* ``violin_grouped``: per level of ``group``, a violin of the pooled ``y_rep`` with ``y``'s
  points;
* ``boxplot``: boxplots of ``y`` and of ``ndraws`` draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.core import FitLike
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.methods.ppc.loo_pit import DARK, LIGHT, loo_pit_figure

__all__ = ["GROUPED_TYPES", "MORE_PPC_TYPES", "group_values", "more_pp_check"]

MORE_PPC_TYPES = (
    "loo_pit",
    "loo_pit_overlay",
    "loo_pit_qq",
    "ecdf_overlay",
    "stat_grouped",
    "scatter_avg",
    "error_scatter_avg",
    "violin_grouped",
    "boxplot",
)
GROUPED_TYPES = ("stat_grouped", "violin_grouped")


class PpcGroupError(BrmsjaxError, ValueError):
    """A grouped posterior predictive check lacks a valid ``group``."""


def group_values(fit: FitLike, type: str, group: str | None) -> pd.Series:
    """The ``group`` column of the rows the model was fitted to, in the data's order."""
    if group is None:
        raise PpcGroupError(
            f"pp_check type '{type}' needs group = (a column of the data), e.g. group='g'."
        )
    if fit.data is None or group not in fit.data.columns:
        raise PpcGroupError(
            f"pp_check: group = {group!r} is not a column of the fit's data; name a column."
        )
    rows = np.sort(np.asarray(fit.design.rows))
    return pd.Series(np.asarray(fit.data[group])[rows]).astype(str)


def _ecdf(ax: Any, values: np.ndarray, **style: Any) -> None:
    x = np.sort(values)
    ax.step(x, np.arange(1, x.size + 1) / x.size, where="post", **style)


def more_pp_check(
    fit: FitLike,
    type: str,
    y: np.ndarray,
    yrep: Callable[[], np.ndarray],
    *,
    ndraws: int | None,
    seed: int | None,
    group: str | None,
    stat: tuple[str, Callable[[np.ndarray], Any]],
) -> Any:
    """Draw one of :data:`MORE_PPC_TYPES`; ``yrep()`` gives the draws (not needed for LOO-PIT)."""
    import matplotlib.pyplot as plt

    if type.startswith("loo_pit"):
        # "loo_pit" is bayesplot's older ppc_loo_pit, a Q-Q plot
        qq = type in ("loo_pit", "loo_pit_qq")
        return loo_pit_figure(fit, "loo_pit_qq" if qq else type, ndraws, seed)
    groups = group_values(fit, type, group) if type in GROUPED_TYPES else None
    rep = yrep()
    if type == "stat_grouped" and groups is not None:
        label, fun = stat
        levels = sorted(groups.unique())
        fig, axes = plt.subplots(1, len(levels), figsize=(3 * len(levels), 3), squeeze=False)
        for ax, level in zip(axes[0], levels, strict=True):
            cols = (groups == level).to_numpy()
            ax.hist(fun(rep[:, cols]), bins=30, color=LIGHT, edgecolor=DARK)
            ax.axvline(float(fun(y[None, cols])[0]), color=DARK, lw=2)
            ax.set_title(f"{group}: {level}")
        axes[0, 0].set_ylabel(f"T = {label}")
        fig.tight_layout()
        return fig
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if type == "ecdf_overlay":
        for i, row in enumerate(rep):
            _ecdf(ax, row, color=LIGHT, lw=0.7, label="y_rep" if i == 0 else None)
        _ecdf(ax, y, color=DARK, lw=1.5, label="y")
        ax.legend()
    elif type == "scatter_avg":
        avg = rep.mean(axis=0)
        ax.scatter(avg, y, s=12, color=DARK)
        lo, hi = min(avg.min(), y.min()), max(avg.max(), y.max())
        ax.plot([lo, hi], [lo, hi], color=LIGHT, lw=1, ls="--")
        ax.set_xlabel("Average y_rep")
        ax.set_ylabel("y")
    elif type == "error_scatter_avg":
        ax.scatter(y, (y[None, :] - rep).mean(axis=0), s=12, color=DARK)
        ax.axhline(0.0, color=LIGHT, lw=1, ls="--")
        ax.set_xlabel("y")
        ax.set_ylabel("Average y - y_rep")
    elif type == "violin_grouped" and groups is not None:
        levels = sorted(groups.unique())
        cols = [(groups == level).to_numpy() for level in levels]
        pos = np.arange(1, len(levels) + 1)
        parts = ax.violinplot([rep[:, c].ravel() for c in cols], positions=pos, showextrema=False)
        bodies: Any = parts["bodies"]
        for body in bodies:
            body.set_facecolor(LIGHT)
            body.set_alpha(0.9)
        for p, c in zip(pos, cols, strict=True):
            ax.plot(np.full(int(c.sum()), p), y[c], "o", color=DARK, ms=3)
        ax.set_xticks(pos, levels)
        ax.set_xlabel(str(group))
    else:  # boxplot
        ax.boxplot([y, *rep])
        ax.set_xticks(np.arange(1, len(rep) + 2), ["y", *["y_rep"] * len(rep)])
    fig.tight_layout()
    return fig
