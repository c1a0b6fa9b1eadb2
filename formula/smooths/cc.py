"""mgcv's cyclic cubic regression spline basis (``bs = "cc"``).

``smooth.construct.cc.smooth.spec``: ``k`` knots placed by mgcv's ``place.knots`` (evenly
through the sorted unique values, interpolating between them), a cubic spline whose value,
slope and curvature agree at the first and last knot, so the ``k - 1`` coefficients are its
values at all knots but the last. ``B`` and ``D`` are the cyclic versions of the cubic
spline's band matrices (``getBD``), ``BD = B^-1 D`` maps the values to second derivatives and
the penalty is ``D' B^-1 D``. The only unpenalized function is the constant, which the
sum-to-zero constraint removes: a cyclic smooth has no ``Xs`` columns. New values outside the
knots wrap around the period (``cwrap``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CcBasis", "cc_setup", "place_knots"]


def place_knots(x: np.ndarray, nk: int) -> np.ndarray:
    """mgcv's ``place.knots``: ``nk`` knots evenly through the sorted unique values."""
    x = np.unique(np.asarray(x, dtype=float))
    n = len(x)
    if nk > n:
        raise ValueError("more knots than unique data values is not allowed")
    if nk == 2:
        return np.array([x[0], x[-1]])
    delta = (n - 1) / (nk - 1)
    steps = delta * np.arange(1, nk - 1)
    lbi = np.floor(steps).astype(int) + 1
    frac = steps + 1 - lbi
    knots = np.empty(nk)
    knots[0], knots[-1] = x[0], x[-1]
    knots[1:-1] = x[lbi - 1] * (1 - frac) + x[lbi] * frac
    return knots


def _bd(knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``getBD``: the cyclic spline's ``B`` and ``D`` (``(k - 1, k - 1)``)."""
    h = np.diff(knots)
    n = len(h)
    B = np.zeros((n, n))
    D = np.zeros((n, n))
    for i in range(n):
        prev, nxt = (i - 1) % n, (i + 1) % n
        B[i, prev] = h[prev] / 6
        B[i, i] = (h[prev] + h[i]) / 3
        B[i, nxt] = h[i] / 6
        D[i, prev] = 1 / h[prev]
        D[i, i] = -(1 / h[prev] + 1 / h[i])
        D[i, nxt] = 1 / h[i]
    return B, D


def _wrap(x: np.ndarray, x0: float, x1: float) -> np.ndarray:
    """``cwrap``: values outside ``[x0, x1]`` moved into it by whole periods."""
    h = x1 - x0
    x = x.copy()
    above, below = x > x1, x < x0
    x[above] = x0 + np.mod(x[above] - x1, h)
    x[below] = x1 - np.mod(x0 - x[below], h)
    return x


@dataclass(frozen=True)
class CcBasis:
    """A cyclic cubic regression spline basis: knots, ``BD``, the model matrix and penalty."""

    knots: np.ndarray
    BD: np.ndarray
    X: np.ndarray
    S: np.ndarray

    @property
    def rank(self) -> int:
        """The penalty's rank (``k - 2``: the constant is unpenalized)."""
        return self.X.shape[1] - 1

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The basis at covariate values ``(n, 1)`` (``Predict.matrix.cyclic.smooth``)."""
        return _pred_mat(np.asarray(x, dtype=float)[:, 0], self.knots, self.BD)


def _pred_mat(x: np.ndarray, knots: np.ndarray, BD: np.ndarray) -> np.ndarray:
    n = len(knots)
    h = np.diff(knots)
    if x.max() > knots.max() or x.min() < knots.min():
        x = _wrap(x, float(knots.min()), float(knots.max()))
    j = np.full(len(x), n)  # 1-based: the first knot at or above x (at least the second)
    for i in range(n, 1, -1):
        j[x <= knots[i - 1]] = i
    j1 = j - 1
    j = np.where(j == n, 1, j)
    a, b = j1 - 1, j - 1  # 0-based rows of BD and of the identity
    hj = h[j1 - 1]
    up = knots[j1] - x
    lo = x - knots[j1 - 1]
    eye = np.eye(n - 1)
    return (
        BD[a] * (up**3 / (6 * hj))[:, None]
        + BD[b] * (lo**3 / (6 * hj))[:, None]
        - BD[a] * (hj * up / 6)[:, None]
        - BD[b] * (hj * lo / 6)[:, None]
        + eye[a] * (up / hj)[:, None]
        + eye[b] * (lo / hj)[:, None]
    )


def cc_setup(x: np.ndarray, k: int) -> CcBasis:
    """``smooth.construct.cc.smooth.spec`` without supplied knots (``k >= 4``)."""
    knots = place_knots(np.asarray(x, dtype=float)[:, 0], k)
    B, D = _bd(knots)
    BD = np.linalg.solve(B, D)
    S = D.T @ BD
    X = _pred_mat(np.asarray(x, dtype=float)[:, 0], knots, BD)
    return CcBasis(knots, BD, X, (S + S.T) / 2)
