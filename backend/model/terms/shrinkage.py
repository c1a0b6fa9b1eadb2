"""brms 2.18's shrinkage priors on mu's ``b``: the regularized horseshoe, R2D2 and the lasso.

brms writes them in Stan with its own parameters (``stan_special_prior_global`` and
``stan_special_prior_local``); here they are the same sites, densities and transforms, with
brms's names (``K`` slopes, ``Xc`` centred)::

    horseshoe   zb[K] ~ std_normal;  hs_local[K] ~ student_t(hs_df, 0, 1), > 0
                hs_global ~ student_t(hs_df_global, 0, hs_scale_global [* sigma]), > 0
                hs_slab ~ inv_gamma(0.5 hs_df_slab, 0.5 hs_df_slab)
                c2 = hs_scale_slab^2 hs_slab;  lambda~ = sqrt(c2 l^2 / (c2 + tau^2 l^2))
                b = zb .* lambda~ * hs_global
    R2D2        zb[K] ~ std_normal;  R2D2_phi ~ dirichlet(R2D2_cons_D2) (a simplex)
                R2D2_R2 ~ beta(mean_R2 prec_R2, (1 - mean_R2) prec_R2)
                R2D2_tau2 = [sigma^2 *] R2D2_R2 / (1 - R2D2_R2);  b = zb .* sqrt(phi tau2)
    lasso       lasso_inv_lambda ~ chi_square(lasso_df)
                b ~ double_exponential(0, lasso_scale * lasso_inv_lambda)

The hyperparameters are arguments of the program (``prior_args["shrink"]``), so a refit with
other values reuses it. ``autoscale`` multiplies by ``sigma`` where brms does
(``simple_sigma``: the family has a scalar ``sigma``). brms keeps the global terms in
``lprior`` and the local ones (``zb``, ``hs_local``, ``R2D2_phi``, lasso's ``b``) in the model
block; :func:`shrink_lprior` and :func:`shrink_local` split them the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jax import Array
from numpyro.distributions import constraints

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.model.plans import ShrinkPlan, Site, VectorPlan
from brmsjax.formula.errors import PriorError

__all__ = [
    "SHRINKAGE",
    "ShrinkPlan",
    "autoscales",
    "shrink_args",
    "shrink_b",
    "shrink_local",
    "shrink_lprior",
    "shrink_saved",
    "shrink_sites",
    "shrink_standata",
    "shrink_vector",
    "special_spec",
]

SHRINKAGE = frozenset({"horseshoe", "R2D2", "lasso"})
_HALF = math.log(0.5)


def special_spec(priors: Mapping[str, Any], name: str) -> PriorSpec | None:
    """The shrinkage prior of the parameter ``name`` (``"b"``), or None."""
    entry = priors.get(name)
    specs = tuple(entry.specs) if entry is not None else ()
    return specs[0] if specs and specs[0].dist in SHRINKAGE else None


def autoscales(spec: PriorSpec) -> bool:
    """Whether the prior asks for ``autoscale`` (horseshoe and R2D2; lasso has none)."""
    if spec.dist == "horseshoe":
        return bool(spec.args[6])
    return spec.dist == "R2D2" and bool(spec.args[2])


def shrink_vector(name: str, spec: PriorSpec, n_b: int) -> VectorPlan:
    """The plan of ``b`` under a shrinkage prior: computed from ``zb`` (horseshoe, R2D2), or a
    free vector whose lasso density :func:`shrink_local` adds."""
    free = tuple(range(n_b)) if spec.dist == "lasso" else ()
    return VectorPlan(name, n_b, False, free, (), None, None, ())


def shrink_args(spec: PriorSpec, n_b: int, n_obs: int) -> dict[str, np.ndarray]:
    """The hyperparameters as program arguments, under brms's Stan data names.

    ``par_ratio`` sets ``hs_scale_global = par_ratio / sqrt(N)`` as brms's ``data_prior``;
    a scalar ``cons_D2`` is repeated ``K`` times.
    """
    a = spec.args
    if spec.dist == "horseshoe":  # (df, scale_global, df_global, scale_slab, df_slab, ratio, auto)
        v = dict(zip(("df", "scale_global", "df_global", "scale_slab", "df_slab"), a, strict=False))
        v["par_ratio"] = a[5]
    elif spec.dist == "R2D2":  # (mean_R2, prec_R2, autoscale, *cons_D2)
        v, cons_d2 = {"mean_R2": a[0], "prec_R2": a[1]}, tuple(a[3:])
    else:  # lasso: (df, scale)
        v = {"df": a[0], "scale": a[1]}
    if spec.dist == "horseshoe":
        scale_global = v["scale_global"]
        if not math.isnan(v["par_ratio"]):
            scale_global = v["par_ratio"] / math.sqrt(n_obs)
        out = {
            "hs_df": v["df"],
            "hs_df_global": v["df_global"],
            "hs_df_slab": v["df_slab"],
            "hs_scale_global": scale_global,
            "hs_scale_slab": v["scale_slab"],
        }
        return {k: np.asarray(x, dtype=float) for k, x in out.items()}
    if spec.dist == "R2D2":
        cons = cons_d2 * n_b if len(cons_d2) == 1 else cons_d2
        if len(cons) != n_b:
            raise PriorError(f"Argument 'cons_D2' of the R2D2 prior must be of length 1 or {n_b}")
        return {
            "R2D2_mean_R2": np.asarray(v["mean_R2"]),
            "R2D2_prec_R2": np.asarray(v["prec_R2"]),
            "R2D2_cons_D2": np.asarray(cons, dtype=float),
        }
    return {"lasso_df": np.asarray(v["df"]), "lasso_scale": np.asarray(v["scale"])}


def shrink_sites(plans: Sequence[ShrinkPlan]) -> list[Site]:
    """The sampled sites of the shrinkage priors, with brms's parameter names."""
    sites = []
    positive = constraints.positive
    for p in plans:
        k = p.n_b
        if p.kind == "horseshoe":
            sites += [
                Site("zb", (k,), (k,), constraints.real),
                Site("hs_local", (k,), (k,), positive),
                Site("hs_global", (), (), positive),
                Site("hs_slab", (), (), positive),
            ]
        elif p.kind == "R2D2":
            sites += [
                Site("zb", (k,), (k,), constraints.real),
                Site("R2D2_phi", (k,), (k - 1,), constraints.simplex),
                Site("R2D2_R2", (), (), constraints.unit_interval),
            ]
        else:
            sites.append(Site("lasso_inv_lambda", (), (), positive))
    return sites


