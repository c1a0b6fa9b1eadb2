"""Lowering a :class:`~brmsjax.formula.ir.Design` to one NumPyro model per model structure.

The model is brms's Stan program (brms-semantics.md 3.4-3.5) written as a NumPyro model::

    Xc = X[:, 1:] - means_X                  # centred slopes and a separate Intercept
    r_k = (diag(sd_k) L_k z_k)^T             # non-centred group effects (sd_k * z_k for ||)
    eta = Intercept + Xc @ b + sum_m r_k[J_k, m] * Z_k[:, m] (+ offset)
    target += log_lik(y | eta, dpars) + lprior + std_normal_lpdf(z_k)

What chooses code is *structure*: the family, which parameters exist, prior distribution names
and bounds, which elements ``constant()`` priors fix, and shapes. The data (``y``, ``Xc``,
``J_k``, ``Z_k``, ...) and the prior argument values are *arguments* of the model, so one traced
and compiled sampler serves every refit with data of the same shapes or with other prior values:
:func:`lower` hands out the same :class:`ModelProgram` for equal structures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import Array
from jax.scipy.special import gammaln
from numpyro.distributions import constraints
from numpyro.distributions.transforms import ParameterFreeTransform, biject_to
from numpyro.infer.util import log_density, potential_energy

from brmsjax.backend.densities import DIST_ARITY, PriorSpec, _cdf, _natural_support, log_prior
from brmsjax.backend.draws import FixedNames, GroupNames, ModelNames
from brmsjax.backend.families import INV_LINKS, Family
from brmsjax.formula.errors import ModelError
from brmsjax.formula.ir import Design

__all__ = [
    "LoweredModel",
    "ModelProgram",
    "Site",
    "lkj_corr_cholesky_lpdf",
    "lower",
    "trace_count",
]

PyTree = Any
Bound = float | None

_SAMPLE_PRIOR = ("no", "only")
_LKJ = ("lkj", "lkj_corr_cholesky")
_TRACES = [0]


def trace_count() -> int:
    """How many times a lowered model function has been traced in this process."""
    return _TRACES[0]


class ParamPriorLike(Protocol):
    """What :func:`lower` reads from a resolved prior (``brmsjax.backend.priors.ParamPrior``)."""

    @property
    def param(self) -> str: ...

    @property
    def specs(self) -> tuple[PriorSpec, ...]: ...


# --------------------------------------------------------------------------- static plans


@dataclass(frozen=True)
class VectorPlan:
    """One parameter vector: its free and ``constant()`` elements, bounds and prior groups.

    ``priors`` holds ``(dist, element indices)`` for the non-flat free elements, grouped by
    distribution; the argument values of group ``i`` arrive as ``prior_args[name]["p<i>"]``.
    """

    name: str
    size: int
    scalar: bool
    free: tuple[int, ...]
    const: tuple[int, ...]
    lb: Bound
    ub: Bound
    priors: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True)
class FixedPlan:
    """Population-level part of one distributional parameter (``""`` is mu)."""

    dpar: str
    center: bool
    n_b: int
    offset: bool


@dataclass(frozen=True)
class GroupPlan:
    """One group-level ID: ``M`` coefficients on ``n_levels`` levels."""

    id: int
    M: int
    n_levels: int
    cor: bool
    lkj: bool
    dpar_cols: tuple[tuple[str, tuple[int, ...]], ...]


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
class Structure:
    """Everything static about a model; equal structures share one :class:`ModelProgram`."""

    family: str
    fixed: tuple[FixedPlan, ...]
    groups: tuple[GroupPlan, ...]
    vectors: tuple[VectorPlan, ...]
    aux: tuple[str, ...]
    fixed_dpars: tuple[str, ...]
    addition: tuple[str, ...]
    prior_only: bool


def _sfx(dpar: str) -> str:
    return f"_{dpar}" if dpar else ""


# --------------------------------------------------------------------------- densities


def lkj_corr_cholesky_lpdf(L: Array, eta: Array) -> Array:
    """Stan's ``lkj_corr_cholesky_lpdf(L | eta)`` with its normalizing constant.

    The constant is Stan's ``do_lkj_constant`` (Lewandowski, Kurowicka and Joe 2009, theorem 5)
    in its general form, which equals the ``eta == 1`` special case at ``eta = 1``.
    """
    K = L.shape[-1]
    km1 = K - 1
    k = np.arange(1, K, dtype=float)
    const = km1 * gammaln(eta + 0.5 * km1) - jnp.sum(
        0.5 * k * math.log(math.pi) + gammaln(eta + 0.5 * (km1 - k))
    )
    log_diag = jnp.log(jnp.diagonal(L)[1:])
    power = (km1 - np.arange(km1) - 1) + 2.0 * eta - 2.0
    return const + jnp.sum(power * log_diag)


class _StanCorrCholesky(constraints._CorrCholesky):
    """Cholesky factors of correlation matrices, unconstrained by Stan's transform."""


