"""Data grids and draw summaries for the marginal-effects layer.

:func:`datagrid` (as marginaleffects's ``datagrid``) builds the rows to predict at: the values
given for some variables, crossed, with every other variable the predictions need at its mean
(numeric) or mode (factors, strings, booleans; grouping factors too when group-level effects
are kept). :func:`model_draws` takes the draws of the expected response or the linear predictor
for such rows, :func:`average_by` averages them over rows per draw within groups, and
:func:`summary_table` turns draws into brms-style rows (``Estimate``, ``Est.Error`` and the
``prob`` interval's quantiles ``Q2.5``/``Q97.5``), one per category for ordinal and categorical
families.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.core import FitLike
from brmsjax.formula.design.newdata import parse_re_formula
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.methods.conditional_effects import _data_names, _is_numeric, _levels, model_variables
from brmsjax.methods.predictions import posterior_epred, posterior_linpred
from brmsjax.methods.summary import ci_bounds, stat_names

__all__ = [
    "MarginalError",
    "average_by",
    "datagrid",
    "fit_data",
    "grid_variables",
    "model_draws",
    "summary_table",
    "with_value",
]

TYPES = ("response", "link")


class MarginalError(BrmsjaxError, ValueError):
    """A marginal-effects argument names no model variable or has an invalid value."""


def fit_data(fit: FitLike, what: str) -> pd.DataFrame:
    """The data the fit was made with (the default ``newdata``); an error names ``what``."""
    data = getattr(fit, "data", None)
    if data is None:
        raise MarginalError(f"{what}() needs the fit's data; refit with brm() or pass newdata.")
    return pd.DataFrame(data)


def _group_variables(fit: FitLike, re_formula: Any) -> list[str]:
    """The grouping variables of the group-level terms ``re_formula`` keeps."""
    terms = parse_re_formula(re_formula)
    bt = fit.design.state.terms if terms is None else terms
    names: list[str] = []
    for dp in bt.dpars:
        for group in dp.groups:
            for node in group.group_vars:
                _data_names(node, names)
    return names


def grid_variables(fit: FitLike, re_formula: Any = None) -> list[str]:
    """Data variables predictions need: the model's covariates, then the grouping variables of
    the group-level terms ``re_formula`` keeps (None: all, NA: none)."""
    names = model_variables(fit)
    names += [g for g in _group_variables(fit, re_formula) if g not in names]
    return names


def check_variable(fit: FitLike, name: Any, argument: str, data: pd.DataFrame) -> str:
    """``name`` as a variable of the model present in ``data``, or an error naming ``argument``."""
    known = grid_variables(fit, None)
    if not isinstance(name, str) or name not in known:
        raise MarginalError(
            f"{argument}: {name!r} is not a variable of the model; use one of {known}."
        )
    if name not in data.columns:
        raise MarginalError(f"{argument}: the data lack the variable {name!r}.")
    return name


def typical_value(col: pd.Series) -> Any:
    """marginaleffects's default for a variable held fixed: the mean of a numeric variable,
    else the mode (the first level among equally frequent ones)."""
    if _is_numeric(col):
        return float(col.mean())
    counts = col.value_counts(sort=False)
    levels = [lv for lv in _levels(col) if lv in counts.index]
    return max(levels, key=lambda lv: (counts[lv], -levels.index(lv)))


def with_value(frame: pd.DataFrame, name: str, value: Any, like: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with column ``name`` set to ``value`` (a scalar or an array); a
    factor keeps the levels it has in ``like`` (the fitting data)."""
    out = frame.copy()
    out[name] = value
    src = like[name] if name in like.columns else None
    if src is not None and isinstance(src.dtype, pd.CategoricalDtype):
        out[name] = pd.Categorical(
            out[name], categories=src.cat.categories, ordered=src.cat.ordered
        )
    return out


def datagrid(fit: FitLike, *, re_formula: Any = None, **values: Any) -> pd.DataFrame:
    """A grid of data to predict at, as marginaleffects's ``datagrid``.

    Parameters
    ----------
    fit
        The fitted model.
    re_formula
        Which group-level terms the predictions keep (None: all, so the grouping variables are
        in the grid at their mode; NA or ``"~0"``: none).
    **values
        Values of some variables (a scalar or a sequence each); the grid crosses them.

    Returns
    -------
    pandas.DataFrame
        One row per combination of ``values``; every other variable the predictions need at
        its mean (numeric) or mode (other types), factors with the fitting data's levels.
    """
    data = fit_data(fit, "datagrid")
    for name in values:
        check_variable(fit, name, "datagrid", data)
    given = {k: list(np.atleast_1d(np.asarray(v, dtype=object))) for k, v in values.items()}
    for name, vals in given.items():
        if not vals:
            raise MarginalError(f"datagrid: give at least one value for {name!r}.")
    rows = list(itertools.product(*given.values())) if given else [()]
    grid = pd.DataFrame(rows, columns=list(given))
    for name in grid_variables(fit, re_formula):
        if name not in given and name in data.columns:
            grid[name] = [typical_value(data[name])] * len(grid)
    for name in grid.columns:
        if name in data.columns and _is_numeric(data[name]):
            grid[name] = grid[name].astype(np.float64)
        grid = with_value(grid, name, grid[name].to_numpy(), data)
    return grid


