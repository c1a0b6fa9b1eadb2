"""Host statistics of the crossed marginal form, in float64, computed once per data set.

With the group effects of all IDs stacked as ``r = Lambda u`` (``u ~ N(0, I)``, ``Lambda``
block-diagonal: each level's ``A_k``, ``A_k A_k' = Sigma_k``) and ``Z`` the stacked group
design, the likelihood needs ``G = Z'WZ``, ``Z'W e0`` and ``Z'W P`` (:mod:`.loglik`). The ID
with the most effects (``L_k M_k``) is the *eliminated* block: its ``G`` block is
block-diagonal (one ``M x M`` block per level, as every row has one level), so it is stored
per level, levels last, as the one-term form stores it. The other IDs form the *dense*
block (``q2`` effects in all): its ``G`` block is stored as a dense ``(q2, q2)`` matrix. The
coupling ``G_be`` (eliminated x dense) is sparse: one ``(M_b, M_k)`` block per pair of an
eliminated level and a dense ID's level that share a row. It is stored per pair (``V_k``)
with the pairs' levels, and the entries' *pairs* that share an eliminated level index the
Schur complement's sparse correction (:func:`crossed_data`'s ``pair_*``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import sparse

__all__ = [
    "AUTO_DENSE_MAX",
    "DENSE_MAX",
    "crossed_auto",
    "crossed_blocker",
    "crossed_data",
    "eliminated_index",
    "model_crossed_data",
]

#: Most effects of the IDs that are not eliminated (their Schur complement is factored
#: densely, ``O(q2^3)`` per gradient, :mod:`.dense`); above it the model keeps its other
#: forms. Measured on the 2-core machine under load: lme4's InstEval (q2 = 1,142) took
#: 0.5-0.7 s per gradient with the blocked elimination (5 s with the rank-one loop) against
#: 2.7 ms in the plain form, whose 4,100 sampled effects cost many more leapfrog steps per
#: draw; Penicillin (q2 = 6) 0.19 ms against 0.20 ms.
DENSE_MAX = 1536
#: Most such effects for ``likelihood = "auto"`` to pick the crossed form (from ``DENSE_MAX``
#: on it is only used when asked for): at the default 2,000 iterations per chain an
#: ``O(q2^3)`` gradient of InstEval's size (0.2 CPU s) is not shown to beat the plain form's
#: cheap gradients (2.7 ms) and longer trajectories.
AUTO_DENSE_MAX = 256


def eliminated_index(sizes: Sequence[tuple[int, int]]) -> int:
    """Which ID is eliminated: the one with the most effects ``L_k M_k`` (``sizes`` are
    ``(n_levels, M)`` per ID), the first on ties."""
    return int(np.argmax([n * m for n, m in sizes]))


def _design(J: np.ndarray, Z: np.ndarray, n_levels: int) -> sparse.csr_matrix:
    """The sparse ``(N, L M)`` design of one ID: row ``i`` holds ``Z[i]`` at level ``J[i]``."""
    N, M = Z.shape
    cols = (J[:, None] * M + np.arange(M)).ravel()
    rows = np.repeat(np.arange(N), M)
    return sparse.csr_matrix((Z.ravel(), (rows, cols)), shape=(N, n_levels * M))


def crossed_data(
    y: np.ndarray,
    P: np.ndarray,
    groups: Sequence[tuple[np.ndarray, np.ndarray, int]],
    *,
    weights: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The crossed marginal form's statistics.

    Parameters
    ----------
    y, P, weights
        Response minus offsets ``(N,)``, mu's population columns ``(N, p)`` and row weights
        (as :func:`~brmsjax.backend.model.forms.suffstat_data`).
    groups
        Per group-level ID (in the structure's order): the 0-based level index ``J`` ``(N,)``,
        the covariates ``Z`` ``(N, M)`` and the number of levels.

    Returns
    -------
    dict
        ``n``, ``ee``, ``beta0``, ``Pe``, ``PP`` as the suffstat form's (around ``r = 0``);
        the eliminated ID's ``Ze`` ``(M_b, L_b)``, ``ZZ`` ``(M_b, M_b, L_b)``, ``ZP``
        ``(M_b, p, L_b)``; the dense block's ``GD`` ``(q2, q2)``, ``ZeD`` ``(q2,)``, ``ZPD``
        ``(q2, p)``; per dense ID ``k`` (in order, the eliminated one left out) ``V<k>``
        ``(E_k, M_b, M_k)`` with its pairs' levels ``jb<k>`` (eliminated) and ``jd<k>`` (of
        ``k``); and over the flattened coupling entries (ID by ID, pair by pair, column by
        column), the pairs of entries ``a <= b`` that share an eliminated level, for the Schur
        complement (:func:`_pairs`): ``pair_s`` (that level), ``pair_up`` (the flat index of
        ``(c_a, c_b)`` in the upper triangle of ``(q2, q2)``; the pairs sorted by it) and
        ``pair_c`` ``(M_b, M_b, pairs)`` (the products ``V_a[m] V_b[n]``).
    """
    y = np.asarray(y, dtype=np.float64)
    N = len(y)
    w = np.ones(N) if weights is None else np.asarray(weights, dtype=np.float64)
    sizes = [(int(L), np.asarray(Z).reshape(N, -1).shape[1]) for _, Z, L in groups]
    b = eliminated_index(sizes)
    Jb, Zb, Lb = groups[b]
    P = np.asarray(P, dtype=np.float64).reshape(N, -1)
    out, e0 = _population_statistics(y, P, w)
    Mb = sizes[b][1]
    Zb = np.asarray(Zb, dtype=np.float64).reshape(N, Mb)
    Jb = np.asarray(Jb, dtype=np.int64)
    S = sparse.csr_matrix((w, (Jb, np.arange(N))), shape=(int(Lb), N))  # sums by level
    out["ZZ"] = np.stack([np.asarray(S @ (Zb[:, m : m + 1] * Zb)).T for m in range(Mb)])
    out["Ze"] = np.ascontiguousarray(np.asarray(S @ (Zb * e0[:, None])).T)
    out["ZP"] = np.stack([np.asarray(S @ (Zb[:, m : m + 1] * P)).T for m in range(Mb)])
    dense = [k for k in range(len(groups)) if k != b]
    parts = [
        _design(np.asarray(groups[k][0]), np.asarray(groups[k][1], dtype=float).reshape(N, -1), L)
        for k in dense
        for L in [int(groups[k][2])]
    ]
    ZD = sparse.hstack(parts, format="csr")
    WZD = sparse.diags(w) @ ZD
    out["GD"] = np.asarray((ZD.T @ WZD).toarray())
    out["ZeD"] = np.asarray(WZD.T @ e0)
    out["ZPD"] = np.asarray(WZD.T @ P)
    flat_j, flat_c, flat_v, offset = [], [], [], 0
    for k in dense:
        Jk = np.asarray(groups[k][0], dtype=np.int64)
        Zk = np.asarray(groups[k][1], dtype=np.float64).reshape(N, -1)
        Lk, Mk = sizes[k]
        pair, inv = np.unique(Jb * Lk + Jk, return_inverse=True)
        inv = inv.ravel()
        V = np.zeros((len(pair), Mb, Mk))
        np.add.at(V, inv, (w[:, None, None] * Zb[:, :, None]) * Zk[:, None, :])
        jb, jd = pair // Lk, pair % Lk
        out[f"V{k}"], out[f"jb{k}"], out[f"jd{k}"] = V, jb.astype(np.int32), jd.astype(np.int32)
        flat_j.append(np.repeat(jb, Mk))
        flat_c.append((offset + jd[:, None] * Mk + np.arange(Mk)).ravel())
        flat_v.append(np.transpose(V, (0, 2, 1)).reshape(-1, Mb))
        offset += Lk * Mk
    flat = (np.concatenate(flat_j), np.concatenate(flat_c), np.concatenate(flat_v))
    out.update(_pairs(*flat, offset))
    return out


