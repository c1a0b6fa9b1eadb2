"""R's ``eigen(S, symmetric = TRUE)`` to the bit: reference LAPACK 3.11's ``dsyevr`` path.

``dsytrd`` (unblocked up to 32 rows, :mod:`.rlapack`; blocked above,
:mod:`.rlapack_blocked`), scipy's ``dstemr`` (the same Fortran on the same tridiagonal gives the
same bits) and ``dormtr`` (blocked only from 144 rows, with R's workspace). See :mod:`.rlapack`
for why the signs of the eigenvectors need R's rounding.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack

from .rlapack import _dorm2r_left, _dsytd2_lower
from .rlapack_blocked import dormqr_blocked, dsyevr_blocks, dsytrd_blocked

__all__ = ["r_eigen"]


def r_eigen(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``eigen(S, symmetric = TRUE)``: eigenvalues descending and R's eigenvectors.

    Parameters
    ----------
    S
        ``(p, p)`` symmetric matrix (its lower triangle is used, as R's ``La_rs``).

    Returns
    -------
    tuple
        ``(values, vectors)``: R's reference LAPACK's, bit for bit.
    """
    S = np.asarray(S, dtype=float)
    n = S.shape[0]
    if n < 2 or not np.all(np.isfinite(S)):
        w, v = sla.eigh(S, driver="evr")
        return w[::-1], v[:, ::-1]
    nb_trd, nb_qr = dsyevr_blocks(n)
    d, e, tau, V = dsytrd_blocked(S, nb_trd) if nb_trd else _dsytd2_lower(S)
    m, w, z, info = lapack.dstemr(d.copy(), np.r_[e, 0.0], 0, 0.0, 0.0, 0, 0, compute_v=1)
    if info != 0 or m != n:  # pragma: no cover - LAPACK failure
        w, v = sla.eigh(S, driver="evr")
        return w[::-1], v[:, ::-1]
    if nb_qr:
        vectors = z[:, :n].copy()
        vectors[1:] = dormqr_blocked(V[1:, : n - 1], tau, vectors[1:], nb_qr)
    else:
        vectors = _dorm2r_left(V, tau, z[:, :n])
    return w[::-1].copy(), vectors[:, ::-1].copy()
