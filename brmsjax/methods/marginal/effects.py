"""Predictions, comparisons, slopes and marginal means computed on posterior draws.

As R's marginaleffects and emmeans (and bambi's ``interpret``), on the draws of
``posterior_epred`` (``type="response"``) or ``posterior_linpred`` (``type="link"``):

- :func:`predictions`: the draws at the data (or a :func:`~.grid.datagrid`), optionally
  averaged over rows per draw within ``by`` groups;
- :func:`comparisons`: counterfactual contrasts: every row is predicted with the variable set to
  each of two values, the per-draw difference (or ratio) is averaged over rows per draw;
- :func:`slopes`: the per-draw forward finite-difference derivative, averaged over rows;
- :func:`marginal_means`: emmeans's means over a balanced reference grid (each level of the
  factors, numeric variables at their mean), averaged with equal weights per level.

Every draw-wise average happens before the summary, so intervals are those of the averaged
quantity. Ordinal and categorical families give one row per category (column ``category``).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.core import FitLike
from brmsjax.methods.conditional_effects import _is_numeric, _levels, model_variables
from brmsjax.methods.marginal.grid import (
    MarginalError,
    average_by,
    check_by,
    check_variable,
    fit_data,
    grid_variables,
    model_draws,
    summary_table,
    typical_value,
    value_lists,
    with_value,
)
from brmsjax.methods.marginal.result import MarginalEffects

__all__ = ["comparisons", "marginal_means", "predictions", "slopes"]

COMPARISONS = ("difference", "ratio")


def _newdata(fit: FitLike, newdata: Any, what: str) -> pd.DataFrame:
    if newdata is None:
        return fit_data(fit, what)
    if not isinstance(newdata, pd.DataFrame):
        raise MarginalError(f"newdata must be a pandas DataFrame or None; got {type(newdata)}.")
    return newdata.reset_index(drop=True)


def predictions(
    fit: FitLike,
    newdata: Any = None,
    *,
    by: Any = None,
    variables: Any = None,
    type: str = "response",
    re_formula: Any = None,
    prob: float = 0.95,
) -> MarginalEffects:
    """Predictions at the data or a grid, optionally averaged over rows per draw ``by`` groups.

    Parameters
    ----------
    newdata
        The rows to predict at (default: the fitting data; see ``datagrid``).
    by
        Column name(s) to average within, True to average over all rows, None for one row each.
    variables
        A name, names, or a dict name -> values: each row is repeated for every combination of
        the values (a name alone: a factor's levels or a numeric variable's minimum, quartiles
        and maximum), as marginaleffects's counterfactual ``variables``; with ``by`` the
        averages are taken per value of these variables too.
    type
        ``"response"`` (``posterior_epred``) or ``"link"`` (``posterior_linpred``).
    re_formula
        The group-level terms to keep (None: all; NA or ``"~0"``: none).
    prob
        Mass of the central interval.
    """
    data = _newdata(fit, newdata, "predictions")
    x: str | None = None
    if variables is not None:
        values = value_lists(fit, variables, data, "variables")
        parts = []
        for combo in itertools.product(*values.values()):
            part = data
            for name, value in zip(values, combo, strict=True):
                part = with_value(part, name, value, fit_data(fit, "predictions"))
            parts.append(part)
        data = pd.concat(parts, ignore_index=True)
        x = next(iter(values))
    groups = check_by(by, data)
    if variables is not None and groups is not False:  # marginaleffects: averaged per value
        named = [] if groups is True else [g for g in groups if g not in values]
        groups = [*values, *named]
    draws = model_draws(fit, data, type, re_formula)
    keys, avg = average_by(data, draws, groups)
    table, flat = summary_table(fit, keys, avg, prob)
    if isinstance(groups, list):
        x = x if x in groups else groups[0]
        rest = tuple(g for g in groups if g != x)
    else:
        x = x or next((v for v in model_variables(fit) if v in keys.columns), None)
        rest = ()
    return MarginalEffects(table, flat, "predictions", x, (*rest, "category"))


def _contrasts(
    fit: FitLike, name: str, spec: Any, data: pd.DataFrame
) -> list[tuple[str, str, pd.DataFrame, pd.DataFrame]]:
    """(high label, low label, high data, low data) of each contrast of variable ``name``."""
    like = fit_data(fit, "comparisons")
    col = data[name]
    if spec is None:
        if _is_numeric(col):
            spec = 1.0
        else:
            levels = _levels(like[name] if name in like.columns else col)
            if len(levels) < 2:
                raise MarginalError(f"variables: {name!r} has fewer than two levels to compare.")
            return [
                (
                    str(lv),
                    str(levels[0]),
                    with_value(data, name, lv, like),
                    with_value(data, name, levels[0], like),
                )
                for lv in levels[1:]
            ]
    if isinstance(spec, (list, tuple, np.ndarray)):
        if len(spec) != 2:
            raise MarginalError(
                f"variables: the values of {name!r} must be a pair [low, high]; got {spec!r}."
            )
        lo, hi = spec
        return [
            (str(hi), str(lo), with_value(data, name, hi, like), with_value(data, name, lo, like))
        ]
    if isinstance(spec, bool) or not isinstance(spec, (int, float)) or not _is_numeric(col):
        raise MarginalError(
            f"variables: {name!r} takes a pair [low, high]"
            + (" or a numeric step" if _is_numeric(col) else "")
            + f"; got {spec!r}."
        )
    x = col.to_numpy(dtype=np.float64)
    return [(f"{name} + {spec:g}", name, with_value(data, name, x + spec, like), data)]


def comparisons(
    fit: FitLike,
    variables: Any,
    *,
    by: Any = None,
    comparison: str = "difference",
    newdata: Any = None,
    type: str = "response",
    re_formula: Any = None,
    prob: float = 0.95,
) -> MarginalEffects:
    """Counterfactual contrasts averaged over rows per draw, as marginaleffects's
    ``avg_comparisons``.

    Parameters
    ----------
    variables
        A name, names, or a dict name -> ``[low, high]`` (or, for a numeric variable, a step).
        Defaults: a factor's levels each against its reference (first) level; a numeric
        variable ``+1``.
    by
        Column name(s) of the data to average within (default: over all rows).
    comparison
        ``"difference"`` (high - low) or ``"ratio"`` (high / low), per draw and row.
    newdata, type, re_formula, prob
        As :func:`predictions`.
    """
    if comparison not in COMPARISONS:
        raise MarginalError(f"comparison must be 'difference' or 'ratio'; got {comparison!r}.")
    data = _newdata(fit, newdata, "comparisons")
    specs = dict(variables) if isinstance(variables, dict) else None
    names = (
        list(specs)
        if specs is not None
        else [variables]
        if isinstance(variables, str)
        else variables
    )
    if not names:
        raise MarginalError("variables: name at least one variable to compare.")
    groups = check_by(by, data) or True
    tables, flats = [], []
    sign = " - " if comparison == "difference" else " / "
    for name in names:
        check_variable(fit, name, "variables", data)
        for hi_label, lo_label, hi, lo in _contrasts(fit, name, (specs or {}).get(name), data):
            both = model_draws(fit, pd.concat([hi, lo], ignore_index=True), type, re_formula)
            high, low = both[:, : len(data)], both[:, len(data) :]
            per_row = high - low if comparison == "difference" else high / low
            keys, avg = average_by(data, per_row, groups)
            keys.insert(0, "contrast", hi_label + sign + lo_label)
            keys.insert(0, "term", name)
            table, flat = summary_table(fit, keys, avg, prob)
            tables.append(table)
            flats.append(flat)
    table = pd.concat(tables, ignore_index=True)
    x = groups[0] if isinstance(groups, list) else "contrast"
    return MarginalEffects(
        table, np.hstack(flats), "comparisons", x, ("term", "contrast", "category")
    )


def slopes(
    fit: FitLike,
    variables: str,
    *,
    eps: float | None = None,
    by: Any = None,
    newdata: Any = None,
    type: str = "response",
    re_formula: Any = None,
    prob: float = 0.95,
) -> MarginalEffects:
    """Average slopes: the forward finite difference ``(f(x + eps) - f(x)) / eps`` of the
    prediction per draw and row, averaged over rows per draw (within ``by`` groups).

    ``eps`` defaults to ``1e-4`` times the standard deviation of the variable in the data
    (marginaleffects scales it by the variable's spread the same way).
    """
    data = _newdata(fit, newdata, "slopes")
    name = check_variable(fit, variables, "variables", data)
    if not _is_numeric(data[name]):
        raise MarginalError(f"variables: slopes need a numeric variable; {name!r} is not numeric.")
    x = data[name].to_numpy(dtype=np.float64)
    if eps is None:
        eps = 1e-4 * float(np.std(fit_data(fit, "slopes")[name].to_numpy(float), ddof=1))
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise MarginalError(f"eps must be a positive number; got {eps!r}.")
    groups = check_by(by, data) or True
    hi = with_value(data, name, x + eps, data)
    both = model_draws(fit, pd.concat([hi, data], ignore_index=True), type, re_formula)
    per_row = (both[:, : len(data)] - both[:, len(data) :]) / eps
    keys, avg = average_by(data, per_row, groups)
    keys.insert(0, "contrast", "dY/dX")
    keys.insert(0, "term", name)
    table, flat = summary_table(fit, keys, avg, prob)
    xcol = groups[0] if isinstance(groups, list) else "term"
    return MarginalEffects(table, flat, "slopes", xcol, ("category",))


def reference_grid(fit: FitLike, factors: list[str], re_formula: Any) -> pd.DataFrame:
    """emmeans's reference grid: every combination of the levels of the model's factors (and
    of ``factors``), numeric variables at their mean, other grouping variables at their mode."""
    data = fit_data(fit, "marginal_means")
    fixed = model_variables(fit)
    grid_vars = grid_variables(fit, re_formula)
    crossed = [v for v in grid_vars if (v in fixed and not _is_numeric(data[v])) or v in factors]
    crossed += [v for v in factors if v not in crossed]
    combos = list(itertools.product(*(_levels(data[v]) for v in crossed)))
    grid = pd.DataFrame(combos, columns=crossed) if crossed else pd.DataFrame(index=[0])
    for v in grid_vars:
        if v not in crossed:
            grid[v] = [typical_value(data[v])] * len(grid)
    for v in crossed:
        grid = with_value(grid, v, grid[v].to_numpy(), data)
    return grid


def marginal_means(
    fit: FitLike,
    variable: str,
    *,
    by: Any = None,
    type: str = "response",
    re_formula: Any = np.nan,
    prob: float = 0.95,
) -> MarginalEffects:
    """emmeans-style marginal means of a factor over a balanced reference grid.

    Every level of ``variable`` (and of ``by``) is crossed with every level of the model's
    other factors, numeric variables sit at their mean; the prediction is averaged per draw
    over the grid rows of each level with equal weights. ``re_formula`` defaults to NA
    (population-level means); a grouping factor can be ``variable`` when its terms are kept.
    """
    data = fit_data(fit, "marginal_means")
    name = check_variable(fit, variable, "variable", data)
    if _is_numeric(data[name]):
        raise MarginalError(
            f"variable: marginal means need a factor; {name!r} is numeric (use predictions() "
            "with datagrid() for numeric values)."
        )
    by_names = [] if by is None else [by] if isinstance(by, str) else list(by)
    for b in by_names:
        check_variable(fit, b, "by", data)
    grid = reference_grid(fit, [name, *by_names], re_formula)
    draws = model_draws(fit, grid, type, re_formula)
    keys, avg = average_by(grid, draws, [name, *by_names])
    table, flat = summary_table(fit, keys, avg, prob)
    return MarginalEffects(table, flat, "marginal_means", name, (*by_names, "category"))
