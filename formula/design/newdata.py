"""New data encoded with a fitted model's state (brms's ``validate_newdata``).

:func:`encode_newdata` turns a data frame into the arrays a fitted model predicts from: one
population-level matrix per distributional parameter with the fitted columns (same factor
levels, ``poly``/``scale`` coefficients), offsets, and the group-level blocks chosen by
``re_formula``. A level of a grouping factor that the fitting data lacks gets an index past the
fitted levels (``n_levels + k`` for the ``k``-th new level) when new levels are allowed; the
prediction layer gives it effects as brms's ``sample_new_levels`` says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DesignError
from ..evaluate.variables import Evaluator, Factor, LevelsState, Value, relevel, variable_names
from ..syntax.parse import deparse
from ..terms.additions import addition_args
from ..terms.brmsterms import BrmsTerms, GroupTerm
from ..terms.readers.mi_predictors import is_mi, mi_variable
from .design import (
    _addition_array,
    _addition_nodes,
    _fixed_block,
    _offset,
    _response,
    as_frame,
)
from .finite import check_matrix, check_values, newdata_advice
from .gp import gp_blocks, gp_nodes
from .groups import _group_factor
from .intercept import is_main, with_reserved_intercept
from .ir import Design, GroupBlock
from .newdata_ir import (
    EncodedGroup,
    NewData,
    ReFormulaError,
    check_re_terms,
    from_design,
    group_kept,
    kept_effects,
    parse_re_formula,
)
from .special.autocor import arma_nodes, arma_rows
from .special.cs_groups import cs_repeat
from .special.group_by import ByGroupBlock, by_factor
from .special.measurement import is_me, me_arguments, me_group
from .special.monotonic import group_matrix, is_mo, mo_argument, with_sp
from .special.multimembership import mm_columns, mm_nodes, mm_values, mm_weights
from .special.nlf import nlf_covariates
from .special.nonlinear import covariate_nodes, covariates_matrix
from .special.smooth_terms import encode_smooths, smooth_nodes

__all__ = [
    "EncodedGroup",
    "NewData",
    "NewDataError",
    "ReFormulaError",
    "encode_newdata",
    "from_design",
    "parse_re_formula",
]

# Addition terms that predictions read (the response's other additions matter for log_lik only).
PREDICT_ADDITIONS = ("trials", "rate", "se")


class NewDataError(DesignError):
    """New data lacks a variable, has missing values or has a level the model lacks."""


def _required(bt: BrmsTerms, re_terms: BrmsTerms | None, response: bool) -> list[Any]:
    """The variable nodes the encoding evaluates, in order."""
    nodes: list[Any] = [bt.response] if response else []
    kept = (
        bt.additions if response else tuple(a for a in bt.additions if a.name in PREDICT_ADDITIONS)
    )
    nodes.extend(_addition_nodes(replace(bt, additions=kept)))
    for dp in bt.dpars:
        nodes.extend(dp.fixed.variables())
        nodes.extend(dp.cs.variables() if dp.cs else ())
        nodes.extend(dp.fixed.offsets)
        nodes.extend(smooth_nodes(dp.fixed))
        nodes.extend(v for call in dp.fixed.gps for v in gp_nodes(call))
        for g in dp.groups:
            if group_kept(g, re_terms) and g.mm is not None:
                nodes.extend(mm_nodes(g))
            elif group_kept(g, re_terms):
                nodes.extend(t for term in g.coefs.terms for t in term.variables)
                nodes.extend(g.group_vars)
    return nodes + covariate_nodes(bt)


def _check_columns(nodes: list[Any], frame: pd.DataFrame, bt: BrmsTerms) -> None:
    have = [str(c) for c in frame.columns]
    response = set(variable_names(bt.response, have))
    for node in nodes:
        for name in variable_names(node, have):
            if name not in have:
                hint = " (log_lik and residuals need the response)" if name in response else ""
                raise NewDataError(
                    f"newdata lacks the variable '{name}', which the model uses{hint}; add a "
                    f"column '{name}'."
                )


def _check_na(values: Mapping[str, Value], n: int) -> None:
    for label, value in values.items():
        na = (
            (value.codes < 0)
            if isinstance(value, Factor)
            else np.isnan(value.values.reshape(n, -1)).any(axis=1)
        )
        if na.any():
            row = int(np.flatnonzero(na)[0])
            raise NewDataError(
                f"newdata has a missing value in '{label}' (row {row}); remove or fill the "
                "rows with missing values."
            )


def _refit_levels(values: dict[str, Value], design: Design) -> None:
    """Recode factors to the levels kept after brms dropped unused levels in fitting."""
    for label, value in list(values.items()):
        target = design.state.factor_levels.get(label)
        if isinstance(value, Factor) and target is not None and value.levels != target:
            codes = relevel(value.codes, value.levels, tuple(target), label)
            values[label] = Factor(codes, tuple(target), value.ordered, value.logical)


def _group_codes(
    term: GroupTerm, frame: pd.DataFrame, source: str, block: GroupBlock, allow_new_levels: bool
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Level index of every row (new levels past the fitted ones) and the new levels; for a
    multi-membership term ``(N, G)``, one column per membership."""
    fresh = Evaluator(frame, source)
    values = {deparse(v): fresh.value(v) for v in term.group_vars}
    _check_na(values, len(frame))
    parts = [term] if term.mm is None else [replace(term, group_vars=(m,)) for m in term.mm.members]
    factors = [_group_factor(t, values) for t in parts]
    labels = np.stack(
        [np.asarray(f.levels, dtype=object)[f.codes] for f in factors], axis=1
    ).ravel()
    position = {lv: i for i, lv in enumerate(block.levels)}
    known = np.array([lb in position for lb in labels], dtype=bool)
    new = tuple(sorted({str(lb) for lb in labels[~known]}))
    if new and not allow_new_levels:
        raise NewDataError(
            f"Level(s) {', '.join(repr(v) for v in new)} of grouping factor '{block.group}' "
            "cannot be found in the fitted model; set allow_new_levels=True to predict for "
            "new levels."
        )
    new_pos = {lv: block.n_levels + k for k, lv in enumerate(new)}
    J = np.array(
        [position[lb] if ok else new_pos[lb] for lb, ok in zip(labels, known, strict=True)],
        dtype=np.int64,
    )
    return (J if term.mm is None else J.reshape(len(frame), len(parts))), new


