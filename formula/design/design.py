"""Design data from a formula and a data frame: R's model.matrix and brms's standata.

:func:`build_design` is a pure function of (formula, data): it reads the formula
(:mod:`..terms.brmsterms`), evaluates every variable once (:mod:`..evaluate.variables`), drops
rows with a missing value in any used variable (with brms's warning), drops unused factor
levels as brms does, then builds one population-level matrix per distributional parameter
(:mod:`.matrix`) and the group-level blocks in brms's ID order (:mod:`.groups`). The response
and its addition terms are coded by :mod:`.response`, whose names are re-exported here.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DesignError, FormulaTermError
from ..evaluate.variables import Evaluator, Factor, Numeric, Value
from ..syntax.ast import Name, Node, String, strip_parens
from ..syntax.parse import deparse
from ..terms.brmsterms import (
    ADDITION_OPTIONS,
    BrmsFormula,
    BrmsTerms,
    DparTerms,
    GroupTerm,
    brms_terms,
    constant_value,
    se_fixes_sigma,
)
from ..terms.category_specific import check_cs_family, cs_group_terms
from ..terms.family_terms.family_checks import check_family_terms
from ..terms.family_terms.missing import keep_na_labels
from ..terms.family_terms.mixture import is_mixture_family, mixture_terms
from ..terms.readers.mi_predictors import is_mi, mi_index_nodes, mi_predictor_labels, mi_variable
from ..terms.terms import TermList, expand
from ..warn import user_stacklevel
from .data2.build import data2_design
from .data2.spatial import spatial_design, spatial_nodes
from .finite import check_matrix, check_values, fit_advice
from .frames import na_mask, subset_value, to_pandas
from .gp import GpBlock, gp_blocks, gp_nodes
from .groups import _group_blocks
from .intercept import coded_with_intercept, is_main, with_options, with_reserved_intercept
from .ir import Design, FixedBlock, SpBlock
from .matrix import brms_rename, build_matrix, make_stan_names, response_warnings
from .response import (
    CATEGORICAL_FAMILIES,
    ORDINAL_FAMILIES,
    _addition_array,  # noqa: F401  (re-exported: .newdata imports it from here)
    _Kind,
    _response,
    family_kind,
)
from .special.arcov import series_fields, series_rows
from .special.autocor import arma_nodes, arma_rows
from .special.cosy import cosy_nodes
from .special.measurement import is_me, me_arguments, me_group
from .special.missing import missing_data
from .special.monotonic import build_sp, check_group_sp, is_mo, mo_argument, split_sp
from .special.multimembership import mm_nodes
from .special.nlf import nlf_design
from .special.nonlinear import check_nonlinear_kind, covariate_nodes, nonlinear_design
from .special.smooth_terms import add_smooths, smooth_nodes


class DataWarning(UserWarning):
    """brms's data warnings, e.g. rows excluded because of missing values."""


NA_WARNING = "Rows containing NAs were excluded from the model."


@dataclass(frozen=True)
class DesignState:
    """What is needed to encode new data exactly as the fitting data.

    Attributes
    ----------
    terms
        The formula as read.
    eval_state
        The evaluator's learned transforms (levels, poly, scale).
    factor_levels
        Levels of every factor variable after unused levels were dropped, by label.
    group_levels
        Levels of every grouping factor, by group name.
    family, kind
        The family's name and kind the design was built for; pass ``family=state`` to
        :func:`_response` to code a new response the same way.
    """

    terms: BrmsTerms
    eval_state: Any
    factor_levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    group_levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    family: str = "gaussian"
    kind: str = "continuous"

    @property
    def name(self) -> str:
        """The family's name (so that the state can stand for the family)."""
        return self.family


def as_frame(data: Any) -> pd.DataFrame:
    """Accept a DataFrame (pandas, polars, pyarrow, ...) or a dict of columns.

    See :func:`~brmsjax.formula.design.frames.to_pandas`, which does the conversion.
    """
    return to_pandas(data)


