"""Group-level terms: from sampled coordinates to effects, covariances and correlations.

brms maps ``z ~ N(0, I)`` to a group's effects ``r = diag(sd) L z``. brmsjax may sample other
coordinates of the same model (sheared, partly centred, or the covariance's Cholesky factor
itself, see :class:`~brmsjax.backend.model.plans.GroupPlan`): :func:`group_map` maps them to
``r`` with the log Jacobian, :func:`cov_params` turns a ``C_k`` site into ``sd_k`` and
``L_k``, :func:`effects_sqrt` gives a square root of the group's covariance (the marginal
form's), and :func:`upper_pairs` brms's order of correlations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.linalg import solve_triangular
from jax.scipy.special import gammaln
from numpyro.distributions.transforms import biject_to

from brmsjax.backend.model.plans import GroupPlan
from brmsjax.backend.model.transforms import corr_cholesky

__all__ = ["cov_params", "effects_sqrt", "group_map", "student_scale", "udf_lpdf", "upper_pairs"]

PyTree = Any


def upper_pairs(M: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of brms's correlation order: (1,2), (1,3), (2,3), (1,4), ..."""
    pairs = [(j, k) for k in range(M) for j in range(k)]
    return np.array([p[0] for p in pairs], dtype=int), np.array([p[1] for p in pairs], dtype=int)


def group_map(
    g: GroupPlan, params: Mapping[str, Array], data: PyTree
) -> tuple[Array, Array, Array]:
    """``(r, z, log_jac)`` of a group from its sampled site ``w = params["z_<id>"]``.

    ``r`` is ``(M, n_levels)``; ``z`` has the norm of brms's ``z = S^-1 r`` per level (it is
    brms's ``z`` up to an orthogonal map), and ``log_jac = log|det dz/dw|``:
    ``-n_levels * sum(log diag(C11))`` for ``k`` leading centred coordinates, 0 when none.
    """
    sd, w = jnp.asarray(params[f"sd_{g.id}"]), jnp.asarray(params[f"z_{g.id}"])
    if g.nby:  # gr(g, by = f): level j takes its by level's diag(sd) L (brms's scale_r_cor_by)
        Jby = data["Jby"][str(g.id)]
        sd_j = jnp.reshape(sd, (g.nby, g.M))[Jby].T  # (M, n_levels)
        if g.cor:
            w = jnp.einsum("jmk,kj->mj", params[f"L_{g.id}"][Jby], w)
        return sd_j * w, jnp.asarray(params[f"z_{g.id}"]), jnp.zeros(())
    k = min(g.centred, g.M)
    L = params[f"L_{g.id}"] if g.cor else None
    if not (g.shear or k):
        return sd[:, None] * (L @ w if L is not None else w), w, jnp.zeros(())
    S = sd[:, None] * L if L is not None else jnp.diag(sd)
    key = str(g.id)
    if k == g.M and not g.cov:  # fully centred: w = T r, z = S^-1 r, log|det S^-1| per level
        r = data["shear_inv"][key] @ w if g.shear else w
        z = solve_triangular(S, r, lower=True)
        return r, z, -g.n_levels * jnp.sum(jnp.log(jnp.diagonal(S)))
    if g.cov:
        C = params[f"C_{g.id}"]
    elif g.shear:
        A = data["shear"][key] @ S
        C = jnp.linalg.cholesky(A @ A.T)
    else:
        C = S
    z = w
    log_jac = jnp.zeros(())
    if k:
        z = jnp.concatenate([solve_triangular(C[:k, :k], w[:k], lower=True), w[k:]])
        log_jac = -g.n_levels * jnp.sum(jnp.log(jnp.diagonal(C)[:k]))
    r = C @ z
    return (data["shear_inv"][key] @ r if g.shear else r), z, log_jac


