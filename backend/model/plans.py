"""The static plan of a model: what :func:`~brmsjax.backend.model.lower.lower` decides.

A :class:`Structure` holds everything about a model that chooses code, not data: its
parameter vectors (:class:`VectorPlan`), population-level blocks (:class:`FixedPlan`),
group-level IDs (:class:`GroupPlan`) and likelihood form. Equal structures share one compiled
:class:`~brmsjax.backend.model.program.ModelProgram`, so these are frozen, hashable dataclasses.
:func:`model_sites` lists the sampled sites a structure implies. :class:`ModelNames` is the
other half of the plan: the design's specs that name the draws, which no code depends on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpyro.distributions import constraints

from brmsjax.backend.model.transforms import Bound, constraint, corr_cholesky
from brmsjax.formula.design.gp import GpSpec
from brmsjax.formula.design.ir import FixedSpec, GroupSpec, SmoothSpec

__all__ = [
    "CarPlans",
    "FixedPlan",
    "GpPlan",
    "GroupPlan",
    "ModelNames",
    "ShrinkPlan",
    "Site",
    "SmoothPlan",
    "Structure",
    "VectorPlan",
    "model_sites",
    "sfx",
    "zgp_site",
]


#: ``car()``'s CAR structures as ``(type, suffix, dpar)``: ``("escar", "", "")`` of mu, or one
#: per mixture component (``"_mu1"``, ``"mu1"``) or response (``"_y"``, ``"y"``).
CarPlans = tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class VectorPlan:
    """One parameter vector: its free and ``constant()`` elements, bounds and prior groups.

    ``priors`` holds ``(dist, element indices)`` for the non-flat free elements, grouped by
    distribution; the argument values of group ``i`` arrive as ``prior_args[name]["p<i>"]``.
    ``ordered`` marks ordinal thresholds (Stan's ``ordered[nthres]``); ``simplex`` a ``mo()``
    simplex (Stan's ``simplex[Jmo]``) with its Dirichlet concentration in ``prior_args[name]
    ["con"]`` (:mod:`brmsjax.backend.model.terms.monotonic`). ``ub_arg``: the upper bound is
    the argument ``prior_args[name]["ub"]`` (brms's ``min_Y``), the site holds the parameter
    scaled to ``(0, 1)`` (:mod:`brmsjax.backend.model.data_bounds`).
    """

    name: str
    size: int
    scalar: bool
    free: tuple[int, ...]
    const: tuple[int, ...]
    lb: Bound
    ub: Bound
    priors: tuple[tuple[str, tuple[int, ...]], ...]
    ordered: bool = False
    simplex: bool = False
    ub_arg: bool = False


@dataclass(frozen=True)
class FixedPlan:
    """Population-level part of one distributional parameter (``""`` is mu).

    ``center`` means a separate (centred) intercept; ``thresholds`` is the number of ordinal
    thresholds of mu (0 otherwise), whose block centres every column. ``qr``: the sampled
    ``b`` site holds ``b~ = R b`` with ``Xc = Q R`` (brms's ``decomp = "QR"``, scaled as brms
    by ``sqrt(N - 1)``), so that correlated predictors do not correlate the sampler's
    coordinates; ``b = R^-1 b~`` is what the priors, the likelihood and the draws see.
    ``qr_prior``: the user's ``decomp = "QR"``, where brms's priors of class b apply to
    ``bQ = b~`` instead (then ``qr`` is set too).
    ``n_cs``: the number of category-specific columns ``Xcs`` of an ordinal mu, whose effects
    ``bcs`` (``n_cs x thresholds``, row by row) are subtracted from each row's thresholds.
    ``threshold``: brms's ordinal threshold type, ``"flexible"``, ``"equidistant"`` (sampled
    ``Intercept`` is brms's ``first_Intercept``, with ``delta``) or ``"sum"`` (``Intercept``
    minus its mean; X uncentred).
    ``sp``: per ``mo()`` term the indices of its simplexes (``bsp<_dpar>``, ``simo<_dpar>_<j>``
    of lengths ``jmo``; :mod:`brmsjax.backend.model.terms.monotonic`); ``owners``: the simplex each
    one is (``mo(x, id = ...)`` shares the first's; 0-based).
    """

    dpar: str
    center: bool
    n_b: int
    offset: bool
    thresholds: int = 0
    qr: bool = False
    qr_prior: bool = False
    n_cs: int = 0
    threshold: str = "flexible"
    sp: tuple[tuple[int, ...], ...] = ()
    jmo: tuple[int, ...] = ()
    owners: tuple[int, ...] = ()
    me: tuple[tuple[int, ...], ...] = ()  # per sp term, its me() variables (columns of Xme)
    #: per sp term, the response columns whose latent values its mi() calls multiply it by
    mi: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class GroupPlan:
    """One group-level ID: ``M`` coefficients on ``n_levels`` levels.

    ``shear``: the sampled ``z_k`` are the standardized effects of the *centred* covariates
    (see :meth:`~brmsjax.backend.model.program.ModelProgram.group_effects`); the model and
    its posterior are unchanged.
    ``centred``: how many leading coordinates (in the order of ``chol(T S S' T')``) the
    ``z_k`` site holds centred, as effects rather than standardized effects; 0 is brms's
    non-centred ``z``, ``M`` is the classic centred parameterization.
    ``gather``: how the plain form takes each row's effects, ``"onehot"``, ``"sorted"`` or
    ``"index"`` (:func:`~brmsjax.backend.model.forms.gather_rows`).
    ``cov``: ``sd_k`` and ``L_k`` are sampled as the Cholesky factor ``C`` of the sheared
    covariance ``T S S' T'`` (site ``C_k``: ``log diag(C)``, then the strictly lower elements
    row by row), with the log Jacobian of ``C -> (sd_k, L_k)`` added
    (:func:`~brmsjax.backend.model.group_terms.cov_params`).
    ``sp``: ``(column, dpar, term)`` of each ``mo()`` coefficient (``r_g[a,mox]``): its column
    of ``Z`` is the dpar's ``mo()`` term ``term`` without ``bsp``
    (:func:`~brmsjax.backend.model.terms.monotonic.term_predictors`), computed per parameter value.
    """

    id: int
    M: int
    n_levels: int
    cor: bool
    lkj: bool
    dpar_cols: tuple[tuple[str, tuple[int, ...]], ...]
    shear: bool = False
    centred: int = 0
    gather: str = "index"
    cov: bool = False
    sp: tuple[tuple[int, str, int], ...] = ()
    lcov: bool = False
    #: A multi-membership term ``mm()``: ``J`` is ``(N, G)`` and ``Z`` ``(N, G, M)`` with the
    #: membership weights multiplied in; each row sums its memberships' contributions.
    mm: bool = False
    #: ``gr(g, by = f)``: the number of levels of ``f`` (0 without ``by``); ``sd_k`` holds
    #: ``M`` values per level of ``f`` and ``L_k`` one factor per level
    #: (:func:`~brmsjax.backend.model.group_terms.group_map`); the data hold ``Jby[k]``.
    nby: int = 0
    #: ``gr(g, dist = "student")``: the effects are scaled per level by ``sqrt(df_k udf_k)``
    #: (site ``udf_k``, ``inv_chi_square(df_k)``; :func:`~.group_terms.student_scale`).
    student: bool = False


@dataclass(frozen=True)
class SmoothPlan:
    """The penalized part of one ``s()`` term (see
    :mod:`~brmsjax.backend.model.terms.smooth_terms`).

    ``key`` names its vectors (``sds_<key>``, site ``zs_<key>``, data ``Zs[key]``); ``knots``
    is the number of columns of each random part, each with its own ``sds`` element.
    ``centred``: the site holds the coefficients ``s`` themselves (prior ``N(0, sds)``) rather
    than brms's standardized ``zs``; the model and its posterior are the same.
    """

    key: str
    dpar: str
    knots: tuple[int, ...]
    centred: bool = False


@dataclass(frozen=True)
class ShrinkPlan:
    """mu's ``b`` under a shrinkage prior (:mod:`~brmsjax.backend.model.terms.shrinkage`): its kind
    (``"horseshoe"``, ``"R2D2"``, ``"lasso"``), ``K`` and whether it scales by ``sigma``."""

    kind: str
    n_b: int
    autoscale: bool = False


@dataclass(frozen=True)
class Site:
    """A sampled site of the NumPyro model with its constrained and unconstrained shapes."""

    name: str
    shape: tuple[int, ...]
    ushape: tuple[int, ...]
    constraint: constraints.Constraint

    @property
    def size(self) -> int:
        """Number of unconstrained coordinates."""
        return int(np.prod(self.ushape, dtype=int))


@dataclass(frozen=True)
class GpPlan:
    """The structure of one GP term (hashable; the data are in ``data["gp"][key]``).

    ``sizes`` are the latent variables per sub-GP: ``NB`` for the approximate GP, else the
    number of points.
    """

    key: str
    dpar: str
    approx: bool
    n_lscale: int
    sizes: tuple[int, ...]
    by: str
    gr: bool
    marginal: bool = False

    @property
    def K(self) -> int:
        """Number of sub-GPs."""
        return len(self.sizes)


def zgp_site(key: str, j: int) -> str:
    """The site of sub-GP ``j``'s (1-based) latent variables."""
    return f"zgp{key}_{j}"


@dataclass(frozen=True)
class Structure:
    """Everything static about a model; equal structures share one compiled program.

    ``categories`` lists the dpars of the non-reference categories of a categorical model
    (``("mu2", "mu3")``); ``shown`` lists fixed dpars saved with the draws (ordinal ``disc``).
    ``likelihood`` is the form of
    :meth:`~brmsjax.backend.model.program.ModelProgram.log_lik`, ``"plain"``, ``"suffstat"``,
    ``"marginal"`` or ``"glm"`` (:mod:`brmsjax.backend.model.forms`). ``arma`` is the AR and MA
    order of an ARMA term of mu (:mod:`brmsjax.backend.model.terms.autocor`), ``(0, 0)`` without.
    """

    family: str
    fixed: tuple[FixedPlan, ...]
    groups: tuple[GroupPlan, ...]
    vectors: tuple[VectorPlan, ...]
    aux: tuple[str, ...]
    fixed_dpars: tuple[str, ...]
    addition: tuple[str, ...]
    prior_only: bool
    categories: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()
    likelihood: str = "plain"
    smooths: tuple[SmoothPlan, ...] = ()
    gps: tuple[GpPlan, ...] = ()
    arma: tuple[int, int] = (0, 0)
    #: mu of a non-linear formula (a ``NonlinearPlan``), None where mu is linear.
    nonlinear: Any = None
    shrink: tuple[ShrinkPlan, ...] = ()  # shrinkage priors on b (horseshoe, R2D2, lasso)
    #: The number of responses whose residuals correlate (site ``L_rescor``), else 0; and
    #: whether ``L_rescor`` has an LKJ prior (``prior_args["L_rescor"]["eta"]``).
    rescor: int = 0
    rescor_lkj: bool = False
    #: logistic_normal's number of log ratios (site ``L_lncor`` where over 1), else 0; and
    #: whether ``L_lncor`` has an LKJ prior (``family_programs.logistic_normal``).
    lncor: int = 0
    lncor_lkj: bool = False
    #: A ``mi()`` response's plan (``terms.latent.missing.MissingPlan``), None without ``mi()``.
    missing: Any = None
    me: tuple[int, int] = (0, 0)  # me() terms: (Mme, N) of the sites zme_1 and Lme_1
    mecor: bool = True  # set_mecor(FALSE): no Lme_1, the latent variables independent
    #: ``fcor(M)``: the likelihood is one multivariate density (:mod:`.terms.fcor`).
    fcor: bool = False
    #: ``sar()``'s type (``"lag"``/``"error"``: one multivariate density; ``""`` without it)
    #: and ``car()``'s structures (:data:`CarPlans`: ``rcar`` in mu; :mod:`.terms.spatial`).
    sar: str = ""
    car: CarPlans = ()
    #: ``cosy()``: one compound symmetry density per series (:mod:`.terms.cosy`).
    cosy: bool = False
    #: ``nlf(sigma ~ ...)``: the non-linearly predicted parameters (:mod:`.terms.nlf`).
    nlf: tuple[Any, ...] = ()
    #: ``ar(cov = TRUE)``: its ``(Kar, Kma)``, one ARMA covariance density per series
    #: (:mod:`.terms.arcov`); None without.
    arcov: tuple[int, int] | None = None
    #: ``ar(cov = TRUE)``/``cosy()`` with latent residuals: ``("arma", Kar, Kma)`` or
    #: ``("cosy", 0, 0)`` (``err`` in mu; :mod:`.terms.latent.time_err`); None without.
    latcov: tuple[str, int, int] | None = None
    #: A multivariate model's ``mi()`` responses (``terms.latent.mv_missing.MvMissingPlan``).
    mv_missing: tuple[Any, ...] = ()


def sfx(dpar: str) -> str:
    """The suffix of a dpar's parameter names: ``""`` for mu, ``"_sigma"`` for sigma."""
    return f"_{dpar}" if dpar else ""


def model_sites(structure: Structure) -> tuple[Site, ...]:
    sites = []
    cov = {f"sd_{g.id}" for g in structure.groups if g.cov}
    for vp in structure.vectors:
        if vp.free and vp.name not in cov:
            shape: tuple[int, ...] = () if vp.scalar else (len(vp.free),)
            con = constraints.ordered_vector if vp.ordered else constraint(vp.lb, vp.ub)
            con = constraints.simplex if vp.simplex else con
            con = constraints.unit_interval if vp.ub_arg else con
            ushape = (vp.size - 1,) if vp.simplex else shape
            sites.append(Site(vp.name, shape, ushape, con))
    # the hybrid form integrates out the ID with the most effects (crossed.hybrid.eliminated_id)
    big = max(structure.groups, key=lambda g: g.n_levels * g.M) if structure.groups else None
    out = big.id if big is not None and structure.likelihood == "hybrid" else None
    for g in structure.groups:
        if structure.likelihood != "marginal" and g.id != out:  # integrated out: no z
            sites.append(Site(f"z_{g.id}", (g.M, g.n_levels), (g.M, g.n_levels), constraints.real))
        if g.student and structure.likelihood != "marginal":  # brms's udf_k per level
            sites.append(Site(f"udf_{g.id}", (g.n_levels,), (g.n_levels,), constraints.positive))
        if g.cov:
            nc = g.M * (g.M + 1) // 2
            sites.append(Site(f"C_{g.id}", (nc,), (nc,), constraints.real))
        elif g.cor and g.nby:  # gr(g, by = f): one correlation factor per level of f
            nc = g.M * (g.M - 1) // 2
            sites.append(Site(f"L_{g.id}", (g.nby, g.M, g.M), (g.nby, nc), corr_cholesky))
        elif g.cor:
            nc = g.M * (g.M - 1) // 2
            sites.append(Site(f"L_{g.id}", (g.M, g.M), (nc,), corr_cholesky))
    if structure.rescor:  # brms's cholesky_factor_corr[nresp] Lrescor
        R = structure.rescor
        sites.append(Site("L_rescor", (R, R), (R * (R - 1) // 2,), corr_cholesky))
    for sm in structure.smooths:
        size = sum(sm.knots)
        sites.append(Site(f"zs_{sm.key}", (size,), (size,), constraints.real))
    for gp in structure.gps:
        if gp.marginal:  # integrated out
            continue
        for j, size in enumerate(gp.sizes, 1):
            sites.append(Site(zgp_site(gp.key, j), (size,), (size,), constraints.real))
    m, n = structure.me
    if m:  # me() terms: standardized latent values and their correlations (brms's Lme_1)
        sites.append(Site("zme_1", (m, n), (m, n), constraints.real))
        if m > 1 and structure.mecor:
            sites.append(Site("Lme_1", (m, m), (m * (m - 1) // 2,), corr_cholesky))
    return tuple(sites)


@dataclass(frozen=True)
class ModelNames:
    """What the results layer needs to name draws as brms does (``LoweredModel.names``).

    Attributes
    ----------
    fixed
        Population-level blocks, mu first.
    groups
        Group-level IDs in ID order.
    aux
        Scalar distributional parameters in the family's order (``("sigma",)``): sampled, fixed
        by a ``constant()`` prior, or fixed in the formula (``bf(y ~ x, nu = 4)``, an ordinal
        family's ``disc = 1``), as brms saves them all.
    smooths
        The penalized parts of the ``s()`` terms.
    gps
        Gaussian process terms (``sdgp_gpx``, ``lscale_gpx``, ``zgp_gpx[m]``).
    arma
        The AR and MA orders (``ar[1]``, ..., ``ma[1]``, ... follow the ``b`` draws).
    """

    fixed: tuple[FixedSpec, ...]
    groups: tuple[GroupSpec, ...]
    aux: tuple[str, ...]
    smooths: tuple[SmoothSpec, ...] = ()
    gps: tuple[GpSpec, ...] = ()
    arma: tuple[int, int] = (0, 0)
    err: int = 0  # latent ARMA residuals: ``sderr`` after ar, ``err[1..err]`` after lp__
    cosy: bool = False  # a cosy() term: its correlation ``cosy`` follows ar and ma
    shrink: tuple[tuple[str, int], ...] = ()  # (kind, K) of mu's shrinkage prior, if any
    #: The responses whose residuals correlate (``rescor__y1__y2``), else ().
    rescor: tuple[str, ...] = ()
    #: logistic_normal's non-reference categories (``lncor__p2__p3``), else ().
    lncor: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # a mi() response's Ymi draws (``Ymi[3]``), in order
    me: tuple[str, ...] = ()  # the me() variables' labels (``meanme_mex``), in order
    #: sar()/car() scalars in brms's order (``lagsar``, ``car``, ``rhocar``, ``sdcar``; with a
    #: CAR structure's suffix ``sdcar_mu1``) and each structure's ``(suffix, number of
    #: locations)`` (``rcar_mu1[1]``, ...).
    spatial: tuple[str, ...] = ()
    rcar: tuple[tuple[str, int], ...] = ()
    #: Scalar dpars saved as brms's ``tmp_<dpar>`` among the dpars and, transformed, after
    #: ``lp__`` (gen_extreme_value's ``xi``, brms's ``compute_xi``).
    tmp_dpars: tuple[str, ...] = ()
    mecor: bool = True  # whether corme__ draws follow (set_mecor(FALSE): none)
    #: a multivariate model's Ymi draws: (name ``Ymi_chl[4]``, vector ``Ymi_chl``, index)
    mv_missing: tuple[tuple[str, str, int], ...] = ()
