"""mgcv's ``t2()`` tensor product smooth as brms 2.18 sets it up (one random part per penalty).

``t2(x1, x2, k = 5, bs = "cr")`` (``smooth.construct.t2.smooth.spec``, Wood, Scheipl and
Faraway 2013) builds each margin's basis (:func:`~.basis_setup`), puts it in its natural
parameterization (``nat.param(type = 3, unit.fnorm = TRUE)``: the penalized columns first,
scaled to unit mean square, the null space rotated so that the constant comes last) and
multiplies the margins' penalized (``r``) and unpenalized (``n``) blocks out in mgcv's order
(``t2.model.matrix``, ``full = FALSE``): ``rr``, ``nr``, ``rn`` for two margins, each product
block but the all-``n`` one with its own identity penalty. brms then calls ``smoothCon``
(the sum-to-zero constraint on the null space columns only, or dropping the last column when
there is one) and ``smooth2random`` (``smooth2random.t2.smooth``): each penalized block over
the square root of its scaled penalty is one ``Zs_<k>_<j>`` (coefficients ``sds_<k>_<j>``),
the constrained null columns are the unpenalized ``Xs`` columns.

:class:`T2Basis` evaluates the model matrix at new covariate values (mgcv's
``Predict.matrix.t2.smooth``: the margins times their ``P``, then the same products) and
:class:`T2Fit` applies the constraint and scaling (brms's ``s2rPred`` with the fit's
constraint: brms's ``standata_basis_sm`` calls ``smoothCon(modCon = 3)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .construct import _qr_qty_drop
from .eigen import r_eigen
from .mgcv_c import r_mean
from .rlapack import gemm

__all__ = ["T2Basis", "T2Fit", "nat_param3", "t2_con", "t2_model_matrix", "t2_setup"]


def nat_param3(X: np.ndarray, S: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """mgcv's ``nat.param(X, S, rank, type = 3, unit.fnorm = TRUE)``: the reparameterized
    ``X`` and the transform ``P`` (the raw basis times ``P`` at new data).

    As mgcv 1.8-41, the unit mean square scaling multiplies the rows of ``P`` (``P[ind, ]``),
    not its columns; at the fitting data ``X @ P`` then differs from the returned ``X`` unless
    the raw basis is square, and mgcv's (and brms's) predictions at new data use ``P``.
    """
    values, vectors = r_eigen(S)
    p = X.shape[1]
    E = np.ones(p)
    E[:rank] = np.sqrt(values[:rank])
    # R's arithmetic throughout (colSums/mean in long double, %*% in dgemm's order), so that
    # the null space rotation's eigenvectors below are R's
    Xv = gemm(X, vectors)
    col_norm = _col_sums(Xv * Xv) / (E * E)
    av_norm = r_mean(col_norm[:rank])
    E[rank:] = np.sqrt(col_norm[rank:] / av_norm)
    P = vectors / E
    Xn = Xv / E
    if rank < p - 1:  # the null space rotated so that the constant comes last
        ind = np.arange(rank, p)
        Xi = Xn[:, ind]
        n = Xi.shape[0]
        Xc = Xi - np.ones((n, 1)) * gemm(np.ones((1, n)), Xi) / n
        _, um = r_eigen(gemm(Xc.T.copy(), Xc))
        Xn[:, ind[::-1]] = gemm(Xi, um)
        P[:, ind[::-1]] = gemm(P[:, ind], um)
    scale = 1.0 / np.sqrt(r_mean(np.ravel(Xn[:, :rank] ** 2, order="F")))
    Xn[:, :rank] *= scale
    P[:rank, :] *= scale
    if rank < p:
        scalef = 1.0 / np.sqrt(r_mean(np.ravel(Xn[:, rank:] ** 2, order="F")))
        Xn[:, rank:] *= scalef
        P[rank:, :] *= scalef
    return Xn, P


def _col_sums(X: np.ndarray) -> np.ndarray:
    """R's ``colSums``: each column summed in order in long double."""
    return np.asarray(np.cumsum(X.astype(np.longdouble), axis=0)[-1], dtype=float)


def t2_model_matrix(Xm: Sequence[np.ndarray], ranks: Sequence[int]) -> tuple[np.ndarray, list[int]]:
    """mgcv's ``t2.model.matrix(full = FALSE)``: the product blocks and the number of columns
    of each penalized one (``sub.cols``; the final all-unpenalized block has no penalty)."""
    blocks = [Xm[0][:, : ranks[0]]]
    no_null = ranks[0] >= Xm[0].shape[1]
    if not no_null:
        blocks.append(Xm[0][:, ranks[0] :])
    for X, r in zip(Xm[1:], ranks[1:], strict=True):
        Z = X[:, :r]
        null = r < X.shape[1]
        new = [_row_kron(B, Z) for B in blocks]
        if null:
            new += [_row_kron(B, X[:, r:]) for B in blocks]
        else:
            no_null = True
        blocks = new
    cols = [b.shape[1] for b in blocks]
    if not no_null:
        cols = cols[:-1]
    return np.hstack(blocks), cols