corr_cholesky = _StanCorrCholesky()


class StanCorrCholeskyTransform(ParameterFreeTransform):
    """Stan's ``cholesky_corr_constrain``: ``z = tanh(y)``, then row-wise stick breaking.

    Same map and Jacobian as NumPyro's ``CorrCholeskyTransform`` (``y`` fills the strict lower
    triangle row by row), written with static loops so small factors compile to a few fused
    operations.
    """

    domain = constraints.real_vector
    codomain = corr_cholesky

    @staticmethod
    def _dim(n: int) -> int:
        return int(round((1 + math.sqrt(1 + 8 * n)) / 2))

    def __call__(self, x: Array) -> Array:
        z = jnp.tanh(x)
        M = self._dim(x.shape[-1])
        one, zero = jnp.ones_like(z[..., 0]), jnp.zeros_like(z[..., 0])
        rows, k = [[one] + [zero] * (M - 1)], 0
        for i in range(1, M):
            row: list[Array] = []
            ss = zero
            for _ in range(i):
                v = z[..., k] if not row else z[..., k] * jnp.sqrt(1.0 - ss)
                row.append(v)
                ss = ss + v * v
                k += 1
            rows.append(row + [jnp.sqrt(1.0 - ss)] + [zero] * (M - i - 1))
        return jnp.stack([jnp.stack(r, axis=-1) for r in rows], axis=-2)

    def _inverse(self, y: Array) -> Array:
        M = y.shape[-1]
        out = []
        for i in range(1, M):
            ss = jnp.zeros_like(y[..., i, 0])
            for j in range(i):
                out.append(y[..., i, j] / jnp.sqrt(1.0 - ss))
                ss = ss + y[..., i, j] ** 2
        return jnp.arctanh(jnp.stack(out, axis=-1))

    def log_abs_det_jacobian(self, x: Array, y: Array, intermediates: Any = None) -> Array:
        tanh_logdet = -2.0 * jnp.sum(x + jax.nn.softplus(-2.0 * x) - math.log(2.0), axis=-1)
        stick = jnp.zeros_like(tanh_logdet)
        for i in range(2, y.shape[-1]):
            ss = jnp.zeros_like(tanh_logdet)
            for j in range(1, i):
                ss = ss + y[..., i, j - 1] ** 2
                stick = stick + 0.5 * jnp.log1p(-ss)
        return tanh_logdet + stick

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*shape[:-1], self._dim(shape[-1]), self._dim(shape[-1]))

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*shape[:-2], shape[-1] * (shape[-1] - 1) // 2)


@biject_to.register(_StanCorrCholesky)
def _stan_corr_cholesky(constraint: constraints.Constraint) -> StanCorrCholeskyTransform:
    return StanCorrCholeskyTransform()


def _constraint(lb: Bound, ub: Bound) -> constraints.Constraint:
    if lb is None and ub is None:
        return constraints.real
    if ub is None:
        return constraints.positive if lb == 0 else constraints.greater_than(lb)
    if lb is None:
        return constraints.less_than(ub)
    return constraints.interval(lb, ub)


def _log_mass(name: str, args: Array, lb: Bound, ub: Bound) -> Array:
    """Per element ``log(F(ub) - F(lb))`` as :func:`densities.log_prior` truncates, else 0."""
    lo, hi = _natural_support(name)
    cut_lo = lb is not None and lb > lo
    cut_hi = ub is not None and ub < hi
    if not (cut_lo or cut_hi):
        return jnp.zeros(args.shape[:1], dtype=args.dtype)
    a = jnp.moveaxis(args, -1, 0)
    upper = _cdf(name, jnp.asarray(ub, args.dtype), a) if cut_hi else 1.0
    lower = _cdf(name, jnp.asarray(lb, args.dtype), a) if cut_lo else 0.0
    return jnp.broadcast_to(jnp.log(jnp.asarray(upper) - jnp.asarray(lower)), args.shape[:1])


