"""brms's ``conditional_effects``: the expected response along one or two predictors.

For each effect (a predictor ``"x"`` or a two-way interaction ``"x:z"``) the predictor runs over
a grid (``resolution`` points from its minimum to its maximum, or its levels) while the other
predictors stay at their conditions: by default, as brms 2.18, numeric variables at their mean
and factors at their reference level; grouping factors are left out because ``re_formula`` is NA
(no group-level effects). The second variable of an interaction takes its levels, or, when
numeric, ``mean - sd``, ``mean`` and ``mean + sd``. ``conditions`` (a DataFrame) gives one set
of conditions per row, each shown in its own panel. Each grid point gets brms's summary of
:meth:`~brmsjax.fit.BrmsFit.posterior_epred`: ``estimate__`` and ``se__`` (median and MAD when
``robust``, as brms's default) and the ``prob`` interval ``lower__``, ``upper__``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from brmsjax.backend.summaries import MAD_CONSTANT
from brmsjax.core import FitLike
from brmsjax.formula.design.gp import gp_nodes
from brmsjax.formula.design.special.smooth_terms import smooth_nodes
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.formula.syntax.ast import Call, Name, Node
from brmsjax.formula.terms.nlf import model_nlpars
from brmsjax.methods.effects.ce_methods import (
    categorical_rows,
    check_method_args,
    effect_draws,
    spaghetti_rows,
    summaries,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


__all__ = ["ConditionalEffects", "ConditionalEffectsError", "conditional_effects"]

SUMMARY_COLUMNS = ("estimate__", "se__", "lower__", "upper__")
_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")


class ConditionalEffectsError(BrmsjaxError, ValueError):
    """An effect or condition is not part of the model or the data."""


def _data_names(node: Node, out: list[str]) -> None:
    """Data variables of an expression (R's ``all.vars``): names, not function names."""
    if isinstance(node, Name):
        if node.name not in out and node.name not in {".", "TRUE", "FALSE", "NA", "Inf"}:
            out.append(node.name)
    elif isinstance(node, Call):
        for arg in node.args:
            _data_names(arg.value, out)
    else:
        for child in ("expr", "left", "right", "operand"):
            sub = getattr(node, child, None)
            if sub is not None:
                _data_names(sub, out)


def _term_names(term: Any) -> list[str]:
    names: list[str] = []
    for var in term.variables:
        _data_names(var, names)
    return names


def model_effects(fit: FitLike) -> list[str]:
    """brms's default effects: every main effect and two-way interaction of the population-level
    terms of every distributional parameter (mu first), category-specific cs() terms included."""
    effects: list[str] = []
    nl = fit.design.state.terms.nonlinear
    if nl is not None:  # brms: a non-linear formula's covariates and their pairs come first
        cov = list(nl.covariates)
        effects += cov + [f"{a}:{b}" for i, a in enumerate(cov) for b in cov[i + 1 :]]
    later = [c for nt in fit.design.state.terms.nlf for c in nt.terms.covariates]  # nlf()
    later += [f"{a}:{b}" for i, a in enumerate(later) for b in later[i + 1 :]]
    for dp in fit.design.state.terms.dpars:
        if dp.dpar in model_nlpars(fit.design.state.terms):  # brms: nl dpars before nlpars
            effects += [e for e in later if e not in effects]
        for term in (*dp.fixed.terms, *(dp.cs.terms if dp.cs else ())):  # cs(): after them
            names = _term_names(term)
            if 1 <= len(names) <= 2 and ":".join(names) not in effects:
                effects.append(":".join(names))
        for call in dp.fixed.gps:  # brms: a gp() term's covariates (and by) as one effect
            names = []
            for node in gp_nodes(call):
                _data_names(node, names)
            if 1 <= len(names) <= 2 and ":".join(names) not in effects:
                effects.append(":".join(names))
        for call in dp.fixed.smooths:  # brms: the terms of x * z * by, up to two-way
            names = []
            for arg in call.args:
                if arg.name is None or arg.name == "by":
                    _data_names(arg.value, names)
            pairs = [f"{a}:{b}" for i, a in enumerate(names) for b in names[i + 1 :]]
            effects += [e for e in names + pairs if e not in effects]
    return effects


def model_variables(fit: FitLike) -> list[str]:
    """Data variables that predictions without group-level effects need, in order of use."""
    from brmsjax.formula.design.newdata import PREDICT_ADDITIONS

    bt = fit.design.state.terms
    names: list[str] = list(bt.nonlinear.covariates) if bt.nonlinear is not None else []
    names += [c for nt in bt.nlf for c in nt.terms.covariates if c not in names]  # nlf()
    for dp in bt.dpars:
        for term in (*dp.fixed.terms, *(dp.cs.terms if dp.cs else ())):
            for n in _term_names(term):
                if n not in names:
                    names.append(n)
        for offset in dp.fixed.offsets:
            _data_names(offset, names)
        for call in dp.fixed.gps:
            for node in gp_nodes(call):
                _data_names(node, names)
        for node in smooth_nodes(dp.fixed):
            _data_names(node, names)
    for add in bt.additions:
        if add.name in PREDICT_ADDITIONS:
            for arg in add.call.args:
                _data_names(arg.value, names)
    return names


def _is_numeric(col: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(col)) and not pd.api.types.is_bool_dtype(col)


def _levels(col: pd.Series) -> list[Any]:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    return sorted(col.dropna().unique().tolist())


def _default_conditions(
    data: pd.DataFrame, variables: Sequence[str], integers: Sequence[str] = ()
) -> dict[str, Any]:
    """Numeric variables at their mean (brms's integer variables, those of ``mo()`` terms, at
    their rounded median), others at their reference (first) level."""
    return {v: _level_or_mean(data[v], v in integers) for v in variables}


def _level_or_mean(col: pd.Series, integer: bool) -> Any:
    if not _is_numeric(col):
        return _levels(col)[0]
    return float(np.round(col.median())) if integer else float(col.mean())


def _integer_variables(fit: FitLike) -> list[str]:
    """brms's ``get_int_vars``: the variables of ``mo()`` terms."""
    from brmsjax.formula.design.special.monotonic import is_mo

    names: list[str] = []
    for dp in fit.design.state.terms.dpars:
        for var in dp.fixed.variables():
            if is_mo(var):
                _data_names(var, names)
    return names


def _grid(col: pd.Series, resolution: int, second: bool, integer: bool = False) -> list[Any]:
    if not _is_numeric(col):
        return _levels(col)
    x = col.to_numpy(dtype=np.float64)
    if integer:  # brms's prepare_cond_data for integer variables
        if second:
            mad = MAD_CONSTANT * float(np.median(np.abs(x - np.median(x))))
            return [float(np.round(k * mad + np.median(x))) for k in (-1, 0, 1)]
        return [float(v) for v in np.arange(np.min(x), np.max(x) + 1)]
    if second:
        m, s = float(np.mean(x)), float(np.std(x, ddof=1))
        return [m - s, m, m + s]
    return list(np.linspace(np.min(x), np.max(x), resolution))


def _labels(conditions: pd.DataFrame) -> list[str]:
    if "cond__" in conditions.columns:
        return [str(v) for v in conditions["cond__"]]
    return [
        " & ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in row.items())
        for _, row in conditions.iterrows()
    ]


@dataclass(frozen=True)
class ConditionalEffects:
    """Conditional effects per effect, as brms's ``brms_conditional_effects``.

    Attributes
    ----------
    effects
        One DataFrame per effect (``"Days"``, ``"x:z"``): the variables, ``cond__`` (1-based
        condition row), ``effect1__`` (``effect2__``), ``estimate__``, ``se__``, ``lower__``,
        ``upper__``.
    cond_labels
        Panel title of each condition row.
    response
        Response name (the y axis label).
    prob
        Mass of the intervals.
    numeric
        Whether each effect's first variable is numeric (lines) or a factor (points).
    spaghetti
        With ``spaghetti=True``: per numeric effect, every draw's curve (``sample__``,
        ``estimate__``), as brms's ``attr(, "spaghetti")``.
    """

    effects: dict[str, pd.DataFrame]
    cond_labels: list[str]
    response: str
    prob: float
    numeric: dict[str, bool] = field(default_factory=dict)
    spaghetti: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, effect: str) -> pd.DataFrame:
        return self.effects[effect]

    def __iter__(self) -> Any:
        return iter(self.effects)

    def __len__(self) -> int:
        return len(self.effects)

    def plot(self) -> list[Figure]:
        """One Figure per effect, one panel per condition row.

        Numeric effects are lines with credible ribbons, factors points with error bars; the
        second variable of an interaction is shown by colour.
        """
        import matplotlib.pyplot as plt

        figures = []
        for effect, table in self.effects.items():
            n = len(self.cond_labels)
            fig, axes = plt.subplots(1, n, figsize=(5 * n, 4), squeeze=False, sharey=True)
            for c, ax in enumerate(axes[0]):
                if effect in self.spaghetti:
                    _spaghetti(ax, self.spaghetti[effect], c + 1)
                _panel(ax, table[table["cond__"] == c + 1], effect, self.numeric[effect])
                if n > 1:
                    ax.set_title(self.cond_labels[c])
                ax.set_xlabel(effect.split(":")[0])
            axes[0, 0].set_ylabel(self.response)
            fig.tight_layout()
            figures.append(fig)
        return figures


