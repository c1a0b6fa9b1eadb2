"""The variables of a formula evaluated on data, as R's ``model.frame`` evaluates them.

A variable is a data column (``x`` or a backticked name) or a call of a whitelisted function
(``log(x)``, ``poly(x, 2)``, ``factor(n)``, ``I(x^2)``); see :mod:`.functions`. Its value is a
:class:`Numeric` (a vector or a matrix) or a :class:`Factor` (characters, factors and logicals).

Column typing follows R (r-formula-semantics.md 1.7): numbers are numeric; strings become a
factor with levels sorted by code point (R in the C locale); a pandas Categorical keeps its
category order (``ordered`` when the Categorical is); booleans are logicals, a factor with
levels ``FALSE``/``TRUE``. ``None``, NaN and ``pd.NA`` are R's NA: NaN or the code -1.

:class:`Evaluator` learns the state of its transforms on the fitting data (factor levels,
``poly``'s recurrence coefficients, ``scale``'s centre and scale) and, given that state, encodes
new data identically; a level that the fitting data lacks raises :class:`DesignError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from .ast import BinOp, Call, Formula, Name, Node, Number, Paren, String, UnaryOp, strip_parens
from .errors import DesignError, FormulaTermError, Span, UnknownVariableError
from .parse import deparse, format_r_number


@dataclass(frozen=True, eq=False)
class Numeric:
    """A numeric variable: an ``(N,)`` vector or an ``(N, k)`` matrix of float64 (NaN is NA).

    ``colnames`` names the columns of a matrix (``poly(x, 2)`` has ``("1", "2")``); a matrix
    without column names, such as ``scale(x)``, has None.
    """

    values: np.ndarray
    colnames: tuple[str, ...] | None = None


@dataclass(frozen=True, eq=False)
class Factor:
    """A factor: 0-based ``codes`` (int64, -1 is NA) into ``levels``.

    ``ordered`` marks an ordered factor (contr.poly), ``logical`` an R logical (levels
    ``FALSE``, ``TRUE``).
    """

    codes: np.ndarray
    levels: tuple[str, ...]
    ordered: bool = False
    logical: bool = False


Value: TypeAlias = Numeric | Factor


@dataclass(frozen=True, eq=False)
class Integer(Numeric):
    """An R integer vector (internal): prints without decimals in factor levels."""


@dataclass(frozen=True, eq=False)
class Character:
    """An R character vector (internal): codes into the sorted distinct strings."""

    codes: np.ndarray
    levels: tuple[str, ...]


RValue: TypeAlias = Numeric | Factor | Character

LOGICAL_LEVELS = ("FALSE", "TRUE")


@dataclass(frozen=True)
class NumericState:
    """A numeric variable (kept to check the type of the variable in new data)."""


@dataclass(frozen=True)
class LevelsState:
    """The levels of a factor variable or of a ``factor()``/``ordered()`` call."""

    levels: tuple[str, ...]
    ordered: bool = False
    logical: bool = False


@dataclass(frozen=True)
class PolyState:
    """``poly()``'s recurrence coefficients (R's ``attr(, "coefs")``)."""

    alpha: tuple[float, ...]
    norm2: tuple[float, ...]


@dataclass(frozen=True)
class ScaleState:
    """``scale()``'s centres and scales per column (None when not applied)."""

    center: tuple[float, ...] | None
    scale: tuple[float, ...] | None


TransformState: TypeAlias = NumericState | LevelsState | PolyState | ScaleState