def effects_sqrt(g: GroupPlan, params: Mapping[str, Array], data: PyTree) -> Array:
    """A square root ``A`` of the group's covariance ``Sigma = A A'`` (``(M, M)``).

    ``T^-1 C`` for a ``cov`` group, brms's ``S = diag(sd) L`` (``diag(sd)`` for ``||``)
    otherwise.
    """
    if g.cov:
        return data["shear_inv"][str(g.id)] @ params[f"C_{g.id}"]
    sd = jnp.asarray(params[f"sd_{g.id}"])
    return sd[:, None] * params[f"L_{g.id}"] if g.cor else jnp.diag(sd)


def cov_params(M: int, u: Array, shear_inv: Array) -> tuple[Array, Array, Array, Array]:
    """``(C, sd, L, log_jac)`` from a ``C_k`` site ``u`` (see ``GroupPlan.cov``).

    ``u[:M]`` is ``log(sd_T)`` and ``u[M:]`` the unconstrained correlation Cholesky factor
    ``L_T`` (Stan's transform) of the sheared effects; ``C = diag(sd_T) L_T`` and
    ``S = T^-1 C`` has ``S S' = diag(sd) L L' diag(sd)`` (for slopes ``sd = sd_T``).
    ``log_jac = log|det d(sd, L_strict) / du|``, rows ``i = 0..M-1``: ``sum log sd_T`` (exp),
    Stan's Jacobian of ``L_T``, ``sum_i (i log sd_T_i - log L_T_ii)`` (``-> C``, polar
    coordinates per row), ``sum_i (M-i) log C_ii`` (``C -> C C'``; ``det T = 1``), minus
    ``M sum log sd`` (``(sd, R) -> Sigma``; the ``2^M`` cancel) and
    ``sum_i (M-1-i) log L_ii`` (``L -> R = L L'``).
    """
    u = jnp.asarray(u)
    to_chol = biject_to(corr_cholesky)
    sd_t, L_t = jnp.exp(u[:M]), to_chol(u[M:])
    C = sd_t[:, None] * L_t
    S = shear_inv @ C
    sd = jnp.sqrt(jnp.sum(S * S, axis=1))
    U = S / sd[:, None]
    L = jnp.linalg.cholesky(U @ U.T)
    i = np.arange(M)
    log_diag_t = jnp.log(jnp.diagonal(L_t))
    log_jac = (
        jnp.sum(u[:M])
        + to_chol.log_abs_det_jacobian(u[M:], L_t)
        + jnp.sum(i * u[:M] - log_diag_t)
        + jnp.sum((M - i) * (u[:M] + log_diag_t))
        - M * jnp.sum(jnp.log(sd))
        - jnp.sum((M - 1 - i) * jnp.log(jnp.diagonal(L)))
    )
    return C, sd, L, log_jac


def student_scale(g: GroupPlan, params: Mapping[str, Array]) -> Array:
    """brms's ``dfm_k = sqrt(df_k * udf_k)``: per level, the scale of a student-t group's
    effects (``gr(g, dist = "student")``; ``r = dfm_k * diag(sd) L z``)."""
    return jnp.sqrt(params[f"df_{g.id}"] * params[f"udf_{g.id}"])


def udf_lpdf(g: GroupPlan, params: Mapping[str, Array]) -> Array:
    """Stan's ``inv_chi_square_lpdf(udf_k | df_k)`` summed over the levels."""
    nu, u = params[f"df_{g.id}"], params[f"udf_{g.id}"]
    lp = -0.5 * nu * jnp.log(2.0) - gammaln(0.5 * nu) - (0.5 * nu + 1) * jnp.log(u) - 0.5 / u
    return jnp.sum(lp)


def gather_rows(r: Array, J: Array, how: str) -> Array:
    """``r[J]``: each row's group effects ``(N, M)`` from the levels' ``(L, M)``."""
    if how == "onehot":
        return jax.nn.one_hot(J, r.shape[0], dtype=r.dtype) @ r
    if how == "sorted":
        return r.at[J].get(indices_are_sorted=True, mode="promise_in_bounds")
    return r[J]
