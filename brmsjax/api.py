"""The user API: ``brm``, ``get_prior``, ``make_standata``, ``model_matrix``.

Each function orchestrates the pipeline ``formula -> backend -> results``: it reads the formula
and data into design data (:mod:`brmsjax.formula`), resolves the family and priors, lowers the
model to NumPyro and samples (:mod:`brmsjax.backend`), and wraps the draws in a
:class:`~brmsjax.fit.BrmsFit`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from brmsjax.backend.families.compositional.logistic_normal import family_for_design
from brmsjax.backend.families.registry import Family, get_family
from brmsjax.backend.infer.diagnostics import SamplerWarning
from brmsjax.backend.model.arguments import check_control, check_int, check_sample_prior
from brmsjax.backend.model.lower import ModelNames
from brmsjax.backend.model.terms.shrinkage import shrink_standata
from brmsjax.backend.priors.monotonic import con_simo
from brmsjax.backend.priors.resolve import PriorsLike, prior_table, resolve_priors
from brmsjax.brm_steps import approximate_draws, frozen_heap, with_prior_draws
from brmsjax.fit import BrmsFit, FitInfo, load
from brmsjax.formula.design.design import as_frame, build_design
from brmsjax.formula.design.design import model_matrix as _model_matrix
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.special.missing import observed
from brmsjax.formula.design.standata import standata
from brmsjax.formula.errors import ModelError
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.formula.terms.mv import MvFormula
from brmsjax.formula.warn import user_stacklevel
from brmsjax.methods.autocor import check_arma_fit, check_sar_fit
from brmsjax.methods.refit import use_brm
from brmsjax.methods.summary import fit_warnings
from brmsjax.mv_api import is_multivariate, mv_design_for, mv_get_prior, mv_make_standata, mv_priors

# A pandas DataFrame, a dict of columns, or any DataFrame narwhals reads (polars, pyarrow, ...).
Data: TypeAlias = pd.DataFrame | Mapping[str, Any] | Any
FormulaLike: TypeAlias = str | BrmsFormula | MvFormula


def check_response(design: Design, family: Family) -> None:
    """Check that the response suits the family and that enough rows are left."""
    resp = design.response
    family.check_response(resp.name, observed(resp.y, design.missing), resp.levels, resp.addition)
    if design.N < 2:
        raise ModelError(
            f"The model has {design.N} usable row; it needs at least 2 rows without missing values."
        )


def design_for(formula: FormulaLike, data: Data, family: Family, data2: Any = None) -> Design:
    """The family-aware design of ``formula`` on ``data``, its response checked."""
    if isinstance(formula, MvFormula):
        raise ModelError("A multivariate formula has one design per response (brmsjax.mv_api).")
    design = build_design(formula, data, family=family, data2=data2)
    check_response(design, family)
    return design


def _formula_text(formula: FormulaLike) -> str:
    if isinstance(formula, MvFormula):
        return str(formula)
    return "\n".join(formula.formulas) if isinstance(formula, BrmsFormula) else formula


def fit_info(
    design: Design,
    family: Family,
    names: ModelNames,
    *,
    formula_lines: tuple[str, ...],
    data_name: str = "data",
    chains: int = 4,
    iter: int = 2000,
    warmup: int = 1000,
    thin: int = 1,
    control: Mapping[str, Any] | None = None,
    algorithm: str = "sampling(NUTS)",
) -> FitInfo:
    """The :class:`FitInfo` of a model: brms's coefficient names, Links line, family parameters.

    Parameters
    ----------
    design, family
        The model's design and family.
    names
        The lowered model's names (``LoweredModel.names``): ordinal thresholds become
        ``Intercept[k]`` rows, and every scalar or fixed family parameter a Family Specific
        Parameters row.
    formula_lines
        The formula as brms prints it, one line per distributional formula.
    data_name, chains, iter, warmup, thin, control
        As given to :func:`brm`.
    algorithm
        The sampler as brms prints it (``"sampling(NUTS)"``, ``"variational(meanfield)"``).
    """
    ctrl = check_control(control)
    fixed = {f.dpar: f.coefs() for f in names.fixed}
    groups = tuple(g.spec for g in design.groups)
    predicted = tuple(
        dict.fromkeys(
            [b.dpar for b in design.fixed if b.dpar]
            + [d for g in design.groups for d in g.dpars if d]
            + [d.dpar for d in design.nlf]  # nlf(sigma ~ ...)
        )
    )
    categories = tuple(d[2:] for d in predicted if family.kind == "categorical" and d[:2] == "mu")
    return FitInfo(
        formula="\n".join(formula_lines),
        family=str(getattr(family, "display", family.name)),  # mixture(gaussian, gaussian)
        links=family.links_line(predicted, categories),
        response=design.response.name,
        data_name=data_name,
        nobs=design.N,
        chains=chains,
        iter=iter,
        warmup=warmup,
        thin=thin,
        fixed=fixed,
        groups=groups,
        spec_pars=names.aux,
        max_treedepth=int(ctrl["max_treedepth"]),
        adapt_delta=float(ctrl["adapt_delta"]),
        algorithm=algorithm,
    )


@frozen_heap
def brm(
    formula: FormulaLike,
    data: Data,
    family: str | Family = "gaussian",
    prior: PriorsLike | str = None,
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
    algorithm: str = "sampling",
    output_samples: int = 1000,
    batch_size: int | None = None,
    eta: float | None = None,
    shard_rows: bool | int = False,
    file: str | Path | None = None,
    file_refit: str = "never",
    data2: Mapping[str, Any] | None = None,
) -> BrmsFit:
    """Fit a Bayesian multilevel model as brms's ``brm()`` does, sampled with NumPyro NUTS.

    Parameters
    ----------
    formula
        A brms formula: ``"y ~ x + (x | g)"``, ``"bf(y ~ x, sigma ~ x)"`` or :func:`bf`.
    data
        A DataFrame (pandas, polars DataFrame or LazyFrame, pyarrow Table) or a dict of
        columns; converted once to pandas, each column keeping its type.
    family
        A family name (``"gaussian"``) or family object.
    prior
        A :func:`prior`, a list of them, R code of brms priors
        (``"c(prior(normal(0, 1), class = b), prior(exponential(1), class = sd))"``), or None
        for brms's defaults.
    chains, iter, warmup, thin
        As brms: ``iter`` counts warmup; ``warmup`` defaults to ``iter // 2``.
    cores
        CPU cores for parallel chains (default: as many as chains, up to the machine's).
        The draws of a seed also depend on this layout: chains that share a core run as one
        vectorized program (``cores=1`` runs all of them so), whose batched arithmetic rounds
        differently from the one-chain program of a chain with a core of its own. The draws
        then differ in the last digits (1e-10), which NUTS's trajectories can grow (1e-5 seen).
        To reproduce draws exactly, fix ``cores`` as well as ``seed``.
    seed
        Random seed (None draws one).
    control
        ``{"adapt_delta": 0.8, "max_treedepth": 10}`` as brms.
    init
        None (uniform on (-2, 2) on the unconstrained scale, as Stan, with mu's ``Intercept``
        and ``sigma`` centred at their priors' location and log scale), 0, or a dict.
    sample_prior
        ``"no"``, ``"yes"`` (also draw from the priors: brms's ``prior_*`` variables, which
        :meth:`~brmsjax.fit.BrmsFit.prior_draws` returns and ``hypothesis()`` uses for
        Savage-Dickey evidence ratios) or ``"only"`` (sample from the priors, ignoring the
        likelihood).
    float32
        Compute in float32 (float64 is the default).
    progress
        Show the progress: a ``Compiling model...`` line, then the sampling bar (its rate and
        ETA count iterations only). None (the default) shows it on a terminal or in a Jupyter
        notebook (tqdm's widget there) once a run takes over 2 seconds.
    data_name
        Name of the data in the summary header.
    algorithm
        ``"sampling"`` (NUTS), or an approximation as brms offers them: ``"meanfield"`` or
        ``"fullrank"`` (variational inference, Stan's ADVI), ``"laplace"`` (normal
        approximation at the posterior mode) or ``"pathfinder"`` (needs ``blackjax``); see
        :mod:`brmsjax.backend.infer.approx`. For these, ``iter`` is the number of optimizer steps
        (brms passes it to ADVI as its maximum), ``warmup``, ``thin``, ``chains``, ``cores``,
        ``control`` and ``init`` are not used, and the fit holds one chain of
        ``output_samples`` draws, summarized as brms summarizes variational fits.
    output_samples
        Draws from an approximation (brms's default 1000).
    batch_size
        Rows per optimizer step of an approximation (mini-batches, the log likelihood scaled
        by ``N / batch_size``); None: all rows up to 100,000 rows, else 10,000.
    eta
        Initial step size of the approximations' optimizer (Adam): 0.01 for meanfield and
        fullrank (in coordinates scaled to the posterior's sd), 0.05 for laplace.
    shard_rows
        Split the data's rows over devices, for data too big for one device: True uses all
        devices, a number that many (host CPU devices, or several GPUs). All chains then
        run vectorized in one program, each device holding every chain and a slice of the
        rows, and ``cores`` is not used; see :mod:`brmsjax.backend.infer.sharding`. The posterior
        is the unsharded fit's; the draws are those of the unsharded sampler of the same per-row
        model up to the rounding of the summed log likelihood (where the unsharded fit
        integrates group effects out, the marginal form, the sharded one samples them). Across
        processes or hosts, after :func:`brmsjax.backend.infer.distributed.initialize`, True
        uses the devices of all processes (docs: "Beyond one machine").

    file
        As brms: a file to save the fit in (:meth:`BrmsFit.save`; ``.nc``, netCDF, is added
        unless the name ends in ``.nc`` or ``.pkl``) and to read it back from instead of
        refitting when it exists.
    file_refit
        When to refit although ``file`` exists: ``"never"`` (brms's default: the saved fit is
        returned without looking at the other arguments), ``"on_change"`` (when the model's data
        (``make_standata``), priors, family or algorithm differ from the saved fit's) or
        ``"always"``.
    data2
        As brms: a dict of named objects that are not columns of ``data``: the known
        covariance of a grouping factor's levels in ``gr(g, cov = A)`` (a DataFrame whose
        index or columns name the levels, as R's row or column names; matched to the levels
        by name).

    Returns
    -------
    BrmsFit
        Draws with brms's names and brms's methods (``summary``, ``fixef``, ``ranef``, ...).
    """
    from brmsjax.backend.infer.approx import check_algorithm
    from brmsjax.backend.infer.draws import to_draws
    from brmsjax.backend.infer.nuts import SamplingInterrupted, sample
    from brmsjax.backend.model.lower import lower

    path = _fit_file(file, file_refit)
    if path is not None and file_refit == "never" and path.is_file():
        return _from_file(path)
    chains = check_int("chains", chains, 1)
    iter = check_int("iter", iter, 2)
    warmup = iter // 2 if warmup is None else check_int("warmup", warmup, 0)
    if warmup >= iter:
        raise ModelError(f"warmup ({warmup}) must be smaller than iter ({iter}).")
    thin = check_int("thin", thin, 1)
    check_sample_prior(sample_prior)
    ctrl = check_control(control)
    check_algorithm(algorithm)
    fam = given = get_family(family)
    data = as_frame(data)
    prior = r_priors(prior)
    priors: Mapping[str, Any]
    if is_multivariate(formula):  # one design per response, joined (brmsjax.mv_api)
        design, fam = mv_design_for(formula, data, fam, data2)
        priors = mv_priors(design, fam, prior)
    else:
        design = design_for(formula, data, fam, data2)
        fam = family_for_design(fam, design)  # logistic_normal's sigma<cat>
        priors = resolve_priors(design, fam, prior)
    if path is not None and file_refit == "on_change" and path.is_file():
        saved = _from_file(path)
        if _same_model(saved, design, fam, prior, algorithm):
            return saved
    check_arma_fit(design, algorithm, batch_size, shard_rows)
    check_sar_fit(design, shard_rows)
    # Row-sharded programs sum per-row log likelihoods: every coordinate in the density.
    marginalize = not shard_rows
    # An approximation depends on its coordinates: it gets brms's non-centred ones.
    centred = None if algorithm == "sampling" else 0
    lowered = lower(
        design, fam, priors, sample_prior=sample_prior, marginalize=marginalize, centred=centred
    )
    if algorithm != "sampling" and lowered.forms["likelihood"] == "glm":
        from brmsjax.backend.infer.approx import BATCH_ROWS, HESSIAN_ROWS

        # The glm form's linear part sums all rows: where an approximation takes batches or
        # a subsample of rows, it gets brms's per-row form.
        if batch_size is not None or len(design.response.y) > min(BATCH_ROWS, HESSIAN_ROWS):
            lowered = lower(
                design,
                fam,
                priors,
                sample_prior=sample_prior,
                marginalize=marginalize,
                likelihood="plain",
                centred=centred,
            )
    if algorithm != "sampling":
        draws, stats, settings = approximate_draws(
            lowered,
            algorithm,
            iter=iter,
            seed=seed,
            output_samples=output_samples,
            batch_size=batch_size,
            eta=eta,
        )
    else:
        try:
            result = sample(
                lowered,
                chains=chains,
                iter=iter,
                warmup=warmup,
                thin=thin,
                cores=cores,
                seed=seed,
                control=ctrl,
                init=init,
                float32=float32,
                progress=progress,
                shard_rows=shard_rows,
            )
        except SamplingInterrupted as stop:
            # Ctrl-C: the one-line message, without the sampler's frames.
            raise stop.with_traceback(None) from None
        draws, stats = to_draws(result, lowered)
        settings = {
            "chains": chains,
            "iter": iter,
            "warmup": warmup,
            "thin": thin,
            "algorithm": "sampling(NUTS)",
        }
    if sample_prior == "yes":
        draws = with_prior_draws(draws, priors, design, fam, seed)
    terms = design.state.terms
    info = fit_info(
        design,
        fam,
        lowered.names,
        formula_lines=terms.formula_lines if design.mv is None else design.mv.formula_lines,
        data_name=data_name,
        control=ctrl,
        **settings,
    )
    brm_args = {
        "formula": formula,
        "family": given,  # a multivariate model's responses' family, as given
        "prior": prior,
        "chains": chains,
        "iter": iter,
        "warmup": warmup,
        "thin": thin,
        "cores": cores,
        "seed": seed,
        "control": ctrl,
        "init": init,
        "sample_prior": sample_prior,
        "float32": float32,
        "data_name": data_name,
        "algorithm": algorithm,
        "output_samples": output_samples,
        "batch_size": batch_size,
        "eta": eta,
        "shard_rows": shard_rows,
    }
    if data2 is not None:
        brm_args["data2"] = data2
    fit = BrmsFit(draws, info, stats, design=design, model=lowered, data=data, brm_args=brm_args)
    for message in fit_warnings(fit):
        warnings.warn(message, SamplerWarning, stacklevel=user_stacklevel())
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fit.file = str(path)
        fit.save(path)
    return fit


def _from_file(path: Path) -> BrmsFit:
    """The fit saved by ``brm(file=)``, remembering its file (brms's ``fit$file``)."""
    fit = load(path)
    fit.file = str(path)
    return fit


_FILE_REFIT = ("never", "always", "on_change")


def _fit_file(file: str | Path | None, file_refit: str) -> Path | None:
    """The path of ``brm(file=)`` with its suffix (brms adds ``.rds``; brmsjax ``.nc``)."""
    if file_refit not in _FILE_REFIT:
        raise ModelError(
            f"file_refit must be one of 'never', 'always', 'on_change', not {file_refit!r}."
        )
    if file is None:
        return None
    if not isinstance(file, str | Path) or not str(file):
        raise ModelError(f"file must be a path (a string), not {file!r}.")
    path = Path(file)
    return path if path.suffix.lower() in (".nc", ".pkl") else Path(f"{path}.nc")


def _same_model(saved: BrmsFit, design: Design, fam: Family, prior: Any, algorithm: str) -> bool:
    """brms's ``brmsfit_needs_refit``, negated: the same data, priors, family and algorithm."""
    old_family = saved.brm_args.get("family")
    if saved.design is None or old_family is None or saved.brm_args.get("algorithm") != algorithm:
        return False
    old_family = family_for_design(old_family, saved.design)  # logistic_normal's sigma<cat>
    if str(old_family) != str(fam) or old_family.name != fam.name:
        return False
    old, new = standata(saved.design, family=old_family), standata(design, family=fam)
    if old.keys() != new.keys() or not all(
        np.array_equal(np.asarray(old[k]), np.asarray(new[k])) for k in old
    ):
        return False
    old_priors = prior_table(saved.design, old_family, r_priors(saved.brm_args.get("prior")))
    return bool(old_priors.equals(prior_table(design, fam, prior)))


def r_priors(prior: PriorsLike | str) -> PriorsLike:
    """Priors as given, or read from R code: ``"c(prior(normal(0, 1), class = b), ...)"``."""
    if isinstance(prior, str):
        from brmsjax.rcode.rpriors import priors_from_r

        return priors_from_r(prior)
    return prior


def get_prior(
    formula: FormulaLike,
    data: Data,
    family: str | Family = "gaussian",
    prior: PriorsLike | str = None,
    data2: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """brms's ``get_prior()``: the priors of every parameter class, coefficient and group."""
    if is_multivariate(formula):
        return mv_get_prior(formula, data, family, r_priors(prior), data2)
    fam = get_family(family)
    design = design_for(formula, data, fam, data2)
    fam = family_for_design(fam, design)  # logistic_normal's sigma<cat>
    return prior_table(design, fam, r_priors(prior))


def make_standata(
    formula: FormulaLike,
    data: Data,
    family: str | Family = "gaussian",
    prior: PriorsLike | str = None,
    data2: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """brms's ``make_standata()``: the model's data with brms's field names and order
    (``data2`` as :func:`brm`'s)."""
    if is_multivariate(formula):
        return mv_make_standata(formula, data, family, data2)
    fam = get_family(family)
    design = design_for(formula, data, fam, data2)
    fam = family_for_design(fam, design)
    if prior is None:
        return standata(design, family=fam)
    resolved = resolve_priors(design, fam, r_priors(prior))
    theta = resolved.get("theta")
    con_theta = None if theta is None else np.array([s.args[0] for s in theta.specs])
    out = standata(design, family=fam, con_simo=con_simo(design, resolved), con_theta=con_theta)
    mu = design.block("")
    n_b = len(mu.slope_columns) if mu is not None else 0
    return shrink_standata(out, resolved, n_b, len(design.response.y))


def model_matrix(formula: str, data: Data) -> pd.DataFrame:
    """R's ``model.matrix()``: the population-level design with R's column names."""
    return _model_matrix(formula, data)


# fit.update() refits with brm(); the fit layer below cannot import it, so it is handed down.
use_brm(brm)

__all__ = ["brm", "get_prior", "make_standata", "model_matrix"]
