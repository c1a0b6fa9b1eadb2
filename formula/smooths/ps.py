"""mgcv's P-spline basis (``bs = "ps"``, ``smooth.construct.ps.smooth.spec``).

Eilers and Marx's P-splines as mgcv builds them with the default ``m = c(2, 2)``: cubic
B-splines (``splines::spline.des``, here scipy's :class:`~scipy.interpolate.BSpline`) on
``k + 4`` evenly spaced knots that extend the data's range (widened by 0.1% on each side) by
three knot spacings beyond each end, and the penalty ``D'D`` of second differences of the
coefficients. New values outside the inner knots continue the spline linearly
(``Predict.matrix.pspline.smooth``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import BSpline

__all__ = ["PsBasis", "ps_setup"]

_ORDER = 2  # mgcv's m[1]: cubic B-splines (order m[1] + 2)
_DIFF = 2  # mgcv's m[2]: second-difference penalty


def _r_seq(start: float, stop: float, length: int) -> np.ndarray:
    """R's ``seq(from, to, length = n)``: ``from + (1:(n-2)) * by`` between the ends."""
    by = (stop - start) / (length - 1)
    return np.r_[start, start + np.arange(1, length - 1) * by, stop]


def _design(knots: np.ndarray, x: np.ndarray, deriv: int = 0) -> np.ndarray:
    nb = len(knots) - _ORDER - 2
    spline = BSpline(knots, np.eye(nb), _ORDER + 1, extrapolate=False)
    if deriv:
        spline = spline.derivative(deriv)
    return np.nan_to_num(np.asarray(spline(x)), nan=0.0)


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
    X = _design(knots, x)
    D = np.diff(np.eye(k), n=_DIFF, axis=0)
    return PsBasis(knots, X, D.T @ D)
