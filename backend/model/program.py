"""The NumPyro program of one model structure: sites, parameters, linear predictors, densities.

The model is brms's Stan program (brms-semantics.md 3.4-3.5) written as a NumPyro model::

    Xc = X[:, 1:] - means_X                  # centred slopes and a separate Intercept
    r_k = (diag(sd_k) L_k z_k)^T             # non-centred group effects (sd_k * z_k for ||)
    eta = Intercept + Xc @ b + sum_m r_k[J_k, m] * Z_k[:, m] (+ offset)
    target += log_lik(y | eta, dpars) * weights + lprior + std_normal_lpdf(z_k)

Ordinal families centre every column of ``X`` and sample ordered thresholds ``Intercept``
(Stan's ``ordered`` transform); categorical families stack the linear predictors of ``mu2``,
``mu3``, ... after a zero column for the reference category. A :class:`ModelProgram` closes over
structure only; data and prior values are arguments of every function it hands out.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax import Array
from numpyro.distributions.transforms import biject_to
from numpyro.infer.util import log_density, potential_energy

from brmsjax.backend.families.likelihood import pointwise_log_lik
from brmsjax.backend.families.registry import INV_LINKS, Family
from brmsjax.backend.model.crossed.loglik import marginal_model_log_lik
from brmsjax.backend.model.data_bounds import log_jacobian, scale_init, to_bounds
from brmsjax.backend.model.fixed_terms import ordinal_thresholds
from brmsjax.backend.model.forms import population_beta, suffstat_model_log_lik
from brmsjax.backend.model.glm_forms import glm_model_log_lik
from brmsjax.backend.model.group_terms import (
    cov_params,
    gather_rows,
    group_map,
    udf_lpdf,
    upper_pairs,
)
from brmsjax.backend.model.plans import (
    FixedPlan,
    GroupPlan,
    Site,
    Structure,
    VectorPlan,
    model_sites,
    sfx,
)
from brmsjax.backend.model.predictor import linear_predictors, mu_eta, structure_group_effects
from brmsjax.backend.model.prior_values import prepare_prior_args, structure_lprior
from brmsjax.backend.model.terms.arma_latent import arma_err, arma_eta
from brmsjax.backend.model.terms.cs_groups import subtract_cs
from brmsjax.backend.model.terms.gp import gp_derive, gp_marginal_log_lik, gp_parts
from brmsjax.backend.model.terms.joint import joint_log_lik
from brmsjax.backend.model.terms.latent import measurement as me_
from brmsjax.backend.model.terms.latent import missing as mi_
from brmsjax.backend.model.terms.latent import mv_missing as mv_mi
from brmsjax.backend.model.terms.monotonic import term_predictors
from brmsjax.backend.model.terms.nlf import nlf_eta
from brmsjax.backend.model.terms.nonlinear import nonlinear_eta
from brmsjax.backend.model.terms.shrinkage import (
    shrink_b,
    shrink_local,
    shrink_saved,
    shrink_sites,
)
from brmsjax.backend.model.terms.smooth_terms import (
    smooth_coefficients,
    smooth_log_priors,
    smooth_parts,
)
from brmsjax.backend.model.terms.spatial import car_log_prior, car_parts, car_rcar
from brmsjax.backend.model.transforms import corr_cholesky, lkj_corr_cholesky_lpdf
from brmsjax.formula.errors import ModelError

__all__ = [
    "FixedPlan",
    "GroupPlan",
    "ModelProgram",
    "Site",
    "Structure",
    "VectorPlan",
    "program",
    "trace_count",
]

PyTree = Any
_TRACES = [0]


def trace_count() -> int:
    """How many times a lowered model function has been traced in this process."""
    return _TRACES[0]


class ModelProgram:
    """The NumPyro model of one structure and the pure functions the sampler compiles.

    Every function takes ``(data, prior_args)`` as arguments and closes over structure only.
    """

    def __init__(self, structure: Structure, family: Family) -> None:
        self.structure = structure
        self.family = family
        self.sites = model_sites(structure) + tuple(shrink_sites(structure.shrink))
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
        centred = {f"z_{g.id}" for g in self.structure.groups if g.centred}
        centred |= {f"zs_{sm.key}" for sm in self.structure.smooths if sm.centred}
        for s in self.sites:
            if s.name.startswith(("z_", "zs_", "zerr")) and s.name not in centred:
                fn: dist.Distribution = dist.Normal(0.0, 1.0).expand(s.shape).to_event(len(s.shape))
            elif s.name.startswith("zgp"):  # brms's std_normal(zgp) of a gp() term
                fn = dist.Normal(0.0, 1.0).expand(s.shape).to_event(1)
            else:
                fn = dist.ImproperUniform(s.constraint, (), s.shape)
            values[s.name] = numpyro.sample(s.name, fn)
        params = self.assemble(values, prior_args, data)
        if self.structure.missing is not None:  # mi(): the response holds parameters
            numpyro.factor("Y_noise", mi_.noise_log_lik(self.structure.missing, params, data))
            data = {**data, "y": mi_.latent_response(self.structure.missing, params, data)}
        if self.structure.mv_missing:  # mi() responses of a multivariate model
            numpyro.factor(
                "Y_noise", mv_mi.mv_noise_log_lik(self.structure.mv_missing, params, data)
            )
            data = {**data, "y": mv_mi.latent_mv_response(self.structure.mv_missing, params, data)}
        if self.structure.me[0]:  # me(): the latent predictors' density (brms's model block)
            numpyro.factor("Xme", me_.me_log_density(self.structure.me[0], params, data))
        numpyro.factor("lprior", self.lprior(params, prior_args))
        if self.structure.car:  # brms's model-block density of the CAR effects
            numpyro.factor("car_prior", car_log_prior(self.structure.car, params, data))
        if any(vp.ub_arg for vp in self.structure.vectors):  # Stan's (0, min_Y) Jacobian
            numpyro.factor("data_bounds_jacobian", log_jacobian(self.structure, prior_args))
        for name, lp in smooth_log_priors(self.structure, params).items():
            numpyro.factor(name, lp)
        if self.structure.shrink:  # brms's model-block terms of zb, hs_local, R2D2_phi, lasso
            a = prior_args["shrink"]
            numpyro.factor("shrink_local", shrink_local(self.structure.shrink, params, a))
        for g in self.structure.groups:
            if g.student:  # brms's inv_chi_square_lpdf(udf_k | df_k)
                numpyro.factor(f"udf_{g.id}_prior", udf_lpdf(g, params))
            if g.cov:
                numpyro.factor(f"C_{g.id}_jacobian", params[f"C_{g.id}_log_jac"])
            if g.centred:
                # brms's std_normal(z) at the mapped z plus log|dz/dz_k| (MVN(0, Sigma) of r).
                _, z, log_jac = group_map(g, params, data)
                numpyro.factor(
                    f"z_{g.id}_prior", jnp.sum(dist.Normal(0.0, 1.0).log_prob(z)) + log_jac
                )
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
    def assemble(
        self, values: Mapping[str, Array], prior_args: PyTree, data: PyTree = None
    ) -> dict[str, Array]:
        """Full parameter vectors (constant elements filled in) plus ``z_k`` and ``L_k``.

        ``data`` is needed where a ``b`` site is sampled in QR coordinates (``FixedPlan.qr``).
        """
        params = {
            k: v
            for k, v in values.items()
            if k.startswith(("z_", "L_", "zs_", "zgp", "zme", "Lme", "udf_"))
        }
        values = dict(values)
        for g in self.structure.groups:
            if g.cov:
                cov = cov_params(g.M, values[f"C_{g.id}"], data["shear_inv"][str(g.id)])
                values[f"sd_{g.id}"] = cov[1]
                params[f"C_{g.id}"], params[f"L_{g.id}"] = cov[0], cov[2]
                params[f"C_{g.id}_log_jac"] = cov[3]
        shrunk = {"b"} if any(p.kind != "lasso" for p in self.structure.shrink) else set()
        for vp in self.structure.vectors:
            if vp.name in shrunk:  # computed below from the shrinkage sites
                continue
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
            if vp.ub_arg:  # sampled in (0, 1); the bound is the argument prior_args[name]["ub"]
                x = to_bounds(vp, x, prior_args)
            params[vp.name] = x
        for fp in self.structure.fixed:
            if fp.qr:
                name = f"b{sfx(fp.dpar)}"
                if fp.qr_prior:  # brms's decomp = "QR": the priors see bQ
                    params[f"bQ{sfx(fp.dpar)}"] = params[name]
                params[name] = data["qr_inv"][fp.dpar] @ params[name]
        if self.structure.shrink:
            a = prior_args["shrink"]
            params.update(shrink_b(self.structure.shrink, values, params, a))
        params.update(car_rcar(self.structure.car, params, data))
        return params

    def site_value(
        self, name: str, value: np.ndarray, data: PyTree, values: Mapping[str, Any] | None = None
    ) -> np.ndarray:
        """The sampled site's value for a parameter's value (``R b`` for a QR ``b`` site).

        A ``z_k`` value is brms's ``z``; where ``values`` holds ``sd_k`` (and ``L_k``), it is
        mapped to the sampled coordinates of a sheared or centred group, so that ``r_k`` is
        brms's ``diag(sd) L z``; without them ``z`` is taken as the sampled value.
        """
        for fp in self.structure.fixed:
            if fp.qr and name == f"b{sfx(fp.dpar)}":
                return np.linalg.solve(np.asarray(data["qr_inv"][fp.dpar]), value)
        for g in self.structure.groups:
            sd = np.asarray((values or {}).get(f"sd_{g.id}", np.nan), dtype=float)
            if name != f"z_{g.id}" or sd.shape != (g.M,) or not (g.shear or g.centred):
                continue
            L = np.asarray(values.get(f"L_{g.id}", np.eye(g.M)) if values else np.eye(g.M))
            S = sd[:, None] * L if g.cor else np.diag(sd)
            T = np.asarray(data["shear"][str(g.id)]) if g.shear else np.eye(g.M)
            C = np.linalg.cholesky((T @ S) @ (T @ S).T)
            w = np.linalg.solve(C, T @ S @ value)
            w[: g.centred] = C[: g.centred, : g.centred] @ w[: g.centred]
            return w
        return value

    def init_sites(
        self, values: Mapping[str, Any], data: PyTree, prior_args: PyTree = None
    ) -> dict[str, Any]:
        """Initial values by site: a ``cov`` group's ``sd_k`` (and ``L_k``) become its ``C_k``.

        ``C = chol(T S S' T')`` with ``S = diag(sd) L`` (``L`` the identity when not given);
        the site holds ``log`` of its row norms and the unconstrained correlation factor. A
        parameter bounded by the data (``ndt < min_Y``) is scaled to its site's ``(0, 1)``
        with the bound in ``prior_args``.
        """
        out = dict(values) if prior_args is None else scale_init(self.structure, values, prior_args)
        for g in self.structure.groups:
            if not g.cov or f"sd_{g.id}" not in values:
                continue
            sd = np.asarray(out.pop(f"sd_{g.id}"), dtype=float).reshape(-1)
            L = np.asarray(out.pop(f"L_{g.id}", np.eye(g.M)), dtype=float)
            if sd.shape != (g.M,) or L.shape != (g.M, g.M) or not np.all(sd > 0):
                raise ModelError(
                    f"init['sd_{g.id}'] must hold {g.M} positive values (and init['L_{g.id}'] "
                    f"a {g.M} x {g.M} correlation Cholesky factor)."
                )
            A = np.asarray(data["shear"][str(g.id)]) @ (sd[:, None] * L)
            C = np.linalg.cholesky(A @ A.T)
            sd_t = np.sqrt(np.sum(C * C, axis=1))
            with jax.enable_x64(True):
                corr = np.asarray(biject_to(corr_cholesky).inv(jnp.asarray(C / sd_t[:, None])))
            out[f"C_{g.id}"] = np.concatenate([np.log(sd_t), corr])
        return out

    def group_effects(
        self, params: Mapping[str, Array], data: PyTree, key: Array | None = None
    ) -> dict[int, Array]:
        """``r_k`` as ``(n_levels, M)`` matrices, distributed as brms's ``(diag(sd) L z)^T``
        (:func:`~brmsjax.backend.model.predictor.structure_group_effects`)."""
        return structure_group_effects(self.structure, params, data, key)

    def prepare(self, prior_args: PyTree) -> PyTree:
        """Add the truncation terms of bounded priors to the prior arguments
        (:func:`~brmsjax.backend.model.prior_values.prepare_prior_args`)."""
        return prepare_prior_args(self.structure, prior_args)

    def lprior(self, params: Mapping[str, Array], prior_args: PyTree) -> Array:
        """brms's ``lprior`` (:func:`~brmsjax.backend.model.prior_values.structure_lprior`).

        ``prior_args`` must be :meth:`prepare`-d.
        """
        lp = structure_lprior(self.structure, params, prior_args)
        if self.structure.rescor_lkj:  # brms's lkj_corr_cholesky_lpdf(Lrescor | eta)
            lp = lp + lkj_corr_cholesky_lpdf(params["L_rescor"], prior_args["L_rescor"]["eta"])
        return lp

    # -- predictors and likelihood
    def linear_predictors(self, params: Mapping[str, Array], data: PyTree) -> dict[str, Array]:
        """Linear predictor of every predicted distributional parameter (``""`` is mu).

        Ordinal mu excludes the thresholds; categorical models have ``mu2``, ``mu3``, ... and
        no ``""`` entry (see :meth:`mu_eta`). The terms are summed by
        :func:`brmsjax.backend.model.predictor.linear_predictors`, as in prediction.
        """
        population = []
        mo_terms: dict[str, list[Array]] = {}
        for fp in self.structure.fixed:
            s = sfx(fp.dpar)
            terms = [params[f"Intercept{s}"]] if fp.center else []
            if fp.n_b:
                terms.append(data["X"][fp.dpar] @ params[f"b{s}"])
            if fp.offset:
                terms.append(data["offset"][fp.dpar])
            if fp.sp:
                simos = [params[f"simo{s}_{j + 1}"] for j in fp.owners]
                mo_terms[fp.dpar] = term_predictors(data["Xsp"][fp.dpar], simos, fp.sp, fp.jmo)
                if fp.me:  # me() terms: times their latent values
                    xme = me_.row_me(self.structure.me[0], params, data)
                    mo_terms[fp.dpar] = me_.me_terms(mo_terms[fp.dpar], fp.me, xme)
                if fp.mi:  # mi(x) terms: times x's latent values (data["y"] holds them)
                    yl = mv_mi.mi_lookup(fp.dpar, data)  # mi(x, idx): at index() rows
                    mo_terms[fp.dpar] = me_.me_terms(mo_terms[fp.dpar], fp.mi, yl)
                terms.append(jnp.stack(mo_terms[fp.dpar], axis=1) @ params[f"bsp{s}"])
            population.append((fp.dpar, terms))
        r = self.group_effects(params, data)
        parts = []
        for g in self.structure.groups:
            Z = data["Z"][str(g.id)]
            for m, dpar, term in g.sp:  # a mo() coefficient multiplies its term's predictor
                Z = jnp.asarray(Z).at[:, m].set(mo_terms[dpar][term])
            contrib = gather_rows(r[g.id], data["J"][str(g.id)], g.gather) * Z
            if g.mm:  # (N, G, M): the memberships' weighted effects add up
                contrib = jnp.sum(contrib, axis=1)
            for dpar, cols in g.dpar_cols:
                part = contrib if len(cols) == g.M else contrib[:, np.array(cols)]
                parts.append((dpar, jnp.sum(part, axis=1)))
        parts += gp_parts(self.structure.gps, params, data, data["y"].shape[0])
        parts += smooth_parts(self.structure, params, data) + car_parts(
            self.structure, params, data
        )
        zeros = jnp.zeros(data["y"].shape[:1], dtype=data["y"].dtype)  # (N, nresp) if mv
        eta = linear_predictors(population, parts, zeros, self.structure.categories)
        if self.structure.nonlinear is not None:  # mu of a non-linear formula
            eta[""] = nonlinear_eta(self.structure.nonlinear, eta, data["C"])
        eta.update(nlf_eta(self.structure.nlf, eta, data))  # nlf(sigma ~ ...)
        if self.structure.arma != (0, 0) or self.structure.latcov:
            eta[""] = arma_eta(eta[""], params, data)  # natural or latent residuals
        return eta

    def mu_eta(self, eta: Mapping[str, Array]) -> Array:
        """mu's linear predictor as the likelihood takes it.

        ``(N,)``, or ``(N, ncat)`` for a categorical model: a zero column for the reference
        category, then the categories' predictors in order.
        """
        return mu_eta(eta, self.structure.categories)

    def dpars(self, params: Mapping[str, Array], data: PyTree, eta: Mapping[str, Array]) -> dict:
        """Auxiliary distributional parameters on their natural scale.

        Ordinal models add ``thres``, the thresholds ``Intercept`` (``(N, nthres)`` with
        category-specific effects: ``Intercept - Xcs @ bcs``).
        """
        out = {}
        for d in self.family.dpars:
            if d in eta:
                out[d] = INV_LINKS[self.family.dpar_links[d]](eta[d])
            elif d in self.structure.fixed_dpars:
                out[d] = data["fixed_dpars"][d]
            else:
                out[d] = params[d]
        for fp in self.structure.fixed:
            if fp.thresholds:
                out["thres"] = ordinal_thresholds(params, fp)
            if fp.n_cs:  # brms: Intercept - transpose(mucs[n]), mucs = Xcs * bcs
                bcs = jnp.reshape(params["bcs"], (fp.n_cs, fp.thresholds))
                out["thres"] = out["thres"] - data["Xcs"] @ bcs
        return subtract_cs(out, eta)  # and the effects of (cs(1) | g)

    def pointwise(self, params: Mapping[str, Array], data: PyTree) -> Array:
        """Pointwise log likelihood ``(N,)``, unweighted (brms's ``log_lik``)."""
        eta = self.linear_predictors(params, data)
        if self.structure.rescor or self.family.kind == "multivariate":
            dpars = self.dpars(params, data, eta)
            L, keep = params.get("L_rescor"), data.get("mv_subset")  # subset(): masked rows
            return self.family.mv_log_lik(data["y"], eta, dpars, L, keep)  # type: ignore[attr-defined]
        return pointwise_log_lik(
            self.family,
            data["y"],
            self.mu_eta(eta),
            self.dpars(params, data, eta),
            data["addition"],
        )

    def log_lik(self, params: Mapping[str, Array], data: PyTree) -> Array:
        """Summed log likelihood (weighted by ``weights`` when the response has them).

        In the form ``Structure.likelihood`` names (:mod:`brmsjax.backend.model.forms`).
        """
        if self.structure.fcor or self.structure.sar or self.structure.cosy or self.structure.arcov:
            eta = self.linear_predictors(params, data)
            mu, dp = self.mu_eta(eta), self.dpars(params, data, eta)
            return joint_log_lik(self.structure, self.family.name, data, mu, dp, params=params)
        if any(p.marginal for p in self.structure.gps):
            resid = data["y"] - self.linear_predictors(params, data)[""]
            return gp_marginal_log_lik(self.structure.gps, params, data, resid)
        if self.structure.likelihood == "suffstat":
            return data["suff"].get("jacobian", 0.0) + suffstat_model_log_lik(
                self.structure, params, data, self.group_effects(params, data)
            )
        if self.structure.likelihood in ("marginal", "hybrid"):  # hybrid: sampled IDs' r
            beta, sigma = population_beta(self.structure, params, data)
            r = self.group_effects(params, data) if self.structure.likelihood == "hybrid" else None
            return marginal_model_log_lik(self.structure.groups, params, data, beta, sigma, r)
        if self.structure.likelihood == "glm":
            return glm_model_log_lik(
                self.structure, self.family.name, params, data, self.group_effects(params, data)
            )
        ll = self.pointwise(params, data)
        if "weights" in data["addition"]:
            ll = ll * data["addition"]["weights"]
        return jnp.sum(ll)

    def derive(
        self, u: Array, data: PyTree, prior_args: PyTree, key: Array | None = None
    ) -> dict[str, Array]:
        """Quantities saved per draw, by internal name (see :func:`brmsjax.backend.infer.draws`).

        ``b<_dpar>`` and ``Intercept<_dpar>`` (centred), ``b<_dpar>_Intercept`` (brms's
        ``Intercept - means_X @ b``; ``Intercept + means_X @ b`` for ordinal thresholds),
        scalar dpars, shown fixed dpars, ``sd_k``, ``cor_k`` (upper triangle column by column),
        ``r_k`` (levels x coefficients) and ``lprior``. ``key`` is the random key of the
        marginal form's draw of ``r_k`` (:meth:`group_effects`); other forms ignore it.
        """
        params = self.assemble(self.constrain(u), prior_args, data)
        out = {vp.name: params[vp.name] for vp in self.structure.vectors}
        out.update(car_rcar(self.structure.car, params, data), **arma_err(params, data))
        for fp in self.structure.fixed:
            s = sfx(fp.dpar)
            if fp.center or fp.thresholds:
                icpt = ordinal_thresholds(params, fp) if fp.thresholds else params[f"Intercept{s}"]
                if fp.n_b:
                    shift = data["means_X"][fp.dpar] @ params[f"b{s}"]
                    icpt = icpt + shift if fp.thresholds else icpt - shift
                out[f"b{s}_Intercept"] = icpt
        for fp in self.structure.fixed:  # brms saves a shared mo() simplex under each name
            for j, owner in enumerate(fp.owners):
                if owner != j:
                    out[f"simo{sfx(fp.dpar)}_{j + 1}"] = params[f"simo{sfx(fp.dpar)}_{owner + 1}"]
        for d in self.structure.shown:
            out[d] = jnp.asarray(data["fixed_dpars"][d])
        for g in self.structure.groups:
            if g.cor:
                L = params[f"L_{g.id}"]
                cor = L @ jnp.swapaxes(L, -1, -2)
                rows, cols = upper_pairs(g.M)
                out[f"cor_{g.id}"] = jnp.reshape(cor[..., rows, cols], (-1,))  # by levels' in turn
        if self.structure.rescor:  # brms's rescor: the upper triangle column by column
            L = params["L_rescor"]
            rows, cols = upper_pairs(self.structure.rescor)
            out["rescor"] = (L @ L.T)[rows, cols]
        for gid, r in self.group_effects(params, data, key).items():
            out[f"r_{gid}"] = r
        resid = None
        if any(p.marginal for p in self.structure.gps):
            resid = data["y"] - self.linear_predictors(params, data)[""]
        out.update(gp_derive(self.structure.gps, params, data, resid, key))
        out.update(smooth_coefficients(self.structure, params))
        out.update(shrink_saved(self.structure.shrink, params))
        out.update(me_.me_derive(self.structure.me[0], params))
        out["lprior"] = self.lprior(params, prior_args)
        return out


_PROGRAMS: dict[Hashable, ModelProgram] = {}


def program(
    structure: Structure, family: Family, kind: type[ModelProgram] = ModelProgram
) -> ModelProgram:
    """The shared program of a structure (made on first use), of class ``kind``."""
    key = (kind, structure)
    prog = _PROGRAMS.get(key)
    if prog is None:
        prog = _PROGRAMS[key] = kind(structure, family)
    return prog