def encode_newdata(
    design: Design,
    data: Any,
    *,
    re_formula: Any = None,
    response: bool = False,
    allow_new_levels: bool = False,
) -> NewData:
    """Encode ``data`` as the fitted model's data.

    Parameters
    ----------
    design
        The fitted model's design (its ``state`` holds the learned transforms).
    data
        New data: a DataFrame (pandas, polars, pyarrow) or a dict of columns.
    re_formula
        Group-level terms to keep: None (all), NA / ``"~0"`` (none) or a formula.
    response
        Read the response and every addition term (for ``log_lik``); otherwise only the
        addition terms predictions need (``trials``, ``rate``, ``se``).
    allow_new_levels
        Allow levels of grouping factors that the fitting data lacks.

    Returns
    -------
    NewData
        Matrices with the fitted columns and the kept group-level blocks.

    Raises
    ------
    NewDataError
        A variable is missing, has missing values, or has a level the model lacks.
    ReFormulaError
        ``re_formula`` cannot be read or names terms the model lacks.
    """
    frame = as_frame(data)
    bt: BrmsTerms = design.state.terms
    re_terms = parse_re_formula(re_formula)
    check_re_terms(bt, re_terms)
    n = len(frame)
    if n == 0:
        raise NewDataError("newdata has no rows; give at least one row.")
    frame = with_reserved_intercept(frame, bt)
    nodes = _required(bt, re_terms, response)
    lags = arma_nodes(bt) if design.arma is not None else []  # ar(cov = TRUE): as cosy()
    _check_columns(nodes + lags, frame, bt)
    evaluator = Evaluator(frame, bt.source, design.state.eval_state)
    values: dict[str, Value] = {}
    group_vars = {deparse(v) for dp in bt.dpars for g in dp.groups for v in g.group_vars}
    for node in nodes:
        label = deparse(node)
        if label in values or (
            label in group_vars and isinstance(design.state.eval_state.get(label), LevelsState)
        ):
            continue
        if is_me(node):  # me(x, sdx): x and sdx (new data's noisy values, as brms)
            gr = me_group(node)
            for arg in (*me_arguments(node, bt.source), *(() if gr is None else (gr,))):
                values.setdefault(deparse(arg), evaluator.value(arg))
            values[label] = values[deparse(me_arguments(node, bt.source)[0])]
            continue
        inner = mi_variable(node) if is_mi(node) else node  # mi(x): new data's x
        values[label] = evaluator.value(mo_argument(inner, bt.source) if is_mo(inner) else inner)
    _refit_levels(values, design)
    _check_na(values, n)
    check_values(
        bt, values, frame.index, advice=newdata_advice, prefix="newdata's", error=NewDataError
    )
    X, offset, sp = {}, {}, {}
    xcs: np.ndarray | None = None
    for dp, fitted in zip(bt.dpars, design.fixed, strict=True):
        block = _fixed_block(
            dp.dpar,
            dp.fixed,
            values,
            n,
            _offset(dp.fixed.offsets, values, n),
            thresholds=fitted.thresholds,
            cmc=not is_main(dp) or bt.options.cmc,
            cs=dp.cs,
            fitted=fitted.sp,
            error=NewDataError,
        )
        Xs, Zs = encode_smooths(design, dp.dpar, values)
        if Xs:
            block = replace(
                block, X=np.hstack([block.X, *Xs]), columns=(*block.columns, *fitted.smooth)
            )
        if (block.columns, block.cs_columns) != (fitted.columns, fitted.cs_columns):
            raise NewDataError(
                f"newdata gives the population-level columns "
                f"{[*block.columns, *block.cs_columns]} instead of the fitted "
                f"{[*fitted.columns, *fitted.cs_columns]}; give the variables the types and "
                "levels they had in fitting."
            )
        check_matrix(
            block.X,
            block.columns,
            frame.index,
            what="newdata's population-level column",
            advice=newdata_advice("", ""),
            error=NewDataError,
        )
        # X, the smooths' penalized columns, then the mo() terms' expanded columns
        X[dp.dpar] = with_sp(replace(block, X=np.hstack([block.X, *Zs])) if Zs else block)
        xcs = block.Xcs if not dp.dpar else xcs
        if block.offset is not None:
            offset[dp.dpar] = block.offset
        if block.sp is not None:
            sp[dp.dpar] = block.sp
    groups = _encode_groups(design, bt, re_terms, values, frame, allow_new_levels=allow_new_levels)
    addition: dict[str, np.ndarray] = {}
    y = None
    if response:
        resp = _response(bt, values, family=design.state)
        addition = dict(resp.addition)
        y = resp.y
    else:
        for add in bt.additions:
            if add.name in PREDICT_ADDITIONS:
                key = {"rate": "denom"}.get(add.name, add.name)
                node = addition_args(add.name, add.call, bt.source)[0]
                addition[key] = _addition_array(node, values, n)
    gps = tuple(
        b
        for dp in bt.dpars
        for b in gp_blocks(
            dp.dpar,
            dp.fixed.gps,
            values,
            bt.source,
            states=tuple(g for g in design.gps if g.dpar == dp.dpar),
        )
    )
    arma = None if design.arma is None else arma_rows(bt, None, n, design.state.family, frame)
    C = covariates_matrix(bt, values, n) if bt.nonlinear is not None else None
    return NewData(
        n=n,
        X=X,
        offset=offset,
        groups=groups,
        addition=addition,
        y=y,
        gps=gps,
        Xcs=xcs,
        arma=arma,
        C=C,
        C_nlf=nlf_covariates(bt, values, n),
        sp=sp,
    )


