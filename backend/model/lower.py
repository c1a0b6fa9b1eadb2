"""Lowering a :class:`~brmsjax.formula.design.ir.Design` to one NumPyro model per model structure.

:func:`lower` plans the model (which parameter vectors exist, their bounds and prior groups,
which dpars are predicted, scalar or fixed, ordinal thresholds and categorical predictors) and
hands out the shared :class:`~brmsjax.backend.model.program.ModelProgram` of that plan, together
with
this fit's data and prior values.

What chooses code is *structure*: the family, which parameters exist, prior distribution names
and bounds, which elements ``constant()`` priors fix, and shapes. The data (``y``, ``Xc``,
``J_k``, ``Z_k``, ...) and the prior argument values are *arguments* of the model, so one traced
and compiled sampler serves every refit with data of the same shapes or with other prior values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import jax
import numpy as np

from brmsjax.backend.families.mixture import Mixture
from brmsjax.backend.families.mv import MvFamily
from brmsjax.backend.families.registry import Family
from brmsjax.backend.model.arguments import check_family, check_sample_prior
from brmsjax.backend.model.crossed.hybrid import eliminated_id
from brmsjax.backend.model.data_bounds import plan_data_bounds
from brmsjax.backend.model.family_programs import logistic_normal as ln_
from brmsjax.backend.model.family_programs.gev import GevProgram, tmp_name
from brmsjax.backend.model.fixed_terms import Planner, n_thresholds, plan_shrinkage
from brmsjax.backend.model.forms import choose_forms
from brmsjax.backend.model.geometry import centred_coordinates, shear_matrix
from brmsjax.backend.model.mixture import MixtureProgram, plan_mixture
from brmsjax.backend.model.plans import (
    GroupPlan,
    ModelNames,
    Site,
    Structure,
    VectorPlan,
)
from brmsjax.backend.model.prior_values import ParamPriorLike, lkj_args
from brmsjax.backend.model.program import ModelProgram, program, trace_count
from brmsjax.backend.model.terms.arcov import plan_arcov
from brmsjax.backend.model.terms.arma_latent import is_latent, plan_arma
from brmsjax.backend.model.terms.cosy import plan_cosy
from brmsjax.backend.model.terms.cs_groups import cs_dpars
from brmsjax.backend.model.terms.gp import gp_data, gp_plan, marginal_gp, row_basis
from brmsjax.backend.model.terms.latent.measurement import plan_me
from brmsjax.backend.model.terms.latent.missing import missing_names, plan_missing
from brmsjax.backend.model.terms.latent.mv_missing import (
    mi_columns,
    mv_missing_names,
    plan_mv_missing,
)
from brmsjax.backend.model.terms.latent.time_err import plan_time_err
from brmsjax.backend.model.terms.monotonic import group_sp
from brmsjax.backend.model.terms.nlf import nlf_plans, plan_nlf
from brmsjax.backend.model.terms.nonlinear import nonlinear_plan
from brmsjax.backend.model.terms.smooth_terms import plan_smooths, smooth_likelihood
from brmsjax.backend.model.terms.spatial import car_locations, plan_spatial, spatial_scalar
from brmsjax.backend.model.transforms import (
    StanCorrCholeskyTransform,
    lkj_corr_cholesky_lpdf,
)
from brmsjax.backend.priors.nonlinear import check_nlpar_priors
from brmsjax.formula.design.gp import gp_spec
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.special.group_by import ByGroupBlock, by_info, group_dist
from brmsjax.formula.errors import ModelError
from brmsjax.formula.terms.readers.mecor import design_mecor

__all__ = [
    "LoweredModel",
    "ModelProgram",
    "Site",
    "StanCorrCholeskyTransform",
    "lkj_corr_cholesky_lpdf",
    "lower",
    "trace_count",
]

PyTree = Any


@dataclass(frozen=True)
class LoweredModel:
    """A model ready for sampling: a shared program plus this fit's data and prior values.

    Attributes
    ----------
    program
        The structure's :class:`ModelProgram`; ``program.model(data, prior_args)`` is the
        NumPyro model.
    data
        NumPy arrays: ``y``, ``X`` and ``means_X`` per dpar, ``offset``, ``J`` and ``Z`` per
        group ID (keys are the ID as a string), ``addition`` and ``fixed_dpars``.
    prior_args
        NumPy prior argument values by parameter name (``p<i>`` per prior group, ``const``
        for ``constant()`` elements, ``eta`` for LKJ); the model takes them after
        :meth:`ModelProgram.prepare` (see :attr:`model_args`).
    names
        Names for the results layer.
    sample_prior
        ``"no"`` or ``"only"`` (the likelihood is skipped).
    """

    program: ModelProgram
    data: PyTree
    prior_args: PyTree
    names: ModelNames
    sample_prior: str

    @property
    def structure(self) -> Structure:
        """The hashable structure key."""
        return self.program.structure

    @property
    def forms(self) -> dict[str, Any]:
        """The likelihood form and each group's gather (keys ``"likelihood"``, ``"gather"``)."""
        s = self.program.structure
        return {"likelihood": s.likelihood, "gather": {g.id: g.gather for g in s.groups}}

    @property
    def sites(self) -> tuple[Site, ...]:
        """Sampled sites in the order of the flat unconstrained vector."""
        return self.program.sites

    @property
    def model(self) -> Callable[[PyTree, PyTree], None]:
        """The NumPyro model; call it as ``model(*lowered.model_args)``."""
        return self.program.model

    @property
    def model_args(self) -> tuple[PyTree, PyTree]:
        """``(data, prepared prior_args)`` in float64, the arguments of :attr:`model`."""
        from brmsjax.backend.cache import RUN_ONCE_OPTIONS, compiled

        with jax.enable_x64(True):
            args = (self.prior_args,)
            options = RUN_ONCE_OPTIONS if jax.default_backend() == "cpu" else None
            prepare = compiled(
                ("prepare", self.structure, False),
                lambda: jax.jit(self.program.prepare),
                args,
                options,
            )
            prepared = jax.tree.map(np.asarray, prepare(*args))
        return self.data, prepared


