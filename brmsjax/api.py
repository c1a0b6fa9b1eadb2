"""The user API: ``brm``, ``get_prior``, ``make_standata``, ``model_matrix``.

Each function orchestrates the pipeline ``formula -> backend -> results``: it reads the formula
and data into design data (:mod:`brmsjax.formula`), resolves the family and priors, lowers the
model to NumPyro and samples (:mod:`brmsjax.backend`), and wraps the draws in a
:class:`~brmsjax.fit.BrmsFit`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, TypeAlias

import pandas as pd

from brmsjax.backend.diagnostics import SamplerWarning
from brmsjax.backend.families import Family, get_family
from brmsjax.backend.priors import PriorsLike, prior_table, resolve_priors
from brmsjax.fit import BrmsFit, FitInfo, GroupInfo
from brmsjax.formula.brmsterms import BrmsFormula
from brmsjax.formula.design import as_frame, build_design
from brmsjax.formula.design import model_matrix as _model_matrix
from brmsjax.formula.errors import ModelError
from brmsjax.formula.ir import Design
from brmsjax.formula.standata import standata

Data: TypeAlias = pd.DataFrame | Mapping[str, Any]
FormulaLike: TypeAlias = str | BrmsFormula

_CONTROL_KEYS = ("adapt_delta", "max_treedepth")


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ModelError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return value


def check_response(design: Design, family: Family) -> None:
    """Check that the response suits the family (the families issue extends this)."""
    resp = design.response
    if family.name == "gaussian" and resp.levels is not None:
        raise ModelError(
            f"The response '{resp.name}' is not numeric; the gaussian family needs a numeric "
            "response. Convert it, or choose a family for categories."
        )
    if design.N < 2:
        raise ModelError(
            f"The model has {design.N} usable row; it needs at least 2 rows without missing "
            "values."
        )


def _control(control: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"adapt_delta": 0.8, "max_treedepth": 10}
    for key, value in (control or {}).items():
        if key not in _CONTROL_KEYS:
            raise ModelError(
                f"Unknown control setting '{key}'; brmsjax supports: {', '.join(_CONTROL_KEYS)}."
            )
        out[key] = value
    delta = out["adapt_delta"]
    if isinstance(delta, bool) or not isinstance(delta, int | float) or not 0 < delta < 1:
        raise ModelError(f"control['adapt_delta'] must be between 0 and 1, not {delta!r}.")
    _check_int("control['max_treedepth']", out["max_treedepth"], 1)
    return out


def _formula_text(formula: FormulaLike) -> str:
    return "\n".join(formula.formulas) if isinstance(formula, BrmsFormula) else formula


def _fit_info(design: Design, family: Family, *, formula_lines: tuple[str, ...], data_name: str,
              chains: int, iter: int, warmup: int, thin: int,
              control: Mapping[str, Any]) -> FitInfo:
    fixed = {}
    for block in design.fixed:
        prefix = f"{block.dpar}_" if block.dpar else ""
        fixed[block.dpar] = tuple(f"{prefix}{c}" for c in block.columns)
    groups = tuple(
        GroupInfo(
            group=g.group,
            levels=g.levels,
            coefs=tuple(f"{d}_{c}" if d else c for c, d in zip(g.coefs, g.dpars, strict=True)),
            dpars=g.dpars,
            cor=g.cor and g.M > 1,
            id=g.id,
        )
        for g in design.groups
    )
    predicted = {b.dpar for b in design.fixed}
    spec_pars = tuple(
        d for d in family.dpars if d not in predicted and d not in design.fixed_dpars
    )
    return FitInfo(
        formula="\n".join(formula_lines),
        family=family.name,
        links=family.links_line(),
        response=design.response.name,
        data_name=data_name,
        nobs=design.N,
        chains=chains,
        iter=iter,
        warmup=warmup,
        thin=thin,
        fixed=fixed,
        groups=groups,
        spec_pars=spec_pars,
        max_treedepth=int(control["max_treedepth"]),
        adapt_delta=float(control["adapt_delta"]),
    )


def brm(
    formula: FormulaLike,
    data: Data,
    family: str | Family = "gaussian",
    prior: PriorsLike = None,
    *,
    chains: int = 4,
    iter: int = 2000,
    warmup: int | None = None,
    thin: int = 1,
    cores: int | None = None,
    seed: int | None = None,
    control: Mapping[str, Any] | None = None,
    init: Any = None,
    sample_prior: str = "no",
    float32: bool = False,
    progress: bool | None = None,
    data_name: str = "data",
) -> BrmsFit:
    """Fit a Bayesian multilevel model as brms's ``brm()`` does, sampled with NumPyro NUTS.

    Parameters
    ----------
    formula
        A brms formula: ``"y ~ x + (x | g)"``, ``"bf(y ~ x, sigma ~ x)"`` or :func:`bf`.
    data
        A pandas DataFrame or a dict of columns.
    family
        A family name (``"gaussian"``) or family object.
    prior
        A :func:`prior`, a list of them, or None for brms's defaults.
    chains, iter, warmup, thin
        As brms: ``iter`` counts warmup; ``warmup`` defaults to ``iter // 2``.
    cores
        CPU cores for parallel chains (default: as many as chains, up to the machine's).
    seed
        Random seed (None draws one).
    control
        ``{"adapt_delta": 0.8, "max_treedepth": 10}`` as brms.
    init
        None (uniform on (-2, 2) on the unconstrained scale, as Stan), 0, or a dict.
    sample_prior
        ``"no"`` or ``"only"`` (sample from the priors, ignoring the likelihood).
    float32
        Compute in float32 (float64 is the default).
    progress
        Show a progress bar (default: only for long runs).
    data_name
        Name of the data in the summary header.

    Returns
    -------
    BrmsFit
        Draws with brms's names and brms's methods (``summary``, ``fixef``, ``ranef``, ...).
    """
    from brmsjax.backend.draws import to_draws
    from brmsjax.backend.inference import sample
    from brmsjax.backend.lower import lower

    chains = _check_int("chains", chains, 1)
    iter = _check_int("iter", iter, 2)
    warmup = iter // 2 if warmup is None else _check_int("warmup", warmup, 0)
    if warmup >= iter:
        raise ModelError(f"warmup ({warmup}) must be smaller than iter ({iter}).")
    thin = _check_int("thin", thin, 1)
    if sample_prior not in {"no", "only"}:
        raise ModelError(
            f"sample_prior must be 'no' or 'only', not {sample_prior!r}."
        )
    ctrl = _control(control)
    fam = get_family(family)
    design = build_design(formula, data)
    check_response(design, fam)
    priors = resolve_priors(design, fam, prior)
    lowered = lower(design, fam, priors, sample_prior=sample_prior)
    result = sample(
        lowered, chains=chains, iter=iter, warmup=warmup, thin=thin, cores=cores, seed=seed,
        control=ctrl, init=init, float32=float32, progress=progress,
    )
    draws, stats = to_draws(result, lowered)
    terms = design.state.terms
    info = _fit_info(design, fam, formula_lines=terms.formula_lines, data_name=data_name,
                     chains=chains, iter=iter, warmup=warmup, thin=thin, control=ctrl)
    brm_args = {
        "formula": formula, "family": fam, "prior": prior, "chains": chains, "iter": iter,
        "warmup": warmup, "thin": thin, "cores": cores, "seed": seed, "control": ctrl,
        "init": init, "sample_prior": sample_prior, "float32": float32, "data_name": data_name,
    }
    fit = BrmsFit(draws, info, stats, design=design, model=lowered, data=as_frame(data),
                  brm_args=brm_args)
    for message in fit.summary().warnings:
        warnings.warn(message, SamplerWarning, stacklevel=2)
    return fit


def get_prior(formula: FormulaLike, data: Data, family: str | Family = "gaussian",
              prior: PriorsLike = None) -> pd.DataFrame:
    """brms's ``get_prior()``: the priors of every parameter class, coefficient and group."""
    fam = get_family(family)
    design = build_design(formula, data)
    check_response(design, fam)
    return prior_table(design, fam, prior)


def make_standata(formula: FormulaLike, data: Data, family: str | Family = "gaussian",
                  prior: PriorsLike = None) -> dict[str, Any]:
    """brms's ``make_standata()``: the model's data with brms's field names and order."""
    fam = get_family(family)
    design = build_design(formula, data)
    check_response(design, fam)
    if prior is not None:
        resolve_priors(design, fam, prior)
    return standata(design)


def model_matrix(formula: str, data: Data) -> pd.DataFrame:
    """R's ``model.matrix()``: the population-level design with R's column names."""
    return _model_matrix(formula, data)


__all__ = ["brm", "get_prior", "make_standata", "model_matrix"]
