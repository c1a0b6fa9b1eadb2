"""brms's ``posterior_smooths`` and ``conditional_smooths``: one smooth term's contribution.

A smooth ``s(x)`` of a dpar adds ``Xs bs + Zs s`` to its linear predictor (the unpenalized
columns of the term, and each penalized part; a factor ``by`` gives one smooth per level, all
summed). :func:`posterior_smooths` evaluates that sum per draw at new data (the fitted basis,
mgcv's ``PredictMat``); other variables the encoding needs take their default conditions (the
mean, the reference level), which do not change the term.

:func:`conditional_smooths` (brms 2.18's ``conditional_smooths.brmsfit``) does so over a grid
per smooth: each of the first two covariates runs over ``resolution`` points from its minimum
to its maximum (a factor over its levels), further covariates and the ``by`` variable take
their levels or ``mean - sd``, ``mean``, ``mean + sd`` (``cond__`` labels them), and each grid
point gets brms's robust summary: ``estimate__`` (median), ``se__`` (MAD) and the ``prob``
interval. The tables are keyed as brms's, ``"mu: s(x)"``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from brmsjax.backend.summaries import summarise_draws
from brmsjax.core import FitLike
from brmsjax.formula import names as brms_names
from brmsjax.formula.design.newdata import encode_newdata
from brmsjax.methods.conditional_effects import (
    ConditionalEffectsError,
    _data_names,
    _default_conditions,
    _is_numeric,
    _levels,
    model_variables,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ConditionalSmooths", "conditional_smooths", "posterior_smooths"]

SUMMARY_COLUMNS = ("estimate__", "se__", "lower__", "upper__")


def _plain(text: str) -> str:
    """brms's ``rm_wsp``: the term without spaces."""
    return "".join(text.split())


def _smooth_terms(fit: FitLike) -> list[tuple[str, str, Any]]:
    """``(dpar, term, call)`` of every distinct smooth term of the model, in brms's order."""
    out: list[tuple[str, str, Any]] = []
    for dp in fit.design.state.terms.dpars:
        for call in dp.fixed.smooths:
            blocks = [sm for sm in fit.design.smooths if sm.dpar == dp.dpar]
            text = next(sm.term for sm in blocks if sm.basis.term == dp.fixed.smooths.index(call))
            out.append((dp.dpar, text, call))
    return out


def _data(fit: FitLike) -> pd.DataFrame:
    if fit.design is None or fit.data is None:
        raise ConditionalEffectsError("Smooth predictions need the fit's data; refit with brm().")
    return fit.data


def _complete(fit: FitLike, newdata: pd.DataFrame) -> pd.DataFrame:
    """``newdata`` with every other variable of the model at its default condition."""
    data = _data(fit)
    variables = [v for v in model_variables(fit) if v in data.columns]
    for _, _, call in _smooth_terms(fit):
        for arg in call.args:
            if arg.name is None or arg.name == "by":
                names: list[str] = []
                _data_names(arg.value, names)
                variables += [n for n in names if n not in variables and n in data.columns]
    frame = newdata.copy()
    for v, value in _default_conditions(data, variables).items():
        if v not in frame.columns:
            frame[v] = value
        if isinstance(data[v].dtype, pd.CategoricalDtype):
            frame[v] = pd.Categorical(
                frame[v], categories=data[v].cat.categories, ordered=data[v].cat.ordered
            )
    return frame


def posterior_smooths(
    fit: FitLike, smooth: str, newdata: pd.DataFrame | None = None, *, dpar: str | None = None
) -> np.ndarray:
    """brms's ``posterior_smooths``: draws x rows of one smooth term's contribution.

    Parameters
    ----------
    fit
        A fit with smooth terms.
    smooth
        The term as in the formula (``"s(x)"``, ``"t2(x0, x2)"``; spaces do not matter).
    newdata
        Covariate values (default: the fitting data).
    dpar
        The distributional parameter whose smooth it is (default: the first that has it).

    Raises
    ------
    ConditionalEffectsError
        For a term the model does not have (brms's message).
    """
    terms = _smooth_terms(fit)
    hits = [(dp, t) for dp, t, _ in terms if _plain(t) == _plain(smooth) and dpar in (None, dp)]
    if not hits:
        raise ConditionalEffectsError(
            f"Term '{_plain(smooth)}' cannot be found. Available smooth terms are: "
            + ", ".join(_plain(t) for _, t, _ in terms)
        )
    dp, text = hits[0]
    frame = _complete(fit, _data(fit) if newdata is None else pd.DataFrame(newdata))
    X = np.asarray(encode_newdata(fit.design, frame, re_formula=np.nan).X[dp], dtype=float)
    block = next(b for b in fit.design.fixed if b.dpar == dp)
    draws = fit.draws()
    eta = np.zeros((len(draws), X.shape[0]))
    start = block.X.shape[1]
    for sm in (sm for sm in fit.design.smooths if sm.dpar == dp):
        width = int(sum(sm.knots))
        if sm.term == text:
            cols = [block.columns.index(c) for c in sm.basis.columns]
            bs = [brms_names.bs_name(c, dp) for c in sm.basis.columns]
            s = [
                brms_names.s_name(sm.prefix, j + 1, i + 1)
                for j, size in enumerate(sm.knots)
                for i in range(size)
            ]
            eta += draws[bs].to_numpy() @ X[:, cols].T
            eta += draws[s].to_numpy() @ X[:, start : start + width].T
        start += width
    return eta


