"""mgcv's cubic regression spline basis (``bs = "cr"``), as ``crspl`` in ``src/mgcv.c``.

The basis is the natural cubic spline through the function values at ``k`` knots (the
coefficients): knots at R's ``quantile(unique(x), seq(0, 1, length = k))``; ``F`` maps the
values at the knots to second derivatives there (``B^-1 D`` with zero rows at both ends,
``getFS``), the penalty is ``S = D' B^-1 D`` (the integrated squared second derivative), and
outside the knots the spline continues linearly. :func:`cr_setup` builds it at the data and
:meth:`CrBasis.predict` at new values (mgcv's ``Predict.matrix.cr.smooth``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_banded

__all__ = ["CrBasis", "cr_setup", "r_quantile"]


def r_quantile(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """R's ``quantile(x, probs)`` (type 7)."""
    xs = np.sort(np.asarray(x, dtype=float))
    index = (len(xs) - 1) * np.asarray(probs, dtype=float)
    lo = np.floor(index).astype(int)
    hi = np.ceil(index).astype(int)
    q = xs[lo]
    h = index - lo
    move = (index > lo) & (xs[hi] != q)
    q = np.where(move, (1 - h) * q + h * xs[hi], q)
    return q


def _fs(xk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``getFS``: ``F`` (second derivatives at the knots from the values, ``(k, k)``, rows
    by knot) and the penalty ``S``."""
    n = len(xk)
    h = np.diff(xk)
    n2 = n - 2
    D = np.zeros((n2, n))
    for i in range(n2):
        D[i, i] = 1 / h[i]
        D[i, i + 2] = 1 / h[i + 1]
        D[i, i + 1] = -D[i, i] - D[i, i + 2]
    ab = np.zeros((3, n2))
    ab[1] = (h[:-1] + h[1:]) / 3
    ab[0, 1:] = h[1:-1] / 6
    ab[2, :-1] = h[1:-1] / 6
    BinvD = solve_banded((1, 1), ab, D)
    F = np.zeros((n, n))
    F[1:-1] = BinvD
    return F, D.T @ BinvD


@dataclass(frozen=True)
class CrBasis:
    """A cubic regression spline basis: its knots, ``F``, the model matrix and penalty."""

    knots: np.ndarray
    F: np.ndarray
    X: np.ndarray
    S: np.ndarray

    @property
    def rank(self) -> int:
        """The penalty's rank (``k - 2``: constants and lines are unpenalized)."""
        return len(self.knots) - 2

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The basis at covariate values ``(n, 1)`` (``crspl`` with ``F`` supplied)."""
        return _crspl(np.asarray(x, dtype=float)[:, 0], self.knots, self.F)


def _crspl(x: np.ndarray, xk: np.ndarray, F: np.ndarray) -> np.ndarray:
    nk = len(xk)
    X = np.zeros((len(x), nk))
    kmin, kmax = xk[0], xk[-1]
    for i, xi in enumerate(x):
        if xi < kmin:
            h = xk[1] - kmin
            xik = xi - kmin
            X[i] = -xik * h / 3 * F[0] - xik * h / 6 * F[1]
            X[i, 0] += 1 - xik / h
            X[i, 1] += xik / h
        elif xi > kmax:
            h = kmax - xk[-2]
            xik = xi - kmax
            X[i] = xik * h / 6 * F[-2] + xik * h / 3 * F[-1]
            X[i, -2] += -xik / h
            X[i, -1] += 1 + xik / h
        else:
            j = min(max(int(np.searchsorted(xk, xi, side="left")) - 1, 0), nk - 2)
            xj, xj1 = xk[j], xk[j + 1]
            h = xj1 - xj
            ajm, ajp = xj1 - xi, xi - xj
            cjm = ajm * (ajm * ajm / h - h) / 6
            cjp = ajp * (ajp * ajp / h - h) / 6
            X[i] = cjm * F[j] + cjp * F[j + 1]
            X[i, j] += ajm / h
            X[i, j + 1] += ajp / h
    return X


def cr_setup(x: np.ndarray, k: int) -> CrBasis:
    """``smooth.construct.cr.smooth.spec`` without supplied knots.

    Raises
    ------
    ValueError
        When ``x`` has fewer unique values than ``k`` (mgcv's message).
    """
    x = np.asarray(x, dtype=float)[:, 0]
    xu = np.unique(x)
    if len(xu) < k:
        raise ValueError(f"insufficient unique values to support {k} knots: reduce k")
    probs = np.arange(k) / (k - 1)
    probs[-1] = 1.0
    knots = r_quantile(xu, probs)
    F, S = _fs(knots)
    X = _crspl(x, knots, F)
    return CrBasis(knots, F, X, (S + S.T) / 2)
