"""The blocked paths of reference LAPACK 3.11's ``dsyevr`` (matrices over 32 rows).

From 33 rows ``dsytrd`` reduces panels of columns with ``dlatrd`` and updates the rest with
``dsyr2k`` until 32 rows are left for the unblocked ``dsytd2``; ``dormtr``'s ``dormqr``
applies the reflectors a block at a time (``dlarft``'s triangular factor, ``dlarfb`` with
``dtrmm``/``dgemm``). The block sizes follow from the workspace R's ``La_rs`` allocates (its
query's optimum, ``33 n``): ``dsytrd`` gets ``28 n`` of it (panels of 28 columns) and
``dormqr`` ``31 n``, less than its optimum ``32 n + 4160``, so it uses blocks of
``(31 n - 4160) / n`` reflectors, and none (the unblocked ``dorm2r``) below 2 (``n < 144``);
see :func:`dsyevr_blocks`. Both are reproduced here in reference BLAS's operation order
(1-based loops translated to 0-based), so that :func:`.rlapack.r_eigen` gives R's
eigenvectors, signs included, for the penalties of larger bases too.
"""

from __future__ import annotations

import numpy as np

from .rlapack import _dlarfg, _dsymv_lower, _dsytd2_lower, dot

__all__ = ["NX", "dormqr_blocked", "dsyevr_blocks", "dsytrd_blocked"]

#: ``dsytrd``'s crossover: the last 32 rows are reduced unblocked.
NX = 32


def dsyevr_blocks(n: int) -> tuple[int, int]:
    """The block sizes of ``dsytrd`` and ``dormqr`` inside R's ``eigen`` of an ``n x n``
    matrix (workspace ``33 n``; see the module docstring): ``(nb_trd, nb_qr)``, 0 where the
    routine runs unblocked."""
    nb_trd = 28 if n > NX else 0
    nb_qr = int((31 * n - 4160) / n)  # Fortran's integer division truncates toward zero
    k = n - 1
    if k <= 32 or nb_qr < 2 or nb_qr >= k:
        nb_qr = 0
    return nb_trd, nb_qr


