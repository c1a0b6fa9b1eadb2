"""The design IR: what formula/ hands to backend/.

A :class:`Design` is the data of one model: the response with its addition terms, one
population-level block per predicted distributional parameter (``""`` is mu), and the
group-level blocks in brms's ID order. It mirrors brms's ``make_standata`` (``X``, ``J_k``,
``Z_k_m``) but keeps group indices 0-based and Z as one ``(N, M)`` array per block.

Everything here is frozen; arrays are never mutated after construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from brmsjax.formula import names

from .data2.ir import Data2Design
from .ir_special import (
    ArcovData,
    ArmaData,
    CosyData,
    Nonlinear,
    SmoothBlock,
    SmoothSpec,
    SpBlock,
    SpTerm,
)

if TYPE_CHECKING:
    from .gp import GpBlock
    from .ir_mime import MissingData

__all__ = [
    "ArmaData",
    "CosyData",
    "Design",
    "FixedBlock",
    "FixedSpec",
    "GroupBlock",
    "GroupSpec",
    "Nonlinear",
    "Response",
    "SmoothBlock",
    "SmoothSpec",
    "SpBlock",
    "SpTerm",
]


@dataclass(frozen=True)
class FixedSpec:
    """The names of one population-level block, as the draws and the fit show them (no data).

    Attributes
    ----------
    dpar
        ``""`` for mu, else the parameter name (``"sigma"``).
    intercept
        Whether the block has a separate (centred) ``Intercept`` parameter.
    columns
        The ``b`` coefficients in order, without the intercept.
    thresholds
        The number of ordinal thresholds (``b_Intercept[1]``, ...), else 0.
    smooth
        The columns that are smooths' unpenalized columns (brms's ``Xs``, drawn as ``bs_``).
    sp, simo, jmo
        The monotonic (``mo()``) coefficients (``bsp_mox``), the labels of their simplexes
        (``simo_mox1``) and each simplex's length; empty without ``mo()`` terms.
    """

    dpar: str
    intercept: bool
    columns: tuple[str, ...]
    thresholds: int = 0
    smooth: tuple[str, ...] = ()
    #: Columns of the category-specific effects ``cs()`` (``bcs_<column>[k]``), if any.
    cs_columns: tuple[str, ...] = ()
    #: brms's ordinal ``threshold`` type; ``"sum"`` saves ``Intercept_stz[k]`` too.
    threshold: str = "flexible"
    sp: tuple[str, ...] = ()
    simo: tuple[str, ...] = ()
    jmo: tuple[int, ...] = ()

    def coefs(self) -> tuple[str, ...]:
        """The block's coefficients as ``fixef()`` rows name them: intercepts first
        (``Intercept``, ``sigma_Intercept``, ``Intercept[1]``), then the slopes with the dpar
        prefix (``sigma_x``). The category-specific effects (``bcs_``) are not among them."""
        icpt = [names.coef_name("Intercept", self.dpar)] if self.intercept else []
        icpt += [f"Intercept[{k}]" for k in range(1, self.thresholds + 1)]
        return (*icpt, *(names.coef_name(c, self.dpar) for c in self.columns))


@dataclass(frozen=True)
class FixedBlock:
    """Population-level design of one distributional parameter.

    Attributes
    ----------
    dpar
        ``""`` for mu, else the parameter name (``"sigma"``, ``"zi"``, ...).
    columns
        brms column names (R's model.matrix names after brms renaming); the first is
        ``"Intercept"`` when ``intercept`` is True.
    X
        ``(N, K)`` float64 matrix, not centred (as brms's standata ``X``).
    intercept
        Whether the block has an intercept that brms centres (``Intercept`` parameter).
    offset
        ``(N,)`` sum of ``offset()`` terms, or None.
    thresholds
        Number of ordinal thresholds (brms's ``nthres``, categories - 1) of mu's block in an
        ordinal model, else 0. Then X has no intercept column (``intercept`` is False) and the
        model has the ordered ``Intercept[1..thresholds]`` instead: the lowering centres every
        column of X and recovers ``b_Intercept[k] = Intercept[k] + means_X . b``.
    center
        Whether brms centres X (False with ``bf(center = FALSE)``: then ``intercept`` is False,
        an intercept column is an ordinary ``b``, and ordinal thresholds are not centred).
    qr
        brms's ``decomp = "QR"``: ``b`` is sampled as ``bQ = R b`` (``Xc = Q R``, scaled by
        ``sqrt(N - 1)``) and the priors of class ``b`` apply to ``bQ``.
    smooth
        The last columns when the dpar has ``s()`` terms: their unpenalized columns (brms's
        ``Xs``, coefficients ``bs``, class ``b`` priors). Their means are zero (the smooths'
        sum-to-zero constraint), so centring them leaves brms's ``Intercept`` as it is.
    cs_columns
        Columns of the category-specific design ``Xcs`` (``cs()`` terms of an ordinal mu).
    Xcs
        ``(N, Kcs)`` float64 category-specific design (brms's standata ``Xcs``, not centred),
        or None without ``cs()`` terms.
    sp
        The block's monotonic (``mo()``) terms, brms's special effects (``bsp``), or None.
    """

    dpar: str
    columns: tuple[str, ...]
    X: np.ndarray
    intercept: bool
    offset: np.ndarray | None = None
    thresholds: int = 0
    center: bool = True
    qr: bool = False
    smooth: tuple[str, ...] = ()
    cs_columns: tuple[str, ...] = ()
    Xcs: np.ndarray | None = None
    sp: SpBlock | None = None

    @property
    def K(self) -> int:
        """Number of columns of X (brms's ``K``)."""
        return len(self.columns)

    @property
    def slope_columns(self) -> tuple[str, ...]:
        """Columns other than the intercept (the ``b`` coefficients)."""
        return self.columns[1:] if self.intercept else self.columns


@dataclass(frozen=True)
class GroupSpec:
    """One brms group-level ID as every stage names it: the design, the draws and the fit.

    The one description of a group-level block's coefficients, shared from the design
    (:class:`GroupBlock` adds the data) through the lowered model to the fit object
    (``FitInfo.groups``); brms's names of its parameters come from :mod:`brmsjax.formula.names`.

    Attributes
    ----------
    id
        1-based brms ID (``J_1``, ``Z_1_1`` ...).
    group
        Group name as brms writes it (``"Subject"``, ``"g1:g2"``).
    levels
        Level labels in index order (``g1:g2`` levels are pasted with ``_``).
    coefs
        Coefficient names, brms-renamed (``"Intercept"``, ``"Days"``), without the dpar prefix.
    dpars
        Distributional parameter of each coefficient (``""`` for mu), parallel to ``coefs``.
    cor
        Whether the coefficients are correlated (``|``) or independent (``||``). In
        :attr:`GroupBlock.spec` (what the draws and the fit hold) it is True only where
        correlations are estimated, i.e. with two or more coefficients.
    """

    id: int
    group: str
    levels: tuple[str, ...]
    coefs: tuple[str, ...]
    dpars: tuple[str, ...]
    cor: bool

    @property
    def M(self) -> int:
        """Number of coefficients per level (brms's ``M_k``)."""
        return len(self.coefs)

    @property
    def n_levels(self) -> int:
        """Number of levels (brms's ``N_k``)."""
        return len(self.levels)

    @property
    def NC(self) -> int:
        """Number of correlations (brms's ``NC_k``)."""
        return self.M * (self.M - 1) // 2

    @property
    def names(self) -> tuple[str, ...]:
        """Coefficient names with their dpar prefix, as ``sd_`` names show them."""
        return tuple(names.coef_name(c, d) for c, d in zip(self.coefs, self.dpars, strict=True))

    def r_name(self, level: str, k: int) -> str:
        """brms's name of coefficient ``k``'s effect at ``level`` (``r_g__sigma[a,x]``)."""
        return names.r_name(self.group, level, self.coefs[k], self.dpars[k])


@dataclass(frozen=True)
class GroupBlock(GroupSpec):
    """A :class:`GroupSpec` with its data: the level index and the coefficients' predictors.

    Attributes
    ----------
    J
        ``(N,)`` int32 level index, 0-based.
    Z
        ``(N, M)`` float64 values of the coefficients' predictors.
    sp
        Per coefficient, whether it is a ``mo()`` term's (``r_g[a,mox]``), which multiplies the
        population-level term of its dpar with the same name instead of a column of ``Z``
        (there a placeholder of ones; brms's standata has no ``Z`` for it); empty when none is.
    """

    J: np.ndarray
    Z: np.ndarray
    sp: tuple[bool, ...] = ()

    @property
    def spec(self) -> GroupSpec:
        """The block without its data, ``cor`` True only where correlations are estimated."""
        return GroupSpec(
            self.id, self.group, self.levels, self.coefs, self.dpars, self.cor and self.M > 1
        )


@dataclass(frozen=True)
class Response:
    """The response and its addition terms.

    Attributes
    ----------
    name
        Response variable label (``"Reaction"``).
    y
        ``(N,)`` float64 values; for a factor response, 1-based category codes.
    levels
        Category labels of a factor response, else None.
    addition
        Addition-term data keyed by brms's standata name, each ``(N,)`` float64: ``weights``,
        ``trials``, ``cens`` (codes -1 left, 0 none, 1 right, 2 interval), ``rcens`` (upper
        bound of interval-censored rows, 0 elsewhere), ``lb`` and ``ub`` (truncation bounds,
        -inf/inf where not given), ``se`` and ``denom`` (``rate()``).
    """

    name: str
    y: np.ndarray
    levels: tuple[str, ...] | None = None
    addition: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Design:
    """All data of a model, ready for lowering.

    Attributes
    ----------
    response
        Response values and addition terms.
    fixed
        Population-level blocks; ``fixed[0]`` is mu's.
    groups
        Group-level blocks in ID order.
    rows
        0-based indices of the data rows used (rows with NA in a used variable are dropped).
    fixed_dpars
        Distributional parameters fixed to constants: in the formula (``bf(y ~ x, nu = 4)``),
        ``sigma = 0`` for ``se(s)`` without ``sigma = TRUE``, ``disc = 1`` in ordinal models.
    smooths
        The penalized parts of the ``s()`` terms, per dpar in order (their unpenalized columns
        are the last columns of the dpar's :class:`FixedBlock`).
    kind
        The family's kind the design was built for: ``"continuous"``, ``"discrete"``,
        ``"ordinal"`` (mu's block has ``thresholds``) or ``"categorical"`` (one block per
        non-reference category, dpars ``mu<category>`` as brms names them).
    state
        Fitted state needed to encode new data identically (factor levels, poly/scale
        parameters); produced and consumed by formula/.
    gps
        Gaussian process terms ``gp()`` of every dpar, with their data (:mod:`.gp`).
    arma
        The ARMA term's data, or None; then the rows are sorted by group and time as brms
        sorts them (``rows`` maps them back to the data).
    """

    response: Response
    fixed: tuple[FixedBlock, ...]
    groups: tuple[GroupBlock, ...]
    rows: np.ndarray
    fixed_dpars: Mapping[str, float] = field(default_factory=dict)
    state: Any = None
    kind: str = "continuous"
    smooths: tuple[SmoothBlock, ...] = ()
    gps: tuple[GpBlock, ...] = ()
    arma: ArmaData | None = None
    #: ``bf(..., nl = TRUE)``: mu's expression (then no block of ``fixed`` is mu's).
    nonlinear: Nonlinear | None = None
    #: A multivariate model's responses (:class:`~.mv.ir_mv.MvSpec`); None for one response.
    mv: Any = None
    #: ``y | mi()`` or ``y | mi(sdy)``: the rows whose response is latent (see
    #: :class:`~.ir_mime.MissingData`); None without ``mi()``.
    missing: MissingData | None = None
    #: Matrices from brms's ``data2`` (``gr(g, cov = A)``'s ``Lcov_k``), or None.
    data2: Data2Design | None = None
    #: A ``cosy()`` term's series (:class:`~.ir_special.CosyData`; rows sorted as for ARMA).
    cosy: CosyData | None = None
    #: ``nlf(sigma ~ ...)``: parameters predicted non-linearly (:class:`~.special.nlf.NlfDpar`).
    nlf: tuple[Any, ...] = ()
    #: An ARMA term with ``cov = TRUE`` (:class:`~.ir_special.ArcovData`; ``arma`` is then None).
    arcov: ArcovData | None = None

    @property
    def N(self) -> int:
        """Number of observations."""
        return int(self.response.y.shape[0])

    def block(self, dpar: str = "") -> FixedBlock | None:
        """The population-level block of ``dpar``, or None if that parameter is not predicted."""
        for b in self.fixed:
            if b.dpar == dpar:
                return b
        return None