class EvalState(Mapping[str, TransformState]):
    """A frozen mapping from a deparsed label (``factor(n)``, ``poly(x, 2)``) to its state.

    Grouping factors are stored under ``group_key(label)``.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, TransformState] | Iterable[tuple[str, TransformState]]
                 = ()) -> None:
        self._items = MappingProxyType(dict(items))

    def __getitem__(self, key: str) -> TransformState:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"EvalState({dict(self._items)!r})"

    def __reduce__(self) -> tuple[type[EvalState], tuple[dict[str, TransformState]]]:
        """Pickle as the plain dict of items (a fit saves its design state)."""
        return (EvalState, (dict(self._items),))


def group_key(label: str) -> str:
    """The state key of the grouping factor with the label ``label`` (``"| g1:g2"``)."""
    return f"| {label}"


def new_level_error(level: str, label: str, source: str | None = None,
                    span: Span | None = None) -> DesignError:
    """The error for a level of new data that the fitting data lacks."""
    return DesignError(
        f"Level '{level}' of '{label}' does not occur in the data the model was fitted to; "
        "drop the rows with new levels or refit the model on data that includes them.",
        source, span,
    )


def relevel(codes: np.ndarray, levels: tuple[str, ...], target: tuple[str, ...], label: str, *,
            source: str | None = None, span: Span | None = None) -> np.ndarray:
    """Recode ``codes`` (into ``levels``) as codes into ``target``; an observed new level raises."""
    if levels == target:
        return codes
    position = {lv: i for i, lv in enumerate(target)}
    remap = np.array([position.get(lv, -2) for lv in levels] + [-1], dtype=np.int64)
    out = remap[codes]  # code -1 picks the final -1
    if (out == -2).any():
        raise new_level_error(levels[int(codes[out == -2][0])], label, source, span)
    return out


def _counting_codes(whole: np.ndarray, lo: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of the int64 vector ``whole`` (all ``>= lo``), sorted, and each
    element's index into them, by counting (O(n + range))."""
    offset = whole - lo
    used = np.bincount(offset) > 0
    remap = np.cumsum(used) - 1
    return np.flatnonzero(used) + lo, remap[offset]


def _dense(n: int, lo: float, hi: float) -> bool:
    """Whether the range ``lo..hi`` of n whole numbers is narrow enough to count."""
    return -(2.0**53) <= lo and hi <= 2.0**53 and hi - lo <= 2 * n + 1024


