"""conditional_effects' ``method``, ``categorical``, ``spaghetti`` and ``ndraws`` (brms 2.18).

brms summarizes, at every grid point, the draws of ``method``: the expected response
(``posterior_epred``, the default), the posterior predictive distribution
(``posterior_predict``: wider, it adds the observation noise) or the linear predictor
(``posterior_linpred``, on the link scale). With ``categorical = TRUE`` an ordinal or
categorical model gets one row per grid point and response category (``cats__``, also the
effect's second variable ``effect2__``) with that category's probability; otherwise ordinal
draws are summarized as the expected category. ``spaghetti = TRUE`` keeps every draw's curve of
a numeric effect (columns ``sample__`` and ``estimate__``), drawn as thin lines; brms recommends
a small ``ndraws`` with it. ``ndraws`` takes that many draws at random (``seed``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from brmsjax.backend.summaries import summarise_draws
from brmsjax.core import FitLike
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.methods.predictions import posterior_epred, posterior_linpred, posterior_predict

__all__ = [
    "METHODS",
    "CeMethodError",
    "categorical_rows",
    "check_method_args",
    "effect_draws",
    "spaghetti_rows",
    "summaries",
]

METHODS = {
    "posterior_epred": posterior_epred,
    "posterior_predict": posterior_predict,
    "posterior_linpred": posterior_linpred,
}
SUMMARY_COLUMNS = ["estimate__", "se__", "lower__", "upper__"]


class CeMethodError(BrmsjaxError, ValueError):
    """An invalid ``method``, ``categorical``, ``spaghetti`` or ``ndraws`` argument."""


def check_method_args(fit: FitLike, method: str, categorical: bool, ndraws: Any) -> None:
    """Refuse arguments brms refuses, with its wording where it has one."""
    if method not in METHODS:
        raise CeMethodError(
            f"conditional_effects: method must be one of {', '.join(METHODS)}, not {method!r}."
        )
    if categorical and method != "posterior_epred":
        raise CeMethodError(
            "conditional_effects: categorical = True shows category probabilities, so it needs "
            f"method = 'posterior_epred', not {method!r}."
        )
    if ndraws is not None and (
        isinstance(ndraws, bool)
        or not isinstance(ndraws, (int, np.integer))
        or not 1 <= ndraws <= fit.ndraws
    ):
        raise CeMethodError(
            f"conditional_effects: ndraws must be an integer from 1 to {fit.ndraws}, not "
            f"{ndraws!r}."
        )


def effect_draws(
    fit: FitLike,
    newdata: pd.DataFrame,
    method: str,
    *,
    re_formula: Any,
    ndraws: int | None,
    seed: int | None,
) -> np.ndarray:
    """Draws of ``method`` at the grid rows, ``(draws, rows)`` or ``(draws, rows, cats)``."""
    draws = METHODS[method](
        fit, newdata, re_formula=re_formula, ndraws=ndraws, seed=seed, incl_autocor=False
    )
    return np.asarray(draws, dtype=np.float64)


def summaries(draws: np.ndarray, prob: float, robust: bool) -> np.ndarray:
    """brms's columns per grid point; ordinal draws as the expected category."""
    if draws.ndim == 3:
        draws = (draws * np.arange(1, draws.shape[2] + 1)).sum(axis=2)
    return summarise_draws(draws, [(1 - prob) / 2, 1 - (1 - prob) / 2], robust)


def categorical_rows(
    table: pd.DataFrame, draws: np.ndarray, prob: float, robust: bool, categories: Any
) -> pd.DataFrame:
    """One row per grid point and category (``cats__``, ``effect2__``) with its probability."""
    if draws.ndim != 3:
        raise CeMethodError("'categorical' is only allowed for categorical or ordinal models.")
    parts = []
    for k, cat in enumerate(categories):
        part = table.copy()
        part["cats__"] = cat
        part["effect2__"] = cat
        part[SUMMARY_COLUMNS] = summarise_draws(
            draws[:, :, k], [(1 - prob) / 2, 1 - (1 - prob) / 2], robust
        )
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def spaghetti_rows(table: pd.DataFrame, draws: np.ndarray) -> pd.DataFrame:
    """Every draw's curve: the grid columns with ``sample__`` (1-based) and ``estimate__``."""
    if draws.ndim == 3:
        draws = (draws * np.arange(1, draws.shape[2] + 1)).sum(axis=2)
    keep = [c for c in ("cond__", "effect1__", "effect2__") if c in table.columns]
    parts = []
    for s, row in enumerate(draws):
        part = table[keep].copy()
        part["sample__"] = s + 1
        part["estimate__"] = row
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
