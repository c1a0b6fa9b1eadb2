"""R's ``eigen(S, symmetric = TRUE)`` with the rounding of R's reference BLAS and LAPACK.

The column signs of brms's smooth bases come from the eigenvectors of the constrained penalty
(mgcv's ``nat.param``, R's ``eigen`` = LAPACK's ``dsyevr``). ``dsyevr`` does not normalise
them: its ``dstemr`` scales each vector of the tridiagonal problem to be positive at a twist
index chosen among the vector's large entries by quantities at the rounding level, so one ulp
in the matrix, or BLAS kernels that add in another order (scipy's OpenBLAS against R's
reference BLAS), flips some columns. This module reproduces reference LAPACK 3.11 as R calls
it, operation by operation, so that the same input bits give R's vectors:

- ``dsytrd`` (unblocked ``dsytd2`` up to 32 rows) with reference ``dsymv``, ``dsyr2``,
  ``ddot``, ``daxpy`` and ``dlarfg`` (``dnrm2.f90``, ``dlapy2``), each sum in its order;
- ``dstemr`` from scipy (the same Fortran on the same tridiagonal gives the same bits; it
  calls no BLAS kernel that rounds);
- ``dormtr`` (unblocked ``dorm2r`` up to 31 reflectors) with reference ``dgemv``/``dger``.

Larger matrices, whose LAPACK path is blocked, fall back to scipy's ``eigh`` (same vectors up
to sign). Sequential sums use ``np.cumsum`` (left to right, as the Fortran loops).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["dnrm2", "dot", "forwardsolve", "gemm", "qr_r"]

_TSML = 2.0**-511
_TBIG = 2.0**486


def dot(x: np.ndarray, y: np.ndarray) -> float:
    """Reference ``ddot``: the products summed left to right."""
    if x.shape[0] == 0:
        return 0.0
    return float(np.cumsum(x * y)[-1])


def gemm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Reference ``dgemm("N", "N")`` (R's ``%*%``): column ``j`` accumulates
    ``A[:, l] B[l, j]`` over ``l`` in order."""
    if A.shape[1] == 0:
        return np.zeros((A.shape[0], B.shape[1]))
    return np.asarray(np.cumsum(A[:, :, None] * B[None, :, :], axis=1)[:, -1, :])


def dnrm2(x: np.ndarray) -> float:
    """Reference BLAS 3.11 ``dnrm2.f90`` (Blue's accumulators) for moderate entries."""
    ax = np.abs(x)
    if np.any(ax > _TBIG) or np.any((ax < _TSML) & (ax > 0)):
        return float(np.linalg.norm(x))  # extreme magnitudes: not in R's path here
    return math.sqrt(dot(ax, ax))


def _dlapy2(x: float, y: float) -> float:
    xa, ya = abs(x), abs(y)
    w, z = max(xa, ya), min(xa, ya)
    if z == 0.0:
        return w
    return w * math.sqrt(1.0 + (z / w) ** 2)