def _addition_nodes(bt: BrmsTerms) -> list[Node]:
    nodes = []
    for add in bt.additions:
        options = ADDITION_OPTIONS.get(add.name, set())
        for arg in add.call.args:
            if arg.name in options:
                continue
            value = arg.value
            if not isinstance(strip_parens(value), String) and constant_value(value) is None:
                nodes.append(value)
    return nodes


def _group_nodes(group: GroupTerm) -> list[Node]:
    return (
        mm_nodes(group)
        if group.mm is not None
        else [
            *group.coefs.variables(),
            *group.group_vars,
            *([group.by] if group.by is not None else []),
        ]
    )


class _Values:
    """Evaluated variables of one data set, keyed by label."""

    def __init__(self, data: pd.DataFrame, bt: BrmsTerms, state: Any = None):
        self.data = data
        self.evaluator = Evaluator(data, bt.source, state)
        self.values: dict[str, Value] = {}

    def add(self, node: Node) -> None:
        label = deparse(node)
        if label not in self.values and is_me(node):  # me(x, sdx): x and sdx, x's NAs
            x, sdx = me_arguments(node, self.evaluator.source)
            self.add(x)
            self.add(sdx)
            if (gr := me_group(node)) is not None:  # me(x, sdx, gr = g)
                self.add(gr)
            self.values[label] = self.values[deparse(x)]
        elif label not in self.values and is_mi(node):  # mi(x): x's values, x's NAs kept
            for inner in (mi_variable(node), *mi_index_nodes(node)):  # mi(x, idx): idx too
                self.add(inner)
            self.values[label] = self.values[deparse(mi_variable(node))]
        elif label not in self.values:
            inner = mo_argument(node, self.evaluator.source) if is_mo(node) else node
            self.values[label] = self.evaluator.value(inner)


def _fixed_block(
    dpar: str,
    terms: TermList,
    values: Mapping[str, Value],
    n: int,
    offsets: np.ndarray | None,
    *,
    thresholds: int = 0,
    cmc: bool = True,
    cs: TermList | None = None,
    fitted: SpBlock | None = None,
    error: type[DesignError] = DesignError,
) -> FixedBlock:
    """One population-level block; with ``thresholds`` (ordinal mu) the intercept column is
    dropped, as brms's X of an ordinal model has none. A reserved ``Intercept`` or
    ``cmc = False`` codes factors as with an intercept (:func:`.intercept.coded_with_intercept`).
    ``cs`` are the category-specific terms, whose ``Xcs`` is R's model matrix without its
    intercept column (brms's ``data_cs``). Terms with ``mo()`` calls go into the block's ``sp``
    (:mod:`.monotonic`; ``fitted`` is the fitting data's, for new data).
    """
    if terms.dropped_response is not None:
        for message in response_warnings(terms.dropped_response):
            warnings.warn(message, DataWarning, stacklevel=user_stacklevel())
    terms, sp_terms = split_sp(terms)
    sp = build_sp(sp_terms, values, n, fitted, error) if sp_terms else None
    if coded_with_intercept(terms, cmc=cmc):
        matrix, names, _ = build_matrix(replace(terms, intercept=True), values, n)
        matrix, names = matrix[:, 1:], names[1:]
    else:
        matrix, names, _ = build_matrix(terms, values, n)
    columns = tuple(brms_rename(c) for c in names)
    cs_extra: dict[str, Any] = {}
    if cs is not None:
        xcs, cs_names, _ = build_matrix(cs, values, n)
        cs_extra = {"cs_columns": tuple(brms_rename(c) for c in cs_names[1:]), "Xcs": xcs[:, 1:]}
    if thresholds and terms.intercept:
        return FixedBlock(
            dpar=dpar,
            columns=columns[1:],
            X=matrix[:, 1:],
            intercept=False,
            offset=offsets,
            thresholds=thresholds,
            **cs_extra,
            sp=sp,
        )
    return FixedBlock(
        dpar=dpar,
        columns=columns,
        X=matrix,
        intercept=terms.intercept,
        offset=offsets,
        thresholds=thresholds,
        **cs_extra,
        sp=sp,
    )


