"""The fitted-model object: draws with brms's names, metadata, and brms's extractor methods.

A :class:`BrmsFit` is a thin stateful shell around data that does not depend on how sampling
happened: a draws DataFrame with brms 2.18's variable names (``b_Intercept``,
``sd_Subject__Days``, ``cor_Subject__Intercept__Days``, ``sigma``, ``r_Subject[s308,Days]``,
``lprior``, ``lp__`` and the ``.chain .iteration .draw`` columns of ``posterior::as_draws_df``),
per-draw sampler statistics with Stan's names (``divergent__``, ``treedepth__``), and a frozen
:class:`FitInfo`. Every method is computed from these, so a fit restored by :func:`load` behaves
exactly like the original. The group-level extractors (``ranef``, ``coef``, ``VarCorr``) live in
:mod:`brmsjax.group_effects`, the other method families in their own mixin modules.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.backend.infer.diagnostics import import_arviz, sampler_warnings
from brmsjax.comparison import ComparisonMethods
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.group_effects import (
    ETA_MINUS_THRES,  # noqa: F401  (re-exported from brmsjax.group_effects)
    THRES_MINUS_ETA,  # noqa: F401  (re-exported from brmsjax.group_effects)
    GroupEffectMethods,
)
from brmsjax.hypothesis import HypothesisMethods
from brmsjax.plots import PlotMethods
from brmsjax.predictions import PredictionMethods
from brmsjax.refit import RefitMethods
from brmsjax.summary import Summary, check_probs, posterior_table, summary_table

META_COLUMNS = (".chain", ".iteration", ".draw")
# Population-level coefficient classes (brms's ``fixef_pars()``): b_, bs_, bcs_, bsp_, bmo_, ...
FIXEF_PATTERN = re.compile(r"^b(|s|cs|sp|mo|me|mi|m)_")
_FILE_FORMAT = "brmsjax.BrmsFit"
_FILE_VERSION = 1


class FitError(BrmsjaxError, ValueError):
    """A fit lacks what a method needs, or its draws do not match its metadata."""


class FitFileError(BrmsjaxError, OSError):
    """A saved fit cannot be read."""


@dataclass(frozen=True)
class GroupInfo:
    """One brms group-level ID block (coefficients sharing a grouping factor and a correlation).

    A grouping factor may have several blocks, e.g. ``(1 | g) + (0 + x | g)``.

    Attributes
    ----------
    group
        Grouping factor as brms names it (``"Subject"``, ``"g1:g2"``).
    levels
        Level labels in index order.
    coefs
        Coefficient names as in ``sd_`` names, with the dpar prefix for non-mu parameters
        (``"Intercept"``, ``"Days"``, ``"sigma_Intercept"``).
    dpars
        Distributional parameter of each coefficient (``""`` for mu), parallel to ``coefs``.
    cor
        Whether the coefficients are correlated (``|``) or independent (``||``).
    id
        brms's 1-based ID number.
    """

    group: str
    levels: tuple[str, ...]
    coefs: tuple[str, ...]
    dpars: tuple[str, ...] = ()
    cor: bool = True
    id: int = 1

    def __post_init__(self) -> None:
        if not self.dpars:
            object.__setattr__(self, "dpars", ("",) * len(self.coefs))
        if len(self.dpars) != len(self.coefs):
            raise ValueError("GroupInfo.dpars must be parallel to GroupInfo.coefs")

    @property
    def n_levels(self) -> int:
        """Number of levels."""
        return len(self.levels)

    def r_name(self, level: str, k: int) -> str:
        """brms's name of the effect of coefficient ``k`` at ``level`` (``r_g__sigma[a,x]``)."""
        dpar = self.dpars[k]
        coef = self.coefs[k][len(dpar) + 1 :] if dpar else self.coefs[k]
        label = re.sub(r"\s", ".", level)
        return f"r_{self.group}{'__' + dpar if dpar else ''}[{label},{coef}]"


