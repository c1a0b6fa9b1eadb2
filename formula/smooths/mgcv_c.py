"""mgcv's C routines for the thin plate basis, with their order of floating point operations.

The signs of brms's smooth columns are decided by rounding-level quantities in LAPACK's
``dsyevr`` (see :mod:`.rlapack`), so the penalty it decomposes must have R's bits, and with
it every step that builds it: mgcv's ``Rlanczos`` (``src/mat.c``: its start vector,
reference ``dsymv``/``ddot``/``daxpy``, LAPACK's ``dstedc`` on the tridiagonal, see
:mod:`.rdstedc`), ``matmult``, ``QT`` and ``HQmult`` (``src/matrix.c``) and ``tprs_setup``'s
column rescaling. Each sum here runs left to right as the C or Fortran loop does
(``np.cumsum``), each product in the same order; reductions that numpy would do pairwise or
through OpenBLAS are not used.
"""

from __future__ import annotations

import math

import numpy as np

from .rdstedc import dstedc

__all__ = [
    "get_fs",
    "hq_post",
    "hq_pre_t",
    "lanczos",
    "matmult_tn",
    "qt",
    "r_mean",
    "seq_sum",
]


def seq_sum(A: np.ndarray, axis: int = 0) -> np.ndarray:
    """Sums along ``axis`` added left to right (a C ``for`` loop from ``0.0``): a running sum
    of whole slices, one vectorized addition per index (faster than ``np.cumsum`` across the
    other axes, and the same additions)."""
    A = np.asarray(A)
    if A.shape[axis] == 0:
        return np.zeros(np.delete(A.shape, axis))
    if A.ndim == 1:
        return np.asarray(np.cumsum(A)[-1])
    slices = np.moveaxis(A, axis, 0)
    total = slices[0].copy()
    for part in slices[1:]:
        total += part
    return total


def r_mean(x: np.ndarray) -> float:
    """R's ``mean`` of a double vector: long double sum over ``n``, then R's second pass."""
    xl = x.astype(np.longdouble)
    n = np.longdouble(x.shape[0])
    s = np.cumsum(xl)[-1] / n
    if np.isfinite(s):
        s = s + np.cumsum(xl - s)[-1] / n
    return float(s)


class _Dsymv:
    """Reference ``dsymv("U", alpha = 1, beta = 0)`` for one matrix: ``A x`` from its upper
    triangle.

    Column ``j`` adds ``x[j] A[i, j]`` to ``y[i]`` for ``i < j`` and sets ``y[j]`` to
    ``x[j] A[j, j]`` plus the running dot product ``temp2`` of the column above the diagonal
    with ``x``. Both running sums add in the Fortran order, one vectorized step per index over
    the triangle only: ``temp2[i + 1:] += A[i, i + 1:] x[i]`` for ``i = 0, 1, ...``, then
    ``y = x diag(A) + temp2`` and ``y[:j] += x[j] A[:j, j]`` for ``j = 1, 2, ...`` (the
    column read as a contiguous row of ``A'``).
    """

    def __init__(self, A: np.ndarray) -> None:
        self.rows = np.ascontiguousarray(A)
        # A[:j, j] as rows: A itself when it is exactly symmetric (mgcv's E), else A'
        symmetric = A.shape[0] == A.shape[1] and bool(np.array_equal(A, A.T))
        self.cols = self.rows if symmetric else np.ascontiguousarray(A.T)
        self.diag = np.diag(A).copy()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        rows, cols = self.rows, self.cols
        temp2 = np.zeros(n)
        for i in range(n - 1):
            temp2[i + 1 :] += rows[i, i + 1 :] * x[i]
        y = x * self.diag + temp2
        for j in range(1, n):
            y[:j] += x[j] * cols[j, :j]
        return y


