"""The seed lecture's table of estimates: each gamma with its posterior mean and interval.

:func:`multilevel_table` reads posterior draws with brms's variable names (``b_Intercept``,
``b_age:size``, ``sd_class__Intercept``, ``cor_class__Intercept__age``, ``sigma``) and gives
one row per gamma (symbol, brms name, posterior mean, central credible interval, meaning), and
a second block with the level-2 variance parameters (phi, rho) and the family's parameters
(sigma).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from brmsjax.backend.infer.diagnostics import r_number
from brmsjax.backend.summaries import summarise_draws
from brmsjax.formula.errors import ModelError
from brmsjax.lecture.equations import Equations
from brmsjax.methods.summary import ci_bounds

_TEXT_COLUMNS = ("symbol", "parameter", "meaning")


@dataclass(frozen=True)
class MultilevelTable:
    """Posterior summaries of the gammas and of the variance parameters.

    Attributes
    ----------
    coefficients
        One row per gamma, indexed by ASCII name (``gamma_11``): ``symbol``, ``parameter``
        (brms name), ``Mean``, ``l-90% CI``, ``u-90% CI`` (labels follow ``prob``) and
        ``meaning``.
    variance
        The same columns for phi, rho and the family's parameters (sigma).
    prob
        Mass of the central credible intervals.
    """

    coefficients: pd.DataFrame
    variance: pd.DataFrame
    prob: float

    def text(self, digits: int = 2) -> str:
        """Both blocks as aligned text, numbers with ``digits`` decimals."""
        width = r_number(self.prob * 100)
        blocks = [
            (f"Coefficients (posterior mean and {width}% credible interval):", self.coefficients),
            ("Variance parameters:", self.variance),
        ]
        return "\n\n".join(
            f"{title}\n{_format(frame, digits)}" for title, frame in blocks if len(frame)
        )

    def __str__(self) -> str:
        return self.text()


def _format(frame: pd.DataFrame, digits: int) -> str:
    columns = list(frame.columns)
    cells = [[c if c != "symbol" else "" for c in columns]]
    for _, row in frame.iterrows():
        cells.append(
            [str(row[c]) if c in _TEXT_COLUMNS else f"{row[c]:.{digits}f}" for c in columns]
        )
    widths = [max(len(r[j]) for r in cells) for j in range(len(columns))]
    lines = []
    for r in cells:
        parts = [
            cell.ljust(w) if c in _TEXT_COLUMNS else cell.rjust(w)
            for c, cell, w in zip(columns, r, widths, strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def multilevel_table(
    draws: pd.DataFrame, equations: Equations, prob: float = 0.9
) -> MultilevelTable:
    """Summarise the draws of a fit by the gammas, phis, rhos and sigma of its equations.

    Parameters
    ----------
    draws
        Posterior draws, one column per variable with brms's names (other columns are ignored).
    equations
        The model in level notation (:func:`brmsjax.lecture.equations.equations`).
    prob
        Mass of the central credible intervals: quantiles ``(1 - prob) / 2`` and
        ``1 - (1 - prob) / 2`` (R's type 7).

    Returns
    -------
    MultilevelTable
        The gamma block and the variance block.

    Raises
    ------
    ModelError
        ``prob`` is not in [0, 1], or the draws lack a parameter of the equations.
    """
    lower, upper = ci_bounds(prob)
    if not isinstance(draws, pd.DataFrame):
        raise ModelError(f"draws must be a pandas DataFrame of draws, not {type(draws).__name__}.")
    table = equations.table()
    missing = [p for p in table["parameter"] if p not in draws.columns]
    if missing:
        raise ModelError(
            f"The draws lack {', '.join(repr(m) for m in missing)}, which the equations "
            "need; pass the draws of a fit of the model the equations describe."
        )
    values = np.column_stack([np.asarray(draws[p], dtype=np.float64) for p in table["parameter"]])
    stats = summarise_draws(values, (lower, upper), skipna=True)
    width = r_number((upper - lower) * 100)
    out = pd.DataFrame(
        {
            "symbol": table["symbol"],
            "parameter": table["parameter"],
            "Mean": stats[:, 0],
            f"l-{width}% CI": stats[:, 2],
            f"u-{width}% CI": stats[:, 3],
            "meaning": table["meaning"],
        },
        index=table.index,
    )
    gamma = (table["kind"] == "gamma").to_numpy()
    return MultilevelTable(out[gamma], out[~gamma], float(prob))


__all__ = ["MultilevelTable", "multilevel_table"]
