"""Design data from a formula and a data frame: R's model.matrix and brms's standata.

:func:`build_design` is a pure function of (formula, data): it reads the formula
(:mod:`.brmsterms`), evaluates every variable once (:mod:`.variables`), drops rows with a missing
value in any used variable (with brms's warning), drops unused factor levels as brms does, then
builds one population-level matrix per distributional parameter (:mod:`.matrix`) and the
group-level blocks in brms's ID order.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .ast import Name, Node, Number, String, strip_parens
from .brmsterms import BrmsFormula, BrmsTerms, GroupTerm, brms_terms
from .errors import DesignError, FormulaTermError
from .ir import Design, FixedBlock, GroupBlock, Response
from .matrix import brms_rename, build_matrix
from .parse import deparse
from .terms import TermList, expand
from .variables import Evaluator, Factor, Numeric, Value, format_r_number


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
    """

    terms: BrmsTerms
    eval_state: Any
    factor_levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    group_levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def as_frame(data: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame:
    """Accept a DataFrame or a dict of columns."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame(dict(data))
        except ValueError as err:
            raise DesignError(f"The data columns cannot form a table: {err}.") from None
    raise TypeError(f"data must be a pandas DataFrame or a dict of columns, not "
                    f"{type(data).__name__}.")


def _na_mask(value: Value) -> np.ndarray:
    if isinstance(value, Factor):
        return value.codes < 0
    values = value.values
    if values.ndim == 2:
        return np.isnan(values).any(axis=1)
    return np.isnan(values)


def _subset(value: Value, rows: np.ndarray, drop_levels: bool) -> Value:
    if isinstance(value, Numeric):
        return Numeric(value.values[rows], value.colnames)
    codes = value.codes[rows]
    levels = value.levels
    if drop_levels:
        used = np.zeros(len(levels), dtype=bool)
        used[codes[codes >= 0]] = True
        if not used.all():
            remap = np.cumsum(used) - 1
            codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
            levels = tuple(lv for lv, u in zip(levels, used, strict=True) if u)
    return Factor(codes.astype(np.int64), levels, value.ordered, value.logical)


def _addition_nodes(bt: BrmsTerms) -> list[Node]:
    nodes = []
    for add in bt.additions:
        for arg in add.call.args:
            if not isinstance(strip_parens(arg.value), Number | String):
                nodes.append(arg.value)
    return nodes


def _group_nodes(group: GroupTerm) -> list[Node]:
    return list(group.coefs.variables()) + list(group.group_vars)


class _Values:
    """Evaluated variables of one data set, keyed by label."""

    def __init__(self, data: pd.DataFrame, bt: BrmsTerms, state: Any = None):
        self.data = data
        self.evaluator = Evaluator(data, bt.source, state)
        self.values: dict[str, Value] = {}

    def add(self, node: Node) -> None:
        label = deparse(node)
        if label not in self.values:
            self.values[label] = self.evaluator.value(node)


def _group_factor(group: GroupTerm, values: Mapping[str, Value]) -> Factor:
    parts = [values[deparse(v)] for v in group.group_vars]
    if len(parts) == 1 and isinstance(parts[0], Factor):
        return parts[0]
    labels = []
    for part in parts:
        if isinstance(part, Factor):
            labels.append(np.array(part.levels, dtype=object)[np.maximum(part.codes, 0)])
        else:
            if part.values.ndim != 1:
                raise DesignError(f"The grouping factor '{group.group}' must be one column.")
            labels.append(np.array([format_r_number(x) for x in part.values], dtype=object))
    if len(parts) == 1:
        numeric = parts[0]
        if not isinstance(numeric, Numeric):  # pragma: no cover - factors returned above
            raise DesignError(f"The grouping factor '{group.group}' cannot be read.")
        order = np.unique(numeric.values)
        levels = tuple(format_r_number(x) for x in order)
        codes = np.searchsorted(order, numeric.values)
        return Factor(codes.astype(np.int64), levels)
    pasted = labels[0]
    for lab in labels[1:]:
        pasted = pasted + "_" + lab
    uniq, codes = np.unique(pasted.astype(str), return_inverse=True)
    return Factor(codes.astype(np.int64), tuple(str(u) for u in uniq))


def _fixed_block(dpar: str, terms: TermList, values: Mapping[str, Value], n: int,
                 offsets: np.ndarray | None) -> FixedBlock:
    matrix, names, _ = build_matrix(terms, values, n)
    columns = tuple(brms_rename(c) for c in names)
    return FixedBlock(dpar=dpar, columns=columns, X=matrix, intercept=terms.intercept,
                      offset=offsets)


def _group_blocks(bt: BrmsTerms, values: Mapping[str, Value], n: int) -> tuple[GroupBlock, ...]:
    blocks: list[dict[str, Any]] = []
    by_id: dict[str, int] = {}
    for dp in bt.dpars:
        for group in dp.groups:
            z, names, _ = build_matrix(group.coefs, values, n)
            factor = _group_factor(group, values)
            coefs = [brms_rename(c) for c in names]
            if group.id is not None and group.id in by_id:
                block = blocks[by_id[group.id]]
                if block["group"] != group.group:
                    raise FormulaTermError(
                        f"Group-level terms sharing the id '{group.id}' must use the same "
                        f"grouping factor, not both '{block['group']}' and '{group.group}'.",
                        bt.source, group.span,
                    )
                block["Z"].append(z)
                block["coefs"].extend(coefs)
                block["dpars"].extend([dp.dpar] * len(coefs))
                block["cor"] = block["cor"] and group.cor
                continue
            if group.id is not None:
                by_id[group.id] = len(blocks)
            blocks.append({
                "group": group.group, "factor": factor, "Z": [z], "coefs": list(coefs),
                "dpars": [dp.dpar] * len(coefs), "cor": group.cor,
            })
    out = []
    for k, block in enumerate(blocks, 1):
        factor = block["factor"]
        out.append(GroupBlock(
            id=k, group=block["group"], levels=factor.levels, coefs=tuple(block["coefs"]),
            dpars=tuple(block["dpars"]), cor=bool(block["cor"]),
            J=factor.codes.astype(np.int32), Z=np.hstack(block["Z"]).astype(np.float64),
        ))
    return tuple(out)


def _is_character_column(node: Node, data: pd.DataFrame) -> bool:
    node = strip_parens(node)
    if not isinstance(node, Name) or node.name not in data.columns:
        return False
    dtype = data[node.name].dtype
    return not isinstance(dtype, pd.CategoricalDtype) and not pd.api.types.is_bool_dtype(dtype)


def _evaluate(bt: BrmsTerms, data: pd.DataFrame, drop_levels: bool,
              state: Any = None, warn: bool = True) -> tuple[dict[str, Value], np.ndarray, Any]:
    vals = _Values(data, bt, state)
    vals.add(bt.response)
    for node in _addition_nodes(bt):
        vals.add(node)
    for dp in bt.dpars:
        for node in dp.fixed.variables():
            vals.add(node)
        for node in dp.fixed.offsets:
            vals.add(node)
        for group in dp.groups:
            for node in _group_nodes(group):
                vals.add(node)
    n = len(data)
    mask = np.zeros(n, dtype=bool)
    for value in vals.values.values():
        mask |= _na_mask(value)
    rows = np.flatnonzero(~mask)
    if mask.any() and warn:
        warnings.warn(NA_WARNING, DataWarning, stacklevel=3)
    char_labels = {label for label, node in _label_nodes(bt).items()
                   if _is_character_column(node, data)}
    values = {
        label: _subset(value, rows, drop_levels or label in char_labels)
        for label, value in vals.values.items()
    }
    return values, rows, vals.evaluator.state


def _label_nodes(bt: BrmsTerms) -> dict[str, Node]:
    out: dict[str, Node] = {deparse(bt.response): bt.response}
    for dp in bt.dpars:
        for node in dp.fixed.variables():
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


def _response(bt: BrmsTerms, values: Mapping[str, Value]) -> Response:
    value = values[deparse(bt.response)]
    if isinstance(value, Factor):
        y = value.codes.astype(np.float64) + 1.0
        levels: tuple[str, ...] | None = value.levels
    else:
        if value.values.ndim != 1:
            raise DesignError(f"The response '{deparse(bt.response)}' must be one column.")
        y, levels = value.values.astype(np.float64), None
    addition: dict[str, np.ndarray] = {}
    for add in bt.additions:
        args = add.call.args
        if add.name in {"weights", "trials", "se", "rate"}:
            if not args:
                raise FormulaTermError(f"{add.name}() needs a variable or number.", bt.source,
                                       add.call.span)
            key = {"rate": "denom"}.get(add.name, add.name)
            addition[key] = _addition_array(args[0].value, values, len(y))
    return Response(name=deparse(bt.response), y=y, levels=levels, addition=addition)


def _addition_array(node: Node, values: Mapping[str, Value], n: int) -> np.ndarray:
    inner = strip_parens(node)
    if isinstance(inner, Number):
        return np.full(n, inner.value)
    value = values[deparse(node)]
    if not isinstance(value, Numeric):
        raise DesignError(f"The addition variable '{deparse(node)}' must be numeric.")
    return value.values.astype(np.float64)


def build_design(
    formula: str | BrmsFormula, data: pd.DataFrame | Mapping[str, Any]
) -> Design:
    """Build brms's design data for ``formula`` on ``data``.

    Parameters
    ----------
    formula
        A brms formula string, ``bf(...)`` string or :class:`BrmsFormula`.
    data
        A pandas DataFrame or a dict of columns.

    Returns
    -------
    Design
        Response, population-level blocks (mu first), group-level blocks and the state
        for new data.
    """
    frame = as_frame(data)
    bt = brms_terms(formula, columns=list(map(str, frame.columns)))
    values, rows, eval_state = _evaluate(bt, frame, drop_levels=True)
    n = len(rows)
    if n == 0:
        raise DesignError("No rows are left after excluding rows with missing values.")
    fixed = tuple(
        _fixed_block(dp.dpar, dp.fixed, values, n, _offset(dp.fixed.offsets, values, n))
        for dp in bt.dpars
    )
    groups = _group_blocks(bt, values, n)
    state = DesignState(
        terms=bt,
        eval_state=eval_state,
        factor_levels={k: v.levels for k, v in values.items() if isinstance(v, Factor)},
        group_levels={g.group: g.levels for g in groups},
    )
    return Design(
        response=_response(bt, values), fixed=fixed, groups=groups, rows=rows,
        fixed_dpars=dict(bt.fixed_dpars), state=state,
    )


def model_matrix(formula: str, data: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame:
    """R's ``model.matrix(formula, data)`` with R's column names.

    Rows with a missing value in any variable of the formula are dropped (``na.omit``); the
    index of the result keeps the data's row labels of the rows used. Group-level terms are
    ignored (as ``lme4::nobars``). Factor columns keep their unused levels as R does; character
    columns become factors with levels sorted by code point.
    """
    frame = as_frame(data)
    bt = brms_terms(formula, columns=list(map(str, frame.columns)))
    values, rows, _ = _evaluate(bt, frame, drop_levels=False, warn=False)
    matrix, names, _ = build_matrix(bt.dpars[0].fixed, values, len(rows))
    return pd.DataFrame(matrix, columns=names, index=frame.index[rows])


__all__ = ["DataWarning", "DesignState", "as_frame", "build_design", "expand", "model_matrix"]
