"""A fit as ArviZ ``InferenceData``: every group ArviZ's plots and model comparison read.

:func:`to_arviz` (bound as ``BrmsFit.to_arviz``) builds the groups from what the fit already
computes, so ArviZ works on the same numbers as brms's methods: ``az.loo`` on the
``log_likelihood`` group reads the matrix ``fit.loo()`` reads, ``az.plot_ppc`` compares the
``observed_data`` with ``fit.posterior_predict()``'s draws.

Layout (``chain`` and ``draw`` lead every draw variable):

- ``posterior``: every variable under brms 2.18's name (``b_Intercept``, ``sd_Subject__Days``,
  ``cor_Subject__Intercept__Days``, ``sigma``, ``lprior``) except ``lp__``, with one change:
  the group-level effects of each ``r_`` stem are ONE variable, named by that stem
  (``r_Subject``, ``r_g__sigma``), with dims ``(chain, draw, <group>, <stem>_coef)`` where
  ``<stem>`` is the stem without ``r_``: ``r_Subject`` has dims ``(chain, draw, Subject,
  Subject_coef)`` and ``r_Subject.sel(Subject="s308", Subject_coef="Days")`` is brms's
  ``r_Subject[s308,Days]``. The level coordinates are the levels as brms writes them inside
  the brackets; the coefficient coordinates are the coefficients without the dpar prefix (as
  inside the brackets). A (level, coefficient) pair that no block estimates is NaN.
- ``sample_stats``: ``lp`` (Stan's ``lp__``) and the NUTS statistics under ArviZ's names
  (``diverging``, ``tree_depth``, ``acceptance_rate``, ``step_size``, ``n_steps``,
  ``energy``) where the fit has them.
- ``log_likelihood``: ``fit.log_lik()`` (pointwise, weighted as brms), one variable named by
  the response, dims ``(chain, draw, obs_id)``.
- ``posterior_predictive``: ``fit.posterior_predict(seed=seed)``, one draw per posterior draw,
  under the response's name.
- ``observed_data``: the response as the model saw it (rows with NA dropped; a factor
  response as 1-based codes, as the predictions are).
- ``constant_data``: the data columns other than the response on the rows used, numeric
  columns as numbers and the rest as text.
- ``prior``, ``sample_stats_prior``, ``prior_predictive``: only for a fit with
  ``sample_prior="only"``, whose draws come from the prior; its draws then fill these groups
  instead of ``posterior``, ``sample_stats`` and ``posterior_predictive``, and it has no
  ``log_likelihood`` (a LOO of prior draws means nothing). A ``sample_prior="yes"`` fit's
  ``prior_*`` variables (brms's prior draws beside the posterior ones) form the ``prior``
  group under brms's names (``prior_b``, ``prior_sd_Subject``).

``obs_id``'s coordinates are the 0-based indices of the data rows used.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from brmsjax.backend.infer.diagnostics import import_arviz
from brmsjax.core import ARVIZ_STAT_NAMES, FitLike
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.formula.names import level_label, r_prefix
from brmsjax.methods.predictions import log_lik, posterior_predict

__all__ = ["ArvizConversionError", "group_effect_arrays", "to_arviz"]


_OBS = "obs_id"


class ArvizConversionError(BrmsjaxError):
    """A group was asked for that the fit cannot compute (no design or data kept)."""


def group_effect_arrays(
    fit: FitLike,
) -> dict[str, tuple[np.ndarray, tuple[str, str], dict[str, list[str]]]]:
    """The group-level effects as one array per ``r_`` stem.

    Returns
    -------
    dict
        ``stem -> (values, dims, coords)``: ``values`` is ``(chains, draws, levels, coefs)``
        (NaN where no block estimates a pair), ``dims`` the two named dims after ``chain`` and
        ``draw`` (the group, ``<stem without r_>_coef``) and ``coords`` their labels.
    """
    # stem -> (group, {(level, coef): draws column})
    cells: dict[str, tuple[str, dict[tuple[str, str], str]]] = {}
    for g in fit.info.groups:
        for k, (coef, dpar) in enumerate(zip(g.coefs, g.dpars, strict=True)):
            stem = r_prefix(g.group, dpar)
            table = cells.setdefault(stem, (g.group, {}))[1]
            for level in g.levels:
                table[(level_label(level), coef)] = g.r_name(level, k)
    out = {}
    shape = (fit.nchains, -1)
    for stem, (group, table) in cells.items():
        levels = list(dict.fromkeys(level for level, _ in table))
        coefs = list(dict.fromkeys(coef for _, coef in table))
        n = fit.store.frame.shape[0]
        flat = np.full((n, len(levels), len(coefs)), np.nan)
        for (level, coef), column in table.items():
            flat[:, levels.index(level), coefs.index(coef)] = fit.store.frame[column].to_numpy()
        dims = (group, f"{stem[2:]}_coef")
        out[stem] = (
            flat.reshape(*shape, len(levels), len(coefs)),
            dims,
            {dims[0]: levels, dims[1]: coefs},
        )
    return out


def _draw_groups(
    fit: FitLike,
) -> tuple[dict[str, np.ndarray], dict[str, list[str]], dict[str, list[Any]]]:
    """The draw variables (group effects stacked by stem), their dims and their coords."""
    shape = (fit.nchains, -1)
    variables: dict[str, np.ndarray] = {}
    dims: dict[str, list[str]] = {}
    coords: dict[str, list[Any]] = {}
    stacked = group_effect_arrays(fit)
    used = {g.r_name(level, k) for g in fit.info.groups for level in g.levels for k in range(g.M)}
    placed: set[str] = set()
    for name in fit.store.names:
        if name == "lp__":
            continue
        if name in used:
            stem = name.split("[", 1)[0]
            if stem not in placed:  # in the place of the stem's first effect
                values, stem_dims, stem_coords = stacked[stem]
                variables[stem] = values
                dims[stem] = list(stem_dims)
                coords.update(stem_coords)
                placed.add(stem)
            continue
        variables[name] = fit.store.frame[name].to_numpy().reshape(shape)
    return variables, dims, coords


def _sample_stats(fit: FitLike) -> dict[str, np.ndarray]:
    shape = (fit.nchains, -1)
    stats: dict[str, np.ndarray] = {}
    if fit.store.has("lp__"):
        stats["lp"] = fit.store.frame["lp__"].to_numpy().reshape(shape)
    for stan_name, az_name in ARVIZ_STAT_NAMES.items():
        values = fit.store.stat(stan_name)
        if values is not None:
            if stan_name == "divergent__":
                values = values.astype(bool)
            stats[az_name] = values.reshape(shape)
    return stats


def _constant_data(fit: FitLike, response: str, rows: np.ndarray) -> dict[str, np.ndarray]:
    if fit.data is None:
        return {}
    data = fit.data.iloc[rows]
    out: dict[str, np.ndarray] = {}
    for column in data.columns:
        name = str(column)
        if name == response or "/" in name:  # netCDF names cannot hold "/"
            continue
        values = data[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            out[name] = values.to_numpy()
        else:
            out[name] = values.astype(str).to_numpy(dtype=str)
    return out


def _wanted(flag: bool | None, can: bool, what: str) -> bool:
    if flag and not can:
        raise ArvizConversionError(
            f"to_arviz({what}=True) needs the fit's design and data; refit with brm() "
            f"or pass {what}=False."
        )
    return can if flag is None else flag


def to_arviz(
    fit: FitLike,
    log_likelihood: bool | None = None,
    posterior_predictive: bool | None = None,
    seed: int | None = None,
) -> Any:
    """The fit as an ArviZ ``InferenceData`` with brms's names (layout in the module docs).

    Parameters
    ----------
    log_likelihood
        Whether to add the ``log_likelihood`` group (one ``log_lik()`` call, ``draws x rows``
        numbers). None (the default) adds it when the fit kept its design and data (every
        fit from ``brm()`` or ``load()``); False keeps the conversion cheap; True raises when
        the fit cannot compute it.
    posterior_predictive
        As ``log_likelihood``, for the ``posterior_predictive`` group (one
        ``posterior_predict()`` draw per posterior draw).
    seed
        Seed of the posterior predictive draws (``posterior_predict(seed=seed)``).

    Returns
    -------
    arviz.InferenceData
        ``posterior``, ``sample_stats``, and where available ``log_likelihood``,
        ``posterior_predictive``, ``observed_data`` and ``constant_data`` (or the prior
        groups for a ``sample_prior="only"`` fit).

    Raises
    ------
    ArvizConversionError
        When ``log_likelihood`` or ``posterior_predictive`` is True and the fit has no design
        or data to compute them from.
    """
    az = import_arviz()
    variables, dims, coords = _draw_groups(fit)
    stats = _sample_stats(fit) or None
    design = fit.design
    can = design is not None and fit.data is not None
    prior_only = fit.brm_args.get("sample_prior") == "only"
    want_ll = _wanted(log_likelihood, can, "log_likelihood") and not prior_only
    want_pp = _wanted(posterior_predictive, can, "posterior_predictive")
    groups: dict[str, Any] = {}
    if design is not None:
        response = design.response.name
        # the data's order (an ARMA design's rows are in series order; predictions are not)
        order = np.argsort(np.asarray(design.rows), kind="stable")
        rows = np.asarray(design.rows)[order]
        coords[_OBS] = rows.tolist()
        dims[response] = [_OBS]
        groups["observed_data"] = {response: np.asarray(design.response.y)[order]}
        constant = _constant_data(fit, response, rows)
        if constant:
            groups["constant_data"] = constant
            dims.update({name: [_OBS] for name in constant})
        shape = (fit.nchains, -1, len(rows))
        if want_ll:
            groups["log_likelihood"] = {response: log_lik(fit).reshape(shape)}
        if want_pp:
            predicted = posterior_predict(fit, seed=seed).reshape(shape)
            key = "prior_predictive" if prior_only else "posterior_predictive"
            groups[key] = {response: predicted}
    if prior_only:
        groups["prior"] = variables
        groups["sample_stats_prior"] = stats
    else:
        drawn = {k: v for k, v in variables.items() if k.startswith("prior_")}
        variables = {k: v for k, v in variables.items() if k not in drawn}
        groups["posterior"] = variables
        groups["sample_stats"] = stats
        if drawn:  # sample_prior = "yes"
            groups["prior"] = drawn
    idata = az.from_dict(**groups, coords=coords, dims=dims)
    # ArviZ < 0.20 sorts a group's variables by name; keep brms's order (b_Intercept first).
    for group in ("prior" if prior_only else "posterior",):
        setattr(idata, group, getattr(idata, group)[list(variables)])
    return idata
