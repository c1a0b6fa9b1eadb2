"""mgcv's smooth bases for brms's ``s()`` terms, in numpy and scipy (no R, no JAX).

brms 2.18 hands each smooth to mgcv (``smoothCon(..., absorb.cons = TRUE, diagonal.penalty =
TRUE)``) and splits it with ``smooth2random(type = 2)`` into unpenalized columns (``Xs``,
coefficients ``bs``) and penalized columns (``Zs_<k>_1``, coefficients ``s = sds * zs``).
This folder reproduces those matrices:

- :mod:`.tprs`: the thin plate regression spline basis (``bs = "tp"``, mgcv's ``tprs.c``:
  Lanczos eigenvectors, the ``QT`` constraint factorization, unit-rms columns) and its
  evaluation at new covariate values (``predict_tprs``);
- :mod:`.splines`: the one-dimensional bases ``bs = "cr"`` (cubic regression spline, mgcv's
  ``crspl``), ``"cc"`` (cyclic, no ``Xs`` columns) and ``"ps"`` (P-splines: cubic
  B-splines, second differences);
- :mod:`.construct`: ``smoothCon``'s constraint, penalty scaling and diagonal
  reparameterization, then ``smooth2random``; :class:`~.construct.SmoothFit` maps the basis at
  new data the same way (brms's ``s2rPred``).
- :mod:`.shrink`: the shrinkage bases ``"cs"``/``"ts"`` and the random effect basis ``"re"``;
- :mod:`.fs`: factor smooth interactions ``bs = "fs"`` (one part per penalty);
- :mod:`.t2`: ``t2()`` tensor products (margins from the bases above in ``nat.param``'s
  parameterization, their products, one ``Zs`` part per penalty).

:func:`tp_smooth` runs both for one covariate matrix.

Agreement with R: ``Xs``, ``Zs`` and the new-data matrices equal brms's to about 1e-13 up to
the sign of each column (``Xs`` mostly has R's sign). Each column comes from an eigenvector of
the constrained penalty from LAPACK's ``dsyevr`` (R's ``eigen``), whose sign LAPACK does not
normalise and mgcv does not either; R's LAPACK (the reference LAPACK 3.11 here) and scipy's
(OpenBLAS's) choose different signs for some columns. On R's own penalty matrix (boston's
``s(lstat)``) scipy's ``dsyevr`` returns R's signs; but that matrix perturbed by 1e-13 of its
largest entry flips some columns (2, 3 and 6 in 10-18% of 200 perturbations), and this penalty
equals R's only to about 1e-13 (mgcv's C Lanczos and QR round differently), so no rule on the
vectors reproduces R's signs (tests/smooths/test_eigen_signs.py); the drivers ``ev``, ``evd``
and ``evx`` differ from ``dsyevr`` in more columns still.
The model is unchanged by the sign of a column whose coefficient has a symmetric prior
(``zs ~ N(0, 1)``; class ``b`` flat or centred at 0); only that coefficient's draws
(``s_<label>_1[i]``, ``bs_<label>_1``) change sign. With two or more unpenalized columns from
a penalty whose null space is not exactly zero in floating point (``s(x, z)``: the constraint
mixes it), those columns come from eigenvectors of a repeated eigenvalue 0, which LAPACK
returns in an arbitrary rotation: ``Xs`` then spans R's column space in another basis
(``Xs = Xs_R A``); with a flat ``b`` prior the fit and predictions are the same, only the
``bs_`` draws are in other coordinates.
"""

from __future__ import annotations

import numpy as np

from .construct import SmoothFit, smooth_con
from .splines import CcBasis, CrBasis, PsBasis, cc_setup, cr_setup, ps_setup
from .tprs import TprsBasis, default_order, null_space_dimension, tprs_predict, tprs_setup

__all__ = [
    "CcBasis",
    "CrBasis",
    "PsBasis",
    "SmoothFit",
    "TprsBasis",
    "basis_setup",
    "cc_setup",
    "cr_setup",
    "ps_setup",
    "smooth_con",
    "tp_smooth",
    "tprs_predict",
    "tprs_setup",
]

#: The basis types built here (the others are refused with a clear message).
BASES = ("tp", "cr", "cc", "ps")


def basis_setup(bs: str, x: np.ndarray, k: int) -> TprsBasis | CrBasis | CcBasis | PsBasis:
    """The raw basis of type ``bs`` at covariate values ``x`` ``(n, d)`` with dimension ``k``
    (mgcv's ``smooth.construct``); it has ``X``, ``S``, ``rank`` and ``predict(x)``."""
    if bs in ("cr", "cc", "ps") and x.shape[1] != 1:
        raise ValueError("Basis only handles 1D smooths")
    if bs == "cr":
        return cr_setup(x, k)
    if bs == "cc":
        return cc_setup(x, k)
    if bs == "ps":
        return ps_setup(x, k)
    return tprs_setup(x, k)


def tp_smooth(x: np.ndarray, k: int = -1, m: int = 0) -> tuple[TprsBasis, SmoothFit]:
    """A thin plate smooth as brms builds it: the basis and its ``Xs``/``Zs`` split.

    Parameters
    ----------
    x
        ``(n,)`` or ``(n, d)`` covariate values.
    k
        Basis dimension; negative is mgcv's default (``M + 8`` in one dimension, ``M + 27``
        in two, ``M + 100`` in more).
    m
        Penalty order (0: mgcv's default for the dimension).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if k < 0:
        d = x.shape[1]
        k = null_space_dimension(d, default_order(d, m)) + (8, 27, 100)[min(d, 3) - 1]
    basis = tprs_setup(x, k, m)
    return basis, smooth_con(basis.X, basis.S, k - basis.M)[0]
