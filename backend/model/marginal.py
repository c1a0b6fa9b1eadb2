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
:func:`~brmsjax.backend.model.forms.suffstat_data` (``reference_effects=False``), so a gradient
costs ``O(p^2 + L M^2 (M + p))`` whatever the number of rows. ``K_j >= I`` is always well
conditioned, also as ``sd -> 0``. Weights enter as brms's ``weights()`` (each row's log
likelihood times its weight), which is still a quadratic in ``r``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

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


def _lower_index(M: int) -> dict[tuple[int, int], int]:
    """Row of the lower entry ``(i, j)``, ``j <= i``, of ``K`` in :func:`_level_inputs`."""
    return {(int(j), int(i)): k for k, (i, j) in enumerate(pairs(M))}  # (j, i): j >= i


def _rss0(d: Array, suff: Mapping[str, Array]) -> Array:
    """The weighted residual sum of squares at ``r = 0`` for ``beta = beta0 + d``."""
    return suff["ee"] - 2.0 * (suff["Pe"] @ d) + d @ (suff["PP"] @ d)


def _level_inputs(
    beta: Array, A: Array, sigma: Array, suff: Mapping[str, Array]
) -> tuple[Array, Array, Array]:
    """``(R0, K, rhs)``: the residual sum of squares at ``r = 0``, the lower entries of every
    ``K_j`` (``(M (M + 1) / 2, L)``, rows as :func:`_lower_index`) and ``A' b_j`` ``(M, L)``.

    The statistics have the levels last (``ZZ`` ``(M, M, L)``, ``ZP`` ``(M, p, L)``, ``Ze``
    ``(M, L)``), so that ``A' Z_j'W Z_j A`` for all levels is two matrix products and every
    entry of every ``K_j`` is one contiguous vector over the levels: the Cholesky factors and
    solves are then a few dozen elementwise operations (:func:`_cholesky`), where batched
    LAPACK-style calls on tiny matrices cost far more on a CPU (one call per level).
    """
    d = beta - suff["beta0"]
    rss0 = _rss0(d, suff)
    b = suff["Ze"] - jnp.einsum("mpl,p->ml", suff["ZP"], d)
    M = A.shape[0]
    nm = pairs(M)
    full = jnp.einsum("nk,njl->kjl", A, jnp.einsum("nml,mj->njl", suff["ZZ"], A)) / (sigma * sigma)
    # Static slices, not an index gather: a gather's gradient is a scatter-add, which on a
    # CPU cost 7x the rest of this function's value and gradient (10,000 levels).
    K = jnp.stack([full[j, i] + (1.0 if i == j else 0.0) for i, j in nm])
    return rss0, K, A.T @ b


def _rows(K: Array) -> list[list[Array]]:
    M = int(round((np.sqrt(8 * K.shape[0] + 1) - 1) / 2))
    index = _lower_index(M)
    return [[K[index[i, j]] for j in range(i + 1)] for i in range(M)]


def _inverse_lower(F: list[list[Array]]) -> list[list[Array]]:
    """``F^-1`` of lower triangular factors, entries ``G[i][j]``, ``j <= i``."""
    M = len(F)
    G: list[list[Array]] = [[] for _ in range(M)]
    for i in range(M):
        inv = 1.0 / F[i][i]
        for j in range(i):
            acc = sum((F[i][k] * G[k][j] for k in range(j, i)), jnp.zeros(()))
            G[i].append(-acc * inv)
        G[i].append(inv)
    return G


@jax.custom_vjp
def _level_sum(  # noqa: PLR0917
    d: Array,
    A: Array,
    var: Array,
    Ze: Array,
    ZZ: Array,
    ZP: Array,
) -> Array:
    """``sum_j ( -log|K_j| / 2 + |v_j|^2 / 2 )`` (module docstring) with an analytic gradient.

    Everything per level is written out elementwise over the levels (``M <= UNROLL_MAX``),
    and the gradient is a few elementwise operations plus one sum over the levels for ``A``
    and one product with ``ZP`` for ``d``. Autodiff of the same steps took two dozen
    reductions and matrix products of tiny matrices (2.2x the time on a CPU at 10,000
    levels; on a GPU, each one a kernel launch). With ``G = dl/dK = -(K^-1 + m m' / var^2)
    / 2``, ``m = K^-1 A' b`` and ``S = Z'W Z``: ``dl/dA = sum_j 2 S A G / var + b m' /
    var^2``, ``dl/db = A m / var^2`` and ``dl/dvar = sum_j (M - tr K^-1 - |m|^2 / var^2) /
    (2 var) - |v|^2 / (2 var^3)``.
    """
    return _level_sum_fwd(d, A, var, Ze, ZZ, ZP)[0]