def _encode_groups(
    design: Design,
    bt: BrmsTerms,
    re_terms: BrmsTerms | None,
    values: Mapping[str, Value],
    frame: pd.DataFrame,
    *,
    allow_new_levels: bool,
) -> tuple[EncodedGroup, ...]:
    """The kept columns of every fitted ID block, merged as :func:`build_design` merges them."""
    n = len(frame)
    parts: dict[int, dict[str, Any]] = {}
    by_id: dict[str, int] = {}
    next_id = 1
    for dp in bt.dpars:
        for term in dp.groups:
            if term.id is not None and term.id in by_id:
                gid = by_id[term.id]
            else:
                gid, next_id = next_id, next_id + 1
                if term.id is not None:
                    by_id[term.id] = gid
            entry = parts.setdefault(gid, {"start": 0, "cols": [], "Z": [], "term": term})
            if not group_kept(term, re_terms):
                continue
            icpt, labels = kept_effects(term, re_terms)
            z, _, assign, _ = group_matrix(
                term.coefs, mm_values(term, values) if term.mm else values, n
            )
            if term.cs:  # (cs(1) | g): each column once per threshold
                nthres = design.fixed[0].thresholds
                z, assign = cs_repeat(z, nthres), [a for a in assign for _ in range(nthres)]
            keep = [
                j
                for j, a in enumerate(assign)
                if (a == 0 and icpt) or (a > 0 and term.coefs.terms[a - 1].label in labels)
            ]
            entry["cols"].extend(entry["start"] + j for j in keep)
            if term.mm is not None:  # (N, G, kept) per membership, the weights multiplied in
                z = mm_columns(term, values, n, bt.source)[0]
                z = mm_weights(term, values, n)[:, :, None] * z[:, :, keep]
            entry["Z"].append(z[..., keep] if term.mm is None else z)
            entry["start"] += len(assign)
    out = []
    for gid, entry in sorted(parts.items()):
        if not entry["cols"]:
            continue
        block = design.groups[gid - 1]
        if entry["start"] != block.M:
            raise NewDataError(
                f"newdata gives {entry['start']} group-level column(s) for '{block.group}' "
                f"instead of the fitted {block.M}; give the variables the types and levels "
                "they had in fitting."
            )
        J, new = _group_codes(entry["term"], frame, bt.source, block, allow_new_levels)
        out.append(
            EncodedGroup(
                gid,
                block.group,
                tuple(entry["cols"]),
                J,
                np.concatenate(entry["Z"], axis=-1).astype(np.float64),
                new,
                _new_by_levels(entry["term"], frame, bt.source, block, (J, new)) if new else (),
            )
        )
    return tuple(out)