def _is_character_column(node: Node, data: pd.DataFrame) -> bool:
    node = strip_parens(node)
    if not isinstance(node, Name) or node.name not in data.columns:
        return False
    dtype = data[node.name].dtype
    return not isinstance(dtype, pd.CategoricalDtype) and not pd.api.types.is_bool_dtype(dtype)


def _evaluate(
    bt: BrmsTerms, data: pd.DataFrame, drop_levels: bool, state: Any = None, warn: bool = True
) -> tuple[dict[str, Value], np.ndarray, Any]:
    """Evaluate the formula's variables on ``data`` and drop the rows with missing values.

    Raises
    ------
    DesignError
        When missing values leave no row; the message names the variables that hold them.
    """
    vals = _Values(data, bt, state)
    vals.add(bt.response)
    for node in _addition_nodes(bt):
        vals.add(node)
    for dp in bt.dpars:
        for node in (*dp.fixed.variables(), *(dp.cs.variables() if dp.cs else ())):
            vals.add(node)
        for node in [*dp.fixed.offsets, *smooth_nodes(dp.fixed)]:
            vals.add(node)
        for call in dp.fixed.gps:
            for node in gp_nodes(call):
                vals.add(node)
        for group in dp.groups:
            for node in _group_nodes(group):
                vals.add(node)
    for node in [*arma_nodes(bt), *spatial_nodes(bt), *cosy_nodes(bt)]:
        vals.add(node)
    for node in covariate_nodes(bt, [str(c) for c in data.columns]):
        vals.add(node)
    n = len(data)
    mask = np.zeros(n, dtype=bool)
    exempt = keep_na_labels(bt) | mi_predictor_labels(bt)
    missing: list[str] = []
    for label, value in vals.values.items():
        if label not in exempt:
            na = na_mask(value)
            mask |= na
            if na.any():
                missing.append(label)
    rows = np.flatnonzero(~mask)
    if n and not rows.size:
        raise DesignError(
            "No rows are left after excluding rows with missing values; the missing values are "
            f"in {', '.join(map(repr, missing))}."
        )
    if mask.any() and warn:
        warnings.warn(NA_WARNING, DataWarning, stacklevel=user_stacklevel())
    char_labels = {
        label for label, node in _label_nodes(bt).items() if _is_character_column(node, data)
    }
    keep = rows if mask.any() else None
    values = {
        label: subset_value(value, keep, drop_levels or label in char_labels)
        for label, value in vals.values.items()
    }
    return values, rows, vals.evaluator.state


def _label_nodes(bt: BrmsTerms) -> dict[str, Node]:
    out: dict[str, Node] = {deparse(bt.response): bt.response}
    for dp in bt.dpars:
        for node in (*dp.fixed.variables(), *(dp.cs.variables() if dp.cs else ())):
            out.setdefault(deparse(node), node)
        for call in dp.fixed.gps:
            for node in gp_nodes(call):
                out.setdefault(deparse(node), node)
        for group in dp.groups:
            for node in _group_nodes(group):
                out.setdefault(deparse(node), node)
    return out


def _offset(nodes: Sequence[Node], values: Mapping[str, Value], n: int) -> np.ndarray | None:
    if not nodes:
        return None
    total = np.zeros(n)
    for node in nodes:
        value = values[deparse(node)]
        if not isinstance(value, Numeric) or value.values.ndim != 1:
            raise DesignError(f"offset({deparse(node)}) must be numeric.")
        total = total + value.values
    return total