@dataclass(frozen=True)
class FitInfo:
    """Everything a fit's methods need besides the draws.

    Attributes
    ----------
    formula
        The formula as brms prints it; a distributional formula has one line per parameter
        (``"y ~ x\\nsigma ~ x"``).
    family
        brms family name (``"gaussian"``).
    links
        The ``Links:`` line (``"mu = identity; sigma = identity"``).
    response
        Response variable name (VarCorr's ``residual__`` row).
    data_name
        Name of the data shown in the summary.
    nobs
        Number of observations used.
    chains, iter, warmup, thin
        Sampler settings as brms reports them (``iter`` includes warmup).
    fixed
        Population-level coefficient names per dpar (``""`` for mu), without ``b_``:
        ``{"": ("Intercept", "Days"), "sigma": ("sigma_Intercept",)}``; ordinal thresholds are
        ``Intercept[1]``, ``Intercept[2]``, ...; categorical blocks ``mu2_Intercept``, ...
    groups
        Group-level ID blocks in brms's ID order.
    spec_pars
        Scalar family parameters, the Family Specific Parameters rows (``("sigma",)``): sampled
        ones and those fixed in the formula (``nu = 4``; an ordinal family's ``disc = 1``),
        which brms saves with the draws.
    algorithm
        Sampler as brms prints it (``"sampling(NUTS)"``).
    max_treedepth, adapt_delta
        NUTS settings, quoted by the sampler warnings.
    """

    formula: str
    family: str
    links: str
    response: str
    data_name: str
    nobs: int
    chains: int
    iter: int
    warmup: int
    thin: int = 1
    fixed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    groups: tuple[GroupInfo, ...] = ()
    spec_pars: tuple[str, ...] = ()
    algorithm: str = "sampling(NUTS)"
    max_treedepth: int = 10
    adapt_delta: float = 0.8

    @property
    def group_names(self) -> tuple[str, ...]:
        """Grouping factors in order of first appearance (one summary table each)."""
        return tuple(dict.fromkeys(g.group for g in self.groups))

    def blocks(self, group: str) -> tuple[GroupInfo, ...]:
        """The ID blocks of one grouping factor."""
        return tuple(g for g in self.groups if g.group == group)

    @property
    def total_ndraws(self) -> int:
        """Post-warmup draws as brms 2.18 counts them: ceiling((iter - warmup) / thin * chains)."""
        return int(np.ceil((self.iter - self.warmup) / self.thin * self.chains))


