"""mgcv's factor smooth interaction ``s(x, g, bs = "fs")`` as brms 2.18 splits it.

``smooth.construct.fs.smooth.spec`` builds the base basis of the numeric covariates (``"tp"``)
and puts it in the natural parameterization ``nat.param(type = 1)`` (R's QR of the basis, the
eigenvectors of ``R^-T S R^-1``, penalized columns scaled to unit penalty, then both blocks to
unit mean square); each level of the factor ``g`` gets a copy of those columns (times its
indicator, level after level). The penalties are the penalized block of every level together
and one per null space column; no constraint. brms's ``smooth2random`` (mgcv's
``smooth2random.fs.interaction``) makes one ``Zs`` part per penalty: ``Zs_<k>_1`` holds the
penalized columns of every level, ``Zs_<k>_2``, ... one null space column of every level, each
over the square root of its scaled penalty, ``sqrt(norm(X, "I")^2)``. No ``Xs`` columns.

The null space of ``R^-T S R^-1`` has a repeated eigenvalue 0, whose eigenvectors LAPACK
returns in a basis set by rounding (see :mod:`brmsjax.formula.smooths`); ``R`` from LINPACK's
QR and the two ``forwardsolve`` calls with R's rounding (:mod:`.rlapack`) give R's basis and
signs, and with them R's ``norm(X, "I")`` scaling of every part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from .construct import r_eigh
from .eigen import r_eigen
from .rlapack import forwardsolve, qr_r

__all__ = ["FsBasis", "FsFit", "fs_con", "fs_setup", "nat_param1"]


def nat_param1(X: np.ndarray, S: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """mgcv's ``nat.param(X, S, rank, type = 1, unit.fnorm = TRUE)``: the reparameterized
    basis and ``P`` (the raw basis at new data times ``P``)."""
    Q, R = np.linalg.qr(X)
    R_r = qr_r(X)
    if R_r is None:  # dqrdc2 would pivot: not R's rounding (nor R's column order)
        values, V = r_eigh(solve_triangular(R, solve_triangular(R, S.T, trans=1).T, trans=1))
    else:
        # R's forwardsolve(t(R), t(forwardsolve(t(R), t(S)))) on LINPACK's R, so that the
        # eigenvectors (LAPACK's basis of the null space, the signs) are R's
        sign = np.sign(np.diag(R)) * np.sign(np.diag(R_r))
        Q, R = Q * sign, R_r
        values, V = r_eigen(forwardsolve(R.T, forwardsolve(R.T, S.T).T))
    Rinv = solve_triangular(R, np.eye(R.shape[0]))
    p = X.shape[1]
    E = np.ones(p)
    E[:rank] = np.sqrt(values[:rank])
    Xn = (Q @ V) / E
    P = (Rinv @ V) / E
    scale = 1.0 / np.sqrt(np.mean(Xn[:, :rank] ** 2))
    Xn[:, :rank] *= scale
    P[:, :rank] *= scale
    if rank < p:
        scalef = 1.0 / np.sqrt(np.mean(Xn[:, rank:] ** 2))
        Xn[:, rank:] *= scalef
        P[:, rank:] *= scalef
    return Xn, P


def _by_level(Xb: np.ndarray, indicators: np.ndarray) -> np.ndarray:
    """mgcv's level-major copies: ``[Xb * (g == lev1), Xb * (g == lev2), ...]``."""
    return (indicators[:, :, None] * Xb[:, None, :]).reshape(Xb.shape[0], -1)


@dataclass(frozen=True)
class FsBasis:
    """A factor smooth interaction basis.

    Attributes
    ----------
    base
        The base basis of the numeric covariates (it has ``predict``).
    P
        ``nat.param``'s transform of the base basis.
    rank
        The base penalty's rank (the null space has the remaining columns).
    levels
        The factor's levels (one copy of the columns each).
    X
        ``(n, p * levels)`` the model matrix at the data.
    """

    base: Any
    P: np.ndarray
    rank: int
    levels: tuple[str, ...]
    X: np.ndarray

    def predict(self, x: np.ndarray, indicators: np.ndarray) -> np.ndarray:
        """The model matrix at numeric covariates ``x`` and the factor's ``indicators``
        (mgcv's ``Predict.matrix.fs.interaction``)."""
        return _by_level(np.asarray(self.base.predict(x)) @ self.P, indicators)


def fs_setup(base: Any, indicators: np.ndarray, levels: Sequence[str]) -> FsBasis:
    """The ``"fs"`` basis of a base basis at the data and the factor's ``indicators``."""
    Xb, P = nat_param1(np.asarray(base.X, dtype=float), np.asarray(base.S, dtype=float), base.rank)
    return FsBasis(base, P, int(base.rank), tuple(levels), _by_level(Xb, indicators))


@dataclass(frozen=True)
class FsFit:
    """An ``"fs"`` smooth after ``smoothCon`` and ``smooth2random``.

    Attributes
    ----------
    Xf
        No unpenalized columns.
    Zs
        The parts: every level's penalized columns, then one part per null space column.
    p, rank, levels
        The base basis's columns, penalty rank and the number of levels.
    scale
        ``1 / sqrt(norm(X, "I")^2)`` (``trans.D``).
    """

    Xf: np.ndarray
    Zs: tuple[np.ndarray, ...]
    p: int
    rank: int
    levels: int
    scale: float

    def transform(self, X: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """``(Xf, Zs parts)`` of the model matrix at other data (brms's ``s2rPred``)."""
        blocks = X.reshape(X.shape[0], self.levels, self.p) * self.scale
        parts = [blocks[:, :, : self.rank].reshape(X.shape[0], -1)]
        parts += [blocks[:, :, i] for i in range(self.rank, self.p)]
        return X[:, :0], tuple(parts)


def fs_con(basis: FsBasis) -> list[FsFit]:
    """``smoothCon`` (no constraint) and ``smooth2random.fs.interaction`` of an ``"fs"``
    basis: every penalty scaled to ``norm(X, "I")^2`` on its diagonal."""
    maXX = float(np.max(np.sum(np.abs(basis.X), axis=1))) ** 2
    p = basis.P.shape[1]
    fit = FsFit(basis.X[:, :0], (), p, basis.rank, len(basis.levels), 1.0 / np.sqrt(maXX))
    Xf, parts = fit.transform(basis.X)
    return [FsFit(Xf, parts, p, basis.rank, len(basis.levels), fit.scale)]