def _category_terms(bt: BrmsTerms, dpars: Sequence[str]) -> BrmsTerms:
    """``bt`` with mu's formula replicated for each non-reference category (``mu2``, ...)."""
    mu = bt.dpars[0]
    copies = [
        DparTerms(
            dpar=d, fixed=mu.fixed, rhs=mu.rhs, groups=tuple(replace(g, dpar=d) for g in mu.groups)
        )
        for d in dpars
    ]
    return replace(bt, dpars=(*copies, *bt.dpars[1:]))


def _check_matrices(fixed: Sequence[FixedBlock], groups: Sequence[Any], labels: Any) -> None:
    """Refuse an infinite value that the matrices made from finite variables (an overflow)."""
    advice = "rescale the variables that form it so that the products stay finite."
    for block in fixed:
        where = f" of {block.dpar}" if block.dpar else ""
        what = f"The population-level column{where}"
        check_matrix(block.X, block.columns, labels, what=what, advice=advice)
    for g in groups:
        what = f"The group-level column of ({g.group})"
        check_matrix(g.Z, g.coefs, labels, what=what, advice=advice)


def build_design(
    formula: str | BrmsFormula, data: Any, family: Any = None, data2: Any = None
) -> Design:
    """Build brms's design data for ``formula`` on ``data``.

    Parameters
    ----------
    formula
        A brms formula string, ``bf(...)`` string or :class:`BrmsFormula`.
    data
        A DataFrame (pandas, polars, pyarrow) or a dict of columns.
    family
        The family (a family object with ``name`` and ``kind``, or a brms family name); None is
        gaussian. Ordinal families drop mu's intercept column for thresholds; categorical
        families get one population-level block per non-reference category. The formula is
        checked against it first as brms does (:func:`~..terms.family_terms.family_checks.
        check_family_terms`): addition terms the family does not allow, formulas and fixed
        values of parameters it lacks are refused.
    data2
        brms's ``data2``: a dict of named objects that are not columns of the data (the
        covariance matrix ``A`` of ``gr(g, cov = A)``, a DataFrame named by the levels).

    Returns
    -------
    Design
        Response, population-level blocks (mu first), group-level blocks and the state
        for new data.
    """
    frame = as_frame(data)
    name, kind = family_kind(family)
    bt = brms_terms(formula, columns=list(map(str, frame.columns)))
    check_family_terms(bt, family)
    if is_mixture_family(family):  # one mu<k> per component, theta checks
        bt = mixture_terms(bt, family)
    frame = with_reserved_intercept(frame, bt)
    check_nonlinear_kind(bt, kind)
    if not len(frame):
        raise DesignError("The data have no rows.")
    values, rows, eval_state = _evaluate(bt, frame, drop_levels=True)
    n = len(rows)
    arma = None
    if bt.arma is not None and not bt.arma.cov:  # brms sorts rows by group, time (order_data)
        arma = arma_rows(bt, values, n, name, kind=kind)
        values = {k: subset_value(v, arma.order, False) for k, v in values.items()}
        rows, arma = rows[arma.order], replace(arma, order=np.arange(n))
    cosy = series_rows(bt, values, n, name, kind)  # cosy(), ar(cov = TRUE): per-series
    if cosy is not None:  # sorted by group and time as for ARMA terms
        values = {k: subset_value(v, cosy.order, False) for k, v in values.items()}
        rows, cosy = rows[cosy.order], replace(cosy, order=np.arange(n))
    labels = frame.index[rows]
    check_values(bt, values, labels, advice=fit_advice)
    response = _response(bt, values, family=_Kind(name, kind))
    fixed_dpars = dict(bt.fixed_dpars)
    if se_fixes_sigma(bt) and "sigma" not in fixed_dpars:
        fixed_dpars["sigma"] = 0.0
    check_cs_family(bt.dpars[0].cs or cs_group_terms(bt.dpars), bt.source, name, kind)
    nthres = 0
    if kind == "ordinal":
        if not bt.dpars[0].fixed.intercept:
            raise FormulaTermError(
                f"The {name} family needs the intercepts (its thresholds); remove '0 +' or "
                "'- 1' from the formula.",
                bt.source,
                bt.dpars[0].rhs.span,
            )
        nthres = len(response.levels or ()) - 1
        if all(dp.dpar != "disc" for dp in bt.dpars):
            fixed_dpars.setdefault("disc", 1.0)
    if kind == "categorical":
        levels = response.levels or ()
        bt = _category_terms(bt, make_stan_names([f"mu{lv}" for lv in levels])[1:])
    fixed = tuple(
        with_options(
            _fixed_block(
                dp.dpar,
                dp.fixed,
                values,
                n,
                _offset(dp.fixed.offsets, values, n),
                thresholds=nthres if i == 0 else 0,
                cmc=not is_main(dp) or bt.options.cmc,
                cs=dp.cs,
            ),
            bt.options if is_main(dp) else None,
        )
        for i, dp in enumerate(bt.dpars)
    )
    fixed, smooths = add_smooths([(d.dpar, d.fixed) for d in bt.dpars], fixed, values, bt.source)
    fixed, nonlinear = nonlinear_design(bt, fixed, values, n)
    covs: list[str | None] = []
    groups = _group_blocks(bt, values, n, covs, nthres=nthres)
    fcor = None if bt.fcor is None else (bt.fcor, name, rows, len(frame), bool(bt.additions))
    spatial = spatial_design(bt, data2, values, rows, len(frame), category=DataWarning)
    extra = data2_design(groups, covs, data2, fcor, spatial)
    check_group_sp(fixed, groups)
    _check_matrices(fixed, groups, labels)
    gps: tuple[GpBlock, ...] = tuple(
        b for dp in bt.dpars for b in gp_blocks(dp.dpar, dp.fixed.gps, values, bt.source)
    )
    state = DesignState(
        terms=bt,
        eval_state=eval_state,
        factor_levels={k: v.levels for k, v in values.items() if isinstance(v, Factor)},
        group_levels={g.group: g.levels for g in groups},
        family=name,
        kind=kind,
    )
    return Design(
        response=response,
        fixed=fixed,
        groups=groups,
        rows=rows,
        fixed_dpars=fixed_dpars,
        state=state,
        kind=kind,
        smooths=smooths,
        gps=gps,
        arma=arma,
        nonlinear=nonlinear,
        nlf=nlf_design(bt, values, n),
        missing=missing_data(bt, values, response.y, name),
        data2=extra or None,
        **series_fields(cosy),
    )


