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

from .knots import MAX_KNOTS, sample_knots
from .mgcv_c import hq_post, hq_pre_t, lanczos, matmult_tn, qt, r_mean, seq_sum

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
    pi = math.asin(1.0) * 2
    d2 = d // 2
    if d % 2 == 0:
        f = -1.0 if (m + 1 + d2) % 2 else 1.0
        f /= 2.0 ** (2 * m - 1)
        for _ in range(d2):
            f /= pi
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
        for _ in range(d2):
            f /= pi
        f /= ghalf
        for i in range(2, m):
            f /= i
    return f


def _clog(r2: np.ndarray, symmetric: bool) -> np.ndarray:
    """The C library's ``log`` of each entry, as mgcv (numpy's own ``log`` rounds 1 in 10^4
    results differently); of the upper triangle only, mirrored, for a symmetric ``r2``."""
    if symmetric and r2.ndim == 2 and r2.shape[0] == r2.shape[1]:
        upper = np.triu_indices(r2.shape[0])
        out = np.empty_like(r2)
        values = r2[upper]
        out[upper] = np.fromiter(map(math.log, values.tolist()), float, values.size)
        out.T[upper] = out[upper]
        return out
    flat = r2.ravel().tolist()
    return np.fromiter(map(math.log, flat), float, len(flat)).reshape(r2.shape)


def _eta(r2: np.ndarray, m: int, d: int, f: float, symmetric: bool = False) -> np.ndarray:
    """``fast_eta`` on squared distances ``r2`` (0 where ``r2 <= 0``), multiplying in the C
    order (and with the C library's ``log``) so that the basis has mgcv's bits. ``r2`` is
    overwritten (the work is done in place: these are the largest arrays of the basis);
    ``symmetric`` says it is a symmetric matrix (mgcv's ``E``)."""
    zero = r2 <= 0
    r2[zero] = 1.0
    d2 = d // 2
    if d % 2 == 0:
        out = _clog(r2, symmetric)
        out *= 0.5
        out *= f
        for _ in range(m - d2):
            out *= r2
    else:
        out = np.sqrt(r2)
        if m - d2 - 1 > 0:
            # ((f r) r ...) sqrt(r): the products in the C order
            root = out
            out = r2 * f
            for _ in range(m - d2 - 2):
                out *= r2
            out *= root
        else:
            out *= f
    out[zero] = 0.0
    return out