def _new_by_levels(
    term: GroupTerm,
    frame: pd.DataFrame,
    source: str,
    block: GroupBlock,
    codes: tuple[np.ndarray, tuple[str, ...]],
) -> tuple[int, ...]:
    """The 0-based ``by`` level of each new level of a ``gr(g, by = f)`` block in new data
    (rows with ``J >= n_levels``), empty for other blocks.

    brms draws a new level's effects from the fitted levels of its own ``by`` level; a new
    level must therefore lie in exactly one fitted level of ``f``.
    """
    (J, new), by = codes, term.by
    if by is None or not isinstance(block, ByGroupBlock) or J.ndim != 1:
        return ()
    label = deparse(by)
    f = by_factor(Evaluator(frame, source).value(by), label)
    names_ = np.asarray(["".join(lv.split()) for lv in f.levels], dtype=object)[f.codes]
    position = {lv: i for i, lv in enumerate(block.by_levels)}
    out = []
    for k, level in enumerate(new):
        found = {str(v) for v in names_[J == block.n_levels + k]}
        if len(found) != 1 or next(iter(found)) not in position:
            raise NewDataError(
                f"The new level '{level}' of '{block.group}' must lie in one level of '{label}' "
                f"that the model was fitted with ({', '.join(block.by_levels)}); in newdata it "
                f"has {', '.join(sorted(found))}."
            )
        out.append(position[found.pop()])
    return tuple(out)