# --------------------------------------------------------------------------- the program


class ModelProgram:
    """The NumPyro model of one structure and the pure functions the sampler compiles.

    Every function takes ``(data, prior_args)`` as arguments and closes over structure only.
    """

    def __init__(self, structure: Structure, family: Family) -> None:
        self.structure = structure
        self.family = family
        self.sites = _sites(structure)
        self.dim = sum(s.size for s in self.sites)
        self.model: Callable[[PyTree, PyTree], None] = self._model

    # -- flat unconstrained vector <-> sites
    def unflatten(self, u: Array) -> dict[str, Array]:
        """Split a flat unconstrained vector into the sites' unconstrained values."""
        out, i = {}, 0
        for s in self.sites:
            out[s.name] = u[i : i + s.size].reshape(s.ushape)
            i += s.size
        return out

    def constrain(self, u: Array) -> dict[str, Array]:
        """Constrained site values from a flat unconstrained vector."""
        parts = self.unflatten(u)
        return {s.name: biject_to(s.constraint)(parts[s.name]) for s in self.sites}

    # -- the model
    def _model(self, data: PyTree, prior_args: PyTree) -> None:
        _TRACES[0] += 1
        values = {}
        for s in self.sites:
            if s.name.startswith("z_"):
                fn: dist.Distribution = dist.Normal(0.0, 1.0).expand(s.shape).to_event(2)
            else:
                fn = dist.ImproperUniform(s.constraint, (), s.shape)
            values[s.name] = numpyro.sample(s.name, fn)
        params = self.assemble(values, prior_args)
        numpyro.factor("lprior", self.lprior(params, prior_args))
        if not self.structure.prior_only:
            numpyro.factor("log_lik", self.log_lik(params, data))

    def potential(self, u: Array, data: PyTree, prior_args: PyTree) -> Array:
        """Potential energy (minus the log density on the unconstrained space) at ``u``."""
        return potential_energy(self.model, (data, prior_args), {}, self.unflatten(u))

    def log_density(self, values: Mapping[str, Array], data: PyTree, prior_args: PyTree) -> Array:
        """Log density of the model at constrained site values (no Jacobian)."""
        lp, _ = log_density(self.model, (data, prior_args), {}, dict(values))
        return lp

    # -- parameters
    def assemble(self, values: Mapping[str, Array], prior_args: PyTree) -> dict[str, Array]:
        """Full parameter vectors (constant elements filled in) plus ``z_k`` and ``L_k``."""
        params = {k: v for k, v in values.items() if k.startswith(("z_", "L_"))}
        for vp in self.structure.vectors:
            if not vp.const:
                x = values[vp.name]
            else:
                c = jnp.asarray(prior_args[vp.name]["const"])
                if not vp.free:
                    x = c
                else:
                    free = jnp.reshape(values[vp.name], (-1,))
                    x = jnp.zeros(vp.size, dtype=free.dtype)
                    x = x.at[np.array(vp.free)].set(free).at[np.array(vp.const)].set(c)
                x = x[0] if vp.scalar else x
            params[vp.name] = x
        return params

    def group_effects(self, params: Mapping[str, Array]) -> dict[int, Array]:
        """``r_k`` as ``(n_levels, M)`` matrices: ``(diag(sd) L z)^T`` or ``(sd * z)^T``."""
        out = {}
        for g in self.structure.groups:
            sd, z = params[f"sd_{g.id}"], params[f"z_{g.id}"]
            scaled = sd[:, None] * (params[f"L_{g.id}"] @ z if g.cor else z)
            out[g.id] = scaled.T
        return out

    def prepare(self, prior_args: PyTree) -> PyTree:
        """Add the truncation terms of bounded priors to the prior arguments.

        ``prior_args[name]["t<i>"]`` is ``log(F(ub) - F(lb))`` per element of prior group ``i``
        (brms's ``- n * student_t_lccdf(0 | ...)``). They depend on prior values only, so they
        are computed once per run instead of in every gradient.
        """
        out = {k: dict(v) for k, v in prior_args.items()}
        for vp in self.structure.vectors:
            for i, (name, _) in enumerate(vp.priors):
                args = jnp.asarray(out[vp.name][f"p{i}"])
                out[vp.name][f"t{i}"] = _log_mass(name, args, vp.lb, vp.ub)
        return out

    def lprior(self, params: Mapping[str, Array], prior_args: PyTree) -> Array:
        """brms's ``lprior``: every prior term with its constants, truncation and LKJ included.

        ``prior_args`` must be :meth:`prepare`-d.
        """
        total = jnp.zeros(())
        for vp in self.structure.vectors:
            x = jnp.reshape(params[vp.name], (-1,))
            for i, (name, idx) in enumerate(vp.priors):
                xi = x if idx == tuple(range(vp.size)) else x[np.array(idx)]
                args = prior_args[vp.name]
                total = total + log_prior(name, xi, args[f"p{i}"]) - jnp.sum(args[f"t{i}"])
        for g in self.structure.groups:
            if g.lkj:
                eta = prior_args[f"L_{g.id}"]["eta"]
                total = total + lkj_corr_cholesky_lpdf(params[f"L_{g.id}"], eta)
        return total

    def linear_predictors(self, params: Mapping[str, Array], data: PyTree) -> dict[str, Array]:
        """Linear predictor of every predicted distributional parameter (``""`` is mu)."""
        y = data["y"]
        eta: dict[str, Array] = {}
        for fp in self.structure.fixed:
            sfx = _sfx(fp.dpar)
            e = jnp.zeros_like(y)
            if fp.center:
                e = e + params[f"Intercept{sfx}"]
            if fp.n_b:
                e = e + data["X"][fp.dpar] @ params[f"b{sfx}"]
            if fp.offset:
                e = e + data["offset"][fp.dpar]
            eta[fp.dpar] = e
        r = self.group_effects(params)
        for g in self.structure.groups:
            contrib = r[g.id][data["J"][str(g.id)]] * data["Z"][str(g.id)]
            for dpar, cols in g.dpar_cols:
                part = contrib if len(cols) == g.M else contrib[:, np.array(cols)]
                eta[dpar] = eta.get(dpar, jnp.zeros_like(y)) + jnp.sum(part, axis=1)
        eta.setdefault("", jnp.zeros_like(y))
        return eta

    def dpars(self, params: Mapping[str, Array], data: PyTree, eta: Mapping[str, Array]) -> dict:
        """Auxiliary distributional parameters on their natural scale."""
        out = {}
        for d in self.family.dpars:
            if d in eta:
                out[d] = INV_LINKS[self.family.dpar_links[d]](eta[d])
            elif d in self.structure.fixed_dpars:
                out[d] = data["fixed_dpars"][d]
            else:
                out[d] = params[d]
        return out

    def log_lik(self, params: Mapping[str, Array], data: PyTree) -> Array:
        """Summed log likelihood (weighted by ``weights`` when the response has them)."""
        eta = self.linear_predictors(params, data)
        ll = self.family.log_lik_eta(data["y"], eta[""], self.dpars(params, data, eta),
                                     data["addition"])
        if "weights" in data["addition"]:
            ll = ll * data["addition"]["weights"]
        return jnp.sum(ll)

    def derive(self, u: Array, data: PyTree, prior_args: PyTree) -> dict[str, Array]:
        """Quantities saved per draw, by internal name (see :func:`brmsjax.backend.draws`).

        ``b<_dpar>`` and ``Intercept<_dpar>`` (centred), ``b<_dpar>_Intercept`` (brms's
        ``Intercept - means_X @ b``), scalar dpars, ``sd_k``, ``cor_k`` (upper triangle column by
        column), ``r_k`` (levels x coefficients) and ``lprior``.
        """
        params = self.assemble(self.constrain(u), prior_args)
        out = {vp.name: params[vp.name] for vp in self.structure.vectors}
        for fp in self.structure.fixed:
            sfx = _sfx(fp.dpar)
            if fp.center:
                icpt = params[f"Intercept{sfx}"]
                if fp.n_b:
                    icpt = icpt - data["means_X"][fp.dpar] @ params[f"b{sfx}"]
                out[f"b{sfx}_Intercept"] = icpt
        for g in self.structure.groups:
            if g.cor:
                L = params[f"L_{g.id}"]
                cor = L @ L.T
                rows, cols = _upper_pairs(g.M)
                out[f"cor_{g.id}"] = cor[rows, cols]
        for gid, r in self.group_effects(params).items():
            out[f"r_{gid}"] = r
        out["lprior"] = self.lprior(params, prior_args)
        return out


