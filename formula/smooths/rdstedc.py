"""LAPACK's ``dstedc("I")`` (divide and conquer) with reference BLAS's rounding.

mgcv's Lanczos iteration (:func:`.mgcv_c.lanczos`) decomposes its tridiagonal matrices with
``dstedc``. Up to 25 rows that is ``dsteqr``, which scipy's LAPACK computes to R's bits; above,
``dlaed0`` splits the matrix, solves the pieces with ``dsteqr`` and merges them by rank-one
updates (``dlaed1``: deflation ``dlaed2``, secular equation ``dlaed3``), whose ``dgemm`` and
``dnrm2`` round differently in scipy's OpenBLAS than in R's reference BLAS. Those drivers are
reproduced here from reference LAPACK 3.11 (1-based indices as in the Fortran, index 0
unused), calling LAPACK's scalar kernels ``dsteqr`` and ``dlaed4`` from scipy's
``cython_lapack``; matrix products and norms sum in the reference order.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable

import numpy as np
import scipy.linalg.cython_lapack as _cl
from scipy.linalg import lapack

from .rlapack import dnrm2, gemm

__all__ = ["dstedc"]

_SMLSIZ = 25
_EPS = 2.0**-53
_D = ctypes.POINTER(ctypes.c_double)
_I = ctypes.POINTER(ctypes.c_int)


def _kernel(name: str, *argtypes: object) -> Callable[..., None]:
    """A LAPACK routine from scipy's ``cython_lapack`` table, callable through ctypes."""
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    capsule = _cl.__pyx_capi__[name]  # type: ignore[attr-defined]
    pointer = api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule))
    return ctypes.CFUNCTYPE(None, *argtypes)(pointer)  # type: ignore[arg-type]


_DSTEQR = _kernel("dsteqr", ctypes.c_char_p, _I, _D, _D, _D, _I, _D, _I)
_DLAED4 = _kernel("dlaed4", _I, _I, _D, _D, _D, _D, _D, _I)


def _ptr(a: np.ndarray) -> object:
    return a.ctypes.data_as(_D)


