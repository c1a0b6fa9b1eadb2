"""The data of brms's Gaussian process terms ``gp()``, as brms 2.18's ``data_gp``.

Per term (numbered per distributional parameter, ``Xgp_1``, ``Xgp_sigma_1``) and per sub-GP
(one per level of a factor ``by``, else one):

1. the rows of the sub-GP (``Igp``) and their contrast (``Cgp``) for a factor ``by``;
2. with ``gr = TRUE`` (the default) the unique covariate points in order of first appearance
   (rows equal to 15 significant digits, as R's ``paste``) and each row's point ``Jgp``;
3. with ``scale = TRUE`` the points divided by ``dmax``, the largest distance between two of
   them, so that the length-scale is relative to the data's extent;
4. for the exact GP the points themselves (``Xgp``); for the approximate GP (``k`` given) the
   points centred at their means and the ``k^D`` Laplacian eigenfunctions on ``[-L, L]`` at them
   (``Xgp``, ``NBgp``), ``L = c * max(1, range)``, with the square roots of the eigenvalues
   (``slambda``).

The exact GP costs O(Nsub^3) per gradient (a Cholesky factor of the covariance of the
``Nsubgp`` points); :data:`EXACT_GP_WARN` points is where brmsjax recommends ``k``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import names
from ..errors import DesignError
from ..evaluate.variables import Factor, Numeric, Value
from ..syntax.ast import Call, Node
from ..syntax.parse import deparse
from ..warn import user_stacklevel
from .gp_term import GpTerm, gp_term
from .matrix import brms_rename

__all__ = [
    "EXACT_GP_WARN",
    "GpBlock",
    "GpSpec",
    "SubGp",
    "basis",
    "gp_blocks",
    "gp_nodes",
    "gp_spec",
    "gp_standata",
    "unique_rows",
]

# Above this many unique points an exact GP is slow (O(n^3) per gradient): recommend k.
EXACT_GP_WARN = 500


@dataclass(frozen=True)
class SubGp:
    """One (sub-)GP: the GP of one level of a factor ``by``, or the term's only GP.

    Attributes
    ----------
    I
        0-based rows of the sub-GP (factor ``by``), else None (every row).
    C
        Contrast of each row in ``I`` (factor ``by``), else None.
    J
        0-based point of each row (of ``I``'s rows), None without ``gr``.
    X
        Exact GP: ``(Nsub, D)`` scaled points. Approximate GP: ``(Nsub, NB)`` eigenfunctions.
    slambda
        ``(NB, D)`` square roots of the eigenvalues (approximate GP), else None.
    points
        ``(Nsub, D)`` scaled points (brms's ``Xgp_prior``): the lscale prior and new data.
    dmax
        The scaling distance (None without ``scale``).
    cmeans
        ``(D,)`` means of the scaled points (the approximate GP's centre).
    L
        ``(D,)`` boundaries of the approximate GP, else None.
    """

    I: np.ndarray | None  # noqa: E741  (brms's Igp)
    C: np.ndarray | None
    J: np.ndarray | None
    X: np.ndarray
    slambda: np.ndarray | None
    points: np.ndarray
    dmax: float | None
    cmeans: np.ndarray
    L: np.ndarray | None

    @property
    def n_points(self) -> int:
        """brms's ``Nsubgp`` (the number of latent points, ``N`` rows without ``gr``)."""
        return int(self.points.shape[0])


@dataclass(frozen=True)
class GpBlock:
    """One ``gp()`` term of one distributional parameter with its data.

    Attributes
    ----------
    index
        1-based number of the term within its dpar (``Xgp_1``, ``Xgp_sigma_1``).
    dpar
        ``""`` for mu, else the distributional parameter.
    term
        The term's arguments.
    sfx1
        brms's name of each sub-GP (``gpx1``, ``gpx1fa``): ``sdgp_<sfx1>``, ``zgp_<sfx1>[m]``.
    sfx2
        brms's name of each length-scale per sub-GP (``sfx1`` when isotropic, else ``sfx1``
        plus the covariate): ``lscale_<sfx2>``.
    by
        ``""``, ``"factor"`` or ``"numeric"``.
    subs
        The sub-GPs (one per contrast of a factor ``by``).
    Cgp
        ``(N,)`` values of a numeric ``by``, else None.
    """

    index: int
    dpar: str
    term: GpTerm
    sfx1: tuple[str, ...]
    sfx2: tuple[tuple[str, ...], ...]
    by: str
    subs: tuple[SubGp, ...]
    Cgp: np.ndarray | None = None

    @property
    def D(self) -> int:
        """The GP's dimension (number of covariates)."""
        return len(self.term.covars)

    @property
    def K(self) -> int:
        """Number of sub-GPs (brms's ``Kgp``)."""
        return len(self.subs)

    @property
    def approx(self) -> bool:
        """Whether the GP is the Hilbert-space approximation."""
        return self.term.k is not None

    @property
    def NB(self) -> int | None:
        """Number of basis functions (``k^D``) of the approximate GP."""
        return None if self.term.k is None else self.term.k**self.D

    @property
    def n_lscale(self) -> int:
        """Length-scales per sub-GP: 1 when isotropic, else ``D``."""
        return 1 if self.term.iso else self.D

    @property
    def latent_sizes(self) -> tuple[int, ...]:
        """Latent variables per sub-GP: ``NB``, or the exact GP's number of points."""
        nb = self.NB
        return tuple(
            nb if nb is not None else (s.n_points if self.term.gr else len(s.X)) for s in self.subs
        )

    def prefix(self) -> str:
        """brms's ``pi`` of the term's standata names (``_1``, ``_sigma_1``)."""
        return f"_{self.dpar}_{self.index}" if self.dpar else f"_{self.index}"


@dataclass(frozen=True)
class GpSpec:
    """A GP term as the draws name it (no data): brms's ``sdgp_<sfx1>``, ``lscale_<sfx2>`` and
    ``zgp_<sfx1>[m]``, ``m`` up to ``sizes[j]`` for sub-GP ``j``.

    Attributes
    ----------
    key
        The term's prefix (``_1``, ``_sigma_1``): the model's ``sdgp<key>``, ``lscale<key>``.
    dpar, sfx1, sfx2
        As :class:`GpBlock`.
    sizes
        Latent variables per sub-GP (``NB``, or the number of points of the exact GP).
    """

    key: str
    dpar: str
    sfx1: tuple[str, ...]
    sfx2: tuple[tuple[str, ...], ...]
    sizes: tuple[int, ...]

    def columns(self) -> list[tuple[str, str, tuple[int, ...]]]:
        """``(brms name, model key, index)`` of the sdgp and lscale draws in brms's order
        (length-scales column by column of the sub-GP x dimension table, as Stan's)."""
        out: list[tuple[str, str, tuple[int, ...]]] = [
            (names.gp_name("sdgp", s, self.dpar), f"sdgp{self.key}", (j,))
            for j, s in enumerate(self.sfx1)
        ]
        n_ls = len(self.sfx2[0])
        for d in range(n_ls):
            for j, row in enumerate(self.sfx2):
                out.append(
                    (
                        names.gp_name("lscale", row[d], self.dpar),
                        f"lscale{self.key}",
                        (j * n_ls + d,),
                    )
                )
        return out

    def latent_columns(self) -> list[tuple[str, str, tuple[int, ...]]]:
        """``(brms name, model key, index)`` of the ``zgp`` draws."""
        return [
            (f"{names.gp_name('zgp', s, self.dpar)}[{m + 1}]", f"zgp{self.key}_{j + 1}", (m,))
            for j, (s, size) in enumerate(zip(self.sfx1, self.sizes, strict=True))
            for m in range(size)
        ]


def gp_spec(block: GpBlock) -> GpSpec:
    """The names of a design's GP term."""
    return GpSpec(block.prefix(), block.dpar, block.sfx1, block.sfx2, block.latent_sizes)


def gp_nodes(call: Call) -> list[Node]:
    """The data variables of a ``gp()`` call: its covariates and its ``by`` variable."""
    nodes = list(call.positional)
    by = call.keywords.get("by")
    if by is not None and deparse(by) not in {"NA", "NULL"}:
        nodes.append(by)
    return nodes


def unique_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """brms's ``match_rows(X, X)`` grouping: unique rows in order of first appearance (equal
    when R's ``paste`` prints them alike, 15 significant digits) and each row's 0-based point."""
    keys = ["\r".join(f"{v:.15g}" for v in row) for row in X]
    first: dict[str, int] = {}
    J = np.empty(len(keys), dtype=np.int64)
    keep: list[int] = []
    for i, key in enumerate(keys):
        j = first.get(key)
        if j is None:
            j = first[key] = len(keep)
            keep.append(i)
        J[i] = j
    return np.asarray(keep, dtype=np.int64), J


def basis(X: np.ndarray, k: int, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``k^D`` eigenfunctions of the Laplacian on ``[-L, L]^D`` at the centred points ``X``
    and the square roots of their eigenvalues (brms's ``eigen_fun_cov_exp_quad`` and
    ``eigen_val_cov_exp_quad``), in ``expand.grid`` order (first dimension fastest)."""
    D = X.shape[1]
    grids = np.meshgrid(*([np.arange(1, k + 1)] * D), indexing="ij")
    Ks = np.stack([g.reshape(-1, order="F") for g in grids], axis=1)  # (k^D, D)
    slambda = Ks * np.pi / (2 * L[None, :])
    phi = np.ones((X.shape[0], Ks.shape[0]))
    for d in range(D):
        phi = phi * (np.sin(slambda[None, :, d] * (X[:, d : d + 1] + L[d])) / np.sqrt(L[d]))
    return phi, slambda


def _diff_max(points: np.ndarray) -> float:
    if points.shape[1] == 1:
        span = float(points.max() - points.min())
        return float(np.sqrt(span * span))
    sq = np.sum(points * points, axis=1)
    d2 = sq[:, None] + sq[None, :] - 2 * points @ points.T
    # the largest distance of a point pair, exact as brms's sum of squared differences
    i, j = np.unravel_index(np.argmax(d2), d2.shape)
    return float(np.sqrt(np.sum((points[i] - points[j]) ** 2)))


def _sub_gp(
    X: np.ndarray,
    term: GpTerm,
    C: np.ndarray | None,
    state: SubGp | None = None,
) -> SubGp:
    """brms's ``.data_gp``: one sub-GP's points, scaling and (approximate GP) basis.

    ``state`` (the fitted sub-GP) reuses ``dmax``, ``cmeans`` and ``L`` for new data.
    """
    rows = None
    if C is not None:
        rows = np.flatnonzero(C != 0)
        X, C = X[rows], C[rows]
    J = None
    points = X
    if term.gr:
        keep, J = unique_rows(X)
        points = X[keep]
    dmax = None
    if term.scale:
        dmax = state.dmax if state is not None else _diff_max(points) if len(points) else 0.0
        if not (dmax is not None and dmax > 0):
            raise DesignError("Could not scale GP covariates. Please set 'scale' to FALSE in 'gp'.")
        points = points / dmax
    cmeans = state.cmeans if state is not None else points.mean(axis=0)
    slambda = L = None
    Xgp = points
    if term.k is not None:
        centred = points - cmeans
        if state is not None and state.L is not None:
            L = state.L
        else:
            span = float(centred.max() - centred.min()) if centred.size else 1.0
            L = np.asarray(term.c) * max(1.0, span)
        Xgp, slambda = basis(centred, term.k, L)
    return SubGp(rows, C, J, Xgp, slambda, points, dmax, np.asarray(cmeans), L)


def _covariates(term: GpTerm, values: Mapping[str, Value], source: str) -> np.ndarray:
    cols = []
    for node in term.covars:
        value = values[deparse(node)]
        if not isinstance(value, Numeric) or value.values.ndim != 1:
            raise DesignError(
                f"Predictors of Gaussian processes should be numeric vectors: "
                f"'{deparse(node)}' in {deparse(term.call)} is not."
            )
        cols.append(np.asarray(value.values, dtype=float))
    return np.stack(cols, axis=1)


def _contrasts(term: GpTerm, by: Factor) -> tuple[list[str], np.ndarray]:
    """The contrasts of a factor ``by`` (``model.matrix(~ 0 + byval)``, or ``~ 1 + byval``
    with ``cmc = FALSE``) and their names as brms's suffixes."""
    n_lv = len(by.levels)
    onehot = np.zeros((len(by.codes), n_lv))
    onehot[np.arange(len(by.codes)), by.codes] = 1.0
    if term.cmc:
        return [brms_rename(str(lv)) for lv in by.levels], onehot
    cons = ["Intercept"] + [brms_rename(str(lv)) for lv in by.levels[1:]]
    return cons, np.column_stack([np.ones(len(by.codes)), onehot[:, 1:]])


def gp_blocks(
    dpar: str,
    calls: tuple[Call, ...],
    values: Mapping[str, Value],
    source: str,
    states: tuple[GpBlock, ...] = (),
) -> tuple[GpBlock, ...]:
    """The GP terms of one distributional parameter with their data.

    ``states`` are the fitted blocks, for new data: their scaling and boundaries are kept and
    the factor ``by`` levels are those of the fit.
    """
    out = []
    for i, call in enumerate(calls, 1):
        term = gp_term(call, source)
        state = states[i - 1] if states else None
        X = _covariates(term, values, source)
        by_kind, Cgp, subs = "", None, []
        cons = [""]
        if term.by is not None:
            by = values[deparse(term.by)]
            if isinstance(by, Factor):
                by_kind = "factor"
                cons, cmat = _contrasts(term, by)
                for j in range(len(cons)):
                    sub_state = state.subs[j] if state is not None else None
                    subs.append(_sub_gp(X, term, cmat[:, j], sub_state))
            else:
                by_kind = "numeric"
                Cgp = np.asarray(by.values, dtype=float).reshape(-1)
        if not subs:
            subs.append(_sub_gp(X, term, None, state.subs[0] if state is not None else None))
        sfx1 = tuple(term.label + c for c in cons)
        names = [brms_rename(deparse(v)) for v in term.covars]
        sfx2 = tuple((s,) if term.iso else tuple(s + v for v in names) for s in sfx1)
        block = GpBlock(i, dpar, term, sfx1, sfx2, by_kind, tuple(subs), Cgp)
        if not states and not term.k:
            _warn_exact(block)
        out.append(block)
    return tuple(out)


def _warn_exact(block: GpBlock) -> None:
    n = max(s.n_points for s in block.subs)
    if n > EXACT_GP_WARN:
        warnings.warn(
            f"The exact Gaussian process {deparse(block.term.call)} has {n} latent points; its "
            "cost grows as their cube (a Cholesky factor per gradient). Consider the "
            "approximate GP, e.g. gp(..., k = 20, c = 5/4).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def gp_standata(block: GpBlock) -> dict[str, Any]:
    """The term's ``make_standata`` entries in brms's order (indices 1-based)."""
    p = block.prefix()
    out: dict[str, Any] = {f"Dgp{p}": block.D}
    if block.approx:
        out[f"NBgp{p}"] = block.NB
    out[f"Kgp{p}"] = block.K
    factor = block.by == "factor"
    for j, sub in enumerate(block.subs, 1):
        s = f"{p}_{j}" if factor else p
        if factor and sub.I is not None and sub.C is not None:
            out[f"Igp{s}"] = sub.I + 1
            out[f"Cgp{s}"] = sub.C
        if sub.J is not None:
            if not factor:
                out[f"Nsubgp{s}"] = sub.n_points
            out[f"Jgp{s}"] = sub.J + 1
        out[f"Xgp{s}"] = sub.X
        if sub.slambda is not None:
            out[f"slambda{s}"] = sub.slambda
    if factor:
        out[f"Ngp{p}"] = np.asarray([len(s.I) for s in block.subs if s.I is not None])
        if block.term.gr:
            out[f"Nsubgp{p}"] = np.asarray([s.n_points for s in block.subs])
    if block.Cgp is not None:
        out[f"Cgp{p}"] = block.Cgp
    return out