def _panel(ax: Any, table: pd.DataFrame, effect: str, numeric: bool) -> None:
    parts = effect.split(":")
    groups: list[tuple[Any, pd.DataFrame]] = (
        [(None, table)] if len(parts) == 1 else list(table.groupby("effect2__", sort=False))
    )
    for k, (level, sub) in enumerate(groups):
        color = _PALETTE[k % len(_PALETTE)]
        label = (
            None
            if level is None
            else (
                f"{parts[1]} = {level:.2f}" if isinstance(level, float) else f"{parts[1]} = {level}"
            )
        )
        est, lo, hi = (
            sub[c].to_numpy(dtype=np.float64) for c in ("estimate__", "lower__", "upper__")
        )
        if numeric:
            x = sub["effect1__"].to_numpy(dtype=np.float64)
            ax.plot(x, est, color=color, label=label)
            ax.fill_between(x, lo, hi, color=color, alpha=0.25, lw=0)
        else:
            pos = np.arange(len(sub)) + 0.1 * (k - (len(groups) - 1) / 2)
            ax.errorbar(
                pos, est, yerr=[est - lo, hi - est], fmt="o", color=color, capsize=3, label=label
            )
            ax.set_xticks(np.arange(len(sub)), [str(v) for v in sub["effect1__"]])
    if len(parts) > 1:
        ax.legend()


