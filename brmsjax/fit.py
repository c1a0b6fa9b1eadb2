"""The fitted-model object: draws with brms's names, metadata, and brms's extractor methods.

A :class:`BrmsFit` is a thin stateful shell around data that does not depend on how sampling
happened: a draws DataFrame with brms 2.18's variable names (``b_Intercept``,
``sd_Subject__Days``, ``cor_Subject__Intercept__Days``, ``sigma``, ``r_Subject[s308,Days]``,
``lprior``, ``lp__`` and the ``.chain .iteration .draw`` columns of ``posterior::as_draws_df``),
per-draw sampler statistics with Stan's names (``divergent__``, ``treedepth__``), and a frozen
:class:`FitInfo`. Every method is computed from these, so a fit restored by :func:`load` behaves
exactly like the original.

The methods are plain functions of a fit in :mod:`brmsjax.methods` (as brms's S3 methods:
``ranef(fit)`` is ``fit.ranef()``), bound here as class attributes; they take any
:class:`~brmsjax.core.FitLike` and read the draws through its public
:class:`~brmsjax.core.DrawStore`. This module imports them, never the reverse. The core types
(:class:`FitInfo`, the errors) live in :mod:`brmsjax.core` and are re-exported here, where fits
saved by earlier versions name them (:mod:`brmsjax.saved_fits` reads those).
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.core import (
    FIXEF_PATTERN,
    META_COLUMNS,
    DrawStore,
    FitError,
    FitFileError,
    FitInfo,
    group_spec,
)
from brmsjax.fit_files import is_netcdf, read_netcdf, write_netcdf
from brmsjax.formula.design.special.group_by import by_names
from brmsjax.formula.names import b_name
from brmsjax.methods.accessors import (
    neff_ratio,
    ngrps,
    nobs,
    nuts_params,
    posterior_interval,
    prior_summary,
    rhat_values,
)
from brmsjax.methods.arviz_data import to_arviz
from brmsjax.methods.comparison import fit_waic, loo
from brmsjax.methods.conditional_effects import conditional_effects
from brmsjax.methods.group_effects import (
    ETA_MINUS_THRES,
    THRES_MINUS_ETA,
    VarCorr,
    coef,
    ranef,
)
from brmsjax.methods.hypotheses.hypothesis import hypothesis
from brmsjax.methods.hypotheses.prior_draws import prior_draws
from brmsjax.methods.marginal.effects import comparisons, marginal_means, predictions, slopes
from brmsjax.methods.mixture.membership import pp_mixture
from brmsjax.methods.plots import mcmc_plot, plot, pp_check
from brmsjax.methods.ppc.loo_pit import loo_pit
from brmsjax.methods.predictions import (
    fitted,
    log_lik,
    posterior_epred,
    posterior_linpred,
    posterior_predict,
    predict,
    residuals,
)
from brmsjax.methods.r2 import bayes_R2, loo_R2
from brmsjax.methods.refit import update
from brmsjax.methods.smooths.conditional_smooths import conditional_smooths, posterior_smooths
from brmsjax.methods.summary import fixef, posterior_summary, summary
from brmsjax.methods.validation.kfold import kfold
from brmsjax.methods.validation.reloo import loo_moment_match, reloo
from brmsjax.methods.weights import add_criterion
from brmsjax.saved_fits import SavedFitUnpickler

__all__ = [
    "ETA_MINUS_THRES",
    "FIXEF_PATTERN",
    "META_COLUMNS",
    "THRES_MINUS_ETA",
    "BrmsFit",
    "FitError",
    "FitFileError",
    "FitInfo",
    "group_spec",
    "load",
]

_FILE_FORMAT = "brmsjax.BrmsFit"
_FILE_VERSION = 1


class BrmsFit:
    """A fitted brms-style model.

    Parameters
    ----------
    draws
        Post-warmup draws, one column per variable with brms's names, plus ``.chain``,
        ``.iteration`` and ``.draw``. Every chain must have the same number of draws.
    info
        The fit's metadata.
    sampler_stats
        Per-draw NUTS statistics aligned with the rows of ``draws``: ``divergent__`` and
        ``treedepth__`` (Stan's names; optionally ``accept_stat__``, ``stepsize__``,
        ``n_leapfrog__``, ``energy__``), or None.
    design
        The model's design data (kept for prediction; saved with the fit).
    model
        The lowered model (a cache; not saved, rebuilt from the design when needed).
    data
        The data the model was fitted to.
    brm_args
        The arguments of the :func:`~brmsjax.brm` call that made the fit (``formula``,
        ``family``, ``prior``, ``chains``, ``iter``, ...), for ``update()``.
    """

    def __init__(
        self,
        draws: pd.DataFrame,
        info: FitInfo,
        sampler_stats: pd.DataFrame | None = None,
        *,
        design: Any = None,
        model: Any = None,
        data: pd.DataFrame | None = None,
        brm_args: Mapping[str, Any] | None = None,
    ) -> None:
        missing = [c for c in META_COLUMNS if c not in draws.columns]
        if missing:
            raise FitError(f"The draws lack the column(s) {missing}; add them as brms does.")
        order = np.lexsort((draws[".iteration"].to_numpy(), draws[".chain"].to_numpy()))
        names = [str(c) for c in draws.columns if c not in META_COLUMNS]
        frame = draws.iloc[order][[*names, *META_COLUMNS]].reset_index(drop=True)
        counts = frame[".chain"].value_counts()
        if counts.nunique() != 1:
            raise FitError("Every chain must have the same number of draws.")
        self.info = info
        self.sampler_stats: pd.DataFrame | None = None
        if sampler_stats is not None:
            if len(sampler_stats) != len(draws):
                raise FitError("sampler_stats must have one row per draw.")
            self.sampler_stats = sampler_stats.iloc[order].reset_index(drop=True)
        #: The draws by name as arrays (``fit.store.matrix(["b_Days"])``); see DrawStore.
        self.store = DrawStore(frame, int(counts.size), self.sampler_stats)
        self.design: Any = design
        self.model: Any = model
        self.data: pd.DataFrame | None = data
        self.brm_args: dict[str, Any] = dict(brm_args or {})
        #: Criteria stored by :meth:`add_criterion` (brms's ``fit$criteria``); saved with
        #: the fit.
        self.criteria: dict[str, Any] = {}
        #: The file ``brm(file=)`` saved the fit in (brms's ``fit$file``): ``add_criterion``
        #: saves the fit there again when it adds criteria.
        self.file: str | None = None
        expected = [b_name(c) for cs in info.fixed.values() for c in cs]
        expected += [n for b in info.groups for n in by_names(b)[0]]  # gr(by =): per level
        expected += list(info.spec_pars)
        have = set(names)
        # a smooth's unpenalized columns are drawn as bs_ (fixef rows like b_'s)
        absent = [v for v in expected if v not in have and f"bs{v[1:]}" not in have]
        if absent:
            raise FitError(f"The draws lack variables named in the fit info: {absent}.")

    # -- draws ---------------------------------------------------------------------------

    @property
    def nchains(self) -> int:
        """Number of chains."""
        return self.store.nchains

    @property
    def ndraws(self) -> int:
        """Number of post-warmup draws over all chains."""
        return self.store.ndraws

    def variables(self) -> list[str]:
        """Variable names in brms's order (without the ``.chain`` columns)."""
        return list(self.store.names)

    def draws(self) -> pd.DataFrame:
        """A copy of the draws (brms's ``as_draws_df``), sorted by chain and iteration."""
        return self.store.frame.copy()

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return str(self.summary())

    # -- methods: plain functions of a fit (brmsjax.methods), bound as brms's S3 methods -----

    summary = summary
    posterior_summary = posterior_summary
    fixef = fixef
    ranef = ranef
    coef = coef
    VarCorr = VarCorr
    posterior_linpred = posterior_linpred
    posterior_epred = posterior_epred
    posterior_predict = posterior_predict
    fitted = fitted
    predict = predict
    log_lik = log_lik
    pp_mixture = pp_mixture
    residuals = residuals
    loo = loo
    waic = fit_waic
    bayes_R2 = bayes_R2
    loo_R2 = loo_R2
    add_criterion = add_criterion
    kfold = kfold
    reloo = reloo
    loo_moment_match = loo_moment_match
    prior_summary = prior_summary
    posterior_interval = posterior_interval
    nobs = nobs
    ngrps = ngrps
    rhat = rhat_values
    neff_ratio = neff_ratio
    nuts_params = nuts_params
    hypothesis = hypothesis
    prior_draws = prior_draws
    pp_check = pp_check
    loo_pit = loo_pit
    mcmc_plot = mcmc_plot
    plot = plot
    conditional_effects = conditional_effects
    conditional_smooths = conditional_smooths
    posterior_smooths = posterior_smooths
    update = update
    to_arviz = to_arviz
    predictions = predictions
    comparisons = comparisons
    slopes = slopes
    marginal_means = marginal_means

    # -- conversion and storage ----------------------------------------------------------

    # -- level notation (the seed lecture's two-level view) -------------------------------

    def equations(self, labels: Mapping[str, str] | None = None) -> Any:
        """The model in level notation (level-1 and level-2 equations); see ``equations()``."""
        from brmsjax.lecture.equations import equations

        if self.data is None or self.design is None:
            raise FitError("equations() needs the fit's data; refit with brm().")
        formula = self.design.state.terms.source
        return equations(formula, self.data, family=self.info.family, labels=labels)

    def multilevel_table(self, prob: float = 0.9, labels: Mapping[str, str] | None = None) -> Any:
        """The seed lecture's table of gammas, phis, rhos and sigma with ``prob`` intervals."""
        from brmsjax.lecture.multilevel_table import multilevel_table

        return multilevel_table(self.store.frame, self.equations(labels), prob=prob)

    def save(self, path: str | Path, format: str | None = None) -> None:
        """Write the fit to ``path``; load it with :func:`load`.

        Two formats, for two uses:

        - ``"pickle"`` (the default) stores the fit's Python objects as they are. Loading a
          pickle can run code stored in the file, so open only pickles you wrote yourself.
        - ``"netcdf"`` (chosen by a ``.nc`` suffix, or by ``format="netcdf"``) stores only
          data: the draws, sampler statistics and fitted data as arrays and the model's spec
          (formula, family and links, priors, ``brm()``'s arguments, the fit info) as JSON
          text; :func:`load` rebuilds the design from them. Loading it runs no code from the
          file, so netCDF is the format to share fits in and to open from anyone. ArviZ reads
          it too (``arviz.from_netcdf``: ``posterior``, ``sample_stats``); for ArviZ's full
          layout write ``fit.to_arviz().to_netcdf(path)`` instead.

        The lowered model is a cache and is saved in neither format; the criteria of
        :meth:`add_criterion` are saved in both.

        Parameters
        ----------
        path
            The file to write.
        format
            ``"pickle"``, ``"netcdf"``, or None: netCDF for a ``.nc`` suffix, else a pickle.

        Raises
        ------
        FitFileError
            When ``path`` cannot be written (a folder, a missing folder, no permission); the
            message names the path. For netCDF also when the fit holds something the format
            cannot store exactly (a custom family object, a data column of Python objects);
            the message names it and suggests a pickle.
        """
        if format is None:
            format = "netcdf" if Path(path).suffix.lower() == ".nc" else "pickle"
        if format not in ("pickle", "netcdf"):
            raise FitFileError(f"Unknown fit file format {format!r}; use 'pickle' or 'netcdf'.")
        if format == "netcdf":
            write_netcdf(self, path)
            return
        payload = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "draws": self.store.frame,
            "sampler_stats": self.sampler_stats,
            "info": self.info,
            "design": self.design,
            "data": self.data,
            "brm_args": self.brm_args,
            "criteria": self.criteria,
        }
        try:
            with open(path, "wb") as fh:
                pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as err:
            reason = err.strerror or type(err).__name__
            raise FitFileError(f"Cannot save the fit to '{path}': {reason}.") from None