def model_matrix(formula: str, data: Any) -> pd.DataFrame:
    """R's ``model.matrix(formula, data)`` with R's column names.

    Rows with a missing value in any variable of the formula are dropped (``na.omit``); the
    index of the result keeps the data's row labels of the rows used. Group-level terms are
    ignored (as ``lme4::nobars``). Factor columns keep their unused levels as R does; character
    columns become factors with levels sorted by code point.
    """
    frame = as_frame(data)
    bt = brms_terms(formula, columns=list(map(str, frame.columns)))
    values, rows, _ = _evaluate(bt, frame, drop_levels=False, warn=False)
    fixed = bt.dpars[0].fixed
    if fixed.dropped_response is not None:
        for message in response_warnings(fixed.dropped_response):
            warnings.warn(message, DataWarning, stacklevel=user_stacklevel())
    matrix, names, _ = build_matrix(fixed, values, len(rows))
    return pd.DataFrame(matrix, columns=names, index=frame.index[rows])


# CATEGORICAL_FAMILIES and ORDINAL_FAMILIES are re-exported from .response.
__all__ = [
    "CATEGORICAL_FAMILIES",
    "ORDINAL_FAMILIES",
    "DataWarning",
    "DesignState",
    "as_frame",
    "build_design",
    "expand",
    "model_matrix",
]
