"""mgcv's ``smoothCon`` and ``smooth2random`` as brms 2.18 calls them, for one smooth.

brms builds each smooth with ``smoothCon(sm, data, knots, absorb.cons = TRUE,
diagonal.penalty = TRUE)`` and splits it with ``smooth2random(sm, names(data), type = 2)``
into the unpenalized columns ``Xf`` (brms's ``Xs``, coefficients ``bs``) and the penalized
columns (brms's ``Zs_<k>_1``, coefficients ``s = sds * zs``). The steps after the basis
constructor, each as mgcv does it:

1. the identifiability constraint ``C = colMeans(X)``;
2. ``scale.penalty``: ``S / (norm(S, "O") / norm(X, "I")^2)``;
3. ``absorb.cons``: the constraint absorbed by R's (LINPACK) Householder QR of ``t(C)``:
   ``X <- t(qr.qty(qrc, t(X))[-1, ])`` and the same on both sides of ``S``;
4. ``diagonal.penalty``: ``nat.param(X, S, rank, type = 2, unit.fnorm = FALSE)``: ``X`` times
   the eigenvectors of ``S`` over the square roots of their eigenvalues, the null space
   columns scaled to the penalized columns' average norm (transform ``P``);
5. ``smooth2random``: the eigenvectors of the now diagonal penalty reorder the columns (R's
   ``eigen`` is LAPACK's ``dsyevr``, which ``scipy.linalg.eigh(driver="evr")`` is too, so the
   order of the tied unit eigenvalues is R's); the last ``null`` columns are ``Xf``.

:class:`SmoothFit` keeps what new data needs (mgcv's ``PredictMat`` then brms's ``s2rPred``):
the basis evaluated at the new values goes through the same constraint, ``P`` and reordering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from .eigen import r_eigen
from .rlapack import dnrm2

__all__ = ["SmoothFit", "fixed_con", "r_eigh", "smooth_con"]


def r_eigh(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``eigen(S, symmetric = TRUE)``: eigenvalues descending, LAPACK's vectors."""
    w, v = sla.eigh(S, driver="evr")
    return w[::-1], v[:, ::-1]


def _qr_qty_drop(c: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``qr.qty(qr(t(C)), Y)[-1, ]`` for one constraint row ``c``: LINPACK's ``dqrdc2`` and
    ``dqrsl`` with reference BLAS's rounding (``dscal`` by the reciprocal norm, ``ddot``
    summed in order), so that the constrained penalty has R's bits (its eigenvectors' signs
    depend on them, see :mod:`.rlapack`)."""
    nrm = dnrm2(c)
    if c[0] != 0:
        nrm = abs(nrm) if c[0] > 0 else -abs(nrm)
    u = c * (1.0 / nrm)
    u[0] = 1.0 + u[0]
    t = -np.cumsum(u[:, None] * Y, axis=0)[-1] / u[0]
    return (Y + u[:, None] * t[None, :])[1:]


def _col_means(X: np.ndarray) -> np.ndarray:
    """R's ``colMeans``: each column summed in order in long double, divided by ``n``."""
    total = np.cumsum(X.astype(np.longdouble), axis=0)[-1]
    return np.asarray(total / np.longdouble(X.shape[0]), dtype=float)


