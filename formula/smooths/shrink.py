"""mgcv's shrinkage bases ``"cs"`` and ``"ts"`` and the random effect basis ``"re"``.

``bs = "cs"`` and ``bs = "ts"`` (``smooth.construct.cs.smooth.spec``,
``smooth.construct.ts.smooth.spec``) are the ``"cr"`` and ``"tp"`` bases with a penalty that
also shrinks the null space: the eigenvalues of the penalty's null space become a tenth of the
smallest positive one (``"cs"``: the last two are a tenth and a hundredth; ``"ts"``: all ``M``
a tenth), so the penalty has full rank and brms's ``Xs`` has no column of the smooth. The
null space's eigenvalues of ``"cs"`` differ, so its penalty depends on the eigenvectors
LAPACK returns for the repeated eigenvalue 0 (scipy's ``dsyevr`` is R's routine).

``bs = "re"`` (``smooth.construct.re.smooth.spec``): the model matrix of ``~ x:g - 1`` (a
factor's indicators, a numeric covariate's values, row-wise products of several) with an
identity penalty and no constraint; after ``scale.penalty`` the penalty is
``norm(X, "I")^2 I`` and ``smooth2random`` divides by its square root.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .construct import SmoothFit, r_eigh
from .eigen import r_eigen
from .rlapack import gemm
from .splines import cr_setup
from .tprs import tprs_setup

__all__ = ["ReBasis", "ShrinkBasis", "re_con", "re_setup", "shrink_setup"]

#: mgcv's shrinkage factor (``attr(object, "shrink") <- 0.1``).
SHRINK = 0.1


@dataclass(frozen=True)
class ShrinkBasis:
    """A ``"cs"``/``"ts"`` basis: the ``"cr"``/``"tp"`` basis with the shrinkage penalty."""

    base: Any
    S: np.ndarray

    @property
    def X(self) -> np.ndarray:
        """The model matrix at the data (the base's)."""
        return np.asarray(self.base.X, dtype=float)

    @property
    def rank(self) -> int:
        """Full rank: the null space is penalized too."""
        return int(self.S.shape[0])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The basis at new covariate values (the base's ``Predict.matrix``)."""
        return np.asarray(self.base.predict(x), dtype=float)


def shrink_setup(
    bs: str, x: np.ndarray, k: int, m: int = 0, knots_xt: tuple[int, int] = (2000, 1)
) -> ShrinkBasis:
    """The ``bs = "cs"`` or ``"ts"`` basis of covariates ``x`` ``(n, d)`` with dimension ``k``
    (penalty order ``m`` and ``xt``'s ``(max.knots, seed)`` for ``"ts"``)."""
    base: Any = cr_setup(x, k) if bs == "cs" else tprs_setup(x, k, m, *knots_xt)
    S = np.asarray(base.S, dtype=float)
    S = (S + S.T) / 2
    values, vectors = r_eigen(S)
    p = len(values)
    if bs == "cs":
        values[p - 2] = values[p - 3] * SHRINK
        values[p - 1] = values[p - 2] * SHRINK
    else:
        M = int(base.M)
        values[p - M :] = values[p - M - 1] * SHRINK
    # R's es$vectors %*% (values * t(es$vectors)), in reference dgemm's order
    return ShrinkBasis(base, gemm(vectors, values[:, None] * vectors.T))


def _row_products(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Columns of ``~ a:b - 1``: every product of one column per part, the first fastest."""
    X = np.ones((parts[0].shape[0], 1))
    for part in parts:
        X = (part[:, :, None] * X[:, None, :]).reshape(X.shape[0], -1)
    return X


@dataclass(frozen=True)
class ReBasis:
    """A ``bs = "re"`` basis: the columns of ``~ x:g - 1`` and the identity penalty.

    ``predict`` takes the covariates expanded as at the data: a numeric covariate as one
    column, a factor as its indicators of the fitting data's levels.
    """

    X: np.ndarray
    levels: tuple[tuple[str, ...] | None, ...] = ()

    @property
    def S(self) -> np.ndarray:
        """The identity penalty."""
        return np.eye(self.X.shape[1])

    @property
    def rank(self) -> int:
        """Every column is penalized."""
        return int(self.X.shape[1])

    def predict(self, parts: Sequence[np.ndarray]) -> np.ndarray:
        """The columns at new data from its expanded covariates."""
        return _row_products(parts)


def re_setup(parts: Sequence[np.ndarray], levels: Sequence[tuple[str, ...] | None] = ()) -> ReBasis:
    """The ``"re"`` basis of the expanded covariates ``parts`` (see :class:`ReBasis`);
    ``levels`` keeps each factor's levels (None for a numeric covariate) for new data."""
    return ReBasis(_row_products(parts), tuple(levels))


def re_con(X: np.ndarray, by: list[np.ndarray] | None = None) -> list[SmoothFit]:
    """``smoothCon`` and ``smooth2random`` of an ``"re"`` basis: no constraint, the scaled
    identity penalty already diagonal (no ``nat.param``), ``X U / sqrt(norm(X, "I")^2)``."""
    maXX = float(np.max(np.sum(np.abs(X), axis=1))) ** 2
    p = X.shape[1]
    _, U = r_eigh(maXX * np.eye(p))
    P = U / np.sqrt(maXX)
    Xs = [X] if by is None else [X * np.asarray(m, dtype=float)[:, None] for m in by]
    out = []
    for x in Xs:
        Z = x @ P
        out.append(SmoothFit(Z[:, p:], Z, None, P, np.arange(p), p))
    return out
