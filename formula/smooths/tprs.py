"""mgcv's thin plate regression spline basis (``bs = "tp"``), as ``tprs.c`` builds it.

mgcv 1.8-41's ``construct_tprs`` (``src/tprs.c``) is reproduced step by step, because the
basis brms hands to Stan depends on its arithmetic, not only on the spline space: the Lanczos
eigenvectors' signs (``Rlanczos`` in ``src/mat.c``, with its fixed pseudo-random start vector
and LAPACK's ``dstedc`` for the tridiagonal problems), the Householder ``QT`` factorization that
absorbs the polynomial constraints, and the rescaling of each column to unit root mean square
all change the final columns, and with them brms's ``Xs``/``Zs`` and coefficients. The steps:

1. the covariates are centred (``shift``), their unique rows sorted (``Xd_strip``) are the
   knots ``Xu``; ``E`` holds the radial basis ``eta(|xi - xj|)`` between knots, ``T`` the
   polynomials of the penalty's null space (``1, x`` for ``m = 2`` in one dimension);
2. the ``k`` eigenvalues of ``E`` largest in magnitude and their eigenvectors ``U``
   (Lanczos); the constraint ``T'U delta = 0`` is absorbed by ``QT``: ``(T'U) Q = [0, B]``;
3. ``X = [U diag(v) Z, T]`` and ``S = Z' diag(v) Z`` (zero on the null space), each column
   of ``X`` rescaled to unit root mean square; ``UZ`` maps the coefficients back to the full
   spline (used for prediction at new covariate values, ``predict_tprs``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack

__all__ = ["TprsBasis", "eta_const", "poly_powers", "tprs_predict", "tprs_setup"]


def null_space_dimension(d: int, m: int) -> int:
    """mgcv's ``null_space_dimension``: number of polynomials the penalty leaves free."""
    if 2 * m <= d:
        m = 1
        while 2 * m < d + 2:
            m += 1
    M = 1
    for i in range(d):
        M *= d + m - 1 - i
    for i in range(2, d + 1):
        M //= i
    return M


def default_order(d: int, m: int) -> int:
    """The penalty order mgcv uses: ``m``, or the smallest with ``2m > d + 1`` if ``2m <= d``."""
    if 2 * m <= d:
        m = 0
        while 2 * m < d + 2:
            m += 1
    return m