def _level_sum_fwd(  # noqa: PLR0917
    d: Array,
    A: Array,
    var: Array,
    Ze: Array,
    ZZ: Array,
    ZP: Array,
) -> tuple[Array, tuple[Array, ...]]:
    M = A.shape[0]
    b = Ze - jnp.einsum("mpl,p->ml", ZP, d)
    SA = [
        [sum((ZZ[n, k] * A[k, j] for k in range(M)), jnp.zeros(())) for j in range(M)]
        for n in range(M)
    ]
    rows = [
        [
            sum((A[n, i] * SA[n][j] for n in range(M)), jnp.zeros(())) / var
            + (1.0 if i == j else 0.0)
            for j in range(i + 1)
        ]
        for i in range(M)
    ]
    rhs = jnp.stack([sum((A[k, i] * b[k] for k in range(M)), jnp.zeros(())) for i in range(M)])
    F = _cholesky(rows)
    v = _forward(F, rhs)
    m = _backward(F, v)
    G = _inverse_lower(F)
    inv = [
        [sum((G[q][i] * G[q][j] for q in range(max(i, j), M)), jnp.zeros(())) for j in range(M)]
        for i in range(M)
    ]  # (K^-1)_ij, both triangles
    logdet = 2.0 * sum((jnp.log(F[i][i]) for i in range(M)), jnp.zeros(()))
    quad = jnp.sum(v * v, axis=0)
    value = jnp.sum(-0.5 * logdet + 0.5 * quad / (var * var))
    tr_inv = sum((inv[i][i] for i in range(M)), jnp.zeros(()))
    mm = jnp.sum(m * m, axis=0)
    dvar = jnp.sum(
        (0.5 * M - 0.5 * tr_inv - 0.5 * mm / (var * var)) / var - 0.5 * quad / (var * var * var)
    )
    return value, (
        jnp.stack([jnp.stack(r) for r in inv]),
        jnp.stack([jnp.stack(r) for r in SA]),
        m,
        b,
        A,
        var,
        dvar,
        ZP,
    )


def _level_sum_bwd(res: tuple[Array, ...], g: Array) -> tuple[Array | None, ...]:
    inv, SA, m, b, A, var, dvar, ZP = res
    M = A.shape[0]
    w = 1.0 / (var * var)
    Gm = [[-0.5 * (inv[i, j] + m[i] * m[j] * w) for j in range(M)] for i in range(M)]
    dA = jnp.stack(
        [
            jnp.stack(
                [
                    sum((SA[a, j] * Gm[j][c] for j in range(M)), jnp.zeros(())) * (2.0 / var)
                    + b[a] * m[c] * w
                    for c in range(M)
                ]
            )
            for a in range(M)
        ]
    )
    Am = jnp.stack([sum((A[a, c] * m[c] for c in range(M)), jnp.zeros(())) for a in range(M)])
    dd = -jnp.einsum("mpl,ml->p", ZP, Am) * w
    return g * dd, g * jnp.sum(dA, axis=-1), g * dvar, None, None, None


_level_sum.defvjp(_level_sum_fwd, _level_sum_bwd)


def _dense(K: Array, M: int) -> Array:
    """Cholesky factors ``(L, M, M)`` of the ``K_j`` from their lower entries (LAPACK)."""
    rows = _rows(K)
    full = jnp.stack(
        [jnp.stack([rows[max(i, j)][min(i, j)] for j in range(M)], axis=-1) for i in range(M)],
        axis=-2,
    )
    return jnp.linalg.cholesky(full)


def marginal_log_lik(beta: Array, A: Array, sigma: Array, suff: Mapping[str, Array]) -> Array:
    """Gaussian log likelihood with the group effects integrated out (module docstring).

    ``beta`` holds ``(Intercept, b)`` in the columns' order of ``P``; ``A`` is ``(M, M)``
    with ``A A' = Sigma``.
    """
    var = sigma * sigma
    M = A.shape[0]
    d = beta - suff["beta0"]
    if M <= UNROLL_MAX:
        levels = _level_sum(d, A, var, suff["Ze"], suff["ZZ"], suff["ZP"])
    else:
        _, K, rhs = _level_inputs(beta, A, sigma, suff)
        C = _dense(K, M)
        logdet = 2.0 * jnp.sum(jnp.log(jnp.diagonal(C, axis1=-2, axis2=-1)))
        v = solve_triangular(C, rhs.T[..., None], lower=True)[..., 0]
        levels = -0.5 * logdet + 0.5 * jnp.sum(v * v) / (var * var)
    return -0.5 * suff["n"] * jnp.log(2.0 * math.pi * var) - 0.5 * _rss0(d, suff) / var + levels


def conditional_effects(
    beta: Array, A: Array, sigma: Array, suff: Mapping[str, Array], key: Array
) -> Array:
    """A draw of the group effects ``(L, M)`` from ``p(r | y, beta, Sigma, sigma)``."""
    _, K, rhs = _level_inputs(beta, A, sigma, suff)
    var = sigma * sigma
    M = A.shape[0]
    eps = jax.random.normal(key, rhs.shape, rhs.dtype)
    if M <= UNROLL_MAX:
        F = _cholesky(_rows(K))
        u = _backward(F, _forward(F, rhs) / var + eps)
    else:
        C = _dense(K, M)
        v = solve_triangular(C, rhs.T[..., None], lower=True)[..., 0] / var
        Ct = jnp.swapaxes(C, -1, -2)
        u = solve_triangular(Ct, (v + eps.T)[..., None], lower=False)[..., 0].T
    return (A @ u).T
