"""brms's small accessors of a fit: ``nobs``, ``ngrps``, ``rhat``, ``neff_ratio``,
``nuts_params``, ``posterior_interval`` and ``prior_summary``.

Each is brms 2.18's method of the same name:

- ``nobs``: the number of observations the model was fitted to.
- ``ngrps``: the number of levels of each grouping factor, in brms's ID order.
- ``rhat`` and ``neff_ratio``: rstan's classic split R-hat and effective sample size over
  the number of draws of every variable (bayesplot's, from the stanfit).
- ``nuts_params``: bayesplot's long table ``Chain Iteration Parameter Value`` of the sampler
  statistics (``accept_stat__``, ``stepsize__``, ``treedepth__``, ``n_leapfrog__``,
  ``divergent__``, ``energy__``).
- ``posterior_interval``: rstantools' central intervals, columns ``2.5%`` and ``97.5%`` for
  brms's default ``prob = 0.95``.
- ``prior_summary``: the priors the fit used, as ``fit$prior`` holds them (user priors with
  ``source = "user"``, the rest brms's defaults; correlations as ``L`` with
  ``lkj_corr_cholesky``, rows sorted as brms sorts them); ``all=False`` keeps the rows that set
  a prior.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from brmsjax.backend.infer.diagnostics import r_number, rhat_split
from brmsjax.core import FitError, FitLike
from brmsjax.methods.comparison import ess_ratio

__all__ = [
    "neff_ratio",
    "ngrps",
    "nobs",
    "nuts_params",
    "posterior_interval",
    "prior_summary",
    "rhat_values",
]

#: The sampler statistics bayesplot's ``nuts_params`` lists, in rstan's order.
NUTS_PARAMS = (
    "accept_stat__",
    "stepsize__",
    "treedepth__",
    "n_leapfrog__",
    "divergent__",
    "energy__",
)


def nobs(fit: FitLike) -> int:
    """The number of observations the model was fitted to (brms's ``nobs``)."""
    return int(fit.info.nobs)


def ngrps(fit: FitLike) -> dict[str, int]:
    """The number of levels of each grouping factor (brms's ``ngrps``: ``{"Subject": 18}``).

    A factor used by several group terms is listed once, as brms lists it.
    """
    out: dict[str, int] = {}
    for spec in fit.info.groups:
        out.setdefault(spec.group, spec.n_levels)
    return out


def _variables(fit: FitLike, variable: Sequence[str] | str | None) -> list[str]:
    if variable is None:
        return list(fit.store.names)
    names = [variable] if isinstance(variable, str) else list(variable)
    missing = [v for v in names if not fit.store.has(v)]
    if missing:
        raise FitError(f"The fit has no variable {missing[0]!r}; fit.variables() lists the names.")
    return names


def rhat_values(fit: FitLike, variable: Sequence[str] | str | None = None) -> pd.Series:
    """R-hat of each variable as brms's ``rhat`` (bayesplot's of the stanfit): rstan's classic
    split R-hat, not the rank-normalized one of ``summary()``.

    Parameters
    ----------
    variable
        Variable names (``"b_Days"``); None for all.

    Returns
    -------
    pandas.Series
        One value per variable, NaN for constant draws (R's ``NA``).
    """
    names = _variables(fit, variable)
    values = rhat_split(fit.store.array(names))
    return pd.Series(np.asarray(values, dtype=float), index=pd.Index(names), name="rhat")


def neff_ratio(fit: FitLike, variable: Sequence[str] | str | None = None) -> pd.Series:
    """Effective sample size over draws (brms's ``neff_ratio``, bayesplot's of the stanfit).

    rstan's ``n_eff`` is the classic ESS (chains not split, not rank-normalized), which
    :func:`~brmsjax.methods.comparison.ess_ratio` computes as loo's ``ess_rfun``; constant
    draws give NaN.
    """
    names = _variables(fit, variable)
    draws = fit.store.matrix(names)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = ess_ratio(draws, fit.nchains)
    ratio[np.ptp(draws, axis=0) == 0] = np.nan
    return pd.Series(ratio, index=pd.Index(names), name="neff_ratio")


def nuts_params(fit: FitLike) -> pd.DataFrame:
    """The NUTS sampler statistics in bayesplot's long format (brms's ``nuts_params``).

    Returns
    -------
    pandas.DataFrame
        Columns ``Chain`` and ``Iteration`` (1-based, post-warmup), ``Parameter`` (a
        categorical in rstan's order) and ``Value``; parameter by parameter, then chain by
        chain.

    Raises
    ------
    FitError
        When the fit has no sampler statistics (an approximation, not NUTS).
    """
    present = [p for p in NUTS_PARAMS if fit.store.stat(p) is not None]
    if not present:
        raise FitError(
            "This fit has no NUTS sampler statistics (it was not sampled with NUTS); "
            "nuts_params() needs algorithm='sampling'."
        )
    per_chain = fit.ndraws // fit.nchains
    chain = np.repeat(np.arange(1, fit.nchains + 1), per_chain)
    iteration = np.tile(np.arange(1, per_chain + 1), fit.nchains)
    frames = []
    for p in present:
        values = np.asarray(fit.store.stat(p), dtype=float)
        frames.append(
            pd.DataFrame({"Chain": chain, "Iteration": iteration, "Parameter": p, "Value": values})
        )
    out = pd.concat(frames, ignore_index=True)
    out["Parameter"] = pd.Categorical(out["Parameter"], categories=present)
    return out


def posterior_interval(
    fit: FitLike, prob: float = 0.95, variable: Sequence[str] | str | None = None
) -> pd.DataFrame:
    """Central posterior intervals (brms's ``posterior_interval``, rstantools' columns).

    Parameters
    ----------
    prob
        The interval's probability mass, in (0, 1): 0.9 gives columns ``5%`` and ``95%``.
    variable
        Variable names; None for all.

    Returns
    -------
    pandas.DataFrame
        One row per variable; R's type 7 quantiles (numpy's default).
    """
    if not isinstance(prob, int | float) or not 0 < prob < 1:
        raise FitError(f"prob must be a single number in (0, 1), not {prob!r}.")
    names = _variables(fit, variable)
    lo, hi = (1 - prob) / 2, (1 + prob) / 2
    draws = fit.store.matrix(names)
    values = np.nanquantile(draws, [lo, hi], axis=0).T
    columns = [f"{r_number(100 * lo)}%", f"{r_number(100 * hi)}%"]
    return pd.DataFrame(values, index=pd.Index(names), columns=columns)


def prior_summary(fit: FitLike, all: bool = True) -> pd.DataFrame:  # noqa: A002 (brms's name)
    """The priors the fit used (brms's ``prior_summary``, the table ``fit$prior`` holds).

    Parameters
    ----------
    all
        All rows, as ``get_prior`` lists them (rows that inherit their class's prior have an
        empty ``prior``); False keeps only the rows that set a prior.

    Returns
    -------
    pandas.DataFrame
        Columns ``prior class coef group resp dpar nlpar lb ub source``.

    Raises
    ------
    FitError
        When the fit holds no design (a fit rebuilt from draws alone).
    """
    from brmsjax.backend.families.compositional.logistic_normal import family_for_design
    from brmsjax.backend.priors.resolve import prior_table

    if fit.design is None or "family" not in fit.brm_args:
        raise FitError("prior_summary() needs the fit's design; refit the model with brm().")
    user = fit.brm_args.get("prior")
    if isinstance(user, str):
        from brmsjax.rcode.rpriors import priors_from_r

        user = priors_from_r(user)
    if fit.design.mv is not None:  # a multivariate model: rows per response (resp column)
        from brmsjax.backend.families.mv import mv_family
        from brmsjax.backend.priors.mv import mv_prior_table

        mv = fit.design.mv
        table = mv_prior_table(fit.design, mv_family(mv.responses, mv.families, mv.rescor), user)
    else:
        family = family_for_design(fit.brm_args["family"], fit.design)  # sigma<cat>
        table = prior_table(fit.design, family, user)
    # brms's validate_prior: correlation classes as the Stan parameters (cor -> L, lkj(1) ->
    # lkj_corr_cholesky(1)), rows ordered by class, group, resp, dpar, nlpar, coef (R's
    # order() in a user's locale: case-insensitive)
    table["class"] = [_CHOLESKY_CLASS.get(c, c) for c in table["class"]]
    table["prior"] = [_cholesky_prior(p) for p in table["prior"]]
    keys = ["class", "group", "resp", "dpar", "nlpar", "coef"]
    order = sorted(
        range(len(table)),
        key=lambda i: [(str(table[k].iloc[i]).casefold(), str(table[k].iloc[i])) for k in keys],
    )
    table = table.iloc[order].reset_index(drop=True)
    if not all:
        table = table[table["prior"] != ""].reset_index(drop=True)
    return table


#: brms's renaming of correlation classes in a fit's priors (``validate_prior``).
_CHOLESKY_CLASS = {"cor": "L", "rescor": "Lrescor", "corme": "Lme", "lncor": "Llncor"}


def _cholesky_prior(prior: str) -> str:
    """``lkj(eta)`` and ``lkj_corr(eta)`` as the Cholesky factor's ``lkj_corr_cholesky(eta)``."""
    for name in ("lkj(", "lkj_corr("):
        if prior.startswith(name):
            return "lkj_corr_cholesky(" + prior[len(name) :]
    return prior