def _dlarfg(alpha: float, x: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Reference ``dlarfg``: ``(beta, tau, v)`` with ``x`` scaled in place of ``v``."""
    if x.shape[0] == 0:
        return alpha, 0.0, x
    xnorm = dnrm2(x)
    if xnorm == 0.0:
        return alpha, 0.0, x
    beta = -math.copysign(_dlapy2(alpha, xnorm), alpha)
    tau = (beta - alpha) / beta
    return beta, tau, x * (1.0 / (alpha - beta))


def _dsymv_lower(alpha: float, A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Reference ``dsymv`` (lower, ``beta = 0``): ``alpha A x`` from the lower triangle."""
    n = x.shape[0]
    y = np.zeros(n)
    for j in range(n):
        temp1 = alpha * x[j]
        y[j] = y[j] + temp1 * A[j, j]
        col = A[j + 1 :, j]
        y[j + 1 :] = y[j + 1 :] + temp1 * col
        temp2 = dot(col, x[j + 1 :])
        y[j] = y[j] + alpha * temp2
    return y


def _dsyr2_lower(A: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    """Reference ``dsyr2`` (lower, ``alpha = -1``) in place: ``A - x y' - y x'``."""
    n = x.shape[0]
    for j in range(n):
        if x[j] != 0.0 or y[j] != 0.0:
            temp1 = -1.0 * y[j]
            temp2 = -1.0 * x[j]
            A[j:, j] = A[j:, j] + x[j:] * temp1 + y[j:] * temp2


def _dsytd2_lower(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reference ``dsytd2`` (``uplo = "L"``): ``(d, e, tau, reflectors)``."""
    A = np.array(A, dtype=float, order="F")
    n = A.shape[0]
    d = np.zeros(n)
    e = np.zeros(max(n - 1, 0))
    tau = np.zeros(max(n - 1, 0))
    for i in range(n - 1):
        beta, taui, v = _dlarfg(A[i + 1, i], A[i + 2 :, i].copy())
        A[i + 2 :, i] = v
        A[i + 1, i] = beta
        e[i] = beta
        if taui != 0.0:
            A[i + 1, i] = 1.0
            vec = A[i + 1 :, i].copy()
            sub = A[i + 1 :, i + 1 :]
            w = _dsymv_lower(taui, sub, vec)
            alpha = -0.5 * taui * dot(w, vec)
            w = w + alpha * vec
            _dsyr2_lower(sub, vec, w)
            A[i + 1 :, i + 1 :] = sub
            A[i + 1, i] = e[i]
        d[i] = A[i, i]
        tau[i] = taui
    d[n - 1] = A[n - 1, n - 1]
    return d, e, tau, A


def _dorm2r_left(V: np.ndarray, tau: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Reference ``dormtr("L", "L", "N")`` via ``dorm2r``: ``Q C`` with ``Q = H(1)...H(n-1)``.

    ``V`` is ``dsytd2``'s output; reflector ``i`` is ``(1, V[i+2:, i])`` on rows ``i+1:``.
    """
    C = np.array(C, dtype=float)
    n = V.shape[0]
    for i in range(n - 2, -1, -1):
        t = tau[i]
        if t == 0.0:
            continue
        v = np.r_[1.0, V[i + 2 :, i]]
        lastv = v.shape[0]
        while lastv > 0 and v[lastv - 1] == 0.0:
            lastv -= 1
        v = v[:lastv]
        block = C[i + 1 : i + 1 + lastv, :]
        w = np.cumsum(block * v[:, None], axis=0)[-1] if lastv else np.zeros(C.shape[1])
        for j in range(C.shape[1]):
            if w[j] != 0.0:
                block[:, j] = block[:, j] + v * (-t * w[j])
        C[i + 1 : i + 1 + lastv, :] = block
    return C


def qr_r(X: np.ndarray, tol: float = 2.220446049250313e-16**0.8) -> np.ndarray | None:
    """The ``R`` of R's ``qr(X, tol)`` (LINPACK ``dqrdc2``) with reference BLAS's rounding, or
    None where ``dqrdc2`` would pivot a column (a rank deficient ``X``)."""
    A = np.array(X, dtype=float)
    n, p = A.shape
    qraux = np.array([dnrm2(A[:, j]) for j in range(p)])
    orig = np.where(qraux == 0.0, 1.0, qraux)
    for col in range(min(n, p)):
        if qraux[col] < orig[col] * tol:
            return None
        if col == n - 1:
            break
        v = A[col:, col]
        nrmxl = dnrm2(v)
        if nrmxl == 0.0:
            continue
        if v[0] != 0.0:
            nrmxl = math.copysign(nrmxl, v[0])
        v = v * (1.0 / nrmxl)
        v[0] = 1.0 + v[0]
        for j in range(col + 1, p):
            t = -dot(v, A[col:, j]) / v[0]
            A[col:, j] = A[col:, j] + t * v
            if qraux[j] != 0.0:
                tt = max(1.0 - (abs(A[col, j]) / qraux[j]) ** 2, 0.0)
                if abs(tt) < 1e-6:
                    qraux[j] = dnrm2(A[col + 1 :, j])
                else:
                    qraux[j] = qraux[j] * math.sqrt(tt)
        A[col:, col] = v
        A[col, col] = -nrmxl
    return np.triu(A[:p, :p])


def forwardsolve(L: np.ndarray, B: np.ndarray) -> np.ndarray:
    """R's ``forwardsolve(L, B)``: reference ``dtrsm("L", "L", "N", "N")``, row by row."""
    B = np.array(B, dtype=float)
    for k in range(L.shape[0]):
        B[k] = B[k] / L[k, k]
        B[k + 1 :] = B[k + 1 :] - B[k][None, :] * L[k + 1 :, k][:, None]
    return B


def _dgetrf2(A: np.ndarray, piv: np.ndarray) -> None:
    """Reference LAPACK 3.11's recursive ``dgetrf2`` in place (``piv``: 0-based rows)."""
    m, n = A.shape
    if m == 1:
        piv[0] = 0
        return
    if n == 1:
        i = int(np.argmax(np.abs(A[:, 0])))
        piv[0] = i
        if A[i, 0] != 0.0:
            if i != 0:
                A[[0, i], 0] = A[[i, 0], 0]
            if abs(A[0, 0]) >= np.finfo(float).tiny:
                A[1:, 0] = (1.0 / A[0, 0]) * A[1:, 0]
            else:
                A[1:, 0] = A[1:, 0] / A[0, 0]
        return
    n1 = min(m, n) // 2
    left = A[:, :n1]
    _dgetrf2(left, piv[:n1])
    right = A[:, n1:]
    for k in range(n1):  # dlaswp on A12/A22
        if piv[k] != k:
            right[[k, piv[k]], :] = right[[piv[k], k], :]
    for k in range(n1):  # dtrsm("L", "L", "N", "U"): A12 = L11^-1 A12
        right[k + 1 : n1, :] = right[k + 1 : n1, :] - right[k][None, :] * A[k + 1 : n1, k][:, None]
    for col in range(n1):  # dgemm: A22 = A22 - A21 A12, over the inner index in order
        right[n1:, :] = right[n1:, :] + A[n1:, col][:, None] * (-1.0 * right[col])[None, :]
    sub = piv[n1:]
    _dgetrf2(A[n1:, n1:], sub)
    sub += n1
    for k in range(n1, min(m, n)):  # dlaswp on A21
        if piv[k] != k:
            left[[k, piv[k]], :] = left[[piv[k], k], :]


def solve(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """R's ``solve(A, B)`` (LAPACK ``dgesv`` = ``dgetrf`` + ``dgetrs``, up to 64 rows the
    recursive ``dgetrf2``) with reference BLAS's rounding."""
    A = np.array(A, dtype=float)
    B = np.array(B, dtype=float)
    n = A.shape[0]
    if n > 64:  # blocked dgetrf: not R's rounding
        return np.asarray(np.linalg.solve(A, B))
    piv = np.zeros(n, dtype=int)
    _dgetrf2(A, piv)
    for k in range(n):
        if piv[k] != k:
            B[[k, piv[k]], :] = B[[piv[k], k], :]
    for k in range(n):  # unit lower
        B[k + 1 :, :] = B[k + 1 :, :] - B[k][None, :] * A[k + 1 :, k][:, None]
    for k in range(n - 1, -1, -1):  # upper
        B[k] = B[k] / A[k, k]
        B[:k, :] = B[:k, :] - B[k][None, :] * A[:k, k][:, None]
    return B