class BrmsFit(
    GroupEffectMethods,
    PredictionMethods,
    ComparisonMethods,
    HypothesisMethods,
    PlotMethods,
    RefitMethods,
):
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
        self._draws = draws.iloc[order][[*names, *META_COLUMNS]].reset_index(drop=True)
        counts = self._draws[".chain"].value_counts()
        if counts.nunique() != 1:
            raise FitError("Every chain must have the same number of draws.")
        self._nchains = int(counts.size)
        self._names = names
        self.info = info
        self.sampler_stats = None
        if sampler_stats is not None:
            if len(sampler_stats) != len(draws):
                raise FitError("sampler_stats must have one row per draw.")
            self.sampler_stats = sampler_stats.iloc[order].reset_index(drop=True)
        self.design = design
        self.model = model
        self.data = data
        self.brm_args: dict[str, Any] = dict(brm_args or {})
        expected = [f"b_{c}" for cs in info.fixed.values() for c in cs]
        expected += [f"sd_{b.group}__{c}" for b in info.groups for c in b.coefs]
        expected += list(info.spec_pars)
        absent = [v for v in expected if v not in set(names)]
        if absent:
            raise FitError(f"The draws lack variables named in the fit info: {absent}.")

    # -- draws ---------------------------------------------------------------------------

    @property
    def nchains(self) -> int:
        """Number of chains."""
        return self._nchains

    @property
    def ndraws(self) -> int:
        """Number of post-warmup draws over all chains."""
        return len(self._draws)

    def variables(self) -> list[str]:
        """Variable names in brms's order (without the ``.chain`` columns)."""
        return list(self._names)

    def draws(self) -> pd.DataFrame:
        """A copy of the draws (brms's ``as_draws_df``), sorted by chain and iteration."""
        return self._draws.copy()

    def _matrix(self, names: Sequence[str]) -> np.ndarray:
        """``(draw, var)`` float array of the named variables; absent names give NaN."""
        out = np.full((self.ndraws, len(names)), np.nan)
        have = set(self._names)
        idx = [i for i, n in enumerate(names) if n in have]
        if idx:
            out[:, idx] = self._draws[[names[i] for i in idx]].to_numpy(dtype=np.float64)
        return out

    def _array(self, names: Sequence[str]) -> np.ndarray:
        """``(chain, draw, var)`` array of the named variables."""
        return self._matrix(names).reshape(self._nchains, -1, len(names))

    def _stat(self, name: str) -> np.ndarray | None:
        stats = self.sampler_stats
        if stats is None or name not in stats.columns:
            return None
        return stats[name].to_numpy()

    # -- summary -------------------------------------------------------------------------

    def summary(self, prob: float = 0.95, robust: bool = False) -> Summary:
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
        info = self.info
        names = self._names
        fixed = [v for v in names if FIXEF_PATTERN.match(v)]
        spec = [v for v in names if v in set(info.spec_pars)]
        random: dict[str, tuple[list[str], list[str]]] = {}
        for g in info.group_names:
            sd = [v for v in names if v.startswith(f"sd_{g}__")]
            cor = [v for v in names if v.startswith(f"cor_{g}__")]
            df = [v for v in names if v == f"df_{g}"]
            labels = ["df"] * len(df) + [f"sd({v[len(g) + 5 :]})" for v in sd]
            labels += ["cor({})".format(v[len(g) + 6 :].replace("__", ",", 1)) for v in cor]
            random[g] = (df + sd + cor, labels)
        chosen = [*fixed, *[v for vs, _ in random.values() for v in vs], *spec]
        full = summary_table(self._array(chosen), chosen, prob, robust)
        # brms warns about R-hat and divergences only for MCMC (algorithm "sampling").
        warns = (
            sampler_warnings(
                full["Rhat"].to_numpy(),
                self._stat("divergent__"),
                self._stat("treedepth__"),
                info.adapt_delta,
                info.max_treedepth,
            )
            if info.algorithm.startswith("sampling")
            else ()
        )
        fixed_tab = full.loc[fixed].set_axis([FIXEF_PATTERN.sub("", v) for v in fixed])
        tables = {g: full.loc[vs].set_axis(labels) for g, (vs, labels) in random.items()}
        ngrps = {g: info.blocks(g)[0].n_levels for g in info.group_names}
        return Summary(
            info=info,
            fixed=fixed_tab,
            random=tables,
            spec_pars=full.loc[spec],
            ngrps=ngrps,
            total_ndraws=info.total_ndraws,
            prob=prob,
            robust=robust,
            warnings=warns,
        )

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return str(self.summary())

    # -- extractors ----------------------------------------------------------------------

    def posterior_summary(
        self, probs: Sequence[float] = (0.025, 0.975), robust: bool = False
    ) -> pd.DataFrame:
        """All variables: ``Estimate Est.Error Q2.5 Q97.5`` (median and MAD when robust)."""
        probs = check_probs(probs)
        return posterior_table(self._matrix(self._names), self._names, probs, robust)

    def _fixef_names(self) -> list[str]:
        return [v for v in self._names if FIXEF_PATTERN.match(v)]

    def fixef(
        self, summary: bool = True, robust: bool = False, probs: Sequence[float] = (0.025, 0.975)
    ) -> pd.DataFrame:
        """Population-level effects: a summary per coefficient, or the draws (``summary=False``).

        Returns
        -------
        pandas.DataFrame
            Rows = coefficients (no ``b_``), columns ``Estimate Est.Error Q2.5 Q97.5``; with
            ``summary=False`` one row per draw and one column per coefficient.
        """
        probs = check_probs(probs)
        names = self._fixef_names()
        coefs = [FIXEF_PATTERN.sub("", v) for v in names]
        draws = self._matrix(names)
        if summary:
            return posterior_table(draws, coefs, probs, robust)
        return pd.DataFrame(draws, columns=coefs)

    # -- conversion and storage ----------------------------------------------------------

    def to_arviz(self) -> Any:
        """An ArviZ ``InferenceData``: brms-named variables in ``posterior`` (all but ``lp__``),
        ``lp`` and the NUTS statistics (``diverging``, ``tree_depth``, ...) in ``sample_stats``."""
        shape = (self._nchains, -1)
        posterior = {
            n: self._draws[n].to_numpy().reshape(shape) for n in self._names if n != "lp__"
        }
        stats: dict[str, np.ndarray] = {}
        if "lp__" in self._names:
            stats["lp"] = self._draws["lp__"].to_numpy().reshape(shape)
        renames = {
            "divergent__": "diverging",
            "treedepth__": "tree_depth",
            "accept_stat__": "acceptance_rate",
            "stepsize__": "step_size",
            "n_leapfrog__": "n_steps",
            "energy__": "energy",
        }
        for stan_name, az_name in renames.items():
            values = self._stat(stan_name)
            if values is not None:
                if stan_name == "divergent__":
                    values = values.astype(bool)
                stats[az_name] = values.reshape(shape)
        return import_arviz().from_dict(posterior=posterior, sample_stats=stats or None)

    # -- level notation (the seed lecture's two-level view) -------------------------------

    def equations(self, labels: Mapping[str, str] | None = None) -> Any:
        """The model in level notation (level-1 and level-2 equations); see ``equations()``."""
        from brmsjax.equations import equations

        if self.data is None or self.design is None:
            raise FitError("equations() needs the fit's data; refit with brm().")
        formula = self.design.state.terms.source
        return equations(formula, self.data, family=self.info.family, labels=labels)

    def multilevel_table(self, prob: float = 0.9, labels: Mapping[str, str] | None = None) -> Any:
        """The seed lecture's table of gammas, phis, rhos and sigma with ``prob`` intervals."""
        from brmsjax.multilevel_table import multilevel_table

        return multilevel_table(self._draws, self.equations(labels), prob=prob)

    def save(self, path: str | Path) -> None:
        """Write the fit to ``path`` (a pickle; load it with :func:`load`).

        The draws, sampler statistics, metadata and design are saved; the lowered model is a
        cache and is not.
        """
        payload = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "draws": self._draws,
            "sampler_stats": self.sampler_stats,
            "info": self.info,
            "design": self.design,
            "data": self.data,
            "brm_args": self.brm_args,
        }
        with open(path, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)