def lanczos(A: np.ndarray, m: int, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """``Rlanczos`` with ``lm < 0`` (one thread): the ``m`` eigenvalues of ``A`` largest in
    magnitude and their Ritz vectors, ordered and signed as mgcv's.

    Returns the eigenvalues (the positive ones descending, then the negative ones from the
    smallest magnitude) and the vectors as columns.
    """
    n = A.shape[0]
    dsymv = _Dsymv(A)
    f_check = max(m // 2, 10)
    kk = max(n // 10, 1)
    f_check = min(f_check, kk)
    jran, ia, ic, im = 1, 106, 1283, 6075
    b0 = np.empty(n)
    for i in range(n):
        jran = (jran * ia + ic) % im
        b0[i] = float(jran) / float(im) - 0.5
    b0 = b0 / math.sqrt(float(seq_sum(b0 * b0)))
    Q = [b0]  # the Lanczos vectors, one contiguous row each
    a = np.zeros(n)
    b = np.zeros(n)
    d = v = None
    pi = ni = 0
    j = 0
    while j < n:
        q = Q[j]
        z = dsymv(q)
        xx = float(seq_sum(q * z))
        a[j] = xx
        if j == 0:
            z = z - xx * q
        else:
            z = z - (xx * q + b[j - 1] * Q[j - 1])
            for _ in range(2):  # mgcv's full re-orthogonalization, done twice
                for i in range(j + 1):
                    c = -float(seq_sum(z * Q[i]))
                    z = z + c * Q[i]
        b[j] = math.sqrt(float(seq_sum(z * z)))
        if j < n - 1:
            Q.append(z / b[j])
        if (j >= m and j % f_check == 0) or j == n - 1:
            d, v = dstedc(a[: j + 1], b[:j])
            d, v = d[::-1], v[:, ::-1]
            norm = max(abs(d[0]), abs(d[j]))
            err = np.abs(b[j] * v[j, :])
            if j >= m:
                max_err = norm * tol
                pi = ni = 0
                converged = True
                while pi + ni < m:
                    if abs(d[pi]) >= abs(d[j - ni]):
                        if err[pi] > max_err:
                            converged = False
                            break
                        pi += 1
                    else:
                        if err[ni] > max_err:  # mgcv tests err[ni] here, kept as it is
                            converged = False
                            break
                        ni += 1
                if converged:
                    j += 1
                    break
        j += 1
    if d is None or v is None:  # pragma: no cover - n >= 1 always decomposes
        raise np.linalg.LinAlgError("Lanczos iteration did not run")
    idx = list(range(pi)) + [j - (ni + pi - k) for k in range(pi, pi + ni)]
    Qr = np.asarray(Q[:j])
    U = seq_sum(Qr[:, :, None] * v[:j, idx][:, None, :], axis=0)
    return d[idx], U


def matmult_tn(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``matmult(C, A, B, 1, 0)``: ``A' B`` with each entry summed over rows in order."""
    return seq_sum(A[:, :, None] * B[:, None, :], axis=0)


def qt(A: np.ndarray) -> np.ndarray:
    """mgcv's ``QT``: ``A Q = [0, T]``; returns the Householder vectors (rows)."""
    A = np.array(A, dtype=float)
    Ar, Ac = A.shape
    U = np.zeros((Ar, Ac))
    for i in range(Ar):
        w = Ac - i
        p = A[i, :w]
        mx = float(np.max(np.abs(p))) if w else 0.0
        if mx:
            p = p / mx
        lsq = math.sqrt(float(seq_sum(p * p)))
        if p[w - 1] < 0.0:
            lsq = -lsq
        p[w - 1] += lsq
        g = 1.0 / (lsq * p[w - 1]) if lsq else 0.0
        for jj in range(i + 1, Ar):
            x = float(seq_sum(p * A[jj, :w])) * g
            A[jj, :w] = A[jj, :w] + (-x) * p
        U[i, :w] = p * math.sqrt(g)
        A[i, :w] = p
    return U


def hq_post(C: np.ndarray, U: np.ndarray) -> np.ndarray:
    """``HQmult(C, U, 0, 0)``: ``C H_0 H_1 ...`` with ``H_k = I - u_k u_k'``."""
    C = np.array(C, dtype=float)
    for u in U:
        cu = seq_sum(C * u[None, :], axis=1)
        C = C - cu[:, None] * u[None, :]
    return C


def hq_pre_t(C: np.ndarray, U: np.ndarray) -> np.ndarray:
    """``HQmult(C, U, 1, 1)``: ``Q' C = ... H_1 H_0 C``."""
    C = np.array(C, dtype=float)
    for u in U:
        cu = seq_sum(C * u[:, None], axis=0)
        C = C - cu[None, :] * u[:, None]
    return C


def _dptsv(d: np.ndarray, e: np.ndarray, B: np.ndarray) -> np.ndarray:
    """LAPACK's ``dptsv`` (``dpttrf`` then ``dptts2``) in its order: ``T^-1 B`` for the
    positive definite tridiagonal ``T`` with diagonal ``d`` and off-diagonal ``e``."""
    d = np.array(d, dtype=float)
    e = np.array(e, dtype=float)
    B = np.array(B, dtype=float)
    n = d.shape[0]
    if n == 1:
        return B * (1.0 / d[0])
    for i in range(n - 1):
        ei = e[i]
        e[i] = ei / d[i]
        d[i + 1] = d[i + 1] - e[i] * ei
    for i in range(1, n):
        B[i] = B[i] - B[i - 1] * e[i - 1]
    B[n - 1] = B[n - 1] / d[n - 1]
    for i in range(n - 2, -1, -1):
        B[i] = B[i] / d[i] - B[i + 1] * e[i]
    return B


def get_fs(xk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """mgcv's ``getFS`` (``src/mgcv.c``) for the cubic regression spline with knots ``xk``:
    ``F`` (row ``j``: the second derivatives at the knots from the value at knot ``j``, zero at
    both ends) and the penalty ``S = D' B^-1 D``, each entry computed as the C code does."""
    n = xk.shape[0]
    n2 = n - 2
    h = xk[1:] - xk[:-1]
    D = np.zeros((n2, n))
    for i in range(n2):
        D[i, i] = 1 / h[i]
        D[i, i + 2] = 1 / h[i + 1]
        D[i, i + 1] = -D[i, i] - D[i, i + 2]
    BinvD = _dptsv((h[:-1] + h[1:]) / 3, h[1:-1] / 6, D)
    F = np.zeros((n, n))
    F[1:-1] = BinvD
    S = np.zeros((n, n))
    S[0] = BinvD[0] * (1 / h[0])
    if n > 3:
        S[1] = BinvD[0] * (-1 / h[0] - 1 / h[1]) + BinvD[1] * (1 / h[1])
        for j in range(2, n2):
            a, c = 1 / h[j - 1], 1 / h[j]
            b = -a - c
            S[j] = BinvD[j - 2] * a + BinvD[j - 1] * b + BinvD[j] * c
        S[n2] = BinvD[n2 - 2] * (1 / h[n2 - 1]) + BinvD[n2 - 1] * (-1 / h[n2 - 1] - 1 / h[n2])
    else:
        S[1] = BinvD[0] * (-1 / h[0] - 1 / h[1])
    S[n - 1] = BinvD[n2 - 1] * (1 / h[n2])
    return F, S
