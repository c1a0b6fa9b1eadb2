"""The result of a marginal-effects method: a table, the draws behind it and a plot.

A :class:`MarginalEffects` behaves like its table for reading (``res["Estimate"]``,
``len(res)``, printing) and keeps the ``(draws, rows)`` matrix each row summarizes, so further
contrasts of the same draws need no new predictions. ``plot()`` draws the estimates and their
intervals against a numeric variable (a line with a band) or a factor (points with error bars),
one colour per group (``by`` variables, categories, contrasts; those that vary).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from brmsjax.methods.conditional_effects import _is_numeric
from brmsjax.methods.marginal.grid import MarginalError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["MarginalEffects"]

_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")


@dataclass(frozen=True)
class MarginalEffects:
    """Summaries of marginal quantities, one row each.

    Attributes
    ----------
    table
        Key columns (grid or ``by`` variables, ``term``/``contrast``, ``category``), then
        ``Estimate``, ``Est.Error`` and the interval's quantiles.
    draws
        The draws each row summarizes, ``(draws, rows)``.
    kind
        ``"predictions"``, ``"comparisons"``, ``"slopes"`` or ``"marginal_means"``.
    x
        The variable ``plot()`` puts on the x axis by default (or None).
    groups
        The key columns ``plot()`` colours by default.
    """

    table: pd.DataFrame
    draws: np.ndarray
    kind: str
    x: str | None = None
    groups: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    def __str__(self) -> str:
        return self.table.to_string(index=False)

    def __repr__(self) -> str:
        return f"{self.kind}:\n{self}"

    def plot(self, x: str | None = None, ax: Axes | None = None) -> Figure:
        """Estimates with their intervals against ``x`` (default: the grid's main variable).

        A numeric ``x`` gives lines with interval bands, a factor points with error bars; rows
        are coloured by the other key columns (``by`` variables, categories, contrasts).
        Returns the matplotlib Figure.
        """
        import matplotlib.pyplot as plt

        x = x or self.x
        if x is None or x not in self.table.columns:
            raise MarginalError(
                f"plot: x must be a column of the table ({list(self.table.columns)}); got {x!r}."
            )
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        else:
            fig = cast("Figure", ax.get_figure())
        lower, upper = self.table.columns[-2], self.table.columns[-1]
        groups = [
            g
            for g in self.groups
            if g in self.table.columns and g != x and self.table[g].nunique() > 1
        ]
        parts = list(self.table.groupby(groups, sort=False)) if groups else [((), self.table)]
        numeric = _is_numeric(self.table[x])
        levels = list(dict.fromkeys(self.table[x].tolist()))
        for k, (key, sub) in enumerate(parts):
            color = _PALETTE[k % len(_PALETTE)]
            label = (
                ", ".join(str(v) for v in (key if isinstance(key, tuple) else (key,)))
                if groups
                else None
            )
            est = sub["Estimate"].to_numpy(float)
            lo, hi = sub[lower].to_numpy(float), sub[upper].to_numpy(float)
            if numeric:
                order = np.argsort(sub[x].to_numpy(float), kind="stable")
                xs = sub[x].to_numpy(float)[order]
                ax.plot(xs, est[order], color=color, label=label)
                ax.fill_between(xs, lo[order], hi[order], color=color, alpha=0.25, lw=0)
            else:
                pos = np.array([levels.index(v) for v in sub[x]], dtype=float)
                pos += 0.1 * (k - (len(parts) - 1) / 2)
                ax.errorbar(
                    pos,
                    est,
                    yerr=[est - lo, hi - est],
                    fmt="o",
                    color=color,
                    capsize=3,
                    label=label,
                )
        if not numeric:
            ax.set_xticks(np.arange(len(levels)), [str(v) for v in levels])
        ax.set_xlabel(x)
        ax.set_ylabel(self.kind.replace("_", " "))
        if groups:
            ax.legend(title=", ".join(groups))
        return fig
