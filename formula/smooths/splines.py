"""mgcv's one-dimensional regression spline bases: ``"cr"``, ``"cc"`` and ``"ps"``.

Each builds its raw model matrix ``X`` and penalty ``S`` at the data and evaluates the basis
at new values (``predict``) exactly as mgcv 1.8-41's constructor and ``Predict.matrix``
method; :mod:`.construct` then applies brms's ``smoothCon``/``smooth2random`` steps.

``bs = "cr"`` (``smooth.construct.cr.smooth.spec``, ``crspl`` in ``src/mgcv.c``): the
natural cubic spline through the function values at ``k`` knots (the coefficients), knots at
R's ``quantile(unique(x), seq(0, 1, length = k))``; ``F`` maps the values at the knots to
second derivatives there (``B^-1 D`` with zero rows at both ends, ``getFS``), the penalty is
``S = D' B^-1 D`` (the integrated squared second derivative), and outside the knots the spline
continues linearly.

``bs = "cc"`` (``smooth.construct.cc.smooth.spec``): ``k`` knots placed by mgcv's
``place.knots`` (evenly through the sorted unique values), a cubic spline whose value, slope
and curvature agree at the first and last knot, so the ``k - 1`` coefficients are its values
at all knots but the last; ``B`` and ``D`` are the cyclic band matrices (``getBD``), the
penalty ``D' B^-1 D``. The only unpenalized function is the constant, which the sum-to-zero
constraint removes: a cyclic smooth has no ``Xs`` columns. New values outside the knots wrap
around the period (``cwrap``).

``bs = "ps"`` (``smooth.construct.ps.smooth.spec``, default ``m = c(2, 2)``): cubic B-splines
(``splines::spline.des``, here scipy's :class:`~scipy.interpolate.BSpline`) on ``k + 4``
evenly spaced knots that extend the data's range (widened by 0.1% on each side) by three
spacings beyond each end, and the penalty ``D'D`` of second differences of the coefficients.
New values outside the inner knots continue the spline linearly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .mgcv_c import get_fs
from .rlapack import gemm, solve

__all__ = [
    "CcBasis",
    "CrBasis",
    "PsBasis",
    "cc_setup",
    "cr_setup",
    "place_knots",
    "ps_setup",
    "r_quantile",
]

# -- bs = "cr" ------------------------------------------------------------------------------


def r_quantile(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """R's ``quantile(x, probs)`` (type 7), with R's arithmetic (``index = 1 + (n - 1) p``)."""
    xs = np.sort(np.asarray(x, dtype=float))
    index = 1.0 + max(len(xs) - 1, 0) * np.asarray(probs, dtype=float)
    lo = np.floor(index).astype(int)
    hi = np.ceil(index).astype(int)
    q = xs[lo - 1]
    h = index - lo
    move = (index > lo) & (xs[hi - 1] != q)
    return np.where(move, (1 - h) * q + h * xs[hi - 1], q)


def r_seq01(k: int) -> np.ndarray:
    """R's ``seq(0, 1, length = k)``: ``c(0, (1:(k - 2)) * (1 / (k - 1)), 1)``."""
    if k < 3:
        return np.array([0.0, 1.0])[:k]
    return np.r_[0.0, np.arange(1, k - 1) * (1.0 / (k - 1)), 1.0]


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
    knots = r_quantile(xu, r_seq01(k))
    F, S = get_fs(knots)
    X = _crspl(x, knots, F)
    return CrBasis(knots, F, X, (S + S.T) / 2)


# -- bs = "cc" ------------------------------------------------------------------------------


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
    # R's expression in its order: (BD * a^3) / (6 h) with R's ^ (the C library's pow)
    cube = np.frompyfunc(lambda v: math.pow(v, 3.0), 1, 1)
    up3 = np.asarray(cube(up), dtype=float)
    lo3 = np.asarray(cube(lo), dtype=float)
    return (
        BD[a] * up3[:, None] / (6 * hj)[:, None]
        + BD[b] * lo3[:, None] / (6 * hj)[:, None]
        - BD[a] * (hj * up / 6)[:, None]
        - BD[b] * (hj * lo / 6)[:, None]
        + eye[a] * (up / hj)[:, None]
        + eye[b] * (lo / hj)[:, None]
    )


def cc_setup(x: np.ndarray, k: int) -> CcBasis:
    """``smooth.construct.cc.smooth.spec`` without supplied knots (``k >= 4``)."""
    knots = place_knots(np.asarray(x, dtype=float)[:, 0], k)
    B, D = _bd(knots)
    BD = solve(B, D)  # R's solve and %*%, in reference LAPACK/BLAS order
    S = gemm(D.T.copy(), BD)
    X = _pred_mat(np.asarray(x, dtype=float)[:, 0], knots, BD)
    return CcBasis(knots, BD, X, (S + S.T) / 2)