@dataclass(frozen=True)
class ConditionalSmooths:
    """brms's ``conditional_smooths`` result: one table per smooth (``"mu: s(x)"``).

    Attributes
    ----------
    effects
        Per smooth: the covariates (and ``by`` variables), ``cond__``, ``effect1__``
        (``effect2__``), ``estimate__``, ``se__``, ``lower__``, ``upper__``.
    prob
        Mass of the intervals.
    """

    effects: dict[str, pd.DataFrame]
    prob: float

    def __getitem__(self, key: str) -> pd.DataFrame:
        return self.effects[key]

    def __iter__(self) -> Any:
        return iter(self.effects)

    def __len__(self) -> int:
        return len(self.effects)

    def plot(self) -> list[Figure]:
        """One Figure per smooth: a line with its interval ribbon per ``cond__`` (a
        one-covariate smooth) or the estimate's contours (two numeric covariates)."""
        import matplotlib.pyplot as plt

        figures = []
        for key, table in self.effects.items():
            fig, ax = plt.subplots(figsize=(5, 4))
            if "effect2__" in table.columns and _is_numeric(table["effect2__"]):
                first = table[table["cond__"] == table["cond__"].iloc[0]]
                grid = first.pivot_table("estimate__", "effect2__", "effect1__")
                shown = ax.contourf(grid.columns, grid.index, grid.to_numpy(), levels=15)
                fig.colorbar(shown, ax=ax)
            else:
                for label, sub in table.groupby("cond__", sort=False, observed=True):
                    x = sub["effect1__"].to_numpy(dtype=float)
                    ax.plot(x, sub["estimate__"], label=str(label))
                    ax.fill_between(x, sub["lower__"], sub["upper__"], alpha=0.25, lw=0)
                if table["cond__"].nunique() > 1:
                    ax.legend()
            ax.set_title(key)
            figures.append(fig)
        return figures


def _covariates(call: Any) -> tuple[list[str], list[str]]:
    covars: list[str] = []
    by: list[str] = []
    for arg in call.args:
        if arg.name is None:
            _data_names(arg.value, covars)
        elif arg.name == "by":
            _data_names(arg.value, by)
    if len(covars) > 2:  # brms: the third and later covariates are conditions
        by = covars[2:] + by
        covars = covars[:2]
    return covars, by


def conditional_smooths(
    fit: FitLike,
    smooths: str | Sequence[str] | None = None,
    int_conditions: Mapping[str, Sequence[Any]] | None = None,
    *,
    prob: float = 0.95,
    resolution: int = 100,
) -> ConditionalSmooths:
    """brms's ``conditional_smooths``: each smooth's contribution over a grid.

    Parameters
    ----------
    fit
        A fit with smooth terms.
    smooths
        The terms to show (``"s(x)"``); default: all.
    int_conditions
        Values for some covariates or ``by`` variables instead of the default grid.
    prob
        Mass of the intervals.
    resolution
        Grid points of a numeric covariate.

    Raises
    ------
    ConditionalEffectsError
        When the model has no (such) smooth terms (brms's message).
    """
    data = _data(fit)
    if not 0 < prob < 1:
        raise ConditionalEffectsError(f"prob must be between 0 and 1, not {prob!r}.")
    wanted = None
    if smooths is not None:
        wanted = {_plain(s) for s in ([smooths] if isinstance(smooths, str) else smooths)}
    given = dict(int_conditions or {})
    out: dict[str, pd.DataFrame] = {}
    for dp, text, call in _smooth_terms(fit):
        if wanted is not None and _plain(text) not in wanted:
            continue
        covars, by = _covariates(call)
        values: dict[str, list[Any]] = {}
        for v in covars + by:
            col = data[v]
            if v in given:
                values[v] = list(given[v])
            elif not _is_numeric(col):
                values[v] = _levels(col)
            elif v in covars:
                values[v] = list(np.linspace(col.min(), col.max(), resolution))
            else:
                values[v] = list(col.mean() + np.array([-1.0, 0.0, 1.0]) * col.std())
        names = covars + by
        rows = [dict(zip(names, combo, strict=True)) for combo in _expand(values, names)]
        table = pd.DataFrame(rows, columns=names)
        eta = posterior_smooths(fit, text, table, dpar=dp)
        table["cond__"] = (
            [" & ".join(f"{v} = {r[v]}" for v in by) for r in rows] if by else ["1"] * len(rows)
        )
        for i, v in enumerate(covars[:2], 1):
            table[f"effect{i}__"] = table[v]
        probs = [(1 - prob) / 2, 1 - (1 - prob) / 2]
        table[list(SUMMARY_COLUMNS)] = summarise_draws(eta, probs, True)
        out[f"{dp or 'mu'}: {_plain(text)}"] = table
    if not out:
        raise ConditionalEffectsError("No valid smooth terms found in the model.")
    return ConditionalSmooths(out, prob)


def _expand(values: dict[str, list[Any]], names: list[str]) -> list[tuple[Any, ...]]:
    """R's ``expand.grid``: the first variable varies fastest."""
    combos = itertools.product(*(values[n] for n in names[::-1]))
    return [c[::-1] for c in combos]