def load(path: str | Path) -> BrmsFit:
    """Read a fit written by :meth:`BrmsFit.save`, in either format (told apart by content).

    A netCDF file (HDF5 or netCDF signature) is read as data only: nothing in it runs, so
    netCDF fits are safe to open from anyone. Anything else is read as a pickle, and
    unpickling runs code stored in the file: load pickles only from yourself (fits you saved).

    Raises
    ------
    FitFileError
        When there is no file at ``path``, or it is not a brmsjax fit, or it was written by
        another file format version.
    """
    p = Path(path)
    if not p.is_file():
        raise FitFileError(f"No saved fit at '{p}'; check the path.")
    if is_netcdf(p):
        parts = read_netcdf(p)
        fit = BrmsFit(
            parts["draws"],
            parts["info"],
            parts["sampler_stats"],
            design=parts["design"],
            data=parts["data"],
            brm_args=parts["brm_args"],
        )
        fit.criteria = parts["criteria"]
        return fit
    try:
        with open(p, "rb") as fh:
            payload = SavedFitUnpickler(fh).load()  # trusted files only, as documented
    except Exception as exc:  # any unpickling failure means "not a fit file"
        raise FitFileError(
            f"'{p}' is not a brmsjax fit file ({type(exc).__name__}); save fits with fit.save()."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != _FILE_FORMAT:
        raise FitFileError(f"'{p}' is not a brmsjax fit file; save fits with fit.save().")
    if payload.get("version") != _FILE_VERSION:
        raise FitFileError(
            f"'{p}' was written by another brmsjax version (file format "
            f"{payload.get('version')}); refit the model with this version."
        )
    fit = BrmsFit(
        payload["draws"],
        payload["info"],
        payload["sampler_stats"],
        design=payload["design"],
        data=payload.get("data"),
        brm_args=payload.get("brm_args"),
    )
    fit.criteria = dict(payload.get("criteria") or {})
    return fit
