"""Posterior summaries and brms 2.18's printed summary layout.

Two layers: array summaries (:func:`posterior_table`, over
:func:`~brmsjax.backend.summaries.summarise_draws`) that give the ``Estimate Est.Error Q2.5
Q97.5`` columns of brms's ``posterior_summary``, and the
:class:`Summary` object returned by ``BrmsFit.summary()``, whose ``str()`` reproduces
``print.brmssummary`` of brms 2.18 character for character: the header lines written with R's
``cat()`` (hence their trailing spaces), each table printed by brms's ``print_format`` (values
formatted with ``sprintf("%.2f")``, ESS with ``"%.0f"``, ``NA`` for missing) through R's
character-matrix printer (right-aligned columns one space apart, left-aligned row names, columns
wrapped into blocks when a line would reach R's default width of 80).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from brmsjax.backend.infer.diagnostics import (
    ess_bulk,
    ess_tail,
    r_number,
    rhat,
    rhat_one_chain,
    sampler_warnings,
)
from brmsjax.backend.summaries import summarise_draws
from brmsjax.core import FIXEF_PATTERN, FitInfo, FitLike
from brmsjax.formula.errors import ModelError

if TYPE_CHECKING:  # xarray is imported on first use (not when a fit starts)
    import xarray as xr

#: brms's autocorrelation parameters ("Correlation Structures" of the summary; sar(), car()).
AUTOCOR_PATTERN = re.compile(
    r"^((ar|ma)\[\d+\]|sderr|cosy|lagsar|errorsar|(car|rhocar|sdcar)(_\w+)?)$"
)
# Columns printed without decimals (brms's print_format ``no_digits``).
NO_DIGITS = ("Bulk_ESS", "Tail_ESS")
FOOTER = (
    "For each parameter, Bulk_ESS\n"
    "and Tail_ESS are effective sample size measures, and Rhat is the potential\n"
    "scale reduction factor on split chains (at convergence, Rhat = 1)."
)


def check_probs(probs: Sequence[float]) -> tuple[float, ...]:
    """Validate quantile probabilities (each in [0, 1]) and return them as floats."""
    try:
        out = tuple(float(p) for p in probs)
    except (TypeError, ValueError):
        raise ModelError(f"probs must be a sequence of numbers in [0, 1]; got {probs!r}.") from None
    if not out or any(not 0.0 <= p <= 1.0 for p in out):
        raise ModelError(f"probs must be numbers in [0, 1]; got {list(out)}.")
    return out


def ci_bounds(prob: float) -> tuple[float, float]:
    """Quantiles of a central interval of mass ``prob`` (brms's ``validate_ci_bounds``)."""
    if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0 <= prob <= 1:
        raise ModelError(f"prob must be a single number in [0, 1]; got {prob!r}.")
    lower = (1 - prob) / 2
    return lower, 1 - lower


def quantile_names(probs: Sequence[float]) -> list[str]:
    """Column names of quantiles as brms writes them (``Q2.5``, ``Q97.5``)."""
    return [f"Q{r_number(p * 100)}" for p in probs]


def stat_names(probs: Sequence[float]) -> list[str]:
    """The columns of a posterior summary: ``Estimate``, ``Est.Error`` and the quantiles."""
    return ["Estimate", "Est.Error", *quantile_names(probs)]


def posterior_table(
    draws: np.ndarray, names: Sequence[str], probs: Sequence[float], robust: bool = False
) -> pd.DataFrame:
    """brms's ``posterior_summary`` of a ``(draw, var)`` matrix, one row per variable."""
    values = summarise_draws(draws, probs, robust, skipna=True).reshape(len(names), -1)
    return pd.DataFrame(values, index=pd.Index(list(names)), columns=stat_names(probs))


def summary_table(
    x: np.ndarray, names: Sequence[str], prob: float, robust: bool = False
) -> pd.DataFrame:
    """The summary columns of brms for ``(chain, draw, var)`` draws.

    Columns are ``Estimate Est.Error l-95% CI u-95% CI Rhat Bulk_ESS Tail_ESS`` (the interval
    labels follow ``prob``); R-hat is ArviZ's computed in NumPy, ESS comes from ArviZ.
    """
    arr = np.asarray(x, dtype=np.float64)
    lo, hi = ci_bounds(prob)
    flat = arr.reshape(-1, arr.shape[2])
    stats = summarise_draws(flat, (lo, hi), robust, skipna=True)
    width = r_number((hi - lo) * 100)
    cols = ["Estimate", "Est.Error", f"l-{width}% CI", f"u-{width}% CI"]
    table = pd.DataFrame(stats, index=pd.Index(list(names)), columns=cols)
    table["Rhat"] = _rhats(arr)
    table["Bulk_ESS"] = ess_bulk(arr)
    table["Tail_ESS"] = ess_tail(arr)
    return table


def _rhats(arr: np.ndarray) -> np.ndarray:
    """R-hat per variable of ``(chain, draw, var)`` draws, of one chain too."""
    return rhat(arr) if arr.shape[0] > 1 else rhat_one_chain(arr)


def level_array(
    draws: np.ndarray,
    levels: Sequence[str],
    coefs: Sequence[str],
    *,
    summary: bool,
    probs: Sequence[float],
    robust: bool,
) -> xr.DataArray:
    """``(draw, level, coef)`` draws as a DataArray, or their ``(level, stat, coef)`` summary."""
    import xarray as xr

    if not summary:
        return xr.DataArray(
            draws,
            dims=("draw", "level", "coef"),
            coords={"level": list(levels), "coef": list(coefs)},
        )
    stats = summarise_draws(draws, probs, robust, skipna=True).transpose(0, 2, 1)
    return xr.DataArray(
        stats,
        dims=("level", "stat", "coef"),
        coords={"level": list(levels), "stat": stat_names(probs), "coef": list(coefs)},
    )


def matrix_array(
    draws: np.ndarray, names: Sequence[str], *, summary: bool, probs: Sequence[float], robust: bool
) -> xr.DataArray:
    """``(draw, row, col)`` matrices as a DataArray, or their ``(row, stat, col)`` summary."""
    import xarray as xr

    coords = {"row": list(names), "col": list(names)}
    if not summary:
        return xr.DataArray(draws, dims=("draw", "row", "col"), coords=coords)
    stats = summarise_draws(draws, probs, robust, skipna=True).transpose(0, 2, 1)
    return xr.DataArray(
        stats, dims=("row", "stat", "col"), coords={**coords, "stat": stat_names(probs)}
    )


def sd_table(
    draws: np.ndarray, names: Sequence[str], *, summary: bool, probs: Sequence[float], robust: bool
) -> pd.DataFrame:
    """Standard deviations: a summary per coefficient, or the draws."""
    if summary:
        return posterior_table(draws, names, probs, robust)
    return pd.DataFrame(draws, columns=list(names))


def _sprintf(value: float, digits: int) -> str:
    """R's ``sprintf("%.<digits>f", value)``, which prints ``NA`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    return f"{float(value):.{digits}f}"


def format_matrix(
    rownames: Sequence[str],
    colnames: Sequence[str],
    cells: Sequence[Sequence[str]],
    width: int = 80,
) -> str:
    """R's ``print(<character matrix>, quote = FALSE, right = TRUE)``.

    Row names are left-aligned to their widest entry; each column is right-aligned to the wider of
    its label and its cells and preceded by one space. Columns are added to a block while the line
    stays shorter than ``width`` (R's ``printMatrix``), and each block repeats the row names.
    """
    rlabw = max((len(r) for r in rownames), default=0)
    widths = [max([len(c)] + [len(row[j]) for row in cells]) + 1 for j, c in enumerate(colnames)]
    out: list[str] = []
    jmin = 0
    while jmin < len(colnames):
        total = rlabw + widths[jmin]
        jmax = jmin + 1
        while jmax < len(colnames) and total + widths[jmax] < width:
            total += widths[jmax]
            jmax += 1
        block = range(jmin, jmax)
        out.append(" " * rlabw + "".join(colnames[j].rjust(widths[j]) for j in block))
        for name, row in zip(rownames, cells, strict=True):
            out.append(name.ljust(rlabw) + "".join(row[j].rjust(widths[j]) for j in block))
        jmin = jmax
    return "".join(line + "\n" for line in out)


def print_format(table: pd.DataFrame, digits: int = 2, width: int = 80) -> str:
    """brms's ``print_format``: two decimals, ESS as integers, then R's matrix printer."""
    cols = [str(c) for c in table.columns]
    values = table.to_numpy(dtype=np.float64)
    cells = [
        [_sprintf(v, 0 if c in NO_DIGITS else digits) for c, v in zip(cols, row, strict=True)]
        for row in values
    ]
    return format_matrix([str(r) for r in table.index], cols, cells, width=width)


def _formula_lines(text: str) -> str:
    """``print.brmsformula(wsp = 9)``: ``cat(first, "\n")``, then one indented line per
    distributional formula."""
    first, *rest = text.split("\n")
    return f"{first} \n" + "".join(f"{' ' * 9}{line}\n" for line in rest)


def _links_lines(text: str) -> str:
    """``cat(summarise_links(wsp = 9), "\n")``: later lines indented, a space before the end."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(f"{' ' * 9}{line}" for line in rest)]) + " \n"


def _warning_block(messages: Sequence[str]) -> str:
    """Warnings as R shows them at top level after the printed summary."""
    if not messages:
        return ""
    if len(messages) == 1:
        return f"Warning message:\n{messages[0]}\n"
    body = "".join(f"{i}: {m}\n" for i, m in enumerate(messages, start=1))
    return f"Warning messages:\n{body}"


@dataclass(frozen=True, eq=False)
class Summary:
    """A fit's summary; ``str()`` gives brms 2.18's printed layout.

    Attributes
    ----------
    info
        The fit's metadata (formula, family, data, sampler settings).
    fixed
        Population-level effects, rows named without the ``b_`` prefix.
    random
        One table per grouping factor, rows ``sd(...)``, ``cor(...,...)``.
    spec_pars
        Scalar family parameters (``sigma``).
    mo
        The simplexes of ``mo()`` terms (brms's "Simplex Parameters"), rows named without
        the ``simo_`` prefix (``mox1[1]``).
    ngrps
        Number of levels per grouping factor.
    total_ndraws
        Post-warmup draws as brms counts them.
    prob, robust
        The interval mass and whether median/MAD were used.
    warnings
        Convergence and sampler warnings, in brms's words.
    splines
        Standard deviations of the smooths' penalized coefficients, rows ``sds(slstat_1)``
        (brms's Smooth Terms), or None without ``s()`` terms.
    gp
        Gaussian process parameters, rows ``sdgp(gpx)``, ``lscale(gpx)``; None without them.
    cor_pars
        Autocorrelation parameters (``ar[1]``, ``ma[1]``), brms's "Correlation Structures".
    """

    info: FitInfo
    fixed: pd.DataFrame
    random: dict[str, pd.DataFrame]
    spec_pars: pd.DataFrame
    ngrps: dict[str, int]
    total_ndraws: int
    prob: float
    robust: bool
    warnings: tuple[str, ...]
    gp: pd.DataFrame | None = None
    splines: pd.DataFrame | None = None
    cor_pars: pd.DataFrame = field(default_factory=pd.DataFrame)
    mo: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: A multivariate model's residual correlations, rows ``rescor(y1,y2)``.
    rescor: pd.DataFrame = field(default_factory=pd.DataFrame)

    def text(self, digits: int = 2) -> str:
        """The summary as brms prints it, followed by any warnings."""
        info = self.info
        parts = [
            f" Family: {info.family} \n",
            f"  Links: {_links_lines(info.links)}",
            f"Formula: {_formula_lines(info.formula)}",
            f"   Data: {info.data_name} (Number of observations: {info.nobs}) \n",
            f"  Draws: {info.chains} chains, each with iter = {info.iter}; "
            f"warmup = {info.warmup}; thin = {info.thin};\n",
            f"         total post-warmup draws = {self.total_ndraws}\n",
            "\n",
        ]
        if self.splines is not None and len(self.splines):
            parts.extend(["Smooth Terms: \n", print_format(self.splines, digits), "\n"])
        if self.gp is not None and len(self.gp):
            parts.extend(["Gaussian Process Terms: \n", print_format(self.gp, digits), "\n"])
        if len(self.cor_pars):
            parts.extend(["Correlation Structures:\n", print_format(self.cor_pars, digits), "\n"])
        if self.random:
            parts.append("Group-Level Effects: \n")
            for group, table in self.random.items():
                parts.append(f"~{group} (Number of levels: {self.ngrps[group]}) \n")
                parts.append(print_format(table, digits))
                parts.append("\n")
        if len(self.fixed):
            parts.extend(["Population-Level Effects: \n", print_format(self.fixed, digits), "\n"])
        if len(self.mo):
            parts.extend(["Simplex Parameters: \n", print_format(self.mo, digits), "\n"])
        if len(self.spec_pars):
            parts.extend(
                ["Family Specific Parameters: \n", print_format(self.spec_pars, digits), "\n"]
            )
        if len(self.rescor):
            parts.extend(["Residual Correlations: \n", print_format(self.rescor, digits), "\n"])
        parts.append(f"Draws were sampled using {info.algorithm}. ")
        if info.algorithm.split("(")[0] == "sampling":
            parts.append(FOOTER)
        parts.append("\n")
        parts.append(_warning_block(self.warnings))
        return "".join(parts)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()


# -- the fit's summary methods --------------------------------------------------------------


def lncor_rows(full: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """logistic_normal's correlations among the family's parameters, as brms labels them
    (``lncor__p2__p3`` -> ``lncor(p2,p3)``)."""
    lncor = [v for v in names if v.startswith("lncor__")]
    return full.loc[lncor].set_axis(
        [v.replace("__", "(", 1).replace("__", ",") + ")" for v in lncor]
    )


_SECTIONS = ("fixed", "mo", "gp", "spec", "sds", "cor_pars", "rescor")


def _rows(
    fit: FitLike,
) -> tuple[dict[str, list[str]], dict[str, tuple[list[str], list[str]]], list[str]]:
    """:func:`summary`'s variables: per section, per group (with their labels), and all of
    them in the order of the printed tables."""
    info = fit.info
    names = fit.store.names
    random: dict[str, tuple[list[str], list[str]]] = {}
    for g in info.group_names:
        sd = [v for v in names if v.startswith(f"sd_{g}__")]
        cor = [v for v in names if v.startswith(f"cor_{g}__")]
        df = [v for v in names if v == f"df_{g}"]
        labels = ["df"] * len(df) + [f"sd({v[len(g) + 5 :]})" for v in sd]
        labels += ["cor({})".format(v[len(g) + 6 :].replace("__", ",", 1)) for v in cor]
        random[g] = (df + sd + cor, labels)
    sections = {
        "fixed": [v for v in names if FIXEF_PATTERN.match(v)],
        "mo": [v for v in names if v.startswith("simo_")],
        "gp": [v for v in names if v.startswith(("sdgp_", "lscale_"))],
        "spec": [v for v in names if v in set(info.spec_pars)],
        "sds": [v for v in names if v.startswith("sds_")],
        "cor_pars": [v for v in names if AUTOCOR_PATTERN.match(v)],
        "rescor": [v for v in names if v.startswith("rescor__")],
    }
    chosen = [
        *sections["fixed"],
        *sections["mo"],
        *[v for vs, _ in random.values() for v in vs],
        *[v for k in _SECTIONS[2:] for v in sections[k]],
        *[v for v in names if v.startswith("lncor__")],
    ]
    return sections, random, chosen


def _warnings(fit: FitLike, rhats: np.ndarray) -> tuple[str, ...]:
    """The sampler warnings of a fit whose summarised variables have these R-hats."""
    info = fit.info
    # brms warns about R-hat and divergences only for MCMC (algorithm "sampling").
    if not info.algorithm.startswith("sampling"):
        return ()
    divergent, treedepth = fit.store.stat("divergent__"), fit.store.stat("treedepth__")
    return sampler_warnings(rhats, divergent, treedepth, info.adapt_delta, info.max_treedepth)


def fit_warnings(fit: FitLike) -> tuple[str, ...]:
    """``summary(fit).warnings`` without the tables, for ``brm()``'s warnings after sampling.

    Only R-hat is computed (NumPy, :func:`~brmsjax.backend.infer.diagnostics.rhat`), not the
    estimates nor the ESS columns, whose ArviZ import would cost a fit 1.3 CPU s.
    """
    if not fit.info.algorithm.startswith("sampling"):
        return ()
    chosen = _rows(fit)[2]
    return _warnings(fit, _rhats(np.asarray(fit.store.array(chosen), dtype=np.float64)))


def summary(fit: FitLike, prob: float = 0.95, robust: bool = False) -> Summary:
    """brms's ``summary()``: tables of group-level, population-level and family parameters.

    Parameters
    ----------
    prob
        Mass of the central credible intervals (``l-95% CI``, ``u-95% CI``).
    robust
        Median and MAD instead of mean and SD.

    Returns
    -------
    Summary
        Printing it gives brms 2.18's layout; ``.fixed``, ``.random``, ``.spec_pars`` are
        DataFrames.
    """
    info = fit.info
    names = fit.store.names
    sections, random, chosen = _rows(fit)
    fixed, mo, gp, spec, sds, cor_pars, rescor = (sections[k] for k in _SECTIONS)
    full = summary_table(fit.store.array(chosen), chosen, prob, robust)
    warns = _warnings(fit, full["Rhat"].to_numpy())
    fixed_tab = full.loc[fixed].set_axis([FIXEF_PATTERN.sub("", v) for v in fixed])
    tables = {g: full.loc[vs].set_axis(labels) for g, (vs, labels) in random.items()}
    ngrps = {g: info.blocks(g)[0].n_levels for g in info.group_names}
    return Summary(
        info=info,
        fixed=fixed_tab,
        random=tables,
        spec_pars=pd.concat([full.loc[spec], lncor_rows(full, names)]),
        ngrps=ngrps,
        total_ndraws=info.total_ndraws,
        prob=prob,
        robust=robust,
        warnings=warns,
        gp=full.loc[gp].set_axis([v.replace("_", "(", 1) + ")" for v in gp]) if gp else None,
        splines=full.loc[sds].set_axis([f"sds({v[4:]})" for v in sds]) if sds else None,
        cor_pars=full.loc[cor_pars],
        mo=full.loc[mo].set_axis([v[len("simo_") :] for v in mo]),
        rescor=full.loc[rescor].set_axis(
            ["rescor({})".format(v[len("rescor__") :].replace("__", ",")) for v in rescor]
        ),
    )


def posterior_summary(
    fit: FitLike, probs: Sequence[float] = (0.025, 0.975), robust: bool = False
) -> pd.DataFrame:
    """All variables: ``Estimate Est.Error Q2.5 Q97.5`` (median and MAD when robust)."""
    probs = check_probs(probs)
    names = fit.store.names
    return posterior_table(fit.store.matrix(names), names, probs, robust)


def fixef(
    fit: FitLike,
    summary: bool = True,
    robust: bool = False,
    probs: Sequence[float] = (0.025, 0.975),
) -> pd.DataFrame:
    """Population-level effects: a summary per coefficient, or the draws (``summary=False``).

    Returns
    -------
    pandas.DataFrame
        Rows = coefficients (no ``b_``), columns ``Estimate Est.Error Q2.5 Q97.5``; with
        ``summary=False`` one row per draw and one column per coefficient.
    """
    probs = check_probs(probs)
    names = [v for v in fit.store.names if FIXEF_PATTERN.match(v)]
    coefs = [FIXEF_PATTERN.sub("", v) for v in names]
    draws = fit.store.matrix(names)
    if summary:
        return posterior_table(draws, coefs, probs, robust)
    return pd.DataFrame(draws, columns=coefs)
