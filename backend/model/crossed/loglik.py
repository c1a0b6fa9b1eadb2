"""The crossed marginal form: all group effects of several IDs integrated out, exactly.

With the effects of every ID stacked as ``r = Lambda u``, ``u ~ N(0, I)`` (``Lambda``
block-diagonal, each level's block ``A_k`` with ``A_k A_k' = Sigma_k``), ``G = Z'WZ``,
``e = y - P beta`` and ``h = Lambda' Z'W e``, the gaussian likelihood integrated over ``u`` is
(lme4's form; the matrix determinant lemma and Woodbury's identity)::

    K = I + Lambda' G Lambda / sigma^2
    log_lik = -sum(w)/2 log(2 pi sigma^2) - e'We / (2 sigma^2)
              - log|K| / 2 + h'K^-1 h / (2 sigma^4)
    u | rest ~ N(K^-1 h / sigma^2, K^-1)

``K`` is factored by block elimination (:mod:`.data`): the eliminated ID's block ``K_bb``
is block-diagonal (a small Cholesky per level, written out elementwise over the levels as
the one-term form does), and only the Schur complement ``S = K_dd - K_db K_bb^-1 K_bd`` of
the other IDs (``q2`` effects) is factored densely (:mod:`.dense`). ``K_db K_bb^-1 K_bd``
is summed over the sparse pairs of coupling entries that share an eliminated level (the
products of their data couplings precomputed, weighted by the level's ``A_b K_j^-1 A_b'``,
one sorted scatter), so a gradient costs ``O(pairs + q2^3)`` whatever the number of rows:
a nested design (classes within schools) has a diagonal correction, a crossed one (plates x
samples; InstEval's 1.8 million pairs of students' lecturers) a dense ``q2 x q2`` one. Then::

    log|K| = sum_j log|K_bb,j| + log|S|
    h'K^-1 h = h_b'K_bb^-1 h_b + g'S^-1 g,     g = h_d - K_db K_bb^-1 h_b

and a draw of ``u`` takes ``u_d = S^-1 g / sigma^2 + C^-T eps_d`` (``S = C C'``), then
``u_b = K_bb^-1 (h_b / sigma^2 - K_bd u_d) + F^-T eps_b`` (``K_bb = F F'``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import Array

from brmsjax.backend.model.crossed.data import eliminated_index
from brmsjax.backend.model.crossed.dense import dense_draw, inverse_logdet
from brmsjax.backend.model.marginal import _backward, _cholesky, _forward, _inverse_lower

__all__ = ["crossed_effects", "crossed_log_lik", "marginal_model_log_lik"]

Sizes = Sequence[tuple[int, int]]


def _zero() -> Array:
    return jnp.zeros(())


class _Parts:
    """The factored ``K`` and ``h`` at one parameter value (module docstring)."""

    def __init__(
        self,
        beta: Array,
        As: Sequence[Array],
        sigma: Array,
        suff: Mapping[str, Array],
        sizes: Sizes,
    ) -> None:
        b = eliminated_index(sizes)
        self.b, self.dense = b, [k for k in range(len(sizes)) if k != b]
        self.sizes, self.As = sizes, As
        var = sigma * sigma
        self.var = var
        d = beta - suff["beta0"]
        self.d = d
        Ab = As[b]
        Mb = sizes[b][1]
        hb = suff["Ze"] - jnp.einsum("mpl,p->ml", suff["ZP"], d)
        self.hb = jnp.stack(
            [sum((Ab[k, i] * hb[k] for k in range(Mb)), _zero()) for i in range(Mb)]
        )
        ZZ = suff["ZZ"]
        SA = [
            [sum((ZZ[n, k] * Ab[k, j] for k in range(Mb)), _zero()) for j in range(Mb)]
            for n in range(Mb)
        ]
        rows = [
            [
                sum((Ab[n, i] * SA[n][j] for n in range(Mb)), _zero()) / var
                + (1.0 if i == j else 0.0)
                for j in range(i + 1)
            ]
            for i in range(Mb)
        ]
        self.F = _cholesky(rows)
        hd = suff["ZeD"] - suff["ZPD"] @ d
        blocks, U, je, ce, offsets, off = [], [], [], [], [], 0
        for k in self.dense:
            Lk, Mk = sizes[k]
            offsets.append(off)
            hk = hd[off : off + Lk * Mk].reshape(Lk, Mk) @ As[k]
            blocks.append(hk.ravel())
            W = jnp.einsum("ma,emn,nc->eca", Ab, suff[f"V{k}"], As[k]) / var
            U.append(W.reshape(-1, Mb))
            je.append(jnp.repeat(suff[f"jb{k}"], Mk, total_repeat_length=W.shape[0] * Mk))
            cols = off + suff[f"jd{k}"][:, None] * Mk + jnp.arange(Mk)
            ce.append(cols.ravel())
            off += Lk * Mk
        self.q2, self.offsets = off, offsets
        self.hd = jnp.concatenate(blocks)
        self.U, self.je, self.ce = jnp.concatenate(U), jnp.concatenate(je), jnp.concatenate(ce)
        G = _inverse_lower(self.F)
        Kinv = jnp.stack(
            [
                jnp.stack(
                    [
                        sum((G[q][i] * G[q][j] for q in range(max(i, j), Mb)), _zero())
                        for j in range(Mb)
                    ]
                )
                for i in range(Mb)
            ]
        )  # (Mb, Mb, Lb)
        # K_db K_bb^-1 K_bd = Lambda_d' T0 Lambda_d / var^2: T0 sums v_a' W_j v_b over the
        # pairs of coupling entries sharing an eliminated level j (data.py's _pairs)
        Wb = jnp.einsum("ma,abl,nb->mnl", Ab, Kinv, Ab)
        vals = jnp.einsum("mnp,mnp->p", Wb[:, :, suff["pair_s"]], suff["pair_c"])
        T0 = jnp.zeros(off * off, vals.dtype).at[suff["pair_up"]].add(vals, indices_are_sorted=True)
        T0 = T0.reshape(off, off)
        T0 = T0 + T0.T - jnp.diag(jnp.diag(T0))
        self.S = self._dense_block(suff["GD"] - T0 / var) / var + jnp.eye(off)

    def _dense_block(self, GD: Array) -> Array:
        """``Lambda_d' G_dd Lambda_d`` block by block of the dense IDs."""
        rows = []
        for k, ok in zip(self.dense, self.offsets, strict=True):
            Lk, Mk = self.sizes[k]
            row = []
            for m, om in zip(self.dense, self.offsets, strict=True):
                Lm, Mm = self.sizes[m]
                blk = GD[ok : ok + Lk * Mk, om : om + Lm * Mm].reshape(Lk, Mk, Lm, Mm)
                out = jnp.einsum("imjn,ma,nc->iajc", blk, self.As[k], self.As[m])
                row.append(out.reshape(Lk * Mk, Lm * Mm))
            rows.append(row)
        return jnp.block(rows)

    def coupled(self, x: Array) -> Array:
        """``K_db x`` for ``x`` ``(Mb, Lb)`` over the eliminated levels: ``(q2,)``."""
        per = jnp.sum(self.U * x[:, self.je].T, axis=1)
        return jax.ops.segment_sum(per, self.ce, num_segments=self.q2)

    def coupled_t(self, x: Array) -> Array:
        """``K_bd x`` for ``x`` ``(q2,)``: ``(Mb, Lb)``."""
        Lb = self.sizes[self.b][0]
        per = self.U * x[self.ce][:, None]
        return jax.ops.segment_sum(per, self.je, num_segments=Lb).T