def _upper_pairs(M: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of brms's correlation order: (1,2), (1,3), (2,3), (1,4), ..."""
    pairs = [(j, k) for k in range(M) for j in range(k)]
    return np.array([p[0] for p in pairs], dtype=int), np.array([p[1] for p in pairs], dtype=int)


def _sites(structure: Structure) -> tuple[Site, ...]:
    sites = []
    for vp in structure.vectors:
        if vp.free:
            shape: tuple[int, ...] = () if vp.scalar else (len(vp.free),)
            sites.append(Site(vp.name, shape, shape, _constraint(vp.lb, vp.ub)))
    for g in structure.groups:
        sites.append(Site(f"z_{g.id}", (g.M, g.n_levels), (g.M, g.n_levels), constraints.real))
        if g.cor:
            nc = g.M * (g.M - 1) // 2
            sites.append(Site(f"L_{g.id}", (g.M, g.M), (nc,), corr_cholesky))
    return tuple(sites)


_PROGRAMS: dict[Hashable, ModelProgram] = {}


def _program(structure: Structure, family: Family) -> ModelProgram:
    prog = _PROGRAMS.get(structure)
    if prog is None:
        prog = _PROGRAMS[structure] = ModelProgram(structure, family)
    return prog


# --------------------------------------------------------------------------- lowering


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
        from brmsjax.backend.cache import ONE_OFF_OPTIONS, compiled

        with jax.enable_x64(True):
            args = (self.prior_args,)
            options = ONE_OFF_OPTIONS if jax.default_backend() == "cpu" else None
            prepare = compiled(("prepare", self.structure, False),
                               lambda: jax.jit(self.program.prepare), args, options)
            prepared = jax.tree.map(np.asarray, prepare(*args))
        return self.data, prepared


def lower(
    design: Design,
    family: Family,
    priors: Mapping[str, ParamPriorLike],
    sample_prior: str = "no",
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

    Returns
    -------
    LoweredModel
        The shared program for this structure with this fit's data and prior values.
    """
    if sample_prior not in _SAMPLE_PRIOR:
        raise ModelError(
            f"sample_prior must be one of 'no' or 'only', not {sample_prior!r}."
        )
    vectors: list[VectorPlan] = []
    prior_args: dict[str, dict[str, np.ndarray]] = {}
    data: dict[str, Any] = {
        "y": np.asarray(design.response.y, dtype=float),
        "X": {},
        "means_X": {},
        "offset": {},
        "J": {},
        "Z": {},
        "addition": {k: np.asarray(v) for k, v in design.response.addition.items()},
        "fixed_dpars": {k: np.asarray(float(v)) for k, v in design.fixed_dpars.items()},
    }
    fixed, fixed_names = [], []
    for block in design.fixed:
        sfx = _sfx(block.dpar)
        X = np.asarray(block.X, dtype=float)
        if block.intercept:
            slopes = X[:, 1:]
            means = slopes.mean(axis=0)
            data["X"][block.dpar] = slopes - means
            data["means_X"][block.dpar] = means
            _vector(vectors, prior_args, priors, name=f"Intercept{sfx}", size=1, scalar=True,
                    natural=(None, None))
        else:
            data["X"][block.dpar] = X
        n_b = len(block.slope_columns)
        if n_b:
            _vector(vectors, prior_args, priors, name=f"b{sfx}", size=n_b, scalar=False,
                    natural=(None, None))
        if block.offset is not None:
            data["offset"][block.dpar] = np.asarray(block.offset, dtype=float)
        fixed.append(FixedPlan(block.dpar, block.intercept, n_b, block.offset is not None))
        fixed_names.append(FixedNames(block.dpar, block.intercept, block.slope_columns))
    predicted = {b.dpar for b in design.fixed} | {d for g in design.groups for d in g.dpars}
    aux = tuple(
        d for d in family.dpars if d not in predicted and d not in design.fixed_dpars
    )
    for d in aux:
        bounds = family.dpar_bounds.get(d, (None, None))
        _vector(vectors, prior_args, priors, name=d, size=1, scalar=True, natural=bounds)
    groups, group_names = [], []
    for g in design.groups:
        _vector(vectors, prior_args, priors, name=f"sd_{g.id}", size=g.M, scalar=False,
                natural=(0.0, None))
        cor = bool(g.cor and g.M > 1)
        lkj = cor and _lkj_args(prior_args, priors, g.id)
        cols: dict[str, list[int]] = {}
        for m, d in enumerate(g.dpars):
            cols.setdefault(d, []).append(m)
        groups.append(GroupPlan(g.id, g.M, g.n_levels, cor, lkj,
                                tuple((d, tuple(c)) for d, c in cols.items())))
        group_names.append(GroupNames(g.id, g.group, g.levels, g.coefs, g.dpars, cor))
        data["J"][str(g.id)] = np.asarray(g.J, dtype=np.int32)
        data["Z"][str(g.id)] = np.asarray(g.Z, dtype=float)
    structure = Structure(
        family=repr(family),
        fixed=tuple(fixed),
        groups=tuple(groups),
        vectors=tuple(vectors),
        aux=aux,
        fixed_dpars=tuple(sorted(design.fixed_dpars)),
        addition=tuple(sorted(design.response.addition)),
        prior_only=sample_prior == "only",
    )
    names = ModelNames(tuple(fixed_names), tuple(group_names), aux)
    return LoweredModel(_program(structure, family), data, prior_args, names, sample_prior)


def _specs(priors: Mapping[str, ParamPriorLike], name: str, size: int) -> tuple[PriorSpec, ...]:
    entry = priors.get(name)
    if entry is None:
        return (PriorSpec("flat"),) * size
    specs = tuple(entry.specs)
    if len(specs) != size:
        raise ModelError(
            f"The prior of '{name}' has {len(specs)} element(s) but the parameter has {size}; "
            "resolve the priors against this model's design."
        )
    for s in specs:
        if s.dist not in DIST_ARITY or s.dist in _LKJ:
            raise ModelError(
                f"The prior '{s}' cannot be used for '{name}'; use a univariate distribution."
            )
    return specs


def _vector(
    vectors: list[VectorPlan],
    prior_args: dict[str, dict[str, np.ndarray]],
    priors: Mapping[str, ParamPriorLike],
    *,
    name: str,
    size: int,
    scalar: bool,
    natural: tuple[Bound, Bound],
) -> None:
    """Plan one parameter vector and collect its prior argument values."""
    specs = _specs(priors, name, size)
    free = tuple(i for i, s in enumerate(specs) if s.dist != "constant")
    const = tuple(i for i, s in enumerate(specs) if s.dist == "constant")
    bounds = {(s.lb, s.ub) for i, s in enumerate(specs) if i in free}
    lb, ub = natural
    if len(bounds) > 1:
        raise ModelError(
            f"The elements of '{name}' have different bounds {sorted(bounds, key=str)}; "
            "give all of them the same lb and ub."
        )
    if bounds:
        spec_lb, spec_ub = bounds.pop()
        lb = spec_lb if spec_lb is not None else lb
        ub = spec_ub if spec_ub is not None else ub
    groups: dict[str, list[int]] = {}
    for i in free:
        if specs[i].dist != "flat":
            groups.setdefault(specs[i].dist, []).append(i)
    args: dict[str, np.ndarray] = {}
    plan = []
    for k, (dname, idx) in enumerate(groups.items()):
        rows = [_checked_args(name, specs[i]) for i in idx]
        args[f"p{k}"] = np.asarray(rows, dtype=float).reshape(len(idx), DIST_ARITY[dname])
        plan.append((dname, tuple(idx)))
    if const:
        args["const"] = np.asarray([_checked_args(name, specs[i])[0] for i in const], dtype=float)
    prior_args[name] = args
    vectors.append(VectorPlan(name, size, scalar, free, const, lb, ub, tuple(plan)))


def _checked_args(name: str, spec: PriorSpec) -> Sequence[float]:
    if len(spec.args) != DIST_ARITY[spec.dist]:
        raise ModelError(
            f"The prior '{spec.dist}' of '{name}' needs {DIST_ARITY[spec.dist]} argument(s), "
            f"not {len(spec.args)}."
        )
    return spec.args


def _lkj_args(
    prior_args: dict[str, dict[str, np.ndarray]], priors: Mapping[str, ParamPriorLike], gid: int
) -> bool:
    """Collect the LKJ shape of ``L_<gid>``; False when its prior is flat."""
    name = f"L_{gid}"
    entry = priors.get(name)
    specs = tuple(entry.specs) if entry is not None else (PriorSpec("flat"),)
    if len(specs) != 1 or specs[0].dist not in (*_LKJ, "flat"):
        raise ModelError(
            f"The prior of '{name}' must be one lkj(eta) prior, not "
            f"{', '.join(str(s) for s in specs)}."
        )
    if specs[0].dist == "flat":
        prior_args[name] = {}
        return False
    prior_args[name] = {"eta": np.asarray(float(specs[0].args[0]))}
    return True
