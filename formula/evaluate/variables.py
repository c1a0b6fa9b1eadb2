"""The variables of a formula evaluated on data, as R's ``model.frame`` evaluates them.

A variable is a data column (``x`` or a backticked name) or a call of a whitelisted function
(``log(x)``, ``poly(x, 2)``, ``factor(n)``, ``I(x^2)``); see :mod:`.functions`. Its value is a
:class:`Numeric` (a vector or a matrix) or a :class:`Factor` (characters, factors and logicals).

The value types and the typing of data columns as R types them live in :mod:`.values`, the
transform states in :mod:`.state`; both are re-exported here.

:class:`Evaluator` learns the state of its transforms on the fitting data (factor levels,
``poly``'s recurrence coefficients, ``scale``'s centre and scale) and, given that state, encodes
new data identically; a level that the fitting data lacks raises :class:`DesignError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DesignError, FormulaTermError, UnknownVariableError
from ..syntax.ast import (
    BinOp,
    Call,
    Formula,
    Name,
    Node,
    Number,
    Paren,
    String,
    UnaryOp,
    strip_parens,
)
from ..syntax.parse import deparse, format_r_number
from . import functions
from .state import (
    EvalState,
    LevelsState,
    NumericState,
    PolyState,
    ScaleState,
    TransformState,
    group_key,
)
from .values import (
    LOGICAL_LEVELS,
    Character,
    Factor,
    Integer,
    Numeric,
    RValue,
    Value,
    _columns,
    _labelled,
    column_value,
    drop_unused,
    new_level_error,
    relevel,
    unique_inverse,
)


def _length(value: RValue) -> int:
    return len(value.values) if isinstance(value, Numeric) else len(value.codes)


def _closest(name: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(name, columns, n=1)
    if close:
        return f"the data has '{close[0]}'."
    shown = ", ".join(f"'{c}'" for c in columns[:6])
    more = f" and {len(columns) - 6} more" if len(columns) > 6 else ""
    return f"the data has the columns {shown}{more}." if columns else "the data has no columns."


_RESERVED = {
    "TRUE",
    "FALSE",
    "NA",
    "NaN",
    "Inf",
    "NULL",
    "NA_real_",
    "NA_integer_",
    "NA_character_",
}
_DEFAULTS = {"pi", "T", "F"}


def _constant(name: str) -> RValue | None:
    if name in ("TRUE", "T"):
        return Factor(np.array([1]), LOGICAL_LEVELS, logical=True)
    if name in ("FALSE", "F"):
        return Factor(np.array([0]), LOGICAL_LEVELS, logical=True)
    if name == "NA":
        return Factor(np.array([-1]), LOGICAL_LEVELS, logical=True)
    if name == "NA_character_":
        return Character(np.array([-1]), ())
    if name == "NA_integer_":
        return Integer(np.array([np.nan]))
    value = {"NaN": np.nan, "NA_real_": np.nan, "Inf": np.inf, "pi": np.pi}.get(name)
    return None if value is None else Numeric(np.array([value]))


def _short(label: str, width: int = 60) -> str:
    """``label`` cut to ``width`` characters for a message."""
    return label if len(label) <= width else label[: width - 3] + "..."


def variable_names(node: Node, columns: Iterable[str] = ()) -> tuple[str, ...]:
    """The data columns a variable's expression uses, in order of appearance (R's ``all.vars``).

    R's constants (``TRUE``, ``Inf``, ...) are left out, and so are ``pi``, ``T`` and ``F``
    unless ``columns`` holds them; names the data lacks are kept (evaluating them raises).
    """
    have = set(columns)
    out: dict[str, None] = {}

    stack = [node]  # an explicit stack: a long chain of operators is no deeper than one
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            reserved = not n.backticked and n.name in _RESERVED
            if not reserved and (n.name not in _DEFAULTS or n.name in have):
                out.setdefault(n.name)
        elif isinstance(n, Call):
            stack.extend(arg.value for arg in reversed(n.args))
        elif isinstance(n, BinOp):
            stack.extend([n.right, n.left])
        elif isinstance(n, UnaryOp | Paren):
            stack.append(n.operand if isinstance(n, UnaryOp) else n.expr)
        elif isinstance(n, Formula):
            stack.append(n.rhs)
            if n.lhs is not None:
                stack.append(n.lhs)
    return tuple(out)


class Evaluator:
    """Evaluate the variables of a formula on one data set.

    Parameters
    ----------
    data
        A pandas DataFrame or a mapping from column name to a one-dimensional array.
    source
        The formula text; node spans point into it for caret errors.
    state
        The :attr:`state` of an evaluator on the fitting data. With it, new data is encoded
        exactly as the fitting data (same levels, ``poly`` and ``scale`` coefficients);
        without it, the state is learned from ``data``.
    drop_unused_levels
        Drop the categories of Categorical columns that no row uses (brms's
        ``drop_unused_levels``); by default they are kept as R's ``model.frame`` keeps them.
    """

    def __init__(
        self,
        data: pd.DataFrame | Mapping[str, Any],
        source: str,
        state: EvalState | None = None,
        *,
        drop_unused_levels: bool = False,
    ) -> None:
        self._data, self._n = _columns(data)
        self.source = source or None
        self._prior = state
        self._drop = drop_unused_levels
        self._learned: dict[str, TransformState] = {}
        self._cache: dict[str, RValue] = {}
        self._column_cache: dict[str, RValue] = {}
        self._values: dict[str, Value] = {}

    @property
    def n(self) -> int:
        """The number of rows of the data."""
        return self._n

    @property
    def encoding(self) -> bool:
        """Whether new data is encoded with the state of fitting data."""
        return self._prior is not None

    @property
    def state(self) -> EvalState:
        """The transform state: learned from the data, or the one given for new data."""
        return self._prior if self._prior is not None else EvalState(self._learned)

    def prior(self, key: str) -> TransformState | None:
        """The fitted state stored under ``key`` when encoding new data, else None."""
        return None if self._prior is None else self._prior.get(key)

    def learn(self, key: str, state: TransformState) -> None:
        """Record the state of a transform fitted on this data (ignored when encoding)."""
        if self._prior is None:
            self._learned[key] = state

    def error(self, message: str, node: Node) -> FormulaTermError:
        """A :class:`FormulaTermError` with a caret under ``node``."""
        return FormulaTermError(message, self.source, node.span)

    def value(self, node: Node) -> Value:
        """The value of the variable ``node`` (a column name or a call), one entry per row.

        Raises
        ------
        UnknownVariableError
            The data lacks a variable.
        FormulaTermError
            A function is unknown or called with wrong arguments, or the variable is a constant.
        DesignError
            New data does not fit the fitted state (a new level, another type).
        """
        label = deparse(node)
        if label not in self._values:
            try:
                raw = self.evaluate(node)
            except RecursionError:
                # R stops too (options(expressions = 5000)); brackets are already limited by
                # the parser, so only long operator chains inside a call get here.
                raise self.error(
                    f"'{_short(label)}' nests its operators too deeply to evaluate; split it "
                    "into simpler terms.",
                    node,
                ) from None
            length = _length(raw)
            if length != self._n:
                what = (
                    "is a constant, not a variable of the data; remove it from the formula"
                    if length == 1
                    else f"has {length} values but the data has {self._n} rows"
                )
                raise self.error(f"'{label}' {what}.", node)
            self._values[label] = self._output(label, raw, node)
        return self._values[label]

    def _output(self, label: str, raw: RValue, node: Node) -> Value:
        prior = self.prior(label)
        if isinstance(raw, Numeric):
            if isinstance(prior, LevelsState):
                raise self._type_error(label, "a factor", "numeric", node)
            if label not in self._learned:
                self.learn(label, NumericState())
            return Numeric(np.asarray(raw.values, dtype=np.float64), raw.colnames)
        factor = raw if isinstance(raw, Factor) else Factor(raw.codes, raw.levels)
        if self._prior is None:
            self.learn(label, LevelsState(factor.levels, factor.ordered, factor.logical))
            return factor
        if prior is None:
            raise DesignError(
                f"'{label}' is not part of the fitted model; use the formula of the fitted model.",
                self.source,
                node.span,
            )
        if not isinstance(prior, LevelsState):
            raise self._type_error(label, "numeric", "a factor", node)
        codes = relevel(
            factor.codes, factor.levels, prior.levels, label, source=self.source, span=node.span
        )
        return Factor(codes, prior.levels, prior.ordered, prior.logical)

    def _type_error(self, label: str, was: str, now: str, node: Node) -> DesignError:
        return DesignError(
            f"'{label}' is {was} in the data the model was fitted to but {now} in "
            f"the new data; give it the type it had in fitting.",
            self.source,
            node.span,
        )

    def evaluate(self, node: Node) -> RValue:
        """Evaluate any expression as R code (internal values: may have length 1)."""
        if isinstance(node, Paren):
            return self.evaluate(node.expr)
        if isinstance(node, Number):
            cls = Integer if node.text.endswith("L") else Numeric
            return cls(np.array([node.value], dtype=np.float64))
        if isinstance(node, String):
            return Character(np.array([0]), (node.value,))
        if isinstance(node, Name):
            return self._name(node)
        if isinstance(node, Call):
            label = deparse(node)
            if label not in self._cache:
                self._cache[label] = functions.call(node, label, self)
            return self._cache[label]
        if isinstance(node, BinOp):
            return functions.binary(node, self.evaluate(node.left), self.evaluate(node.right), self)
        if isinstance(node, UnaryOp) and node.op != "~":
            return functions.unary(node, self.evaluate(node.operand), self)
        raise self.error(
            f"'{deparse(node)}' is a formula, not a variable; use it only at the "
            "top level of the formula.",
            node,
        )

    def _name(self, node: Name) -> RValue:
        name = node.name
        if not node.backticked and name in _RESERVED:
            constant = _constant(name)
            if constant is None:
                raise self.error(f"'{name}' has no value in a formula; remove it.", node)
            return constant
        if name in self._data:
            if name not in self._column_cache:
                self._column_cache[name] = column_value(name, self._data[name], self._drop)
            return self._column_cache[name]
        constant = _constant(name) if name in _DEFAULTS else None
        if constant is not None:
            return constant
        raise UnknownVariableError(
            f"Unknown variable '{name}' in the formula; {_closest(name, list(self._data))}",
            self.source,
            node.span,
        )

    def group(self, node: Node) -> Factor:
        """The grouping factor of a group-level term: ``g`` or ``g1:g2`` (brms's levels).

        A single variable becomes ``factor(g)``: numbers sorted numerically, strings by code
        point, factor levels in their order, unused levels dropped. An interaction pastes the
        values with ``_`` (as ``brms:::combine_groups``) and sorts the observed combinations as
        strings. The levels are stored under :func:`group_key`.
        """
        label = deparse(node)
        key = group_key(label)
        parts = _interaction_parts(node)
        values = []
        for part in parts:
            value = self.evaluate(part)
            if _length(value) != self._n or (isinstance(value, Numeric) and value.values.ndim != 1):
                raise self.error(f"The grouping factor '{label}' needs one value per row.", part)
            values.append(value)
        factor = _single_group(values[0]) if len(values) == 1 else _pasted_group(values)
        if self._prior is None:
            self.learn(key, LevelsState(factor.levels))
            return factor
        prior = self.prior(key)
        if not isinstance(prior, LevelsState):
            raise DesignError(
                f"The grouping factor '{label}' is not part of the fitted model; use "
                "the formula of the fitted model.",
                self.source,
                node.span,
            )
        codes = relevel(
            factor.codes, factor.levels, prior.levels, label, source=self.source, span=node.span
        )
        return Factor(codes, prior.levels)


def _interaction_parts(node: Node) -> list[Node]:
    node = strip_parens(node)
    if isinstance(node, BinOp) and node.op == ":":
        return _interaction_parts(node.left) + _interaction_parts(node.right)
    return [node]


def _single_group(value: RValue) -> Factor:
    if isinstance(value, Factor):
        return drop_unused(Factor(value.codes, value.levels, value.ordered))
    codes, levels = _labelled(value)
    return Factor(codes, levels)


def _pasted_group(values: list[RValue]) -> Factor:
    parts = [_labelled(v) for v in values]
    n = len(parts[0][0])
    key = np.zeros(n, dtype=np.int64)
    valid = np.ones(n, dtype=bool)
    for codes, levels in parts:
        key = key * max(len(levels), 1) + np.maximum(codes, 0)
        valid &= codes >= 0
    combos, inverse = unique_inverse(key[valid])
    labels = []
    for combo in combos:
        pieces = []
        rest = int(combo)
        for _, levels in reversed(parts):
            rest, digit = divmod(rest, max(len(levels), 1))
            pieces.append(levels[digit])
        labels.append("_".join(reversed(pieces)))
    levels = tuple(sorted(set(labels)))
    position = {lv: i for i, lv in enumerate(levels)}
    combo_code = np.array([position[lb] for lb in labels], dtype=np.int64)
    codes = np.full(n, -1, dtype=np.int64)
    codes[valid] = combo_code[inverse]
    return Factor(codes, levels)


def group_factor(
    expr: Node,
    data: pd.DataFrame | Mapping[str, Any],
    source: str = "",
    levels: Iterable[str] | None = None,
) -> Factor:
    """The brms grouping factor of ``expr`` (``g`` or ``g1:g2``) on ``data``.

    Parameters
    ----------
    expr
        The grouping expression.
    data
        The data.
    source
        The formula text, for caret errors.
    levels
        The levels learned on the fitting data (the ``levels`` of the factor this function
        returned there); a level of ``data`` outside them raises :class:`DesignError`.
    """
    state = None
    if levels is not None:
        state = EvalState({group_key(deparse(expr)): LevelsState(tuple(levels))})
    return Evaluator(data, source, state).group(expr)


__all__ = [
    "Character",
    "EvalState",
    "Evaluator",
    "Factor",
    "Integer",
    "LevelsState",
    "Numeric",
    "NumericState",
    "PolyState",
    "RValue",
    "ScaleState",
    "TransformState",
    "Value",
    "column_value",
    "drop_unused",
    "format_r_number",
    "group_factor",
    "group_key",
    "new_level_error",
    "relevel",
    "unique_inverse",
    "variable_names",
]