@jax.custom_vjp
def _dense_part(S: Array, g: Array, var: Array) -> Array:
    """``-log|S| / 2 + g'S^-1 g / (2 var^2)`` with an analytic gradient.

    With ``w = S^-1 g``: ``dl/dS = -S^-1 / 2 - w w' / (2 var^2)``, ``dl/dg = w / var^2`` and
    ``dl/dvar = -g'w / var^3``, from one inverse (:func:`~.dense.inverse_logdet`). Autodiff of a
    Cholesky factor takes several triangular solves of ``(q2, q2)`` matrices (9x the
    factor's time at ``q2 = 300`` on a CPU) and compiles slower.
    """
    return _dense_fwd(S, g, var)[0]


def _dense_fwd(S: Array, g: Array, var: Array) -> tuple[Array, tuple[Array, ...]]:
    Sinv, logdet = inverse_logdet(S)
    w = Sinv @ g
    quad = g @ w
    value = -0.5 * logdet + 0.5 * quad / (var * var)
    return value, (Sinv, w, quad, var)


def _dense_bwd(res: tuple[Array, ...], t: Array) -> tuple[Array, Array, Array]:
    Sinv, w, quad, var = res
    w2 = 1.0 / (var * var)
    dS = -0.5 * Sinv - 0.5 * w2 * jnp.outer(w, w)
    return t * dS, t * w * w2, -t * quad * w2 / var


