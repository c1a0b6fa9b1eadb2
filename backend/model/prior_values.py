"""A lowered model's priors: one :class:`VectorPlan` per parameter vector and its prior values.

The structure (which elements are free or ``constant()``, their bounds, which distribution
each group of elements has) goes into the plan and chooses code; the prior arguments go into
``prior_args``, which the compiled program takes as an argument, so a refit with other prior
values reuses the program. :func:`prepare_prior_args` adds the truncation terms of bounded
priors once per run, and :func:`structure_lprior` is brms's ``lprior`` of a structure's
parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.backend.dists.densities import DIST_ARITY, PriorSpec, log_prior
from brmsjax.backend.dists.prior_constants import SPLIT, prior_constant, prior_kernel
from brmsjax.backend.model.data_bounds import log_mass_to
from brmsjax.backend.model.plans import Structure, VectorPlan, sfx
from brmsjax.backend.model.terms.monotonic import dirichlet_lpdf
from brmsjax.backend.model.terms.shrinkage import shrink_lprior
from brmsjax.backend.model.transforms import (
    Bound,
    lkj_corr_cholesky_constant,
    lkj_corr_cholesky_kernel,
    lkj_corr_cholesky_lpdf,
    log_mass,
)
from brmsjax.formula.errors import ModelError

__all__ = [
    "ParamPriorLike",
    "lkj_args",
    "plan_vector",
    "prepare_prior_args",
    "structure_lprior",
]

_LKJ = ("lkj", "lkj_corr_cholesky")


class ParamPriorLike(Protocol):
    """What :func:`lower` reads from a resolved prior
    (``brmsjax.backend.priors.resolve.ParamPrior``)."""

    @property
    def param(self) -> str: ...

    @property
    def specs(self) -> tuple[PriorSpec, ...]: ...


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
        if s.dist not in DIST_ARITY or s.dist in (*_LKJ, "dirichlet"):
            raise ModelError(
                f"The prior '{s}' cannot be used for '{name}'; use a univariate distribution."
            )
    return specs


def plan_vector(
    vectors: list[VectorPlan],
    prior_args: dict[str, dict[str, np.ndarray]],
    priors: Mapping[str, ParamPriorLike],
    *,
    name: str,
    size: int,
    scalar: bool,
    natural: tuple[Bound, Bound],
    ordered: bool = False,
) -> None:
    """Plan one parameter vector and collect its prior argument values."""
    specs = _specs(priors, name, size)
    free = tuple(i for i, s in enumerate(specs) if s.dist != "constant")
    const = tuple(i for i, s in enumerate(specs) if s.dist == "constant")
    bounds = {(s.lb, s.ub) for i, s in enumerate(specs) if i in free}
    if ordered and (const or bounds - {(None, None)}):
        raise ModelError(
            f"The ordinal thresholds '{name}' take neither constant() priors nor bounds; give "
            "them unbounded priors such as student_t(3, 0, 2.5)."
        )
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
    vectors.append(VectorPlan(name, size, scalar, free, const, lb, ub, tuple(plan), ordered))


def _checked_args(name: str, spec: PriorSpec) -> Sequence[float]:
    if len(spec.args) != DIST_ARITY[spec.dist]:
        raise ModelError(
            f"The prior '{spec.dist}' of '{name}' needs {DIST_ARITY[spec.dist]} argument(s), "
            f"not {len(spec.args)}."
        )
    return spec.args


def lkj_args(
    prior_args: dict[str, dict[str, np.ndarray]],
    priors: Mapping[str, ParamPriorLike],
    gid: int | str,
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


def prepare_prior_args(structure: Structure, prior_args: Any) -> Any:
    """Add the truncation terms of bounded priors to the prior arguments.

    ``prior_args[name]["t<i>"]`` is ``log(F(ub) - F(lb))`` per element of prior group ``i``
    (brms's ``- n * student_t_lccdf(0 | ...)``), and ``prior_args[name]["c<i>"]`` the sum of
    the density's constant over the group's elements for the distributions of
    :data:`~brmsjax.backend.dists.prior_constants.SPLIT`. They depend on prior values only, so
    they are computed once per run instead of in every gradient.
    """
    out = {k: dict(v) for k, v in prior_args.items()}
    for vp in structure.vectors:
        for i, (name, idx) in enumerate(vp.priors):
            args = jnp.asarray(out[vp.name][f"p{i}"])
            if (
                name in SPLIT
            ):  # the density's constant, once (brmsjax.backend.dists.prior_constants)
                out[vp.name][f"c{i}"] = prior_constant(name, args, len(idx))
            if vp.ub_arg:  # the upper bound is an argument (brms's min_Y)
                lb = out[vp.name].get("lb", vp.lb)  # sar(): the lower bound is data too
                out[vp.name][f"t{i}"] = log_mass_to(name, args, lb, out[vp.name]["ub"])
            else:
                out[vp.name][f"t{i}"] = log_mass(name, args, vp.lb, vp.ub)
    by = {f"sd_{g.id}": g.nby for g in structure.groups if g.nby}
    for vp in structure.vectors:  # gr(g, by = f): brms truncates M_k sd, not M_k * Nby_k
        for i in range(len(vp.priors) if vp.name in by else 0):
            out[vp.name][f"t{i}"] = out[vp.name][f"t{i}"] / by[vp.name]
    for g in structure.groups:
        if g.lkj:  # the LKJ density's constant, once
            lkj = out[f"L_{g.id}"]
            lkj["const"] = lkj_corr_cholesky_constant(g.M, jnp.asarray(lkj["eta"]))
    return out


def structure_lprior(structure: Structure, params: Mapping[str, Array], prior_args: Any) -> Array:
    """brms's ``lprior``: every prior term with its constants, truncation and LKJ included.

    ``prior_args`` must be :func:`prepare_prior_args`-ed.
    """
    total = jnp.zeros(())
    qr = {f"b{sfx(fp.dpar)}" for fp in structure.fixed if fp.qr_prior}
    for vp in structure.vectors:
        x = jnp.reshape(params[f"bQ{vp.name[1:]}" if vp.name in qr else vp.name], (-1,))
        if vp.simplex:
            total = total + dirichlet_lpdf(x, prior_args[vp.name]["con"])
        for i, (name, idx) in enumerate(vp.priors):
            xi = x if idx == tuple(range(vp.size)) else x[np.array(idx)]
            args = prior_args[vp.name]
            if f"c{i}" in args:  # constant prepared: only the kernel is evaluated here
                lp = prior_kernel(name, xi, args[f"p{i}"]) + args[f"c{i}"]
            else:
                lp = log_prior(name, xi, args[f"p{i}"])
            total = total + lp - jnp.sum(args[f"t{i}"])
    for g in structure.groups:
        if g.lkj:
            lkj, L = prior_args[f"L_{g.id}"], params[f"L_{g.id}"]
            if g.nby:  # gr(g, by = f): one factor per level of f
                per_level = jax.vmap(lkj_corr_cholesky_lpdf, in_axes=(0, None))(L, lkj["eta"])
                total = total + jnp.sum(per_level)
            elif "const" in lkj:  # prepared: only the kernel is evaluated here
                total = total + lkj_corr_cholesky_kernel(L, lkj["eta"]) + lkj["const"]
            else:
                total = total + lkj_corr_cholesky_lpdf(L, lkj["eta"])
    if structure.shrink:
        total = total + shrink_lprior(structure.shrink, params, prior_args["shrink"])
    return total