def lower(
    design: Design,
    family: Family,
    priors: Mapping[str, ParamPriorLike],
    sample_prior: str = "no",
    *,
    reparam: bool = True,
    centred: int | Sequence[int] | None = None,
    shear_cov: bool | None = None,
    likelihood: str = "auto",
    gather: str = "auto",
    marginalize: bool = True,
) -> LoweredModel:
    """Lower a design, a family and resolved priors to a NumPyro model in brms's parameterization.

    Parameters
    ----------
    design
        Model data from the formula layer.
    family
        Response family; its auxiliary dpars and their bounds come from the family object.
    priors
        Resolved priors by parameter name (``Intercept``, ``b``, ``sigma``, ``sd_1``, ``L_1``,
        ``Intercept_sigma``, ``b_sigma``, ...), one :class:`PriorSpec` per element. A missing
        entry means flat priors; ``constant(v)`` fixes an element to ``v``.
    sample_prior
        ``"no"``, or ``"only"`` to sample from the priors alone.
    reparam
        Sample in coordinates that suit NUTS where that helps, with the model and its
        posterior unchanged: population-level ``b`` in QR coordinates (``FixedPlan.qr``) and
        group-level effects through centred covariates (:meth:`ModelProgram.group_effects`).
    centred
        How many leading coordinates of each group-level term to sample centred
        (``GroupPlan.centred``): one number for every group or one per group; ``0`` is brms's
        non-centred ``z``, ``M`` (or more) fully centred. None chooses per group from how
        informative the data are per level
        (:func:`~brmsjax.backend.model.geometry.centred_coordinates`).
    shear_cov
        Sample ``sd_k`` and ``L_k`` of a sheared correlated term as the Cholesky factor of the
        sheared covariance (``GroupPlan.cov``), where the ``sd_k`` are free with brms's
        ``lb = 0``. The data pin down the covariance of the effects at the covariate means,
        not at zero: in brms's ``(sd, L)`` that is a curved ridge (STAR's ``sd`` of the
        intercept and of ``age`` with their correlation). None: whenever possible.
    likelihood, gather
        The form of the summed log likelihood (``"plain"``, ``"suffstat"``, ``"glm"`` or
        ``"marginal"``) and how the plain form gathers group effects (``"onehot"``,
        ``"sorted"`` or ``"index"``); ``"auto"`` chooses from the model and the data's shapes
        (:mod:`brmsjax.backend.model.forms`). The plain, suffstat and glm forms give the same log
        density; the marginal form (:mod:`brmsjax.backend.model.marginal`) integrates the group
        effects out (same posterior of everything else) and draws them from their exact
        conditional with each saved draw. The choice is in :attr:`LoweredModel.forms`.
    marginalize
        Whether ``likelihood="auto"`` may choose the marginal form (False for samplers that
        need every coordinate in the density: row sharding, mini-batched approximations).

    Returns
    -------
    LoweredModel
        The shared program for this structure with this fit's data and prior values.
    """
    check_sample_prior(sample_prior)
    check_family(design, family)
    if family.kind == "multivariate":  # the joint likelihood has the plain form only
        likelihood, marginalize = "plain", False
    vectors: list[VectorPlan] = []
    prior_args: dict[str, dict[str, np.ndarray]] = {}
    fixed_dpars = {k: float(v) for k, v in design.fixed_dpars.items()}
    data: dict[str, Any] = {
        "y": np.asarray(
            family.response_values(design.response.y, design.response.levels), dtype=float
        ),
        "X": {},
        "means_X": {},
        "offset": {},
        "J": {},
        "Z": {},
        "addition": {k: np.asarray(v) for k, v in design.response.addition.items()},
    }
    if design.nonlinear is not None:  # covariates of a non-linear formula (brms's C_k)
        check_nlpar_priors(design, priors)
        data["C"] = np.asarray(design.nonlinear.C, dtype=float)
    kind = family.kind
    plan = Planner(vectors, prior_args, priors, reparam)
    plan.ordered = bool(getattr(family, "ordered_thresholds", True))
    plan.threshold = str(getattr(family, "threshold", "flexible"))
    fixed, fixed_names = [], []
    for block in design.fixed:
        nthres = n_thresholds(design, block) if kind == "ordinal" and not block.dpar else 0
        fp, fn = plan.fixed_block(block, nthres, data)
        fixed.append(fp)
        fixed_names.append(fn)
    predicted = {b.dpar for b in design.fixed} | {d for g in design.groups for d in g.dpars}
    predicted |= {p.dpar for p in plan_nlf(design, family, priors, data)}  # nlf(sigma ~ ...)
    predicted |= {sm.dpar for sm in design.smooths}
    if kind == "ordinal" and "disc" in family.dpars and "disc" not in predicted:
        fixed_dpars.setdefault("disc", 1.0)
    # Fixed dpars are Stan transformed parameters (``real nu = 4;``), saved with the draws.
    shown = tuple(d for d in family.dpars if d in fixed_dpars)
    data["fixed_dpars"] = {k: np.asarray(v) for k, v in fixed_dpars.items()}
    aux = tuple(d for d in family.dpars if d not in predicted and d not in fixed_dpars)
    thetas: tuple[str, ...] = ()  # a mixture's proportions saved with the draws
    if isinstance(family, Mixture):
        aux, thetas = plan_mixture(
            design,
            family,
            vectors=vectors,
            prior_args=prior_args,
            priors=priors,
            aux=aux,
            predicted=predicted,
            fixed=fixed_dpars,
        )
        shown = tuple(d for d in shown if not d.startswith("theta"))  # data in brms
    for d in aux:
        bounds = family.dpar_bounds.get(d, (None, None))
        if d in family.tmp_dpars:  # brms's tmp_xi, with the prior of class xi
            if d in priors:
                plan.priors = {**plan.priors, tmp_name(d): priors[d]}
            plan.vector(name=tmp_name(d), size=1, scalar=True, natural=bounds)
            continue
        plan.vector(name=d, size=1, scalar=True, natural=bounds)
    plan_data_bounds(vectors, prior_args, family, data["y"])  # ndt < min_Y
    shrink = plan_shrinkage(design, priors, prior_args, aux)
    missing, likelihood = plan_missing(design, plan.vector, data, likelihood)
    me = plan_me(design, plan.vector, data, priors)
    mv_missing = plan_mv_missing(design, plan.vector, data)  # mi() in multivariate models
    marginalize = marginalize and not mv_missing
    mi_cols = mi_columns(design)
    fixed = [replace(fp, mi=mi_cols[fp.dpar]) if fp.dpar in mi_cols else fp for fp in fixed]
    likelihood = "plain" if me[0] and likelihood == "auto" else likelihood
    marginalize = marginalize and not me[0]
    marginalize = marginalize and missing is None
    groups, group_names = [], []
    for g in design.groups:
        nby = len(by_info(g)[1])  # gr(g, by = f): M sd per level of f
        student = group_dist(g) == "student"  # gr(g, dist = "student"): df_k, udf_k
        if student:
            plan.vector(name=f"df_{g.id}", size=1, scalar=True, natural=(1.0, None))
        plan.vector(name=f"sd_{g.id}", size=g.M * max(nby, 1), scalar=False, natural=(0.0, None))
        cor = bool(g.cor and g.M > 1)
        lkj = cor and lkj_args(prior_args, priors, g.id)
        cols: dict[str, list[int]] = {}
        for m, d in enumerate(cs_dpars(g)):  # (cs(1) | g): thresholds' tags
            cols.setdefault(d, []).append(m)
        sp = group_sp(design, g)
        mm = np.ndim(g.J) == 2  # a multi-membership term: J (N, G), Z (N, G, M) weighted
        shear = (
            shear_matrix(g.coefs, cs_dpars(g), np.asarray(g.Z, dtype=float))
            if reparam and not sp and not mm and not nby and not student
            else None
        )
        if shear is not None:
            data.setdefault("shear", {})[str(g.id)] = shear
            data.setdefault("shear_inv", {})[str(g.id)] = np.linalg.inv(shear)
        known = design.data2.lcov if design.data2 is not None else {}
        lcov = g.id in known
        if lcov:  # gr(g, cov = A): brms's Lcov_k, the levels' known covariance
            data.setdefault("Lcov", {})[str(g.id)] = np.asarray(known[g.id])
        if mm or nby or student:  # brms's non-centred z (the centring rule reads one level per row)
            k = 0
        elif centred is None:
            k = centred_coordinates(family, data, g, shear) if reparam and not lcov else 0
        else:
            ids = [h.id for h in design.groups]
            k = centred if isinstance(centred, int) else centred[ids.index(g.id)]
            k = min(max(int(k), 0), g.M)
        sd_plan = next(v for v in vectors if v.name == f"sd_{g.id}")
        cov = (
            shear is not None
            and cor
            and shear_cov is not False
            and not sd_plan.const
            and sd_plan.lb == 0.0
            and sd_plan.ub is None
        )
        groups.append(
            GroupPlan(
                g.id,
                g.M,
                g.n_levels,
                cor,
                lkj,
                tuple((d, tuple(c)) for d, c in cols.items()),
                shear=shear is not None,
                centred=k,
                cov=cov,
                sp=sp,
                lcov=lcov,
                mm=mm,
                nby=nby,
                student=student,
            )
        )
        if isinstance(g, ByGroupBlock) and nby:
            data.setdefault("Jby", {})[str(g.id)] = np.asarray(g.Jby, dtype=np.int32)
        group_names.append(g.spec)
        data["J"][str(g.id)] = np.asarray(g.J, dtype=np.int32)
        data["Z"][str(g.id)] = np.asarray(g.Z, dtype=float)
    smooths = plan_smooths(design, plan.vector, data, family if reparam else None)
    if smooths:  # the other forms' statistics leave the smooths' Zs s out
        likelihood = smooth_likelihood(likelihood)
    gp_marginal = marginal_gp(design, family, fixed_dpars, aux, sample_prior)
    gps = tuple(
        gp_plan(b, marginal=gp_marginal and reparam and likelihood == "auto" and marginalize)
        for b in design.gps
    )
    if gps:
        for b in design.gps:
            s = b.prefix()
            plan.vector(name=f"sdgp{s}", size=b.K, scalar=False, natural=(0.0, None))
            plan.vector(name=f"lscale{s}", size=b.K * b.n_lscale, scalar=False, natural=(0.0, None))
        data["gp"] = {b.prefix(): gp_data(b) for b in design.gps}
        for b, gp in zip(design.gps, gps, strict=True):
            if gp.marginal:
                data["gp"][gp.key]["A"] = row_basis(b, design.N)
        if likelihood not in {"auto", "plain"}:
            raise ModelError(
                f"The {likelihood} likelihood cannot be used with gp() terms; use 'plain'."
            )
        likelihood, marginalize = "plain", False
    arma, likelihood = plan_arma(design, family, plan.vector, data, likelihood)
    latcov, natural, likelihood = plan_time_err(design, family, plan.vector, data, likelihood)
    likelihood = plan_cosy(natural, plan.vector, data, likelihood)  # cosy(): plain form
    arcov, likelihood = plan_arcov(natural, plan.vector, data, likelihood)  # ar(cov = TRUE)
    fcor = design.data2 is not None and design.data2.fcor is not None
    if fcor and design.data2 is not None and design.data2.fcor is not None:
        data["Lfcor"] = np.linalg.cholesky(np.asarray(design.data2.fcor, dtype=float))
        if likelihood not in ("auto", "plain"):
            raise ModelError(f"The {likelihood} likelihood cannot be used with fcor() terms.")
        likelihood, marginalize = "plain", False
    sar, car = plan_spatial(
        design, family, vector=plan.vector, vectors=vectors, prior_args=prior_args, data=data
    )
    if sar or car:  # sar(): one multivariate density; car(): rcar in mu
        if likelihood not in ("auto", "plain"):
            raise ModelError(f"The {likelihood} likelihood cannot be used with sar() or car().")
        likelihood, marginalize = "plain", False
    categories: tuple[str, ...] = ()
    if kind == "categorical":
        categories = tuple(
            d
            for d in dict.fromkeys(
                [b.dpar for b in design.fixed] + [d for g in design.groups for d in g.dpars]
            )
            if d.startswith("mu")
        )
    form, gathers = choose_forms(
        data,
        family,
        fixed,
        groups,
        prior_only=sample_prior == "only",
        likelihood=likelihood,
        gather=gather,
        marginalize=marginalize,
    )
    if form in ("marginal", "hybrid"):  # no coordinates of the integrated-out IDs, none centred
        out = eliminated_id(groups) if form == "hybrid" else None
        groups = [replace(g, centred=0) if out in (None, g.id) else g for g in groups]
    structure = Structure(
        family=repr(family),
        fixed=tuple(fixed),
        groups=tuple(replace(g, gather=h) for g, h in zip(groups, gathers, strict=True)),
        vectors=tuple(vectors),
        aux=aux,
        fixed_dpars=tuple(sorted(fixed_dpars)),
        addition=tuple(sorted(design.response.addition)),
        prior_only=sample_prior == "only",
        categories=categories,
        shown=shown,
        likelihood=form,
        smooths=smooths,
        gps=gps,
        arma=arma,
        nonlinear=nonlinear_plan(design),
        nlf=nlf_plans(design),
        shrink=shrink,
        **rescor_plan(family, priors, prior_args),
        **ln_.lncor_plan(family, priors, prior_args),
        missing=missing,
        me=me,
        fcor=fcor,
        sar=sar,
        car=car,
        cosy=natural.cosy is not None,
        arcov=arcov,
        latcov=latcov,
        mv_missing=mv_missing,
        mecor=design_mecor(design),
    )
    named = tuple(d for d in family.dpars if d in aux or d in shown or d in thetas)
    if any(fp.thresholds and fp.threshold == "equidistant" for fp in fixed):
        named += ("delta",)  # brms's spec_pars: the family's dpars and delta
    names = ModelNames(
        tuple(fixed_names),
        tuple(group_names),
        named,
        smooths=tuple(sm.spec for sm in design.smooths),
        gps=tuple(gp_spec(b) for b in design.gps),
        arma=arcov or (latcov[1:] if latcov else arma),  # ar[1], ma[1] of either formulation
        err=design.N if (design.arma is not None and is_latent(family)) or latcov else 0,
        cosy=design.cosy is not None,
        shrink=tuple((p.kind, p.n_b) for p in shrink),
        rescor=tuple(family.responses) if isinstance(family, MvFamily) and family.rescor else (),
        lncor=ln_.lncor_names(family, design),
        missing=missing_names(design),
        me=tuple(lb for b in design.fixed if b.sp is not None for lb in b.sp.me_labels),
        spatial=tuple(v.name for v in vectors if spatial_scalar(v.name)),
        rcar=car_locations(design),
        tmp_dpars=tuple(d for d in family.tmp_dpars if d in aux),
        mv_missing=mv_missing_names(design),
        mecor=design_mecor(design),
    )
    program_cls: type[ModelProgram] = (
        MixtureProgram if isinstance(family, Mixture) else ModelProgram
    )
    if any(d in aux for d in family.tmp_dpars):  # gen_extreme_value's scaled xi
        program_cls = GevProgram
    program_cls = ln_.program_class(family, design, program_cls)  # logistic_normal's Llncor
    prog = program(structure, family, program_cls)
    return LoweredModel(prog, data, prior_args, names, sample_prior)


def rescor_plan(family: Family, priors: Mapping[str, Any], prior_args: dict[str, Any]) -> dict:
    """The ``Structure`` fields of the residual correlations (none without them): the number
    of responses and whether ``L_rescor`` has an LKJ prior (brms's default ``lkj(1)``)."""
    if not isinstance(family, MvFamily) or not family.rescor:
        return {}
    return {"rescor": family.nresp, "rescor_lkj": lkj_args(prior_args, priors, "rescor")}