_dense_part.defvjp(_dense_fwd, _dense_bwd)


def crossed_log_lik(
    beta: Array, As: Sequence[Array], sigma: Array, suff: Mapping[str, Array], sizes: Sizes
) -> Array:
    """Gaussian log likelihood with every group effect integrated out (module docstring).

    ``beta`` holds ``(Intercept, b)`` in ``P``'s column order, ``As`` each ID's ``A_k``
    (``(M_k, M_k)``, structure order), ``sizes`` each ID's ``(n_levels, M)``.
    """
    p = _Parts(beta, As, sigma, suff, sizes)
    var = p.var
    fb = _forward(p.F, p.hb)
    Mb = sizes[p.b][1]
    logdet_b = 2.0 * sum((jnp.sum(jnp.log(p.F[i][i])) for i in range(Mb)), _zero())
    g = p.hd - p.coupled(_backward(p.F, fb))
    rss0 = suff["ee"] - 2.0 * (suff["Pe"] @ p.d) + p.d @ (suff["PP"] @ p.d)
    return (
        -0.5 * suff["n"] * jnp.log(2.0 * math.pi * var)
        - 0.5 * rss0 / var
        - 0.5 * logdet_b
        + 0.5 * jnp.sum(fb * fb) / (var * var)
        + _dense_part(p.S, g, var)
    )


def crossed_effects(
    beta: Array,
    As: Sequence[Array],
    sigma: Array,
    suff: Mapping[str, Array],
    sizes: Sizes,
    *,
    key: Array,
) -> list[Array]:
    """A draw of every ID's effects ``(L_k, M_k)`` from ``p(r | y, beta, Sigma, sigma)``."""
    p = _Parts(beta, As, sigma, suff, sizes)
    var = p.var
    Lb, Mb = sizes[p.b]
    fb = _forward(p.F, p.hb)
    g = p.hd - p.coupled(_backward(p.F, fb))
    eps = jax.random.normal(key, (p.q2 + Mb * Lb,), g.dtype)  # one draw: one threefry to compile
    ud = dense_draw(p.S, g, var, eps[: p.q2])
    eps_b = eps[p.q2 :].reshape(Mb, Lb)
    ub = _backward(p.F, _forward(p.F, p.hb / var - p.coupled_t(ud)) + eps_b)
    out: list[Array] = [jnp.zeros(())] * len(sizes)
    out[p.b] = (As[p.b] @ ub).T
    for k, off in zip(p.dense, p.offsets, strict=True):
        Lk, Mk = sizes[k]
        out[k] = ud[off : off + Lk * Mk].reshape(Lk, Mk) @ As[k].T
    return out


def marginal_model_log_lik(  # noqa: PLR0917
    groups: Sequence[Any],
    params: Mapping[str, Array],
    data: Any,
    beta: Array,
    sigma: Array,
    sampled: Mapping[int, Array] | None = None,
) -> Array:
    """The marginal form's log likelihood: every group effect integrated out, of one ID
    (:func:`~brmsjax.backend.model.marginal.marginal_log_lik`) or of several
    (:func:`crossed_log_lik`), plus ``suff["jacobian"]`` (a family sampled on log y). With
    ``sampled``, the hybrid form's (:mod:`.hybrid`): the effects of every ID but the
    eliminated one are given, and only that one is integrated out."""
    from brmsjax.backend.model.crossed.hybrid import hybrid_log_lik
    from brmsjax.backend.model.group_terms import effects_sqrt
    from brmsjax.backend.model.marginal import marginal_log_lik

    if sampled is not None:
        return hybrid_log_lik(groups, params, data, beta, sigma, sampled)

    jacobian = data["suff"].get("jacobian", 0.0)
    if len(groups) > 1:
        As = [effects_sqrt(g, params, data) for g in groups]
        sizes = [(g.n_levels, g.M) for g in groups]
        return jacobian + crossed_log_lik(beta, As, sigma, data["suff"], sizes)
    A = effects_sqrt(groups[0], params, data)
    return jacobian + marginal_log_lik(beta, A, sigma, data["suff"])
