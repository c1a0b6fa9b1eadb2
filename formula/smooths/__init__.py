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

Agreement with R: ``Xs``, ``Zs`` and the new-data matrices equal brms's to about 1e-13. Their
column signs (and, for a repeated eigenvalue, the basis of its eigenspace) come from the
eigenvectors of the constrained penalty from LAPACK's ``dsyevr`` (R's ``eigen``, in
``nat.param``), which does not normalise them: they follow rounding-level quantities (one ulp
in one entry of boston's ``s(lstat)`` penalty flips some columns; scipy's OpenBLAS gives
another sign than R's reference LAPACK on the very same matrix). So the thin plate penalty is
built with mgcv's operation order (:mod:`.mgcv_c`: Lanczos with its divide and conquer
``dstedc``, :mod:`.rdstedc`; ``QT``, ``HQmult``; ``smoothCon``'s ``colMeans``, norms and
LINPACK ``qr.qty`` in :mod:`.construct`), equal to R's bit for bit, and decomposed by
:mod:`.eigen` (reference LAPACK's ``dsytrd``/``dstemr``/``dormtr`` in their order, the blocked
paths with R's workspace in :mod:`.rlapack_blocked`), which
gives R's vectors to the bit: R's signs as R with its reference BLAS/LAPACK computes them (an R
linked to OpenBLAS or MKL may itself give other signs). This holds for ``tp`` (any dimension,
``by``, ``m``), ``ts``, ``cr`` and ``cs`` (``getFS`` with LAPACK's ``dptsv``, R's
``quantile`` knots), ``re``, ``fs`` (LINPACK's QR and ``forwardsolve`` in ``nat.param(type =
1)``), ``t2`` (``nat.param(type = 3)`` with R's ``colSums``/``mean``/``%*%``) and the
``ps`` (``splineDesign``'s recursion), ``cc`` (R's ``solve``: LAPACK's recursive LU; R's
``^``), and penalties of any size, and for thin plate smooths of more than ``max.knots`` unique
covariate values, whose knots mgcv draws with R's generator (:mod:`.knots`, :mod:`.r_random`).
Not reproduced: R linked to another BLAS/LAPACK (its signs may differ from these). The model
is unchanged by the sign of a column whose coefficient has a symmetric prior; only that
coefficient's draws change sign.
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