def _spaghetti(ax: Any, lines: pd.DataFrame, cond: int) -> None:
    """Every draw's curve as a thin line under the summary."""
    for _, sub in lines[lines["cond__"] == cond].groupby(["sample__", *_second(lines)]):
        x = sub["effect1__"].to_numpy(dtype=np.float64)
        ax.plot(x, sub["estimate__"].to_numpy(dtype=np.float64), color="#b3cde0", lw=0.5)


def _second(table: pd.DataFrame) -> list[str]:
    return ["effect2__"] if "effect2__" in table.columns else []


def conditional_effects(
    fit: FitLike,
    effects: str | Sequence[str] | None = None,
    conditions: pd.DataFrame | None = None,
    *,
    re_formula: Any = np.nan,
    prob: float = 0.95,
    resolution: int = 100,
    robust: bool = True,
    method: str = "posterior_epred",
    categorical: bool = False,
    spaghetti: bool = False,
    ndraws: int | None = None,
    seed: int | None = None,
) -> ConditionalEffects:
    """brms's ``conditional_effects``: expected response along each effect.

    Parameters
    ----------
    fit
        A fit made by :func:`~brmsjax.brm`.
    effects
        ``"x"`` or ``"x:z"``, or a list; default: every main effect and two-way interaction.
    conditions
        One row per set of conditions (panel); columns override the default conditions. A
        ``cond__`` column names the panels.
    re_formula
        Group-level terms to include (brms's default NA: none).
    prob
        Mass of the credible intervals.
    resolution
        Grid points of a numeric effect.
    robust
        Median and MAD (brms's default) instead of mean and SD.
    method
        ``"posterior_epred"`` (expected response, the default), ``"posterior_predict"``
        (predictive draws: wider intervals) or ``"posterior_linpred"`` (link scale).
    categorical
        For ordinal and categorical models: one curve per response category (its
        probability; ``cats__``) instead of the expected category.
    spaghetti
        Keep every draw's curve of numeric effects (``.spaghetti``; drawn as thin lines);
        use with a small ``ndraws``.
    ndraws
        Use this many draws, chosen at random with ``seed`` (default: all).
    seed
        Seed for choosing draws and for ``posterior_predict``.

    Returns
    -------
    ConditionalEffects
        Tables per effect; ``.plot()`` draws them.
    """
    if fit.design is None or fit.data is None:
        raise ConditionalEffectsError("conditional_effects needs the fit's data; refit with brm().")
    if fit.design.mv is not None:
        raise ConditionalEffectsError(
            "conditional_effects() of multivariate models is not supported yet; predict a grid "
            "with posterior_epred(newdata=..., resp=...) instead."
        )
    if not 0 < prob < 1:
        raise ConditionalEffectsError(f"prob must be between 0 and 1, not {prob!r}.")
    check_method_args(fit, method, categorical, ndraws)
    data = fit.data
    known = model_effects(fit)
    if not known:
        raise ConditionalEffectsError(
            "The model has no population-level predictors, so it has no conditional effects."
        )
    chosen = (
        known if effects is None else ([effects] if isinstance(effects, str) else list(effects))
    )
    variables = [v for v in model_variables(fit) if v in data.columns]
    for effect in chosen:
        bad = [v for v in effect.split(":") if v not in variables]
        if bad or len(effect.split(":")) > 2:
            raise ConditionalEffectsError(
                f"'{effect}' is not an effect of the model; use one or two of its predictors "
                f"joined by ':', e.g. {', '.join(repr(k) for k in known[:3])}."
            )
    integers = _integer_variables(fit)
    base = _default_conditions(data, variables, integers)
    empty: dict[str, Any] = {}
    cond = pd.DataFrame([empty]) if conditions is None else conditions.reset_index(drop=True)
    unknown = [c for c in cond.columns if c not in variables and c != "cond__"]
    if unknown:
        raise ConditionalEffectsError(
            f"conditions has column(s) {', '.join(unknown)} that the model's predictors lack; "
            f"use some of: {', '.join(variables)}."
        )
    labels = _labels(cond) if conditions is not None else [""]
    out: dict[str, pd.DataFrame] = {}
    numeric: dict[str, bool] = {}
    lines: dict[str, pd.DataFrame] = {}
    for effect in chosen:
        parts = effect.split(":")
        grids = [
            _grid(data[v], resolution, second=i == 1, integer=v in integers)
            for i, v in enumerate(parts)
        ]
        rows = []
        for c, (_, crow) in enumerate(cond.iterrows()):
            given: dict[str, Any] = {str(k): v for k, v in crow.items() if k != "cond__"}
            setting = {**base, **given}
            for combo in itertools.product(*grids[::-1]):
                values = dict(zip(parts[::-1], combo, strict=True))
                row = {**setting, **values, "cond__": c + 1, "effect1__": values[parts[0]]}
                if len(parts) == 2:
                    row["effect2__"] = values[parts[1]]
                rows.append(row)
        table = pd.DataFrame(rows)
        newdata = table[variables].copy()
        for v in variables:
            if not _is_numeric(data[v]) and isinstance(data[v].dtype, pd.CategoricalDtype):
                newdata[v] = pd.Categorical(
                    newdata[v], categories=data[v].cat.categories, ordered=data[v].cat.ordered
                )
        draws = effect_draws(fit, newdata, method, re_formula=re_formula, ndraws=ndraws, seed=seed)
        key = effect
        if categorical and len(parts) > 1:
            raise ConditionalEffectsError(
                f"categorical = True shows one curve per category, so it takes effects of one "
                f"variable, not '{effect}'."
            )
        if categorical:
            levels = fit.design.response.levels
            cats = list(levels) if levels is not None else list(range(1, draws.shape[-1] + 1))
            key = f"{effect}:cats__"
            table = categorical_rows(table, draws, prob, robust, cats)
        else:
            table[list(SUMMARY_COLUMNS)] = summaries(draws, prob, robust)
        out[key] = table
        numeric[key] = _is_numeric(data[parts[0]])
        if spaghetti and numeric[key] and not categorical:
            lines[key] = spaghetti_rows(table, draws)
    return ConditionalEffects(out, labels, fit.info.response, prob, numeric, lines)