def _sigma(p: ShrinkPlan, params: Mapping[str, Array]) -> Array | float:
    return params["sigma"] if p.autoscale else 1.0


def shrink_b(
    plans: Sequence[ShrinkPlan], values: Mapping[str, Array], params: Mapping[str, Array], a: Any
) -> dict[str, Array]:
    """``b`` (and ``R2D2_tau2``) from the shrinkage sites; the sites themselves, for the
    densities and the saved draws. ``a`` is ``prior_args["shrink"]``."""
    out: dict[str, Array] = {}
    for p in plans:
        names = [s.name for s in shrink_sites([p])]
        out.update({n: values[n] for n in names})
        if p.kind == "horseshoe":
            tau, lam2 = values["hs_global"], jnp.square(values["hs_local"])
            c2 = jnp.square(a["hs_scale_slab"]) * values["hs_slab"]
            lambda_tilde = jnp.sqrt(c2 * lam2 / (c2 + tau**2 * lam2))
            out["b"] = values["zb"] * lambda_tilde * tau
        elif p.kind == "R2D2":
            r2 = values["R2D2_R2"]
            tau2 = jnp.square(_sigma(p, params)) * r2 / (1 - r2)
            out["R2D2_tau2"] = tau2
            out["b"] = values["zb"] * jnp.sqrt(values["R2D2_phi"] * tau2)
    return out


def shrink_lprior(plans: Sequence[ShrinkPlan], params: Mapping[str, Array], a: Any) -> Array:
    """The global terms brms adds to ``lprior`` (with the half-t's ``- log(0.5)``)."""
    total = jnp.zeros(())
    for p in plans:
        if p.kind == "horseshoe":
            scale = a["hs_scale_global"] * _sigma(p, params)
            glob = dist.StudentT(a["hs_df_global"], 0.0, scale).log_prob(params["hs_global"])
            slab = dist.InverseGamma(0.5 * a["hs_df_slab"], 0.5 * a["hs_df_slab"])
            total = total + glob - _HALF + slab.log_prob(params["hs_slab"])
        elif p.kind == "R2D2":
            m, prec = a["R2D2_mean_R2"], a["R2D2_prec_R2"]
            total = total + dist.Beta(m * prec, (1 - m) * prec).log_prob(params["R2D2_R2"])
        else:
            total = total + dist.Chi2(a["lasso_df"]).log_prob(params["lasso_inv_lambda"])
    return total


def shrink_local(plans: Sequence[ShrinkPlan], params: Mapping[str, Array], a: Any) -> Array:
    """The local terms brms adds in the model block (not part of ``lprior``)."""
    total = jnp.zeros(())
    for p in plans:
        if p.kind in ("horseshoe", "R2D2"):
            total = total + jnp.sum(dist.Normal(0.0, 1.0).log_prob(params["zb"]))
        if p.kind == "horseshoe":
            local = dist.StudentT(a["hs_df"], 0.0, 1.0).log_prob(params["hs_local"])
            total = total + jnp.sum(local) - p.n_b * _HALF
        elif p.kind == "R2D2":
            phi = dist.Dirichlet(a["R2D2_cons_D2"]).log_prob(params["R2D2_phi"])
            total = total + phi
        else:
            scale = a["lasso_scale"] * params["lasso_inv_lambda"]
            total = total + jnp.sum(dist.Laplace(0.0, scale).log_prob(params["b"]))
    return total


def shrink_saved(plans: Sequence[ShrinkPlan], params: Mapping[str, Array]) -> dict[str, Array]:
    """What brms saves by default (it drops ``zb``, ``hs_*`` and ``R2D2_tau2``)."""
    out = {}
    for p in plans:
        if p.kind == "R2D2":
            out["R2D2_phi"], out["R2D2_R2"] = params["R2D2_phi"], params["R2D2_R2"]
        elif p.kind == "lasso":
            out["lasso_inv_lambda"] = params["lasso_inv_lambda"]
    return out


def shrink_standata(
    sdata: Mapping[str, Any], priors: Mapping[str, Any], n_b: int, n_obs: int
) -> dict[str, Any]:
    """brms's ``make_standata`` with the shrinkage prior's data (``hs_df``, ``R2D2_mean_R2``,
    ``lasso_df``, ...), which brms writes after mu's terms and before the other dpars' and the
    group-level data."""
    spec = special_spec(priors, "b")
    if spec is None:
        return dict(sdata)
    fields = {
        k: (v.tolist() if v.ndim else float(v)) for k, v in shrink_args(spec, n_b, n_obs).items()
    }
    out: dict[str, Any] = {}
    for key, value in sdata.items():
        if fields and (key.startswith(("K_", "J_")) or key == "prior_only"):
            out.update(fields)
            fields = {}
        out[key] = value
    out.update(fields)
    return out
