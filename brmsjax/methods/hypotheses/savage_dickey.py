"""brms's ``density_ratio``: the Savage-Dickey evidence ratio of a point hypothesis.

For ``h = 0`` with prior draws of ``h``, brms 2.18's ``evidence_ratio`` is the posterior
density of ``h`` at 0 over its prior density there, each estimated by R's ``density()``
(gaussian kernel, ``bw.nrd0`` bandwidth, ``n = 4096`` points between the draws' range
widened to include the point by a quarter SD) and read off at the point by R's cubic
``spline()``. :func:`r_density` is R 4's ``density.default`` for that case, down to its
linear binning and FFT convolution, so the ratio matches brms's for the same draws.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bw_nrd0", "density_ratio", "r_density"]


def bw_nrd0(x: np.ndarray) -> float:
    """R's ``bw.nrd0``: Silverman's rule of thumb, ``0.9 min(sd, IQR / 1.34) n^-1/5``."""
    hi = float(np.std(x, ddof=1))
    q75, q25 = np.quantile(x, [0.75, 0.25])
    lo = min(hi, float(q75 - q25) / 1.34)
    if not lo:
        lo = hi or abs(float(x[0])) or 1.0
    return 0.9 * lo * len(x) ** -0.2


def _bin_dist(x: np.ndarray, lo: float, up: float, n: int) -> np.ndarray:
    """R's ``C_BinDist``: linear binning of weight ``1/len(x)`` into ``2n`` cells."""
    y = np.zeros(2 * n)
    delta = (up - lo) / (n - 1)
    pos = (x - lo) / delta
    ix = np.floor(pos).astype(np.int64)
    fx = pos - ix
    w = 1.0 / len(x)
    inside = (ix >= 0) & (ix <= n - 2)
    np.add.at(y, ix[inside], w * (1 - fx[inside]))
    np.add.at(y, ix[inside] + 1, w * fx[inside])
    left = ix == -1
    np.add.at(y, np.zeros(int(left.sum()), dtype=np.int64), w * fx[left])
    right = ix == n - 1
    np.add.at(y, ix[right], w * (1 - fx[right]))
    return y


def r_density(
    x: np.ndarray, start: float, stop: float, n: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """R's ``density(x, from = start, to = stop, n = n)`` with the gaussian kernel.

    Returns
    -------
    tuple of ndarray
        The ``n`` grid points and the density estimate there.
    """
    x = np.asarray(x, dtype=np.float64)
    n_user = n
    n = max(n, 512)
    if n > 512:
        n = int(2 ** np.ceil(np.log2(n)))
    bw = bw_nrd0(x)
    lo, up = start - 4 * bw, stop + 4 * bw
    y = _bin_dist(x, lo, up, n)
    kords = np.linspace(0.0, 2 * (up - lo), 2 * n)
    kords[n + 1 :] = -kords[n - 1 : 0 : -1]
    kords = np.exp(-0.5 * (kords / bw) ** 2) / (bw * np.sqrt(2 * np.pi))
    conv = np.fft.ifft(np.fft.fft(y) * np.conj(np.fft.fft(kords)))
    dens = np.maximum(0.0, conv.real[:n])
    xords = np.linspace(lo, up, n)
    grid = np.linspace(start, stop, n_user)
    return grid, np.interp(grid, xords, dens)


def _density_at(x: np.ndarray, point: float, n: int) -> float:
    """brms's ``eval_density``: the density of ``x`` at ``point``."""
    start, stop = float(np.min(x)), float(np.max(x))
    if start > point:
        start = point - float(np.std(x, ddof=1)) / 4
    elif stop < point:
        stop = point + float(np.std(x, ddof=1)) / 4
    grid, dens = r_density(x, start, stop, n)
    from scipy.interpolate import CubicSpline  # on first use: scipy.interpolate loads slowly

    return float(CubicSpline(grid, dens)(point))


def density_ratio(
    x: np.ndarray, y: np.ndarray | None = None, point: float = 0.0, n: int = 4096
) -> float:
    """brms's ``density_ratio``: the density of ``x`` at ``point`` over that of ``y``.

    Parameters
    ----------
    x
        Posterior draws of the hypothesis.
    y
        Prior draws of the hypothesis (None: the density of ``x`` alone).
    point
        Where the densities are compared (0 for brms's point hypotheses).
    n
        Grid size of the kernel density estimates.
    """
    out = _density_at(np.asarray(x, dtype=np.float64).ravel(), point, n)
    if y is not None:
        out /= _density_at(np.asarray(y, dtype=np.float64).ravel(), point, n)
    return out
