"""The encoded new data a fitted model predicts from, and brms's ``re_formula``.

:class:`NewData` (with one :class:`EncodedGroup` per group-level block) is what
:func:`~brmsjax.formula.design.newdata.encode_newdata` returns; :func:`from_design` gives the
fitting data's own arrays in that form and :func:`in_data_order` puts an ARMA design's rows
back in the data's order. :func:`parse_re_formula` reads ``re_formula`` (None: all group-level
terms; NA or ``"~0"``: none) and :func:`check_re_terms` refuses terms the model lacks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BrmsjaxError, FormulaError
from ..terms.brmsterms import BrmsTerms, GroupTerm, brms_terms
from .gp import GpBlock
from .ir import ArmaData, Design, SpBlock
from .special.monotonic import with_sp
from .special.smooth_terms import smooth_matrix

__all__ = [
    "EncodedGroup",
    "NewData",
    "ReFormulaError",
    "check_re_terms",
    "from_design",
    "group_kept",
    "in_data_order",
    "kept_effects",
    "parse_re_formula",
]

# re_formula values meaning "no group-level terms" (spaces removed).
_NONE_TEXT = ("", "NA", "~0", "~1", "~-1", "~+0")


class ReFormulaError(BrmsjaxError, ValueError):
    """``re_formula`` names group-level terms that the model lacks."""


@dataclass(frozen=True)
class EncodedGroup:
    """The kept columns of one group-level ID block on new data.

    Attributes
    ----------
    id
        brms's ID of the fitted block.
    group
        Grouping factor name.
    columns
        Indices of the kept coefficients among the fitted block's ``coefs``.
    J
        ``(N,)`` level index: fitted levels ``0..L-1``, new levels ``L, L+1, ...``.
    Z
        ``(N, len(columns))`` predictor values of the kept coefficients.
    new_levels
        Labels of the new levels in index order (``J == L + k`` is ``new_levels[k]``).
    new_by
        For a ``gr(g, by = f)`` block: the 0-based level of ``f`` of each new level (brms's
        ``attr(used_levels, "by")``), else empty.
    """

    id: int
    group: str
    columns: tuple[int, ...]
    J: np.ndarray
    Z: np.ndarray
    new_levels: tuple[str, ...] = ()
    new_by: tuple[int, ...] = ()


@dataclass(frozen=True)
class NewData:
    """Everything predictions need from the data.

    Attributes
    ----------
    n
        Number of rows.
    X
        Uncentred population-level matrix per dpar (``""`` is mu), fitted columns, then the
        penalized columns of the dpar's ``s()`` terms (coefficients ``s_<label>_1[i]``).
        expanded columns of its ``mo()`` terms (:meth:`~.ir.SpBlock.expanded`).
    offset
        Offsets per dpar that has them.
    groups
        Kept group-level blocks in ID order.
    addition
        Addition-term values by brms's standata name (``trials``, ``denom``, ``weights``...).
    y
        Response values when they were asked for, else None.
    gps
        The GP terms on these rows (new data: with the fit's scaling and boundaries).
    gps_fitted
        Whether ``gps`` are the fitting data's own (an exact GP then needs no conditioning).
    Xcs
        mu's category-specific design (``cs()`` terms of an ordinal model), else None.
    arma
        The rows' series order and ``J_lag`` for a model with an ARMA term, else None.
    """

    n: int
    X: Mapping[str, np.ndarray]
    offset: Mapping[str, np.ndarray]
    groups: tuple[EncodedGroup, ...]
    addition: Mapping[str, np.ndarray] = field(default_factory=dict)
    y: np.ndarray | None = None
    gps: tuple[GpBlock, ...] = ()
    gps_fitted: bool = False
    Xcs: np.ndarray | None = None
    arma: ArmaData | None = None
    #: ``(n, k)`` covariates of a non-linear formula, else None.
    C: np.ndarray | None = None
    #: ``(n, k)`` covariates of each ``nlf()`` parameter's expression, by parameter.
    C_nlf: Mapping[str, np.ndarray] = field(default_factory=dict)
    #: Each dpar's special effects on these rows (``me()`` terms read their ``Xn``, ``noise``).
    sp: Mapping[str, SpBlock] = field(default_factory=dict)


def parse_re_formula(re_formula: Any) -> BrmsTerms | None:
    """Read ``re_formula``: None (all groups), a formula, or NA / ``"~0"`` (no groups).

    Returns
    -------
    BrmsTerms or None
        None for "all group-level terms"; terms without groups for "none".
    """
    if re_formula is None:
        return None
    if isinstance(re_formula, float) and math.isnan(re_formula) or re_formula is pd.NA:
        return brms_terms("y ~ 1")
    if not isinstance(re_formula, str):
        raise ReFormulaError(
            f"re_formula must be None, NA or a formula string such as '~ (1 | g)', not "
            f"{re_formula!r}."
        )
    text = re_formula.strip()
    if text.replace(" ", "") in _NONE_TEXT:
        return brms_terms("y ~ 1")
    if not text.startswith("~"):
        raise ReFormulaError(f"re_formula '{re_formula}' must start with '~', e.g. '~ (1 | g)'.")
    try:
        return brms_terms(f"y {text}")
    except FormulaError as err:
        raise ReFormulaError(f"re_formula '{re_formula}' cannot be read: {err.message}") from None


def kept_effects(term: GroupTerm, re_terms: BrmsTerms | None) -> tuple[bool, set[str]]:
    """Whether ``re_formula`` keeps the intercept of ``term``, and which term labels."""
    if re_terms is None:
        return term.coefs.intercept, set(term.coefs.labels)
    icpt, labels = False, set()
    for other in re_terms.dpars[0].groups:
        if other.group == term.group:
            icpt = icpt or other.coefs.intercept
            labels |= set(other.coefs.labels)
    return icpt, labels


def check_re_terms(bt: BrmsTerms, re_terms: BrmsTerms | None) -> None:
    """Raise :class:`ReFormulaError` when ``re_formula`` names a group or term the model lacks."""
    if re_terms is None:
        return
    model = [g for dp in bt.dpars for g in dp.groups]
    for other in re_terms.dpars[0].groups:
        same = [g for g in model if g.group == other.group]
        if not same:
            have = ", ".join(dict.fromkeys(g.group for g in model)) or "none"
            raise ReFormulaError(
                f"re_formula names the grouping factor '{other.group}', which the model lacks "
                f"(its grouping factors: {have}); use only the model's group-level terms."
            )
        labels = {lb for g in same for lb in g.coefs.labels}
        extra = [lb for lb in other.coefs.labels if lb not in labels]
        if extra or (other.coefs.intercept and not any(g.coefs.intercept for g in same)):
            what = extra[0] if extra else "Intercept"
            raise ReFormulaError(
                f"re_formula has a group-level effect of '{what}' for '{other.group}', which "
                "the model lacks; use only the model's group-level terms."
            )


def group_kept(term: GroupTerm, re_terms: BrmsTerms | None) -> bool:
    """Whether ``re_formula`` keeps any effect of ``term``'s grouping factor."""
    return re_terms is None or any(g.group == term.group for g in re_terms.dpars[0].groups)


def from_design(design: Design, re_formula: Any = None) -> NewData:
    """The fitting data's own arrays as :class:`NewData` (no re-encoding).

    Only ``re_formula=None`` (all group-level terms) or NA (none) is supported here; a subset
    formula needs the data re-encoded with :func:`encode_newdata`.
    """
    re_terms = parse_re_formula(re_formula)
    if re_terms is not None and re_terms.dpars[0].groups:
        raise ReFormulaError("from_design() keeps all or no group-level terms.")
    X = {
        b.dpar: with_sp(
            replace(
                b, X=np.hstack([np.asarray(b.X, dtype=np.float64), *smooth_matrix(design, b.dpar)])
            )
        )
        for b in design.fixed
    }
    offset = {b.dpar: np.asarray(b.offset) for b in design.fixed if b.offset is not None}
    groups = (
        ()
        if re_terms is not None
        else tuple(
            EncodedGroup(
                g.id,
                g.group,
                tuple(range(g.M)),
                np.asarray(g.J, dtype=np.int64),
                np.asarray(g.Z, dtype=np.float64),
            )
            for g in design.groups
        )
    )
    nd = NewData(
        n=design.N,
        X=X,
        offset=offset,
        groups=groups,
        addition=dict(design.response.addition),
        y=np.asarray(design.response.y),
        gps=design.gps,
        gps_fitted=True,
        Xcs=design.fixed[0].Xcs if design.fixed else None,
        C=None if design.nonlinear is None else np.asarray(design.nonlinear.C),
        C_nlf={d.dpar: np.asarray(d.C) for d in design.nlf},
        sp={b.dpar: b.sp for b in design.fixed if b.sp is not None},
    )
    return nd if design.arma is None else in_data_order(nd, design)


def in_data_order(nd: NewData, design: Design) -> NewData:
    """The fitting data's encoded rows (series order) put back in the data's order, as brms
    returns predictions (its ``old_order``), with the series order of those rows."""
    if design.arma is None:  # pragma: no cover - callers check
        raise ValueError("The design has no ARMA term.")
    back = np.argsort(np.asarray(design.rows), kind="stable")

    def take(arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {k: np.asarray(v)[back] for k, v in arrays.items()}

    groups = tuple(replace(g, J=g.J[back], Z=g.Z[back]) for g in nd.groups)
    return replace(
        nd,
        X=take(nd.X),
        offset=take(nd.offset),
        groups=groups,
        addition=take(nd.addition),
        C_nlf=take(nd.C_nlf),
        y=None if nd.y is None else np.asarray(nd.y)[back],
        arma=replace(design.arma, order=np.argsort(back, kind="stable")),
    )