def unique_inverse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(x, return_inverse=True)`` of a numeric vector, the inverse as 1-D int64 codes.

    Integers, and floats that are whole numbers, in a range not much wider than the vector
    (group ids, counts) are counted, O(n) instead of a sort; anything else (NaN, fractions, a
    wide range) takes ``np.unique``. Both give the same codes and the same distinct values (as
    float64 for float input) up to the sign of a zero (``-0.0`` and ``0.0`` are one value).
    """
    values = np.asarray(x).reshape(-1)
    n = len(values)
    if n and values.dtype.kind in "iu" and values.dtype.itemsize <= 8:
        lo, hi = int(values.min()), int(values.max())
        if _dense(n, lo, hi):
            uniq, codes = _counting_codes(values.astype(np.int64, copy=False), lo)
            return uniq.astype(values.dtype), codes
    elif n and values.dtype == np.float64:
        flo, fhi = float(values.min()), float(values.max())  # NaN if any value is NaN
        if _dense(n, flo, fhi):
            whole = values.astype(np.int64)
            if np.array_equal(whole, values):
                uniq, codes = _counting_codes(whole, int(flo))
                return uniq.astype(np.float64), codes
    uniq, inverse = np.unique(values, return_inverse=True)
    return uniq, inverse.reshape(-1).astype(np.int64, copy=False)


def _sorted_strings(values: np.ndarray | pd.Series) -> Character:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = [str(u) for u in uniques]
    order = sorted(range(len(labels)), key=labels.__getitem__)
    rank = np.empty(len(labels) + 1, dtype=np.int64)
    rank[order] = np.arange(len(labels))
    rank[-1] = -1
    return Character(rank[codes], tuple(labels[i] for i in order))


def _category_label(value: Any, integer: bool) -> str:
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | np.integer | np.floating):
        return str(int(value)) if integer else format_r_number(float(value))
    return str(value)


def _logical(series: pd.Series) -> Factor:
    codes = np.full(len(series), -1, dtype=np.int64)
    na = series.isna().to_numpy()
    codes[~na] = series[~na].astype(bool).to_numpy().astype(np.int64)
    return Factor(codes, LOGICAL_LEVELS, logical=True)


def column_value(name: str, raw: Any, drop_unused_levels: bool = False) -> RValue:
    """Type one data column as R does (numeric, integer, character, factor or logical).

    Parameters
    ----------
    name
        The column's name, for error messages.
    raw
        A pandas Series or anything one-dimensional that ``pd.Series`` accepts.
    drop_unused_levels
        Drop the categories of a Categorical that no row uses.
    """
    series = raw if isinstance(raw, pd.Series) else pd.Series(np.asarray(raw, dtype=object)
                                                               if isinstance(raw, list) else raw)
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        integer = pd.api.types.is_integer_dtype(cats.dtype)
        levels = tuple(_category_label(c, integer) for c in cats)
        codes = np.asarray(series.cat.codes, dtype=np.int64)
        factor = Factor(codes, levels, ordered=bool(dtype.ordered))
        return drop_unused(factor) if drop_unused_levels else factor
    if pd.api.types.is_bool_dtype(dtype):
        return _logical(series)
    if pd.api.types.is_integer_dtype(dtype):
        return Integer(series.to_numpy(dtype=np.float64, na_value=np.nan))
    if pd.api.types.is_float_dtype(dtype):
        return Numeric(series.to_numpy(dtype=np.float64, na_value=np.nan))
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind == "string":
            return _sorted_strings(series)
        if kind in ("boolean", "empty"):
            return _logical(series)
        if kind == "integer":
            return Integer(pd.to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan))
        if kind in ("floating", "mixed-integer-float", "decimal"):
            return Numeric(pd.to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan))
        raise DesignError(f"Column '{name}' mixes values of different types ({kind}); convert "
                          "it to numbers, strings or booleans.")
    raise DesignError(f"Column '{name}' has the type {dtype}, which formulas cannot use; convert "
                      "it to numbers, strings, booleans or a pandas Categorical.")


def drop_unused(factor: Factor) -> Factor:
    """The factor without the levels that no row uses (R's ``droplevels``)."""
    used = np.zeros(len(factor.levels), dtype=bool)
    used[factor.codes[factor.codes >= 0]] = True
    if used.all():
        return factor
    remap = np.append(np.cumsum(used) - 1, -1)
    levels = tuple(lv for lv, u in zip(factor.levels, used, strict=True) if u)
    return Factor(remap[factor.codes], levels, factor.ordered, factor.logical)


def _length(value: RValue) -> int:
    return len(value.values) if isinstance(value, Numeric) else len(value.codes)


def _closest(name: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(name, columns, n=1)
    if close:
        return f"the data has '{close[0]}'."
    shown = ", ".join(f"'{c}'" for c in columns[:6])
    more = f" and {len(columns) - 6} more" if len(columns) > 6 else ""
    return f"the data has the columns {shown}{more}." if columns else "the data has no columns."


_RESERVED = {"TRUE", "FALSE", "NA", "NaN", "Inf", "NULL", "NA_real_", "NA_integer_",
             "NA_character_"}
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


def variable_names(node: Node, columns: Iterable[str] = ()) -> tuple[str, ...]:
    """The data columns a variable's expression uses, in order of appearance (R's ``all.vars``).

    R's constants (``TRUE``, ``Inf``, ...) are left out, and so are ``pi``, ``T`` and ``F``
    unless ``columns`` holds them; names the data lacks are kept (evaluating them raises).
    """
    have = set(columns)
    out: dict[str, None] = {}

    def visit(n: Node) -> None:
        if isinstance(n, Name):
            reserved = not n.backticked and n.name in _RESERVED
            if not reserved and (n.name not in _DEFAULTS or n.name in have):
                out.setdefault(n.name)
        elif isinstance(n, Call):
            for arg in n.args:
                visit(arg.value)
        elif isinstance(n, BinOp):
            visit(n.left)
            visit(n.right)
        elif isinstance(n, UnaryOp | Paren):
            visit(n.operand if isinstance(n, UnaryOp) else n.expr)
        elif isinstance(n, Formula):
            if n.lhs is not None:
                visit(n.lhs)
            visit(n.rhs)

    visit(node)
    return tuple(out)


def _columns(data: pd.DataFrame | Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    if isinstance(data, pd.DataFrame):
        return {str(c): data.iloc[:, i] for i, c in enumerate(data.columns)}, len(data)
    if not isinstance(data, Mapping):
        raise TypeError(f"data must be a pandas DataFrame or a dict of columns, not "
                        f"{type(data).__name__}.")
    columns = {str(k): v for k, v in data.items()}
    lengths = {k: np.shape(v)[0] if np.ndim(v) >= 1 else -1 for k, v in columns.items()}
    n = next(iter(lengths.values()), 0)
    for k, length in lengths.items():
        if length != n:
            first = next(iter(lengths))
            raise DesignError(f"Column '{k}' has {max(length, 1)} values but '{first}' has {n}; "
                              "give every column one value per row.")
    return columns, n


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

    def __init__(self, data: pd.DataFrame | Mapping[str, Any], source: str,
                 state: EvalState | None = None, *, drop_unused_levels: bool = False) -> None:
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
            raw = self.evaluate(node)
            length = _length(raw)
            if length != self._n:
                what = ("is a constant, not a variable of the data; remove it from the formula"
                        if length == 1 else f"has {length} values but the data has {self._n} rows")
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
            raise DesignError(f"'{label}' is not part of the fitted model; use the formula of the "
                              "fitted model.", self.source, node.span)
        if not isinstance(prior, LevelsState):
            raise self._type_error(label, "numeric", "a factor", node)
        codes = relevel(factor.codes, factor.levels, prior.levels, label, source=self.source,
                        span=node.span)
        return Factor(codes, prior.levels, prior.ordered, prior.logical)

    def _type_error(self, label: str, was: str, now: str, node: Node) -> DesignError:
        return DesignError(f"'{label}' is {was} in the data the model was fitted to but {now} in "
                           f"the new data; give it the type it had in fitting.", self.source,
                           node.span)

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
        from . import functions

        if isinstance(node, Call):
            label = deparse(node)
            if label not in self._cache:
                self._cache[label] = functions.call(node, label, self)
            return self._cache[label]
        if isinstance(node, BinOp):
            return functions.binary(node, self.evaluate(node.left), self.evaluate(node.right),
                                    self)
        if isinstance(node, UnaryOp) and node.op != "~":
            return functions.unary(node, self.evaluate(node.operand), self)
        raise self.error(f"'{deparse(node)}' is a formula, not a variable; use it only at the "
                         "top level of the formula.", node)

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
            self.source, node.span,
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
            if _length(value) != self._n or (isinstance(value, Numeric)
                                             and value.values.ndim != 1):
                raise self.error(f"The grouping factor '{label}' needs one value per row.", part)
            values.append(value)
        factor = _single_group(values[0]) if len(values) == 1 else _pasted_group(values)
        if self._prior is None:
            self.learn(key, LevelsState(factor.levels))
            return factor
        prior = self.prior(key)
        if not isinstance(prior, LevelsState):
            raise DesignError(f"The grouping factor '{label}' is not part of the fitted model; use "
                              "the formula of the fitted model.", self.source, node.span)
        codes = relevel(factor.codes, factor.levels, prior.levels, label, source=self.source,
                        span=node.span)
        return Factor(codes, prior.levels)


def _interaction_parts(node: Node) -> list[Node]:
    node = strip_parens(node)
    if isinstance(node, BinOp) and node.op == ":":
        return _interaction_parts(node.left) + _interaction_parts(node.right)
    return [node]


def _labelled(value: RValue) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes and level labels of a value as R's ``as.character`` prints it."""
    if isinstance(value, Numeric):
        x = value.values
        finite = ~np.isnan(x)
        uniq, inverse = unique_inverse(x[finite])
        codes = np.full(len(x), -1, dtype=np.int64)
        codes[finite] = inverse
        integer = isinstance(value, Integer)
        return codes, tuple(str(int(u)) if integer else format_r_number(float(u)) for u in uniq)
    return value.codes, value.levels


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


def group_factor(expr: Node, data: pd.DataFrame | Mapping[str, Any], source: str = "",
                 levels: Iterable[str] | None = None) -> Factor:
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
    "Character", "EvalState", "Evaluator", "Factor", "Integer", "LevelsState", "Numeric",
    "NumericState", "PolyState", "RValue", "ScaleState", "TransformState", "Value",
    "column_value", "drop_unused", "format_r_number", "group_factor", "group_key",
    "new_level_error", "relevel", "unique_inverse", "variable_names",
]