@dataclass(frozen=True)
class SmoothFit:
    """One smooth after ``smoothCon`` and ``smooth2random``.

    Attributes
    ----------
    Xf
        ``(n, null)`` unpenalized columns (brms's ``Xs`` part of this smooth).
    Zs
        ``(n, rank)`` penalized columns (brms's ``Zs_<k>_1``).
    constraint
        The constraint row ``colMeans(X)`` of the raw basis (absorbed by a Householder), or
        None (a smooth with a numeric ``by`` variable has none).
    P
        ``nat.param``'s transform of the constrained basis.
    order
        ``smooth2random``'s column order (``trans.U`` is a permutation here).
    rank
        The number of penalized columns.
    """

    Xf: np.ndarray
    Zs: np.ndarray
    constraint: np.ndarray | None
    P: np.ndarray
    order: np.ndarray
    rank: int

    def transform(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(Xf, Zs)`` of the raw basis ``X`` evaluated at other data (times the ``by``
        values, as mgcv's ``PredictMat``), as brms's ``s2rPred``."""
        Xc = X if self.constraint is None else _qr_qty_drop(self.constraint.copy(), X.T).T
        Xr = (Xc @ self.P)[:, self.order]
        return Xr[:, self.rank :], Xr[:, : self.rank]


def smooth_con(
    X: np.ndarray,
    S: np.ndarray,
    rank: int,
    by: list[np.ndarray] | None = None,
    constrain: bool = True,
) -> list[SmoothFit]:
    """``smoothCon(absorb.cons = TRUE, diagonal.penalty = TRUE)`` then ``smooth2random``.

    Parameters
    ----------
    X, S
        The raw basis and its penalty from the basis constructor.
    rank
        The penalty's rank before the constraint (mgcv's ``sm$rank``).
    by
        The ``by`` multipliers, one smooth each: a numeric variable's values, or a factor's
        0/1 indicators per level; None for a smooth without ``by``.
    constrain
        Whether the sum-to-zero constraint is absorbed (mgcv drops it for a non-constant
        numeric ``by``).

    Returns
    -------
    list
        One :class:`SmoothFit` per ``by`` multiplier (one without ``by``). As mgcv, the
        penalty's scaling comes from the raw basis and the diagonalizing transform ``P`` from
        the first smooth; the others reuse it.
    """
    X = np.asarray(X, dtype=float)
    S = np.asarray(S, dtype=float)
    k = X.shape[1]
    C = _col_means(X) if constrain else None
    # norm(X, "I")^2 and norm(S, "O") as LAPACK's dlange sums them
    norm_x = float(np.max(np.cumsum(np.abs(X), axis=1)[:, -1]))
    maXX = norm_x * norm_x
    maS = float(np.max(np.cumsum(np.abs(S), axis=0)[-1])) / maXX
    S = S / maS
    Xs = [X] if by is None else [X * np.asarray(m, dtype=float)[:, None] for m in by]
    if C is not None:
        Xs = [_qr_qty_drop(C.copy(), x.T).T for x in Xs]
        S = _qr_qty_drop(C.copy(), _qr_qty_drop(C.copy(), S).T).T
        rank = min(rank, k - 1)
    p = Xs[0].shape[1]
    values, vectors = r_eigen(S)
    E = np.ones(p)
    E[:rank] = np.sqrt(values[:rank])
    Xv = Xs[0] @ vectors
    col_norm = np.sum(Xv * Xv, axis=0) / E**2
    av_norm = float(np.mean(col_norm[:rank]))
    E[rank:] = np.sqrt(col_norm[rank:] / av_norm)
    P = vectors / E
    _, U = r_eigh(np.diag(np.r_[np.ones(rank), np.zeros(p - rank)]))
    order = np.array([int(np.argmax(np.abs(U[:, j]))) for j in range(p)])
    out = []
    for x in Xs:
        Xr = (x @ P)[:, order]
        out.append(SmoothFit(Xr[:, rank:], Xr[:, :rank], C, P, order, rank))
    return out


def fixed_con(
    X: np.ndarray, by: list[np.ndarray] | None = None, constrain: bool = True
) -> list[SmoothFit]:
    """``fx = TRUE``: ``smoothCon`` drops the penalty and ``smooth2random`` returns the
    constrained basis as unpenalized columns (brms's ``Xs``; no ``Zs`` part)."""
    X = np.asarray(X, dtype=float)
    C = _col_means(X) if constrain else None
    p = X.shape[1] - (C is not None)
    Xs = [X] if by is None else [X * np.asarray(m, dtype=float)[:, None] for m in by]
    out = []
    for x in Xs:
        Xc = x if C is None else _qr_qty_drop(C.copy(), x.T).T
        out.append(SmoothFit(Xc, Xc[:, :0], C, np.eye(p), np.arange(p), 0))
    return out