def _dlatrd(AA: np.ndarray, nb: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``dlatrd("L")`` on the trailing block ``AA`` (changed in place): ``(e, tau, W)``."""
    N = AA.shape[0]
    W = np.zeros((N, nb))
    e = np.zeros(nb)
    tau = np.zeros(nb)
    for i in range(nb):
        col = AA[i:, i].copy()
        for j in range(i):
            col = col + (-1.0 * W[i, j]) * AA[i:, j]
        for j in range(i):
            col = col + (-1.0 * AA[i, j]) * W[i:, j]
        AA[i:, i] = col
        if i < N - 1:
            beta, t, v = _dlarfg(AA[i + 1, i], AA[i + 2 :, i].copy())
            AA[i + 2 :, i] = v
            e[i] = beta
            AA[i + 1, i] = 1.0
            vec = AA[i + 1 :, i].copy()
            w = _dsymv_lower(1.0, AA[i + 1 :, i + 1 :], vec)
            wt = [dot(W[i + 1 :, j], vec) for j in range(i)]
            for j in range(i):
                w = w + (-1.0 * wt[j]) * AA[i + 1 :, j]
            at = [dot(AA[i + 1 :, j], vec) for j in range(i)]
            for j in range(i):
                w = w + (-1.0 * at[j]) * W[i + 1 :, j]
            w = t * w
            alpha = -0.5 * t * dot(w, vec)
            W[i + 1 :, i] = w + alpha * vec
            tau[i] = t
    return e, tau, W


def _dsyr2k_lower(C: np.ndarray, V: np.ndarray, B: np.ndarray) -> None:
    """Reference ``dsyr2k("L", "N", alpha = -1, beta = 1)`` in place: ``C - V B' - B V'``."""
    for j in range(C.shape[0]):
        for col in range(V.shape[1]):
            if V[j, col] != 0.0 or B[j, col] != 0.0:
                t1 = -1.0 * B[j, col]
                t2 = -1.0 * V[j, col]
                C[j:, j] = C[j:, j] + V[j:, col] * t1 + B[j:, col] * t2


def dsytrd_blocked(S: np.ndarray, nb: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reference ``dsytrd("L")`` of a matrix over 32 rows with panels of ``nb`` columns:
    ``(d, e, tau, reflectors)``."""
    A = np.array(S, dtype=float)
    n = A.shape[0]
    d = np.zeros(n)
    e = np.zeros(n - 1)
    tau = np.zeros(n - 1)
    i = 0
    while i < n - NX:  # Fortran: DO I = 1, N - NX, NB
        AA = A[i:, i:]
        ep, tp, W = _dlatrd(AA, nb)
        C = AA[nb:, nb:]
        _dsyr2k_lower(C, AA[nb:, :nb], W[nb:, :])
        for j in range(nb):
            AA[j + 1, j] = ep[j]
            d[i + j] = AA[j, j]
        e[i : i + nb] = ep
        tau[i : i + nb] = tp
        i += nb
    d2, e2, tau2, rest = _dsytd2_lower(A[i:, i:])
    A[i:, i:] = rest
    d[i:] = d2
    e[i:] = e2
    tau[i:] = tau2
    return d, e, tau, A


def _dlarft(V: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """``dlarft("F", "C")``: the upper triangular factor of a block of reflectors."""
    n, k = V.shape
    T = np.zeros((k, k))
    prevlastv = n
    for i in range(k):
        prevlastv = max(i + 1, prevlastv)
        if tau[i] == 0.0:
            continue
        lastv = n
        while lastv > i + 1 and V[lastv - 1, i] == 0.0:
            lastv -= 1
        col = np.array([-tau[i] * V[i, j] for j in range(i)])
        last = min(lastv, prevlastv)
        for j in range(i):
            col[j] = col[j] + (-tau[i]) * dot(V[i + 1 : last, j], V[i + 1 : last, i])
        for j in range(i):  # dtrmv("U", "N", "N"): col = T[:i, :i] col
            if col[j] != 0.0:
                temp = col[j]
                col[:j] = col[:j] + temp * T[:j, j]
                col[j] = col[j] * T[j, j]
        T[:i, i] = col
        T[i, i] = tau[i]
        prevlastv = max(prevlastv, lastv) if i > 0 else lastv
    return T


def _dlarfb_left(V: np.ndarray, T: np.ndarray, C: np.ndarray) -> np.ndarray:
    """``dlarfb("L", "N", "F", "C")``: ``H C`` for the block reflector ``I - V T V'``."""
    M, K = V.shape
    C = np.array(C, dtype=float)
    W = C[:K, :].T.copy()
    for j in range(K):  # W V1 (unit lower)
        for k in range(j + 1, K):
            if V[k, j] != 0.0:
                W[:, j] = W[:, j] + V[k, j] * W[:, k]
    if M > K:
        C2, V2 = C[K:, :], V[K:, :]
        prod = C2[:, :, None] * V2[:, None, :]
        total = prod[0].copy()
        for part in prod[1:]:
            total += part
        W = total + W
    for k in range(K):  # W T' (upper, non-unit)
        for j in range(k):
            if T[j, k] != 0.0:
                W[:, j] = W[:, j] + T[j, k] * W[:, k]
        if T[k, k] != 1.0:
            W[:, k] = T[k, k] * W[:, k]
    if M > K:
        C2 = C[K:, :]
        for col in range(K):
            C2 = C2 + V[K:, col][:, None] * (-1.0 * W[:, col])[None, :]
        C[K:, :] = C2
    for k in range(K - 1, -1, -1):  # W V1' (unit lower)
        for j in range(k + 1, K):
            if V[j, k] != 0.0:
                W[:, j] = W[:, j] + V[j, k] * W[:, k]
    C[:K, :] = C[:K, :] - W.T
    return C


def dormqr_blocked(V: np.ndarray, tau: np.ndarray, C: np.ndarray, nb: int) -> np.ndarray:
    """``dormqr("L", "N")`` (the reflectors are the columns of ``V``, unit lower): ``Q C``
    applied ``nb`` reflectors at a time, the last block first."""
    C = np.array(C, dtype=float)
    k = V.shape[1]
    start = ((k - 1) // nb) * nb
    for i in range(start, -1, -nb):
        ib = min(nb, k - i)
        T = _dlarft(V[i:, i : i + ib], tau[i : i + ib])
        C[i:, :] = _dlarfb_left(V[i:, i : i + ib], T, C[i:, :])
    return C