def _dsteqr(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``dsteqr("I")``: eigenvalues ascending and eigenvectors of a small tridiagonal."""
    n = d.shape[0]
    d = np.array(d, dtype=float)
    e = np.r_[np.array(e, dtype=float), 0.0]
    z = np.zeros((n, n), order="F")
    work = np.zeros(max(1, 2 * n - 2))
    info = ctypes.c_int(0)
    nn = ctypes.c_int(n)
    _DSTEQR(b"I", ctypes.byref(nn), _ptr(d), _ptr(e), _ptr(z), ctypes.byref(nn), _ptr(work),
            ctypes.byref(info))  # fmt: skip
    if info.value != 0:  # pragma: no cover - LAPACK failure
        raise np.linalg.LinAlgError("dsteqr did not converge")
    return d, z


def _dlaed4(dlam: np.ndarray, w: np.ndarray, j: int, rho: float) -> tuple[np.ndarray, float]:
    """``dlaed4``: root ``j`` (1-based) of the secular equation and its ``delta`` vector."""
    k = dlam.shape[0]
    delta = np.zeros(k)
    out = ctypes.c_double(0.0)
    info = ctypes.c_int(0)
    dlam = np.ascontiguousarray(dlam)
    w = np.ascontiguousarray(w)
    _DLAED4(ctypes.byref(ctypes.c_int(k)), ctypes.byref(ctypes.c_int(j)), _ptr(dlam), _ptr(w),
            _ptr(delta), ctypes.byref(ctypes.c_double(rho)), ctypes.byref(out),
            ctypes.byref(info))  # fmt: skip
    if info.value != 0:  # pragma: no cover - LAPACK failure
        raise np.linalg.LinAlgError("dlaed4 did not converge")
    return delta, out.value


def _dlamrg(n1: int, n2: int, a: np.ndarray, s1: int, s2: int) -> np.ndarray:
    """``dlamrg``: the permutation (1-based, index 0 unused) merging two sorted runs of ``a``."""
    out = np.zeros(n1 + n2 + 1, dtype=int)
    i1 = 1 if s1 > 0 else n1
    i2 = 1 + n1 if s2 > 0 else n1 + n2
    i = 1
    while n1 > 0 and n2 > 0:
        if a[i1] <= a[i2]:
            out[i], i1, n1 = i1, i1 + s1, n1 - 1
        else:
            out[i], i2, n2 = i2, i2 + s2, n2 - 1
        i += 1
    for _ in range(n2):
        out[i], i2, i = i2, i2 + s2, i + 1
    for _ in range(n1):
        out[i], i1, i = i1, i1 + s1, i + 1
    return out


def _dlaed2(  # type: ignore[no-untyped-def]
    d: np.ndarray, Q: np.ndarray, indxq: np.ndarray, *, n1: int, rho: float, z: np.ndarray
):
    """``dlaed2``: deflation of the merged problem (arrays 1-based, changed in place)."""
    n = d.shape[0] - 1
    n1p1 = n1 + 1
    if rho < 0:
        z[n1p1:] = z[n1p1:] * -1.0
    z[1:] = z[1:] * (1.0 / math.sqrt(2.0))
    rho = abs(2.0 * rho)
    indxq[n1p1:] += n1
    dlambda = np.zeros(n + 1)
    dlambda[1:] = d[indxq[1:]]
    indxc = _dlamrg(n1, n - n1, dlambda, 1, 1)
    indx = np.zeros(n + 1, dtype=int)
    indx[1:] = indxq[indxc[1:]]
    imax = 1 + int(np.argmax(np.abs(z[1:])))
    jmax = 1 + int(np.argmax(np.abs(d[1:])))
    tol = 8.0 * _EPS * max(abs(d[jmax]), abs(z[imax]))  # LAPACK 3.11 (later: 8 * 8)
    w = np.zeros(n + 1)
    if rho * abs(z[imax]) <= tol:
        Q[1:, 1:] = Q[1:, indx[1:]]
        d[1:] = d[indx[1:]]
        return 0, rho, dlambda, w, None, None, indxc, [0, 0, 0, 0, 0]
    coltyp = np.zeros(n + 1, dtype=int)
    coltyp[1:n1p1] = 1
    coltyp[n1p1:] = 3
    indxp = np.zeros(n + 1, dtype=int)
    k, k2, pj, j = 0, n + 1, 0, 1
    while j <= n:
        nj = indx[j]
        if rho * abs(z[nj]) <= tol:
            k2 -= 1
            coltyp[nj] = 4
            indxp[k2] = nj
            j += 1
        else:
            pj = nj
            break
    while True:
        j += 1
        if j > n:
            break
        nj = indx[j]
        if rho * abs(z[nj]) <= tol:
            k2 -= 1
            coltyp[nj] = 4
            indxp[k2] = nj
            continue
        s, c = z[pj], z[nj]
        xa, ya = abs(c), abs(s)
        big, small = max(xa, ya), min(xa, ya)
        tau = big if small == 0.0 else big * math.sqrt(1.0 + (small / big) ** 2)
        t = d[nj] - d[pj]
        c = c / tau
        s = -s / tau
        if abs(t * c * s) <= tol:
            z[nj] = tau
            z[pj] = 0.0
            if coltyp[nj] != coltyp[pj]:
                coltyp[nj] = 2
            coltyp[pj] = 4
            x, y = Q[1:, pj].copy(), Q[1:, nj].copy()
            Q[1:, pj] = c * x + s * y
            Q[1:, nj] = c * y - s * x
            t = d[pj] * (c * c) + d[nj] * (s * s)
            d[nj] = d[pj] * (s * s) + d[nj] * (c * c)
            d[pj] = t
            k2 -= 1
            i = 1
            while k2 + i <= n and d[pj] < d[indxp[k2 + i]]:
                indxp[k2 + i - 1] = indxp[k2 + i]
                indxp[k2 + i] = pj
                i += 1
            indxp[k2 + i - 1] = pj
        else:
            k += 1
            dlambda[k], w[k], indxp[k] = d[pj], z[pj], pj
        pj = nj
    k += 1
    dlambda[k], w[k], indxp[k] = d[pj], z[pj], pj
    ctot = [0, 0, 0, 0, 0]
    for jj in range(1, n + 1):
        ctot[coltyp[jj]] += 1
    psm = [0, 1, 1 + ctot[1], 1 + ctot[1] + ctot[2], 1 + ctot[1] + ctot[2] + ctot[3]]
    k = n - ctot[4]
    for jj in range(1, n + 1):
        js = indxp[jj]
        ct = coltyp[js]
        indx[psm[ct]] = js
        indxc[psm[ct]] = jj
        psm[ct] += 1
    order = indx[1:]
    n12, n23 = ctot[1] + ctot[2], ctot[2] + ctot[3]
    Q2a = Q[1 : n1 + 1, order[:n12]].copy()
    Q2b = Q[n1 + 1 :, order[ctot[1] : ctot[1] + n23]].copy()
    Q4 = Q[1:, order[n - ctot[4] :]].copy()
    z[1:] = d[order]
    if k < n:
        Q[1:, k + 1 :] = Q4
        d[k + 1 :] = z[k + 1 :]
    return k, rho, dlambda, w, Q2a, Q2b, indxc, ctot


def _dlaed3(d, Q, merge, *, n1) -> None:  # type: ignore[no-untyped-def]
    """``dlaed3``: the merged eigenvalues and vectors (1-based arrays, changed in place);
    ``merge`` is :func:`_dlaed2`'s ``(k, rho, dlambda, w, Q2a, Q2b, indx, ctot)``."""
    k, rho, dlambda, w, Q2a, Q2b, indx, ctot = merge
    n = d.shape[0] - 1
    for j in range(1, k + 1):
        delta, d[j] = _dlaed4(dlambda[1 : k + 1], w[1 : k + 1], j, rho)
        Q[1 : k + 1, j] = delta
    if k == 2:
        for j in (1, 2):
            w[1], w[2] = Q[1, j], Q[2, j]
            Q[1, j], Q[2, j] = w[indx[1]], w[indx[2]]
    elif k > 2:
        s = w.copy()
        w[1 : k + 1] = np.diag(Q[1 : k + 1, 1 : k + 1])
        for j in range(1, k + 1):
            for i in list(range(1, j)) + list(range(j + 1, k + 1)):
                w[i] = w[i] * (Q[i, j] / (dlambda[i] - dlambda[j]))
        w[1 : k + 1] = np.copysign(np.sqrt(-w[1 : k + 1]), s[1 : k + 1])
        for j in range(1, k + 1):
            sv = np.zeros(k + 1)
            sv[1:] = w[1 : k + 1] / Q[1 : k + 1, j]
            temp = dnrm2(sv[1:])
            Q[1 : k + 1, j] = sv[indx[1 : k + 1]] / temp
    n12, n23 = ctot[1] + ctot[2], ctot[2] + ctot[3]
    S = Q[ctot[1] + 1 : ctot[1] + n23 + 1, 1 : k + 1].copy()
    Q[n1 + 1 : n + 1, 1 : k + 1] = gemm(Q2b, S)
    S = Q[1 : n12 + 1, 1 : k + 1].copy()
    Q[1 : n1 + 1, 1 : k + 1] = gemm(Q2a, S)


def _dlaed1(d: np.ndarray, Q: np.ndarray, indxq: np.ndarray, rho: float, cut: int) -> None:
    """``dlaed1``: merge two solved halves split at ``cut`` (1-based arrays, in place)."""
    n = d.shape[0] - 1
    z = np.zeros(n + 1)
    z[1 : cut + 1] = Q[cut, 1 : cut + 1]
    z[cut + 1 :] = Q[cut + 1, cut + 1 :]
    merge = _dlaed2(d, Q, indxq, n1=cut, rho=rho, z=z)
    k = merge[0]
    if k != 0:
        _dlaed3(d, Q, merge, n1=cut)
        indxq[:] = _dlamrg(k, n - k, d, 1, -1)
    else:
        indxq[1:] = np.arange(1, n + 1)


def _dlaed0(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``dlaed0(icompq = 2)`` on a scaled block: eigenvalues ascending and vectors."""
    n = d.shape[0]
    D = np.r_[0.0, d]
    E = np.r_[0.0, e, 0.0]
    iw = [0, n]
    subpbs = 1
    while iw[subpbs] > _SMLSIZ:
        new = [0] * (2 * subpbs + 1)
        for j in range(subpbs, 0, -1):
            new[2 * j] = (iw[j] + 1) // 2
            new[2 * j - 1] = iw[j] // 2
        iw = new
        subpbs *= 2
    for j in range(2, subpbs + 1):
        iw[j] += iw[j - 1]
    for i in range(1, subpbs):
        sub = iw[i] + 1
        D[sub - 1] = D[sub - 1] - abs(E[sub - 1])
        D[sub] = D[sub] - abs(E[sub - 1])
    Q = np.zeros((n + 1, n + 1))
    indxq = np.zeros(n + 1, dtype=int)
    for i in range(subpbs):
        sub, size = (1, iw[1]) if i == 0 else (iw[i] + 1, iw[i + 1] - iw[i])
        dd, zz = _dsteqr(D[sub : sub + size], E[sub : sub + size - 1])
        D[sub : sub + size] = dd
        Q[sub : sub + size, sub : sub + size] = zz
        indxq[sub : iw[i + 1] + 1] = np.arange(1, iw[i + 1] - sub + 2)
    while subpbs > 1:
        for i in range(0, subpbs - 1, 2):
            if i == 0:
                sub, size, msd2 = 1, iw[2], iw[1]
            else:
                sub, size = iw[i] + 1, iw[i + 2] - iw[i]
                msd2 = size // 2
            blk = slice(sub - 1, sub + size)
            Db = D[blk].copy()
            Qb = Q[blk, blk].copy()
            Ib = indxq[blk].copy()
            Db[0], Ib[0], Qb[0, :], Qb[:, 0] = 0.0, 0, 0.0, 0.0
            _dlaed1(Db, Qb, Ib, float(E[sub + msd2 - 1]), msd2)
            D[sub : sub + size] = Db[1:]
            Q[sub : sub + size, sub : sub + size] = Qb[1:, 1:]
            indxq[sub : sub + size] = Ib[1:]
            iw[i // 2 + 1] = iw[i + 2]
        subpbs //= 2
    return D[indxq[1:]], Q[1:, indxq[1:]]


def dstedc(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference ``dstedc("I")``: eigenvalues ascending and eigenvectors of the symmetric
    tridiagonal matrix with diagonal ``d`` and off-diagonal ``e``."""
    d = np.array(d, dtype=float)
    e = np.array(e, dtype=float)
    n = d.shape[0]
    if n <= _SMLSIZ:
        w, v, info = lapack.dstevd(d, e, compute_v=1)
        if info != 0:  # pragma: no cover - LAPACK failure
            raise np.linalg.LinAlgError("dstedc did not converge")
        return w, v
    Z = np.eye(n)
    if max(np.max(np.abs(d)), np.max(np.abs(e))) == 0.0:
        return d, Z
    start = 0
    while start < n:
        finish = start
        while finish < n - 1:
            tiny = _EPS * math.sqrt(abs(d[finish])) * math.sqrt(abs(d[finish + 1]))
            if abs(e[finish]) > tiny:
                finish += 1
            else:
                break
        m = finish - start + 1
        if m > 1:
            blk = slice(start, finish + 1)
            if m > _SMLSIZ:
                nrm = max(np.max(np.abs(d[blk])), np.max(np.abs(e[start:finish])))
                dd, zz = _dlaed0(d[blk] * (1.0 / nrm), e[start:finish] * (1.0 / nrm))
                d[blk] = dd * nrm
            else:
                d[blk], zz = _dsteqr(d[blk], e[start:finish])
            Z[blk, blk] = zz
        start = finish + 1
    for i in range(n - 1):
        k = i + int(np.argmin(d[i:]))
        if d[k] < d[i]:
            d[i], d[k] = d[k], d[i]
            Z[:, [i, k]] = Z[:, [k, i]]
    return d, Z
