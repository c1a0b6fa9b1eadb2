"""Gaussian process terms ``gp()`` in the model, as brms 2.18's Stan code writes them.

Per term (key ``_1``, ``_sigma_1``) the model has ``sdgp<key>`` (one per sub-GP, ``lb = 0``),
``lscale<key>`` (per sub-GP one length-scale, or one per dimension when ``iso = FALSE``,
``lb = 0``) and per sub-GP ``j`` standard-normal latent variables, the site ``zgp<key>_<j>``.

- Approximate GP (``k`` given), brms's ``spd_cov_exp_quad``: the basis coefficients are
  ``sqrt(spd(slambda)) * zgp``, with the spectral density of the squared-exponential kernel
  ``sdgp^2 (sqrt(2 pi) l)^D exp(-l^2 |slambda|^2 / 2)`` (non-isotropic: ``prod(l)`` and
  ``exp(-sum_d l_d^2 slambda_d^2 / 2)``), and the GP at the points is ``Xgp @ coefficients``.
- Exact GP, brms's ``gp()``: ``chol(K + 1e-12 I) @ zgp`` with ``K = sdgp^2 exp(-|x - x'|^2 /
  (2 l^2))`` (non-isotropic: a product over the dimensions). O(n^3) per gradient.

The GP at the points is then taken per row (``Jgp``), multiplied by the contrast of a factor
``by`` on its rows (``Igp``, ``Cgp``) or by a numeric ``by`` (``Cgp``), and added to the
dpar's linear predictor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.backend.families.registry import Family
from brmsjax.backend.model.plans import GpPlan, zgp_site
from brmsjax.formula.design.gp import GpBlock
from brmsjax.formula.design.ir import Design

__all__ = [
    "GpPlan",
    "cov_exp_quad",
    "gp_data",
    "gp_derive",
    "gp_marginal_log_lik",
    "gp_parts",
    "gp_plan",
    "marginal_gp",
    "row_basis",
    "spd_cov_exp_quad",
    "zgp_site",
]

PyTree = Any
JITTER = 1e-12


def gp_plan(block: GpBlock, marginal: bool = False) -> GpPlan:
    """The plan of a design's GP term (``marginal``: its latents integrated out, see
    :func:`gp_marginal_log_lik`)."""
    return GpPlan(
        block.prefix(),
        block.dpar,
        block.approx,
        block.n_lscale,
        block.latent_sizes,
        block.by,
        block.term.gr,
        marginal,
    )


def _sq_dists(points: np.ndarray, iso: bool) -> np.ndarray:
    """``(Dls, n, n)`` squared distances: summed over the dimensions when isotropic."""
    d2 = (points[:, None, :] - points[None, :, :]) ** 2
    return np.moveaxis(d2, 2, 0).sum(axis=0, keepdims=True) if iso else np.moveaxis(d2, 2, 0)


def gp_data(block: GpBlock) -> dict[str, Any]:
    """The term's data arrays (arguments of the model): per sub-GP the basis ``X`` and
    ``slambda`` (approximate) or the squared distances ``D2`` (exact), the row index ``J``,
    the rows ``I`` and contrasts ``C`` of a factor ``by``; ``Cgp`` of a numeric ``by``."""
    out: dict[str, Any] = {}
    subs = block.subs
    if block.approx:
        out["X"] = [np.asarray(s.X, dtype=float) for s in subs]
        out["slambda"] = [np.asarray(s.slambda, dtype=float) for s in subs]
    else:
        out["D2"] = [_sq_dists(np.asarray(s.points, dtype=float), block.term.iso) for s in subs]
    if block.term.gr:
        out["J"] = [np.asarray(s.J, dtype=np.int32) for s in subs]
    if block.by == "factor":
        out["I"] = [np.asarray(s.I, dtype=np.int32) for s in subs]
        out["C"] = [np.asarray(s.C, dtype=float) for s in subs]
    if block.Cgp is not None:
        out["Cgp"] = np.asarray(block.Cgp, dtype=float)
    return out


def row_basis(block: GpBlock, n: int) -> list[np.ndarray]:
    """Per sub-GP the ``(N, NB)`` basis at every row (the exact GP's: each row's point as a
    one-hot row), times the row's contrast (0 on rows outside a factor ``by`` level): the term
    is ``sum_j A_j beta_j``."""
    out = []
    for sub in block.subs:
        X = np.asarray(sub.X, dtype=float) if block.approx else np.eye(sub.n_points)
        rows = X[sub.J] if sub.J is not None else X
        full = np.zeros((n, X.shape[1]))
        if sub.I is not None and sub.C is not None:
            full[sub.I] = rows * sub.C[:, None]
        else:
            full = rows.copy()
        if block.Cgp is not None:
            full = full * np.asarray(block.Cgp, dtype=float)[:, None]
        out.append(full)
    return out


def spd_cov_exp_quad(slambda: Array, sdgp: Array, lscale: Array) -> Array:
    """brms's ``spd_cov_exp_quad``: the spectral density of the squared-exponential kernel at
    the ``(NB, D)`` frequencies ``slambda``; ``lscale`` has one (isotropic) or ``D`` entries."""
    D = slambda.shape[-1]
    if lscale.shape[-1] == 1:
        ell = lscale[..., 0]
        constant = sdgp**2 * (math.sqrt(2 * math.pi) * ell) ** D
        return constant * jnp.exp(-0.5 * ell**2 * jnp.sum(slambda**2, axis=-1))
    constant = sdgp**2 * math.sqrt(2 * math.pi) ** D * jnp.prod(lscale, axis=-1)
    return constant * jnp.exp(-0.5 * jnp.sum(lscale**2 * slambda**2, axis=-1))


def cov_exp_quad(d2: Array, sdgp: Array, lscale: Array) -> Array:
    """The squared-exponential covariance from ``(Dls, n, m)`` squared distances."""
    return sdgp**2 * jnp.exp(-0.5 * jnp.sum(d2 / (lscale[:, None, None] ** 2), axis=0))


def _sub_values(plan: GpPlan, d: Mapping[str, Any], j: int, sd: Array, *pars: Array) -> Array:
    """The GP of sub-GP ``j`` at its points (``pars``: its length-scales and latents)."""
    ls, z = pars
    if plan.approx:
        return d["X"][j] @ (jnp.sqrt(spd_cov_exp_quad(d["slambda"][j], sd, ls)) * z)
    cov = cov_exp_quad(d["D2"][j], sd, ls)
    cov = cov + JITTER * jnp.eye(cov.shape[0], dtype=cov.dtype)
    return jnp.linalg.cholesky(cov) @ z


def gp_parts(
    plans: tuple[GpPlan, ...], params: Mapping[str, Array], data: PyTree, n: int
) -> list[tuple[str, Array]]:
    """``(dpar, (N,) contribution)`` of every GP term, for the linear predictors."""
    parts = []
    for plan in plans:
        if plan.marginal:  # integrated out: gp_marginal_log_lik
            continue
        d = data["gp"][plan.key]
        sd = jnp.reshape(params[f"sdgp{plan.key}"], (-1,))
        ls = jnp.reshape(params[f"lscale{plan.key}"], (plan.K, plan.n_lscale))
        total = jnp.zeros(n, dtype=sd.dtype)
        for j in range(plan.K):
            f = _sub_values(plan, d, j, sd[j], ls[j], params[zgp_site(plan.key, j + 1)])
            if plan.gr:
                f = f[d["J"][j]]
            if plan.by == "factor":
                total = total.at[d["I"][j]].add(d["C"][j] * f)
            else:
                total = total + f
        if plan.by == "numeric":
            total = total * d["Cgp"]
        parts.append((plan.dpar, total))
    return parts


def gp_derive(
    plans: tuple[GpPlan, ...],
    params: Mapping[str, Array],
    data: PyTree,
    resid: Array | None = None,
    key: Array | None = None,
) -> dict[str, Array]:
    """The latent variables saved with each draw, by site name; those of marginal terms drawn
    from their conditional given the residual ``resid`` with the random ``key``."""
    out = {
        zgp_site(p.key, j): params[zgp_site(p.key, j)]
        for p in plans
        if not p.marginal
        for j in range(1, p.K + 1)
    }
    if any(p.marginal for p in plans):
        if resid is None or key is None:
            raise ValueError("Marginal GP terms draw their latents: pass the residual and a key.")
        B, sites, sizes = _marginal_basis(plans, params, data)
        sigma = params["sigma"]
        Lm, w = _marginal_factor(B, resid, sigma)
        eps = jax.random.normal(key, w.shape, dtype=w.dtype)
        z = jax.scipy.linalg.solve_triangular(Lm.T, w / sigma**2 + eps, lower=False)
        start = 0
        for site, size in zip(sites, sizes, strict=True):
            out[site] = z[start : start + size]
            start += size
    return out


def _marginal_basis(
    plans: tuple[GpPlan, ...], params: Mapping[str, Array], data: PyTree
) -> tuple[Array, list[str], list[int]]:
    """``B = [A_j sqrt(spd_j)]`` (exact: ``A_j chol(K_j)``) over the sub-GPs of marginal
    terms, their sites and sizes."""
    cols, sites, sizes = [], [], []
    for plan in plans:
        if not plan.marginal:
            continue
        d = data["gp"][plan.key]
        sd = jnp.reshape(params[f"sdgp{plan.key}"], (-1,))
        ls = jnp.reshape(params[f"lscale{plan.key}"], (plan.K, plan.n_lscale))
        for j in range(plan.K):
            if plan.approx:
                s = jnp.sqrt(spd_cov_exp_quad(d["slambda"][j], sd[j], ls[j]))
                cols.append(d["A"][j] * s[None, :])
            else:  # the exact GP is chol(K) zgp at the points
                cov = cov_exp_quad(d["D2"][j], sd[j], ls[j])
                cov = cov + JITTER * jnp.eye(cov.shape[0], dtype=cov.dtype)
                cols.append(d["A"][j] @ jnp.linalg.cholesky(cov))
            sites.append(zgp_site(plan.key, j + 1))
            sizes.append(plan.sizes[j])
    return jnp.concatenate(cols, axis=1), sites, sizes


def _marginal_factor(B: Array, resid: Array, sigma: Array) -> tuple[Array, Array]:
    """``chol(I + B'B / sigma^2)`` and ``w = Lm^-1 B' r``."""
    M = jnp.eye(B.shape[1], dtype=B.dtype) + (B.T @ B) / sigma**2
    Lm = jnp.linalg.cholesky(M)
    w = jax.scipy.linalg.solve_triangular(Lm, B.T @ resid, lower=True)
    return Lm, w


def gp_marginal_log_lik(
    plans: tuple[GpPlan, ...], params: Mapping[str, Array], data: PyTree, resid: Array
) -> Array:
    """The gaussian log likelihood with the GPs' latents integrated out.

    With ``B = [A_j sqrt(spd_j)]`` (the basis at the rows scaled by the spectral densities;
    for an exact GP ``A_j chol(K_j)`` with ``A_j`` each row's point, O(N n^2 + n^3)),
    brms's ``y ~ N(eta + B zgp, sigma)``, ``zgp ~ N(0, I)`` is ``y ~ N(eta, sigma^2 I + B B')``
    (same posterior of every other parameter, no funnel between ``sdgp``, ``lscale`` and
    ``zgp``); by Woodbury with ``M = I + B'B / sigma^2``: ``log|Sigma| = 2 N log sigma +
    log|M|`` and ``r' Sigma^-1 r = (r'r - |chol(M)^-1 B'r|^2 / sigma^2) / sigma^2``.
    :func:`gp_derive` draws ``zgp`` from its conditional ``N(M^-1 B'r / sigma^2, M^-1)``.
    """
    B, _, _ = _marginal_basis(plans, params, data)
    sigma = params["sigma"]
    Lm, w = _marginal_factor(B, resid, sigma)
    n = resid.shape[0]
    quad = (jnp.sum(resid**2) - jnp.sum(w**2) / sigma**2) / sigma**2
    logdet = 2 * n * jnp.log(sigma) + 2 * jnp.sum(jnp.log(jnp.diag(Lm)))
    return -0.5 * (n * math.log(2 * math.pi) + logdet + quad)


def marginal_gp(
    design: Design,
    family: Family,
    fixed_dpars: Mapping[str, float],
    aux: tuple[str, ...],
    sample_prior: str,
) -> bool:
    """Whether the GPs' latents can be integrated out exactly
    (:func:`~brmsjax.backend.model.terms.gp.gp_marginal_log_lik`): a gaussian identity-link model
    with a scalar sigma, only GP terms of mu, no group-level terms and no addition
    terms (weights, censoring, ...)."""
    return (
        family.name == "gaussian"
        and family.link == "identity"
        and sample_prior != "only"
        and "sigma" in aux
        and not fixed_dpars
        and len(design.fixed) == 1
        and not design.groups
        and not design.response.addition
        and not design.smooths
        and bool(design.gps)
        and all(not b.dpar for b in design.gps)
    )