def _dist2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared distances ``(len(a), len(b))`` between rows, summed over the covariates in order
    as ``tpsE``/``tps_g`` (``r = 0; r += z * z``)."""
    out = a[:, 0][:, None] - b[:, 0][None, :]
    out *= out
    for c in range(1, a.shape[1]):
        diff = a[:, c][:, None] - b[:, c][None, :]
        diff *= diff
        out += diff
    return out


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


def tprs_setup(
    x: np.ndarray, k: int, m: int = 0, max_knots: int = MAX_KNOTS, seed: int = 1
) -> TprsBasis:
    """``smooth.construct.tp.smooth.spec`` + ``construct_tprs`` without knots.

    Parameters
    ----------
    x
        ``(n, d)`` covariate values.
    k
        Basis dimension (``bs.dim``), at least ``M + 1``.
    m
        Penalty order (``p.order``; 0 is mgcv's default for the dimension).
    max_knots, seed
        mgcv's ``xt = list(max.knots = , seed = )``: with more unique covariate values than
        ``max_knots`` the basis is built on ``max_knots`` of them drawn at random under R's
        ``set.seed(seed)`` (:mod:`.knots`) and evaluated at every row of ``x``.

    Raises
    ------
    ValueError
        When there are fewer unique covariate values than ``k`` (mgcv's message).
    """
    x = np.asarray(x, dtype=float)
    n, d = x.shape
    shift = np.array([r_mean(x[:, c]) for c in range(d)])
    xc = x - shift
    knots = sample_knots(xc, max_knots, seed)
    Xu, yxindex = _strip(xc if knots is None else knots)
    if Xu.shape[0] < k:
        raise ValueError(
            "A term has fewer unique covariate combinations than specified maximum degrees "
            "of freedom"
        )
    m = default_order(d, m)
    M = null_space_dimension(d, m)
    f = eta_const(m, d)
    E = _eta(_dist2(Xu, Xu), m, d, f, symmetric=True)
    powers = poly_powers(M, m, d)
    T = _poly(Xu, powers)
    nu = Xu.shape[0]
    tol = np.finfo(float).eps ** 0.7
    if nu == k:
        raise NotImplementedError("a basis dimension equal to the number of unique values")
    v, U = lanczos(E, k, tol)
    Zh = qt(matmult_tn(T, U))
    UZ = np.zeros((nu + M, k))
    UZ[:nu, : k - M] = hq_post(U, Zh)[:, : k - M]
    for i in range(M):
        UZ[nu + M - 1 - i, k - 1 - i] = 1.0
    if knots is None:
        X1 = hq_post(U * v, Zh)
        X1[:, k - M :] = T
        X = X1[yxindex]
    else:
        X = _tps_times(xc, Xu, UZ, m, M)
    S = hq_pre_t(hq_post(np.diag(v), Zh), Zh)
    S[:, k - M :] = 0.0
    S[k - M :, :] = 0.0
    # each column to unit rms; S[i, j] is divided by w of the smaller index first, as the
    # C loop over columns does
    w = np.sqrt(seq_sum(X * X, axis=0) / n)
    X = X / w
    UZ = UZ / w
    first = np.minimum.outer(np.arange(k), np.arange(k))
    second = np.maximum.outer(np.arange(k), np.arange(k))
    S = S / w[first] / w[second]
    S = (S + S.T) / 2
    return TprsBasis(X, S, UZ, Xu, shift, m, M)


def _strip(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Xd_strip``: the unique rows of ``x`` sorted, and each row's index among them."""
    n, d = x.shape
    order = np.lexsort([np.arange(n)] + [x[:, c] for c in range(d - 1, -1, -1)])
    srt = x[order]
    keep = np.ones(n, dtype=bool)
    keep[1:] = np.any(srt[1:] != srt[:-1], axis=1)
    yxindex = np.empty(n, dtype=int)
    yxindex[order] = np.cumsum(keep) - 1
    return srt[keep], yxindex


def _tps_times(x: np.ndarray, Xu: np.ndarray, UZ: np.ndarray, m: int, M: int) -> np.ndarray:
    """``tps_g`` at each centred row of ``x`` times ``UZ`` as reference ``dgemv("T")`` sums:
    ``b' UZ`` with ``b = [eta(|knot - x|), polynomials]``, added in order over the knots
    (one vectorized step per knot on contiguous rows of ``b'``), in chunks of rows of about
    32 MB of ``b`` each (new data may have millions of rows)."""
    rows = max(1, (1 << 22) // (Xu.shape[0] + M))
    if x.shape[0] > rows:
        return np.vstack(
            [_tps_times(x[i : i + rows], Xu, UZ, m, M) for i in range(0, x.shape[0], rows)]
        )
    d = x.shape[1]
    bt = np.empty((Xu.shape[0] + M, x.shape[0]))
    bt[: Xu.shape[0]] = _eta(_dist2(Xu, x), m, d, eta_const(m, d))
    bt[Xu.shape[0] :] = _poly(x, poly_powers(M, m, d)).T
    out = UZ[0][:, None] * bt[0][None, :]
    for j in range(1, bt.shape[0]):
        out += UZ[j][:, None] * bt[j][None, :]
    return np.ascontiguousarray(out.T)


def tprs_predict(basis: TprsBasis, x: np.ndarray) -> np.ndarray:
    """``Predict.matrix.tprs.smooth`` (``predict_tprs``): the basis at new covariate values
    ``(n, d)``, summed as mgcv's ``dgemv``."""
    x = np.asarray(x, dtype=float) - basis.shift
    return _tps_times(x, basis.Xu, basis.UZ, basis.m, basis.M)