def _row_kron(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """mgcv's ``cbind(A[, 1] * B, A[, 2] * B, ...)``."""
    return (A[:, :, None] * B[:, None, :]).reshape(A.shape[0], -1)


@dataclass(frozen=True)
class T2Basis:
    """The raw ``t2`` basis: the margins, their ``nat.param`` transforms and the products.

    Attributes
    ----------
    margins
        Each margin's raw basis (it has ``predict``).
    P
        Each margin's ``nat.param`` transform.
    ranks
        Each margin's penalty rank.
    X
        ``(n, p)`` the model matrix at the data.
    sub_cols
        The number of columns of each penalized block (one ``Zs`` part each).
    """

    margins: tuple[Any, ...]
    P: tuple[np.ndarray, ...]
    ranks: tuple[int, ...]
    X: np.ndarray
    sub_cols: tuple[int, ...]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The model matrix at covariate values ``x`` ``(m, d)`` (one column per margin)."""
        Xm = [
            mg.predict(x[:, [i]]) @ P
            for i, (mg, P) in enumerate(zip(self.margins, self.P, strict=True))
        ]
        return t2_model_matrix(Xm, self.ranks)[0]


def t2_setup(x: np.ndarray, margins: Sequence[Any]) -> T2Basis:
    """The ``t2`` basis of the raw margin bases ``margins`` (built at the columns of ``x``)."""
    Xm, Ps, ranks = [], [], []
    for mg in margins:
        Xi, Pi = nat_param3(np.asarray(mg.X, dtype=float), np.asarray(mg.S, dtype=float), mg.rank)
        Xm.append(Xi)
        Ps.append(Pi)
        ranks.append(int(mg.rank))
    X, cols = t2_model_matrix(Xm, ranks)
    return T2Basis(tuple(margins), tuple(Ps), tuple(ranks), X, tuple(cols))


@dataclass(frozen=True)
class T2Fit:
    """One ``t2`` smooth after ``smoothCon`` and ``smooth2random`` (of one ``by`` level).

    Attributes
    ----------
    Xf
        ``(n, null)`` the constrained unpenalized columns (brms's ``Xs`` part).
    Zs
        The penalized parts, one per penalty (brms's ``Zs_<k>_1``, ``Zs_<k>_2``, ...).
    constraint
        ``(C, indi)``: the constraint row on the null columns ``indi`` (absorbed by a
        Householder that drops the last of them), or None.
    sub_cols
        The columns of each penalized part.
    scale
        ``1 / sqrt`` of the scaled penalties' diagonal (``trans.D``).
    """

    Xf: np.ndarray
    Zs: tuple[np.ndarray, ...]
    constraint: tuple[np.ndarray, np.ndarray] | None
    sub_cols: tuple[int, ...]
    scale: float

    @property
    def rank(self) -> int:
        """The number of penalized columns."""
        return int(sum(self.sub_cols))

    def transform(self, X: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """``(Xf, Zs parts)`` of the model matrix ``X`` at other data (times the ``by``
        values), as brms's ``s2rPred``."""
        X = _constrain(X, self.constraint)
        nup = self.rank
        edges = np.cumsum((0, *self.sub_cols))
        parts = tuple(X[:, a:b] * self.scale for a, b in zip(edges[:-1], edges[1:], strict=True))
        return X[:, nup:], parts


def _constrain(X: np.ndarray, constraint: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """``smoothCon``'s constraint on the columns ``indi`` (``nz = nx - 1`` kept)."""
    if constraint is None:
        return X
    c, indi = constraint
    X = X.copy()
    if len(indi) > 1:
        X[:, indi[:-1]] = _qr_qty_drop(c.copy(), X[:, indi].T).T
    return np.delete(X, indi[-1], axis=1)


def t2_con(
    basis: T2Basis, by: list[np.ndarray] | None = None, constrain: bool = True
) -> list[T2Fit]:
    """``smoothCon(absorb.cons = TRUE)`` then ``smooth2random`` of a ``t2`` basis.

    Parameters
    ----------
    basis
        The basis (:func:`t2_setup`).
    by
        The ``by`` multipliers, one smooth each (see :func:`~.construct.smooth_con`).
    constrain
        Whether the sum-to-zero constraint is absorbed (mgcv drops it for a non-constant
        numeric ``by``).
    """
    X = basis.X
    p = X.shape[1]
    nup = int(sum(basis.sub_cols))
    constraint = None
    if constrain and p > nup:
        if p - nup == 1:  # mgcv's C = ncol(X): drop the last column
            constraint = (np.zeros(1), np.array([p - 1]))
        else:
            C = np.r_[np.zeros(nup), _col_sums(X[:, nup:])]
            indi = np.flatnonzero(C != 0)
            constraint = (C[indi], indi)
    # scale.penalty: each identity block over norm(S, "O") / norm(X, "I")^2
    maXX = float(np.max(np.sum(np.abs(X), axis=1))) ** 2
    scale = 1.0 / np.sqrt(maXX)
    Xs = [X] if by is None else [X * np.asarray(m, dtype=float)[:, None] for m in by]
    out = []
    for x in Xs:
        fit = T2Fit(np.empty((len(x), 0)), (), constraint, basis.sub_cols, scale)
        Xf, parts = fit.transform(x)
        out.append(T2Fit(Xf, parts, constraint, basis.sub_cols, scale))
    return out
