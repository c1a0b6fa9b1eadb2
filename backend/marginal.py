"""The marginal form: a gaussian model's group effects integrated out of its likelihood, exactly.

In a gaussian identity-link model with one group-level ID, the group effects ``r_j`` of
level ``j`` enter the log likelihood as a quadratic and have the prior ``r_j ~ N(0, Sigma)``
(``Sigma = S S'``, brms's ``S = diag(sd) L``). They can be integrated out in closed form::

    p(y | beta, Sigma, sigma) = integral  p(y | beta, r, sigma) N(r | 0, Sigma)  dr

The sampler then explores only ``(Intercept, b, sigma, sd, L)``: a few dozen coordinates
instead of thousands, without the funnel between ``sd`` and ``z`` that a non-centred
sampler meets for weakly identified effects (``sd_class__black`` in the seed's STAR model)
nor the one a centred sampler meets for well identified ones. Each saved draw then gets its
``r`` from the exact conditional ``p(r | y, beta, Sigma, sigma)``, a gaussian per level, so
``(beta, Sigma, sigma, r)`` are draws from brms's joint posterior: the model, the priors and
the posterior are unchanged, only the sampler's coordinates are fewer.

With ``A`` any square root of ``Sigma`` (``A A' = Sigma``), per level ``j``::

    b_j = Z_j'W (y_j - P_j beta)                 (M,)   from host statistics
    K_j = I + A' (Z_j'W Z_j) A / sigma^2          (M, M) = L_j L_j'
    v_j = L_j^-1 A' b_j / sigma^2
    log_lik = -sum(w)/2 log(2 pi sigma^2) - RSS_w(beta, r = 0) / (2 sigma^2)
              + sum_j ( -sum log diag(L_j) + |v_j|^2 / 2 )
    r_j | rest = A L_j^-T (v_j + eps_j),  eps_j ~ N(0, I)

``RSS_w(beta, 0)``, ``b_j`` and ``Z_j'W Z_j`` come from
:func:`~brmsjax.backend.forms.suffstat_data` (``reference_effects=False``), so a gradient
costs ``O(p^2 + L M^2 (M + p))`` whatever the number of rows. ``K_j >= I`` is always well
conditioned, also as ``sd -> 0``. Weights enter as brms's ``weights()`` (each row's log
likelihood times its weight), which is still a quadratic in ``r``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.linalg import solve_triangular

__all__ = [
    "conditional_effects",
    "pairs",
    "marginal_log_lik",
]


#: Largest ``M`` whose per-level Cholesky factors and solves are written out elementwise over
#: the levels (a few dozen vector operations); larger terms use batched LAPACK-style calls,
#: which on a CPU loop over the levels one small matrix at a time.
UNROLL_MAX = 8


def pairs(M: int) -> np.ndarray:
    """The ``M (M + 1) / 2`` index pairs ``(i, j)``, ``i <= j``, row by row: the order of the
    unique entries of a symmetric ``(M, M)`` matrix as the marginal form stores them."""
    return np.array([(i, j) for i in range(M) for j in range(i, M)], dtype=int).reshape(-1, 2)


def _cholesky(rows: list[list[Array]]) -> list[list[Array]]:
    """Lower Cholesky factors of matrices given by their lower entries ``rows[i][j]``
    (``j <= i``, each an ``(L,)`` vector over the levels); ``F[i][j]`` likewise."""
    M = len(rows)
    F: list[list[Array]] = [[] for _ in range(M)]
    for j in range(M):
        d = rows[j][j] - sum((F[j][k] * F[j][k] for k in range(j)), jnp.zeros(()))
        F[j].append(jnp.sqrt(d))
        for i in range(j + 1, M):
            off = rows[i][j] - sum((F[i][k] * F[j][k] for k in range(j)), jnp.zeros(()))
            F[i].append(off / F[j][j])
    return F


def _forward(F: list[list[Array]], rhs: Array) -> Array:
    """``F^-1 rhs`` per level for ``rhs`` ``(M, L)``."""
    out: list[Array] = []
    for i in range(len(F)):
        acc = rhs[i] - sum((F[i][k] * out[k] for k in range(i)), jnp.zeros(()))
        out.append(acc / F[i][i])
    return jnp.stack(out)


def _backward(F: list[list[Array]], rhs: Array) -> Array:
    """``F^-T rhs`` per level for ``rhs`` ``(M, L)``."""
    M = len(F)
    out: dict[int, Array] = {}
    for i in reversed(range(M)):
        acc = rhs[i] - sum((F[k][i] * out[k] for k in range(i + 1, M)), jnp.zeros(()))
        out[i] = acc / F[i][i]
    return jnp.stack([out[i] for i in range(M)])


def _level_terms(beta: Array, A: Array, sigma: Array,
                 suff: Mapping[str, Array]) -> tuple[Array, Any, Array, Any]:
    """``(R0, log|K_j|, v, solve)``: the residual sum of squares at ``r = 0``, each level's
    ``log|K_j|`` ``(L,)``, ``v`` ``(M, L)`` and ``solve(x) = L_j^-T x_j`` per level.

    The statistics have the levels last (``ZZ`` ``(M (M + 1) / 2, L)``: the unique entries
    of each ``Z_j'W Z_j`` in :func:`pairs` order; ``ZP`` ``(M, p, L)``; ``Ze`` ``(M, L)``). The
    unique entries of all ``K_j`` are then one matrix product, ``W' ZZ`` with ``W`` built
    from products of ``A``'s entries, each entry a contiguous vector over the levels, and the
    Cholesky factors and solves are a few dozen elementwise operations: batched LAPACK-style
    calls on tiny matrices cost far more on a CPU (one call per level).
    """
    d = beta - suff["beta0"]
    rss0 = suff["ee"] - 2.0 * (suff["Pe"] @ d) + d @ (suff["PP"] @ d)
    b = suff["Ze"] - jnp.einsum("mpl,p->ml", suff["ZP"], d)
    var = sigma * sigma
    M = A.shape[0]
    nm = pairs(M)  # pairs (n, m) of ZZ's rows
    ij = nm[:, ::-1]  # lower entries (i, j), j <= i, of K, in the same order
    # K_ij = sum_{n <= m} ZZ_nm (A_ni A_mj + [n != m] A_mi A_nj)
    twice = (nm[:, 0] != nm[:, 1]).astype(float)[:, None]
    W = (A[nm[:, 0]][:, ij[:, 0]] * A[nm[:, 1]][:, ij[:, 1]]
         + twice * A[nm[:, 1]][:, ij[:, 0]] * A[nm[:, 0]][:, ij[:, 1]])
    Kl = (W.T @ suff["ZZ"]) / var
    index = {(int(i), int(j)): k for k, (i, j) in enumerate(ij)}
    rows = [[Kl[index[i, j]] + (1.0 if i == j else 0.0) for j in range(i + 1)]
            for i in range(M)]
    rhs = A.T @ b
    if M <= UNROLL_MAX:
        F = _cholesky(rows)
        logdet = 2.0 * sum(jnp.log(F[i][i]) for i in range(M))
        v = _forward(F, rhs) / var

        def solve(x: Array) -> Array:
            return _backward(F, x)
    else:
        K = jnp.stack([jnp.stack([rows[max(i, j)][min(i, j)] for j in range(M)], axis=-1)
                       for i in range(M)], axis=-2)  # (L, M, M)
        C = jnp.linalg.cholesky(K)
        logdet = 2.0 * jnp.sum(jnp.log(jnp.diagonal(C, axis1=-2, axis2=-1)), axis=-1)
        v = solve_triangular(C, rhs.T[..., None], lower=True)[..., 0].T / var

        def solve(x: Array) -> Array:
            Ct = jnp.swapaxes(C, -1, -2)
            return solve_triangular(Ct, x.T[..., None], lower=False)[..., 0].T
    return rss0, logdet, v, solve


def marginal_log_lik(beta: Array, A: Array, sigma: Array, suff: Mapping[str, Array]) -> Array:
    """Gaussian log likelihood with the group effects integrated out (module docstring).

    ``beta`` holds ``(Intercept, b)`` in the columns' order of ``P``; ``A`` is ``(M, M)``
    with ``A A' = Sigma``.
    """
    rss0, logdet, v, _ = _level_terms(beta, A, sigma, suff)
    var = sigma * sigma
    levels = -0.5 * jnp.sum(logdet) + 0.5 * jnp.sum(v * v)
    return -0.5 * suff["n"] * jnp.log(2.0 * math.pi * var) - 0.5 * rss0 / var + levels


def conditional_effects(beta: Array, A: Array, sigma: Array, suff: Mapping[str, Array],
                        key: Array) -> Array:
    """A draw of the group effects ``(L, M)`` from ``p(r | y, beta, Sigma, sigma)``."""
    _, _, v, solve = _level_terms(beta, A, sigma, suff)
    eps = jax.random.normal(key, v.shape, v.dtype)
    return (A @ solve(v + eps)).T
