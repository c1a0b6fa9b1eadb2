"""The dense Schur complement's factorizations, in XLA: inverse, log determinant and draws.

The crossed marginal form factors the Schur complement ``S`` (``q2 x q2``, symmetric
positive definite) of the IDs that are not eliminated once per gradient
(:mod:`.loglik`). Its gradient needs all of ``S^-1`` (``dl/dS = -S^-1 / 2 - ...``), so the
log likelihood takes ``(S^-1, log|S|)`` from one Gauss-Jordan elimination without pivoting
(its pivots are the squared diagonal of the Cholesky factor):

- up to :data:`BLOCK_MIN` effects, :func:`gauss_jordan`, ``q2`` rank-one updates (a loop in
  XLA, not a LAPACK call: jaxlib's LAPACK comes from a threaded OpenBLAS, and with the
  chains' parallel threads on a loaded 2-core machine one ``76 x 76`` factor took 100 ms
  instead of 1 ms);
- above it, :func:`blocked_gauss_jordan`: the same elimination by blocks of :data:`BLOCK`
  pivots, ``q2 / BLOCK`` rank-``BLOCK`` updates, each one matrix product. The rank-one loop
  reads and writes all of ``S`` once per pivot; at ``q2 = 1,142`` (lme4's InstEval: the
  lecturers and departments) it took 1.3-5 s, the blocked one 0.17-0.4 s on the same
  loaded machine (benchmarks/RESULTS.md, "InstEval").

A draw of the effects (once per saved draw, not per gradient) takes LAPACK's Cholesky
factor above :data:`BLOCK_MIN` (:func:`dense_draw`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

__all__ = [
    "BLOCK",
    "BLOCK_MIN",
    "blocked_gauss_jordan",
    "dense_draw",
    "gauss_jordan",
    "inverse_logdet",
]

#: Pivots per block of :func:`blocked_gauss_jordan`.
BLOCK = 192
#: Largest ``q2`` factored by the rank-one loop :func:`gauss_jordan`.
BLOCK_MIN = 256


def gauss_jordan(S: Array) -> tuple[Array, Array]:
    """``(S^-1, log|S|)`` of a symmetric positive definite ``S`` by Gauss-Jordan elimination
    without pivoting: a loop of ``q2`` rank-one updates in XLA (module docstring)."""
    n = S.shape[0]

    def step(k: Array, carry: tuple[Array, Array]) -> tuple[Array, Array]:
        A, logdet = carry
        p = A[k, k]
        row, col = A[k] / p, A[:, k]
        A = A - jnp.outer(col, row)
        A = A.at[k].set(row).at[:, k].set(-col / p).at[k, k].set(1.0 / p)
        return A, logdet + jnp.log(p)

    return jax.lax.fori_loop(0, n, step, (S, jnp.zeros((), S.dtype)))


def blocked_gauss_jordan(S: Array, block: int = BLOCK) -> tuple[Array, Array]:
    """``(S^-1, log|S|)`` by Gauss-Jordan elimination over blocks of ``block`` pivots.

    ``S`` is padded with the identity to a multiple of ``block`` (which changes neither the
    inverse's leading block nor the determinant). Eliminating pivot block ``k`` with
    ``P = A_kk``: ``A_kk <- P^-1``, row ``A_k. <- P^-1 A_k.``, column ``A_.k <- -A_.k P^-1``,
    the rest ``A_ij <- A_ij - A_ik P^-1 A_kj``, where ``P``'s inverse and log determinant
    come from :func:`gauss_jordan` (``P`` is a Schur complement of ``S``, so it is positive
    definite and the product of its pivots is one factor of ``|S|``).
    """
    n = S.shape[0]
    nblk = -(-n // block)
    m = nblk * block
    A = jnp.eye(m, dtype=S.dtype).at[:n, :n].set(S).reshape(nblk, block, nblk, block)

    def step(k: Array, carry: tuple[Array, Array]) -> tuple[Array, Array]:
        A, logdet = carry
        Pinv, ld = gauss_jordan(A[k, :, k, :])
        col = A[:, :, k, :]  # (nblk, block, block): block column k
        row = jnp.einsum("ab,bjc->ajc", Pinv, A[k])  # P^-1 A_k.
        A = A - jnp.einsum("iab,bjc->iajc", col, row)
        A = A.at[k].set(row)
        A = A.at[:, :, k, :].set(-jnp.einsum("iab,bc->iac", col, Pinv))
        A = A.at[k, :, k, :].set(Pinv)
        return A, logdet + ld

    A, logdet = jax.lax.fori_loop(0, nblk, step, (A, jnp.zeros((), S.dtype)))
    return A.reshape(m, m)[:n, :n], logdet


def inverse_logdet(S: Array) -> tuple[Array, Array]:
    """``(S^-1, log|S|)``: :func:`gauss_jordan` up to :data:`BLOCK_MIN` rows, else
    :func:`blocked_gauss_jordan` (the size is static, so one of them is compiled)."""
    if S.shape[0] <= BLOCK_MIN:
        return gauss_jordan(S)
    return blocked_gauss_jordan(S, BLOCK)


def _cholesky_loop(S: Array) -> Array:
    """The lower Cholesky factor of ``S`` by ``q2`` rank-one updates (see
    :func:`gauss_jordan` for why not LAPACK)."""
    n = S.shape[0]
    idx = jnp.arange(n)

    def step(k: Array, carry: tuple[Array, Array]) -> tuple[Array, Array]:
        A, L = carry
        col = jnp.where(idx >= k, A[:, k], 0.0) / jnp.sqrt(A[k, k])
        return A - jnp.outer(col, col), L.at[:, k].set(col)

    return jax.lax.fori_loop(0, n, step, (S, jnp.zeros_like(S)))[1]


def _upper_solve(L: Array, v: Array) -> Array:
    """``L^-T v`` for a lower triangular ``L``, by a loop (no LAPACK)."""
    n = L.shape[0]

    def step(i: Array, x: Array) -> Array:
        k = n - 1 - i
        return x.at[k].set((v[k] - L[:, k] @ x) / L[k, k])

    return jax.lax.fori_loop(0, n, step, jnp.zeros_like(v))


def dense_draw(S: Array, g: Array, var: Array, eps: Array) -> Array:
    """A draw of ``N(S^-1 g / var, S^-1)`` from standard normal ``eps``:
    ``S^-1 g / var + C^-T eps`` with ``S = C C'``.

    Up to :data:`BLOCK_MIN` rows by loops in XLA (:func:`gauss_jordan`'s reason); above it
    by LAPACK's Cholesky factor and triangular solves (``q2^3 / 3`` flops once per saved
    draw, against the loops' ``q2`` passes over ``S``).
    """
    if S.shape[0] <= BLOCK_MIN:
        Sinv, _ = gauss_jordan(S)
        return Sinv @ g / var + _upper_solve(_cholesky_loop(S), eps)
    C = jnp.linalg.cholesky(S)
    mean = jax.scipy.linalg.cho_solve((C, True), g) / var
    return mean + jax.scipy.linalg.solve_triangular(C, eps, lower=True, trans="T")
