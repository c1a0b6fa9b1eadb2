"""Design IR of brms's special terms: monotonic effects, smooths, ARMA (also ``cov = TRUE``), cosy()
and non-linear mu.

Split from :mod:`.ir` (which re-exports every class here) so that each stays small. Everything
is frozen; arrays are never mutated after construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from brmsjax.formula import names


@dataclass(frozen=True)
class SpTerm:
    """One monotonic term of brms's special effects: ``mo(x)``, ``mo(x):z``, ``mo(a):mo(b)``.

    Attributes
    ----------
    coef
        brms's coefficient name (``"mox:z"``), the draws' ``bsp_mox:z``.
    mo
        0-based indices of the term's monotonic variables in :attr:`SpBlock.Xmo` (one per
        ``mo()`` call of the term, in order; each has its own simplex).
    csp
        brms's ``Ic``: the 1-based column of :attr:`SpBlock.Csp` the term is multiplied by,
        0 for none.
    """

    coef: str
    mo: tuple[int, ...]
    csp: int = 0
    #: 0-based indices of the term's noise-free variables ``me()`` in :attr:`SpBlock.Xn`.
    me: tuple[int, ...] = ()
    #: The responses (brms's names, ``chl``) whose latent values ``Yl_chl`` the term's
    #: ``mi(chl)`` calls multiply it by (multivariate models).
    mi: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpBlock:
    """The monotonic terms of one population-level block (brms's ``Xmo_j``, ``Jmo``, ``Csp_k``).

    brms's predictor of term ``i`` is ``bsp[i] * prod_j mo(simo_j, Xmo_j) * Csp_{csp}`` with
    ``mo(s, x) = D * sum(s[1:x])`` (``D`` the simplex length). That is linear in the products
    ``bsp[i] * prod_j D_j simo_j[k_j]`` with the indicators ``Xmo_j >= k_j`` as columns:
    :meth:`expanded` is that matrix, one column per combination of simplex elements.

    Attributes
    ----------
    terms
        The terms in brms's order.
    Xmo
        ``(N,)`` int64 values ``0..Jmo[j]`` of each monotonic variable.
    Jmo
        Simplex lengths (the variable's largest value in the fitting data).
    Csp
        ``(N,)`` covariates of the terms with one (``z`` of ``mo(x):z``).
    mins
        The fitting data's minimum of each integer variable (``Xmo = x - min``); None for an
        ordered factor (``Xmo`` is its level index from 0).
    ids
        The ``id`` of each ``mo(x, id = "i")`` (None without one): simplexes with one id are
        one parameter, the first's (brms's ``simo_3 = simo_1``); empty when none has an id.
    """

    terms: tuple[SpTerm, ...]
    Xmo: tuple[np.ndarray, ...]
    Jmo: tuple[int, ...]
    Csp: tuple[np.ndarray, ...] = ()
    mins: tuple[float | None, ...] = ()
    ids: tuple[str | None, ...] = ()
    #: The noise-free variables ``me(x, sdx)`` (brms's ``Xn_k``, ``noise_k``) and their
    #: labels (brms's coef ``mex`` of ``meanme_mex``), empty without ``me()`` terms.
    Xn: tuple[np.ndarray, ...] = ()
    noise: tuple[np.ndarray, ...] = ()
    me_labels: tuple[str, ...] = ()
    #: ``me(x, sdx, gr = g)``: each row's 0-based level of ``g`` (brms's ``Jme_1``); ``Xn``
    #: and ``noise`` are then per level. None without ``gr``.
    me_J: np.ndarray | None = None
    me_gr: str = ""  # the grouping factor's name (brms's corme row of group g)

    def owner(self, j: int) -> int:
        """The simplex that simplex ``j`` is: the first with its ``mo(x, id = ...)`` id."""
        if not self.ids or self.ids[j] is None:
            return j
        return self.ids.index(self.ids[j])

    @property
    def prior_coefs(self) -> tuple[str, ...]:
        """brms's ``coef`` of the ``simo`` prior of each simplex (its id where it has one)."""
        ids = self.ids or (None,) * len(self.Xmo)
        return tuple(i or label for i, label in zip(ids, self.simo_labels, strict=True))

    @property
    def coefs(self) -> tuple[str, ...]:
        """The ``bsp`` coefficients in order."""
        return tuple(t.coef for t in self.terms)

    @property
    def simo_labels(self) -> tuple[str, ...]:
        """brms's label of each simplex (``mox1``, ``moa:mob2``), in ``Xmo`` order."""
        return tuple(f"{t.coef}{k}" for t in self.terms for k in range(1, len(t.mo) + 1))

    def expanded(self, n_rows: int = 0) -> np.ndarray:
        """``(N, P)`` indicator columns whose coefficients are the simplex products
        (``n_rows``: N where no term has data, as ``mi(x)`` alone)."""
        rows = (*self.Xmo, *self.Csp, *(() if self.me_J is None else (self.me_J,)), *self.Xn)
        n = next((a.shape[0] for a in rows), n_rows)
        parts = []
        for t in self.terms:
            cols = np.ones((n, 1))
            for j in t.mo:
                ind = (self.Xmo[j][:, None] >= np.arange(1, self.Jmo[j] + 1)).astype(float)
                cols = (cols[:, :, None] * ind[:, None, :]).reshape(n, -1)
            if t.csp:
                cols = cols * self.Csp[t.csp - 1][:, None]
            parts.append(cols)
        return np.concatenate(parts, axis=1) if parts else np.zeros((n, 0))


@dataclass(frozen=True)
class SmoothSpec:
    """One ``s()`` term's penalized part as every stage names it (brms's ``Zs_<k>_<j>``).

    Attributes
    ----------
    dpar
        The distributional parameter it predicts (``""`` is mu).
    k
        brms's 1-based number of the smooth among the dpar's smooths (``Zs_sigma_<k>_1``).
    label
        brms's label (``slstat``: mgcv's ``s(lstat)`` renamed); draws are ``sds_slstat_1``.
    term
        The term as the formula writes it (``s(z, k = 6)``), the ``coef`` of its ``sds``
        prior rows.
    knots
        Number of penalized columns of each random part (brms's ``knots_<k>``).
    """

    dpar: str
    k: int
    label: str
    term: str
    knots: tuple[int, ...]

    @property
    def key(self) -> str:
        """The internal name stem: ``1`` for mu's first smooth, ``sigma_1`` for sigma's."""
        return f"{self.dpar}_{self.k}" if self.dpar else str(self.k)

    @property
    def prefix(self) -> str:
        """The label with the dpar prefix, as draws show it (``sigma_srm``)."""
        return names.coef_name(self.label, self.dpar)


@dataclass(frozen=True)
class SmoothBlock(SmoothSpec):
    """A :class:`SmoothSpec` with its data and what new data needs.

    Attributes
    ----------
    Zs
        ``(N, knots[j])`` penalized columns of each random part.
    basis
        The fitted basis (:mod:`brmsjax.formula.smooths`) that encodes new covariate values.
    """

    Zs: tuple[np.ndarray, ...] = ()
    basis: Any = field(default=None, compare=False, repr=False)

    @property
    def spec(self) -> SmoothSpec:
        """The block without its data."""
        return SmoothSpec(self.dpar, self.k, self.label, self.term, self.knots)


@dataclass(frozen=True)
class ArmaData:
    """brms's ARMA data (``cov = FALSE``) of rows that form time series.

    Attributes
    ----------
    p, q
        The AR and MA orders (brms's ``Kar``, ``Kma``).
    J_lag
        ``(N,)`` brms's ``J_lag`` in series order (sorted by group, then time): how many of
        row ``n``'s residuals, counting back from ``n``, row ``n + 1`` uses as its lags.
    order
        ``(N,)`` the rows in series order (``arange(N)`` for a :class:`Design`, whose rows are
        sorted; the user's row of each series position for new data).
    """

    p: int
    q: int
    J_lag: np.ndarray
    order: np.ndarray

    @property
    def max_lag(self) -> int:
        """brms's ``max_lag = max(Kar, Kma)``."""
        return max(self.p, self.q)


@dataclass(frozen=True)
class Nonlinear:
    """mu as a non-linear expression (``bf(..., nl = TRUE)``), evaluated row by row.

    Attributes
    ----------
    expr
        The checked expression (a syntax tree of :mod:`brmsjax.formula.syntax.ast`).
    nlpars
        The non-linear parameters: each is a block of ``Design.fixed`` named by it, with
        ``intercept`` False (brms does not centre them).
    covariates
        The expression's data columns, brms's ``C_1``, ``C_2``, ...
    C
        ``(N, len(covariates))`` float64 values of the covariates.
    """

    expr: Any
    nlpars: tuple[str, ...]
    covariates: tuple[str, ...]
    C: np.ndarray


@dataclass(frozen=True)
class CosyData:
    """The series of the rows of a ``cosy()`` model.

    Attributes
    ----------
    series
        ``(N,)`` int64 0-based series of each row, non-decreasing (rows in series order).
    order
        ``(N,)`` the rows in series order (``arange(N)`` for a Design, whose rows are sorted).
    """

    series: np.ndarray
    order: np.ndarray

    @property
    def nobs(self) -> np.ndarray:
        """brms's ``nobs_tg``: the number of rows of each series."""
        return np.bincount(self.series).astype(np.int64)

    def standata(self) -> dict[str, object]:
        """brms's ``N_tg``, ``begin_tg``, ``nobs_tg`` and ``end_tg`` (1-based)."""
        nobs = self.nobs
        end = np.cumsum(nobs)
        return {
            "N_tg": int(len(nobs)),
            "begin_tg": (end - nobs + 1).astype(np.int64),
            "nobs_tg": nobs,
            "end_tg": end.astype(np.int64),
        }


@dataclass(frozen=True)
class ArcovData(CosyData):
    """The series of the rows of an ARMA term with ``cov = TRUE`` and its orders.

    Attributes
    ----------
    series, order
        As :class:`CosyData`: each sorted row's 0-based series, and the rows in
        series order (``arange(N)`` for a Design, whose rows are sorted).
    p, q
        The AR and MA orders (brms's ``Kar``, ``Kma``; each 0 or 1).
    """

    p: int = 0
    q: int = 0

    def standata(self) -> dict[str, object]:
        """brms's ``data_ac``: ``Kar``, ``Kma``, then the series' ``N_tg``, ``begin_tg``,
        ``nobs_tg`` and ``end_tg``."""
        return {"Kar": self.p, "Kma": self.q, **super().standata()}