def eta_const(m: int, d: int) -> float:
    """The constant of the thin plate radial basis function (``eta_const``)."""
    pi = math.pi
    d2 = d // 2
    if d % 2 == 0:
        f = -1.0 if (m + 1 + d2) % 2 else 1.0
        f /= 2.0 ** (2 * m - 1)
        f /= pi**d2
        for i in range(2, m):
            f /= i
        for i in range(2, m - d2 + 1):
            f /= i
    else:
        ghalf = math.sqrt(pi)
        f = ghalf
        for i in range(m - (d - 1) // 2):
            f /= -0.5 - i
        f /= 4.0**m
        f /= pi**d2
        f /= ghalf
        for i in range(2, m):
            f /= i
    return f


def _eta(r2: np.ndarray, m: int, d: int, f: float) -> np.ndarray:
    """``fast_eta`` on squared distances ``r2`` (0 where ``r2 <= 0``)."""
    r2 = np.asarray(r2, dtype=float)
    pos = r2 > 0
    safe = np.where(pos, r2, 1.0)
    d2 = d // 2
    if d % 2 == 0:
        out = f * np.log(safe) * 0.5 * safe ** (m - d2)
    else:
        out = f * safe ** (m - d2 - 1) * np.sqrt(safe)
    return np.where(pos, out, 0.0)


def poly_powers(M: int, m: int, d: int) -> np.ndarray:
    """``gen_tps_poly_powers``: ``(M, d)`` powers of the null space polynomials."""
    out = np.zeros((M, d), dtype=int)
    index = [0] * d
    for i in range(M):
        out[i] = index
        total = sum(index)
        if total < m - 1:
            index[0] += 1
        else:
            total -= index[0]
            index[0] = 0
            for j in range(1, d):
                index[j] += 1
                total += 1
                if total == m:
                    total -= index[j]
                    index[j] = 0
                else:
                    break
    return out


def _poly(x: np.ndarray, powers: np.ndarray) -> np.ndarray:
    """``T[i, j] = prod_k x[i, k] ** powers[j, k]`` by repeated products as ``tpsT``."""
    T = np.ones((x.shape[0], powers.shape[0]))
    for j, pw in enumerate(powers):
        for k, p in enumerate(pw):
            for _ in range(p):
                T[:, j] *= x[:, k]
    return T


def _lanczos(A: np.ndarray, m: int, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """``Rlanczos`` with ``lm < 0``: the ``m`` eigenvalues of ``A`` largest in magnitude.

    Returns the eigenvalues (the positive ones descending, then the negative ones from the
    smallest magnitude) and the Ritz vectors as columns, as mgcv orders and signs them.
    """
    n = A.shape[0]
    f_check = max(m // 2, 10)
    kk = max(n // 10, 1)
    f_check = min(f_check, kk)
    jran, ia, ic, im = 1, 106, 1283, 6075
    b0 = np.empty(n)
    for i in range(n):
        jran = (jran * ia + ic) % im
        b0[i] = jran / im - 0.5
    q = [b0 / math.sqrt(float(np.sum(b0 * b0)))]
    a = np.zeros(n)
    b = np.zeros(n)
    Q = np.zeros((n, n))
    Q[:, 0] = q[0]
    d = v = None
    pi = ni = 0
    j = 0
    while j < n:
        z = A @ q[j]
        a[j] = q[j] @ z
        if j == 0:
            z = z - a[j] * q[j]
        else:
            z = z - (a[j] * q[j] + b[j - 1] * q[j - 1])
            Qj = Q[:, : j + 1]
            for _ in range(2):  # mgcv's full re-orthogonalization, done twice
                z = z - Qj @ (Qj.T @ z)
        b[j] = math.sqrt(float(z @ z))
        if j < n - 1:
            q.append(z / b[j])
            Q[:, j + 1] = q[j + 1]
        if (j >= m and j % f_check == 0) or j == n - 1:
            d, v, info = lapack.dstevd(a[: j + 1].copy(), b[:j].copy(), compute_v=1)
            if info != 0:  # pragma: no cover - LAPACK failure
                raise np.linalg.LinAlgError("dstevd did not converge")
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
    D = d[idx]
    U = Q[:, :j] @ v[:j, idx]
    return D, U


def _qt(A: np.ndarray) -> np.ndarray:
    """mgcv's ``QT``: ``A Q = [0, T]``; returns the Householder vectors (rows of ``U``)."""
    A = np.array(A, dtype=float)
    Ar, Ac = A.shape
    U = np.zeros((Ar, Ac))
    for i in range(Ar):
        p = A[i]
        w = Ac - i
        mx = float(np.max(np.abs(p[:w]))) if w else 0.0
        if mx:
            p[:w] /= mx
        lsq = math.sqrt(float(np.sum(p[:w] ** 2)))
        if p[w - 1] < 0.0:
            lsq = -lsq
        p[w - 1] += lsq
        g = 1.0 / (lsq * p[w - 1]) if lsq else 0.0
        for jj in range(i + 1, Ar):
            x = g * float(p[:w] @ A[jj, :w])
            A[jj, :w] -= x * p[:w]
        U[i, :w] = p[:w] * math.sqrt(g)
    return U


def _householder_q(U: np.ndarray, n: int) -> np.ndarray:
    """``Q = H_0 H_1 ...`` with ``H_k = I - u_k u_k'`` (``HQmult``'s product)."""
    Q = np.eye(n)
    for u in U:
        Q = Q - np.outer(Q @ u, u)
    return Q


@dataclass(frozen=True)
class TprsBasis:
    """A thin plate regression spline basis as ``construct_tprs`` returns it.

    Attributes
    ----------
    X
        ``(n, k)`` model matrix at the data.
    S
        ``(k, k)`` penalty (symmetrized as mgcv does).
    UZ
        ``(n_knots + M, k)`` map from the truncated to the full spline coefficients.
    Xu
        ``(n_knots, d)`` unique centred covariate values (the knots).
    shift
        ``(d,)`` covariate means subtracted first.
    m, M
        The penalty order and the null space dimension.
    """

    X: np.ndarray
    S: np.ndarray
    UZ: np.ndarray
    Xu: np.ndarray
    shift: np.ndarray
    m: int
    M: int

    @property
    def rank(self) -> int:
        """The penalty's rank (``k - M``)."""
        return self.X.shape[1] - self.M

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The basis at new covariate values ``(n, d)`` (:func:`tprs_predict`)."""
        return tprs_predict(self, x)


def tprs_setup(x: np.ndarray, k: int, m: int = 0) -> TprsBasis:
    """``smooth.construct.tp.smooth.spec`` + ``construct_tprs`` without knots.

    Parameters
    ----------
    x
        ``(n, d)`` covariate values.
    k
        Basis dimension (``bs.dim``), at least ``M + 1``.
    m
        Penalty order (``p.order``; 0 is mgcv's default for the dimension).

    Raises
    ------
    ValueError
        When there are fewer unique covariate values than ``k`` (mgcv's message).
    """
    x = np.asarray(x, dtype=float)
    n, d = x.shape
    shift = x.mean(axis=0)
    xc = x - shift
    order = np.lexsort([np.arange(n)] + [xc[:, c] for c in range(d - 1, -1, -1)])
    srt = xc[order]
    keep = np.ones(n, dtype=bool)
    keep[1:] = np.any(srt[1:] != srt[:-1], axis=1)
    Xu = srt[keep]
    pos = np.cumsum(keep) - 1
    yxindex = np.empty(n, dtype=int)
    yxindex[order] = pos
    if Xu.shape[0] < k:
        raise ValueError(
            "A term has fewer unique covariate combinations than specified maximum degrees "
            "of freedom"
        )
    m = default_order(d, m)
    M = null_space_dimension(d, m)
    f = eta_const(m, d)
    diff2 = np.zeros((Xu.shape[0], Xu.shape[0]))
    for c in range(d):
        diff = Xu[:, c][:, None] - Xu[:, c][None, :]
        diff2 += diff * diff
    E = _eta(diff2, m, d, f)
    powers = poly_powers(M, m, d)
    T = _poly(Xu, powers)
    nu = Xu.shape[0]
    tol = np.finfo(float).eps ** 0.7
    if nu == k:
        raise NotImplementedError("a basis dimension equal to the number of unique values")
    v, U = _lanczos(E, k, tol)
    Zh = _qt(T.T @ U)
    Q = _householder_q(Zh, k)
    UZ = np.zeros((nu + M, k))
    UZ[:nu, : k - M] = (U @ Q)[:, : k - M]
    for i in range(M):
        UZ[nu + M - 1 - i, k - 1 - i] = 1.0
    X1 = (U * v) @ Q
    X1[:, k - M :] = T
    X = X1[yxindex]
    S = Q.T @ np.diag(v) @ Q
    S[:, k - M :] = 0.0
    S[k - M :, :] = 0.0
    w = np.sqrt(np.sum(X * X, axis=0) / n)
    X = X / w
    UZ = UZ / w
    S = S / w[:, None] / w[None, :]
    S = (S + S.T) / 2
    return TprsBasis(X, S, UZ, Xu, shift, m, M)


def tprs_predict(basis: TprsBasis, x: np.ndarray) -> np.ndarray:
    """``Predict.matrix.tprs.smooth``: the basis at new covariate values ``(n, d)``."""
    x = np.asarray(x, dtype=float) - basis.shift
    d = x.shape[1]
    f = eta_const(basis.m, d)
    diff2 = np.zeros((x.shape[0], basis.Xu.shape[0]))
    for c in range(d):
        diff = x[:, c][:, None] - basis.Xu[:, c][None, :]
        diff2 += diff * diff
    radial = _eta(diff2, basis.m, d, f)
    poly = _poly(x, poly_powers(basis.M, basis.m, d))
    return np.hstack([radial, poly]) @ basis.UZ