# Modules that moved since fits were first saved: a pickle names each class by its module.
_MOVED_MODULES = {
    f"brmsjax.backend.{old}": f"brmsjax.backend.{new}"
    for old, new in {
        "family_base": "families.base",
        "family_continuous": "families.continuous",
        "family_discrete": "families.discrete",
        "family_inflated": "families.inflated",
        "family_ordinal": "families.ordinal",
        "families": "families.registry",
        "links": "families.links",
        "priors": "priors.resolve",
        "prior_parse": "priors.parse",
        "prior_rows": "priors.rows",
        "densities": "dists.densities",
        "lower": "model.lower",
        "draws": "infer.draws",
    }.items()
} | {
    f"brmsjax.formula.{old}": f"brmsjax.formula.{new}"
    for old, new in {
        "ast": "syntax.ast",
        "parse": "syntax.parse",
        "deparse": "syntax.deparse",
        "terms": "terms.terms",
        "brmsterms": "terms.brmsterms",
        "update": "terms.update",
        "values": "evaluate.values",
        "variables": "evaluate.state",
        "functions": "evaluate.functions",
        "operators": "evaluate.operators",
        "design": "design.design",
        "matrix": "design.matrix",
        "response": "design.response",
        "newdata": "design.newdata",
        "ir": "design.ir",
        "standata": "design.standata",
    }.items()
}


class _Unpickler(pickle.Unpickler):
    """Reads fits saved before a module move (old module paths mapped to their new homes)."""

    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(_MOVED_MODULES.get(module, module), name)


def load(path: str | Path) -> BrmsFit:
    """Read a fit written by :meth:`BrmsFit.save`.

    The file is a pickle, and unpickling runs code stored in the file: load only files you
    trust (your own fits).
    """
    p = Path(path)
    if not p.is_file():
        raise FitFileError(f"No saved fit at '{p}'; check the path.")
    try:
        with open(p, "rb") as fh:
            payload = _Unpickler(fh).load()  # trusted files only, as documented
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
    return BrmsFit(
        payload["draws"],
        payload["info"],
        payload["sampler_stats"],
        design=payload["design"],
        data=payload.get("data"),
        brm_args=payload.get("brm_args"),
    )