def _population_statistics(
    y: np.ndarray, P: np.ndarray, w: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The population part of the statistics and the residuals ``e0`` at ``beta0``.

    As :func:`~brmsjax.backend.model.forms.suffstat_data`'s around ``r = 0``: ``beta0`` is
    the least-squares fit rounded to float32 values (so that ``beta - beta0`` is exact in
    float32 near it), and every term is of the order of the residual sum of squares.
    """
    Pw = P * w[:, None]
    PP = Pw.T @ P
    beta0 = np.zeros(P.shape[1])
    if P.shape[1]:
        fit = np.linalg.lstsq(PP, Pw.T @ y, rcond=None)[0]
        beta0 = np.asarray(fit, dtype=np.float32).astype(np.float64)
    e0 = y - P @ beta0
    out = {
        "n": np.asarray(w.sum()),
        "beta0": beta0,
        "PP": PP,
        "ee": np.asarray((w * e0) @ e0),
        "Pe": Pw.T @ e0,
    }
    return out, e0


def _pairs(j: np.ndarray, c: np.ndarray, v: np.ndarray, q2: int) -> dict[str, np.ndarray]:
    """The pairs ``a <= b`` of coupling entries (flattened, ``v`` ``(entries, M_b)`` their
    couplings to the eliminated level ``j``, ``c`` their dense columns) that share an
    eliminated level: that level, the flat upper-triangle index of ``(c_a, c_b)`` in the
    ``(q2, q2)`` dense block, and the products ``v_a[m] v_b[n]``.

    With ``W_j = A_b K_j^-1 A_b'`` per eliminated level, the Schur complement's correction in
    the dense IDs' data coordinates is ``sum_j B_j' W_j B_j`` (``B_j`` the coupling row of
    level ``j``): its entry ``(c_a, c_b)`` sums ``v_a' W_j v_b`` over the pairs, one weighted
    sum and one sorted scatter per gradient (:mod:`.loglik`). Two entries of one level never
    share a column, so a pair lands on the diagonal only when ``a == b``.
    """
    order = np.argsort(j, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(j[order]) != 0])
    ends = np.r_[starts[1:], len(j)]
    A, B = [], []
    for s, e in zip(starts, ends, strict=True):
        idx = order[s:e]
        ia, ib = np.triu_indices(len(idx))
        A.append(idx[ia])
        B.append(idx[ib])
    a = np.concatenate(A) if A else np.zeros(0, dtype=np.int64)
    bb = np.concatenate(B) if B else np.zeros(0, dtype=np.int64)
    lo, hi = np.minimum(c[a], c[bb]), np.maximum(c[a], c[bb])
    up = lo.astype(np.int64) * q2 + hi
    sort = np.argsort(up, kind="stable")
    a, bb, up = a[sort], bb[sort], up[sort]
    i32 = np.int32 if q2 * q2 < 2**31 - 1 else np.int64
    return {
        "pair_s": j[a].astype(np.int32),
        "pair_up": up.astype(i32),
        "pair_c": np.einsum("pm,pn->mnp", v[a], v[bb]),
    }


def crossed_blocker(groups: Sequence[Any]) -> str | None:
    """Why the crossed marginal form cannot integrate out these ``GroupPlan``s, or None.

    Every ID's effects enter mu with one level per row and no known covariance, and the IDs
    other than the eliminated one hold at most ``DENSE_MAX`` effects (their Schur complement
    is factored densely, ``O(q2^3)`` per gradient).
    """
    for g in groups:
        if getattr(g, "mm", False):
            return "the model has a multi-membership term mm()"
        if any(d != "" for d, _ in g.dpar_cols):
            return "a group-level term predicts a distributional parameter other than mu"
        if g.lcov:
            return "a group's levels have a known covariance (gr(cov = ))"
    q2 = _dense_effects(groups)
    if q2 > DENSE_MAX:
        return (
            f"the group-level IDs besides the largest have {q2} effects, more than the "
            f"{DENSE_MAX} the crossed marginal form factors densely"
        )
    return None


def _dense_effects(groups: Sequence[Any]) -> int:
    """Effects of the IDs besides the eliminated one (``q2``)."""
    sizes = [(g.n_levels, g.M) for g in groups]
    b = eliminated_index(sizes)
    return sum(n * m for k, (n, m) in enumerate(sizes) if k != b)


def crossed_auto(groups: Sequence[Any]) -> bool:
    """Whether ``likelihood = "auto"`` may pick the crossed form for these ``GroupPlan``s:
    at most :data:`AUTO_DENSE_MAX` effects besides the eliminated ID's."""
    return _dense_effects(groups) <= AUTO_DENSE_MAX


def model_crossed_data(
    data: Mapping[str, Any], y: np.ndarray, P: np.ndarray, groups: Sequence[Any]
) -> dict[str, np.ndarray]:
    """:func:`crossed_data` of a lowered model's data (``y`` minus offsets, ``P``) for its
    ``GroupPlan``s."""
    return crossed_data(
        y,
        P,
        [(data["J"][str(g.id)], data["Z"][str(g.id)], g.n_levels) for g in groups],
        weights=data["addition"].get("weights"),
    )