def model_draws(fit: FitLike, data: pd.DataFrame, type: str, re_formula: Any) -> np.ndarray:
    """Draws of the expected response (``type="response"``) or of the linear predictor
    (``type="link"``) at ``data``: ``(draws, rows)`` or ``(draws, rows, categories)``."""
    if type not in TYPES:
        raise MarginalError(f"type must be 'response' or 'link'; got {type!r}.")
    if type == "link":
        return np.asarray(posterior_linpred(fit, data, re_formula=re_formula))
    return np.asarray(posterior_epred(fit, data, re_formula=re_formula))


def check_by(by: Any, data: pd.DataFrame) -> list[str] | bool:
    """``by`` as a list of columns of ``data`` (or True / False for all rows / none)."""
    if by is None or isinstance(by, bool):
        return bool(by)
    names = [by] if isinstance(by, str) else list(by)
    for name in names:
        if not isinstance(name, str) or name not in data.columns:
            raise MarginalError(
                f"by: {name!r} is not a column of the data; use one of {list(data.columns)}."
            )
    return names


def average_by(
    data: pd.DataFrame, draws: np.ndarray, by: list[str] | bool
) -> tuple[pd.DataFrame, np.ndarray]:
    """Average ``draws`` over the rows of ``data`` per draw within the groups of ``by``.

    Returns the groups' keys (one row each; ``data`` itself when ``by`` is False, one empty row
    when True) and the averaged draws, ``(draws, groups[, categories])``.
    """
    if by is False:
        return data.reset_index(drop=True), draws
    if by is True:
        return pd.DataFrame(index=[0]), draws.mean(axis=1, keepdims=True)
    groups = data.groupby(by, sort=True, observed=True).indices
    keys = (
        pd.DataFrame(list(groups), columns=by)
        if len(by) > 1
        else pd.DataFrame({by[0]: list(groups)})
    )
    out = np.stack([draws[:, idx].mean(axis=1) for idx in groups.values()], axis=1)
    return keys, out


def category_labels(fit: FitLike, k: int) -> list[str]:
    """Names of the ``k`` categories of an ordinal or categorical response: the response's
    levels when the data show ``k`` of them, else ``"1"`` to ``"k"``."""
    data = getattr(fit, "data", None)
    label = fit.design.state.terms.response_label
    if data is not None and label in data.columns:
        levels = _levels(data[label])
        if len(levels) == k:
            return [str(v) for v in levels]
    return [str(i) for i in range(1, k + 1)]


def summary_table(
    fit: FitLike, keys: pd.DataFrame, draws: np.ndarray, prob: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """brms-style summaries of ``draws`` ``(draws, rows[, categories])``: the key columns, a
    ``category`` column for a category axis, then ``Estimate``, ``Est.Error`` and the quantiles
    of the ``prob`` interval. Also returns the draws as ``(draws, table rows)``."""
    probs = ci_bounds(prob)
    keys = keys.reset_index(drop=True)
    if draws.ndim == 3:
        k = draws.shape[2]
        keys = keys.loc[keys.index.repeat(k)].reset_index(drop=True)
        keys["category"] = category_labels(fit, k) * (len(keys) // k)
        draws = draws.reshape(draws.shape[0], -1)
    stats = np.column_stack(
        [draws.mean(0), draws.std(0, ddof=1), *np.quantile(draws, probs, axis=0)]
    )
    table = pd.concat([keys, pd.DataFrame(stats, columns=stat_names(probs))], axis=1)
    return table, draws


def value_lists(
    fit: FitLike, variables: Any, data: pd.DataFrame, argument: str
) -> Mapping[str, Sequence[Any]]:
    """``variables`` (a name, names, or a dict of name -> values) as name -> values; a name
    alone takes a factor's levels or a numeric variable's minimum, quartiles and maximum."""
    if isinstance(variables, str):
        variables = [variables]
    if isinstance(variables, Mapping):
        items = list(variables.items())
    else:
        items = [(name, None) for name in variables]
    out: dict[str, Sequence[Any]] = {}
    for name, given in items:
        check_variable(fit, name, argument, data)
        col = pd.Series(data[name])
        if given is not None:
            vals = given
        elif _is_numeric(col):
            vals = list(np.unique(np.quantile(col.to_numpy(float), [0, 0.25, 0.5, 0.75, 1])))
        else:
            vals = _levels(col)
        out[name] = list(np.atleast_1d(np.asarray(vals, dtype=object)))
    return out