# -- bs = "ps" ------------------------------------------------------------------------------


_ORDER = 2  # mgcv's m[1]: cubic B-splines (order m[1] + 2)
_DIFF = 2  # mgcv's m[2]: second-difference penalty


def _r_seq(start: float, stop: float, length: int) -> np.ndarray:
    """R's ``seq(from, to, length = n)``: ``from + (1:(n-2)) * by`` between the ends."""
    by = (stop - start) / (length - 1)
    return np.r_[start, start + np.arange(1, length - 1) * by, stop]


def _design(knots: np.ndarray, x: np.ndarray, deriv: int = 0) -> np.ndarray:
    nb = len(knots) - _ORDER - 2
    from scipy.interpolate import BSpline  # on first use: scipy.interpolate loads slowly

    spline = BSpline(knots, np.eye(nb), _ORDER + 1, extrapolate=False)
    if deriv:
        spline = spline.derivative(deriv)
    return np.nan_to_num(np.asarray(spline(x)), nan=0.0)


def _spline_design(knots: np.ndarray, x: np.ndarray) -> np.ndarray:
    """R's ``splines::splineDesign`` values (``spline_basis``'s ``set_cursor`` and
    ``basis_funcs``, de Boor's recursion in its order) at ``x`` inside the inner knots: the
    fitting data's basis with R's rounding (the penalty's constraint, scaling and so the
    eigenvectors' signs depend on it)."""
    order = _ORDER + 2
    nk = len(knots)
    curs = np.searchsorted(knots, x, side="right")
    last = nk - order
    curs = np.where((curs > last) & (x == knots[last]), last, curs)
    rdel = [knots[curs + i] - x for i in range(order - 1)]
    ldel = [x - knots[curs - (i + 1)] for i in range(order - 1)]
    b = [np.ones_like(x)] + [np.zeros_like(x) for _ in range(order - 1)]
    for j in range(1, order):
        saved = np.zeros_like(x)
        for r in range(j):
            den = rdel[r] + ldel[j - 1 - r]
            ok = den != 0
            term = b[r] / np.where(ok, den, 1.0)
            keep = (r != 0) | (rdel[r] != 0.0)
            b[r] = np.where(ok, saved + rdel[r] * term, np.where(keep, saved, b[r]))
            saved = np.where(ok, ldel[j - 1 - r] * term, 0.0)
        b[j] = saved
    X = np.zeros((len(x), nk - order))
    rows = np.arange(len(x))
    for j in range(order):
        X[rows, curs - order + j] = b[j]
    return X


@dataclass(frozen=True)
class PsBasis:
    """A P-spline basis: its knots, the model matrix and penalty."""

    knots: np.ndarray
    X: np.ndarray
    S: np.ndarray

    @property
    def rank(self) -> int:
        """The penalty's rank (``k - 2``)."""
        return self.X.shape[1] - _DIFF

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The basis at covariate values ``(n, 1)``, linear beyond the inner knots."""
        x = np.asarray(x, dtype=float)[:, 0]
        m = _ORDER + 1
        lo, hi = self.knots[m], self.knots[len(self.knots) - m - 1]
        X = _design(self.knots, np.clip(x, lo, hi))
        for edge, side in ((lo, x < lo), (hi, x > hi)):
            if side.any():
                value = _design(self.knots, np.array([edge]))[0]
                slope = _design(self.knots, np.array([edge]), 1)[0]
                X[side] = value + (x[side] - edge)[:, None] * slope
        return X


def ps_setup(x: np.ndarray, k: int) -> PsBasis:
    """``smooth.construct.ps.smooth.spec`` without supplied knots.

    Raises
    ------
    ValueError
        When ``k`` leaves no interior knots (mgcv's message).
    """
    x = np.asarray(x, dtype=float)[:, 0]
    nk = k - _ORDER
    if nk <= 0:
        raise ValueError("basis dimension too small for b-spline order")
    xl, xu = float(np.min(x)), float(np.max(x))
    xr = xu - xl
    xl, xu = xl - xr * 0.001, xu + xr * 0.001
    dx = (xu - xl) / (nk - 1)
    knots = _r_seq(xl - dx * (_ORDER + 1), xu + dx * (_ORDER + 1), nk + 2 * _ORDER + 2)
    X = _spline_design(knots, x)
    D = np.diff(np.eye(k), n=_DIFF, axis=0)
    return PsBasis(knots, X, D.T @ D)
