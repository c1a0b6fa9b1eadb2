"""R's coercions and operators on the values of evaluated variables, in NumPy.

The whitelisted functions of :mod:`.functions` and the :class:`~.variables.Evaluator` use these
with R's semantics: logicals count as 0/1 in arithmetic (:func:`as_number`); factors are not
numbers; a comparison gives a logical (:func:`logical`); ``&``, ``|`` and ``!`` follow R's
three-valued logic with NA; ``%in%`` matches by R's printed labels; ``a:b`` is a sequence.
:mod:`.functions` re-exports every public name here.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..syntax.ast import BinOp, Node, UnaryOp
from ..syntax.deparse import deparse
from ..warn import user_stacklevel
from .values import LOGICAL_LEVELS, Character, Factor, Integer, Numeric, RValue
from .values import _labelled as labelled

if TYPE_CHECKING:
    from .state import EvalContext

__all__ = [
    "as_double",
    "as_logical",
    "as_number",
    "binary",
    "character",
    "labels_in_order",
    "logical",
    "unary",
]


# ----------------------------------------------------------------------------------------------
# coercions


def as_number(value: RValue, node: Node, ev: EvalContext, what: str) -> Numeric:
    """``value`` as a number: logicals become 0/1; factors and strings raise FormulaTermError."""
    if isinstance(value, Numeric):
        return value
    if isinstance(value, Factor) and value.logical:
        return Integer(np.where(value.codes < 0, np.nan, value.codes.astype(np.float64)))
    kind = "a factor" if isinstance(value, Factor) else "a character variable"
    raise ev.error(
        f"{what} needs numbers, but '{deparse(node)}' is {kind}; use "
        f"as.numeric({deparse(node)}) for its codes or a numeric variable.",
        node,
    )


def character(codes: np.ndarray, labels: tuple[str, ...]) -> Character:
    """A character vector from codes into arbitrary labels (sorted, unused dropped)."""
    used = np.zeros(len(labels), dtype=bool)
    used[codes[codes >= 0]] = True
    present = sorted({lb for lb, u in zip(labels, used, strict=True) if u})
    position = {lb: i for i, lb in enumerate(present)}
    remap = np.array([position.get(lb, -1) for lb in labels] + [-1], dtype=np.int64)
    return Character(remap[codes], tuple(present))


def labels_in_order(value: RValue) -> tuple[str, ...]:
    """The elements of a (short) vector as R's ``as.character`` prints them, in order."""
    codes, levels = labelled(value)
    return tuple("NA" if c < 0 else levels[c] for c in codes)


def as_logical(value: RValue) -> Factor:
    """R's ``as.logical``: numbers are TRUE when not 0, strings ``TRUE``/``true``/``T``/..."""
    if isinstance(value, Factor) and value.logical:
        return value
    if isinstance(value, Numeric):
        x = value.values.reshape(len(value.values), -1)[:, 0]
        return logical(x != 0, np.isnan(x))
    truth = {"TRUE": 1, "true": 1, "T": 1, "True": 1, "FALSE": 0, "false": 0, "F": 0, "False": 0}
    table = np.array([truth.get(lv, -1) for lv in value.levels] + [-1], dtype=np.int64)
    return Factor(table[value.codes], LOGICAL_LEVELS, logical=True)


def logical(mask: np.ndarray, na: np.ndarray | None = None) -> Factor:
    """A logical factor from a boolean mask; ``na`` marks NA entries."""
    codes = mask.astype(np.int64)
    if na is not None:
        codes = np.where(na, -1, codes)
    return Factor(codes, LOGICAL_LEVELS, logical=True)


_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|Inf|inf|NaN)\s*$")


def _parse_numbers(value: Character, node: Node) -> np.ndarray:
    table = [float(lv) if _NUMBER.match(lv) else np.nan for lv in value.levels]
    bad = [lv for lv, t in zip(value.levels, table, strict=True) if np.isnan(t) and lv != "NA"]
    if bad:
        warnings.warn(
            f"NAs introduced by coercion: '{bad[0]}' of '{deparse(node)}' is not a number.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return np.append(np.array(table, dtype=np.float64), np.nan)[value.codes]


def as_double(value: RValue, node: Node, integer: bool = False) -> Numeric:
    """R's ``as.numeric`` (``integer``: ``as.integer``): factor codes count from 1."""
    if isinstance(value, Numeric):
        x = value.values.reshape(-1, order="F")  # a matrix becomes its columns, one by one
    elif isinstance(value, Factor):
        x = np.where(value.codes < 0, np.nan, value.codes + (0.0 if value.logical else 1.0))
    else:
        x = _parse_numbers(value, node)
    return Integer(np.trunc(x)) if integer else Numeric(np.asarray(x, dtype=np.float64))


# ----------------------------------------------------------------------------------------------
# operators


_ARITH: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
    "%%": np.mod,
    "%/%": np.floor_divide,
}
_INTEGER_OPS = {"+", "-", "*", "%%", "%/%"}
_COMPARE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    ">": np.greater,
    "<=": np.less_equal,
    ">=": np.greater_equal,
}


def _broadcast(node: Node, ev: EvalContext, *arrays: np.ndarray) -> list[np.ndarray]:
    lengths = {len(a) for a in arrays} - {1}
    if len(lengths) > 1:
        raise ev.error(
            f"The operands of '{deparse(node)}' have different lengths "
            f"({', '.join(map(str, sorted(lengths)))}).",
            node,
        )
    if any(a.ndim == 2 for a in arrays):
        return [a if a.ndim == 2 else a[:, None] for a in arrays]
    return list(arrays)


def _colnames(*values: RValue) -> tuple[str, ...] | None:
    for value in values:
        if isinstance(value, Numeric) and value.values.ndim == 2:
            return value.colnames
    return None


def binary(node: BinOp, left: RValue, right: RValue, ev: EvalContext) -> RValue:
    """Evaluate a binary operator of R code (inside a call) on evaluated operands."""
    op = node.op
    with np.errstate(all="ignore"):
        if op in _ARITH:
            a = as_number(left, node.left, ev, f"'{op}'")
            b = as_number(right, node.right, ev, f"'{op}'")
            x, y = _broadcast(node, ev, a.values, b.values)
            out = _ARITH[op](x, y)
            integer = isinstance(a, Integer) and isinstance(b, Integer) and op in _INTEGER_OPS
            return (Integer if integer else Numeric)(out, _colnames(a, b))
        if op in _COMPARE:
            return _compare(node, op, left, right, ev)
        if op in ("&", "|"):
            a_codes, b_codes = _broadcast(
                node,
                ev,
                as_logical(_no_factor(left, node.left, ev)).codes,
                as_logical(_no_factor(right, node.right, ev)).codes,
            )
            if op == "&":
                codes = np.where(
                    (a_codes == 0) | (b_codes == 0),
                    0,
                    np.where((a_codes < 0) | (b_codes < 0), -1, 1),
                )
            else:
                codes = np.where(
                    (a_codes == 1) | (b_codes == 1),
                    1,
                    np.where((a_codes < 0) | (b_codes < 0), -1, 0),
                )
            return Factor(codes, LOGICAL_LEVELS, logical=True)
        if op == "%in%":
            return _in(left, right)
        if op == ":":
            return _sequence(node, left, right, ev)
    raise ev.error(
        f"The operator '{op}' has no meaning inside a function call here; use "
        "arithmetic (+ - * / ^ %% %/%), comparisons, & | !, %in% or a:b.",
        node,
    )


def _no_factor(value: RValue, node: Node, ev: EvalContext) -> RValue:
    if isinstance(value, Character) or (isinstance(value, Factor) and not value.logical):
        as_number(value, node, ev, "A logical operator")
    return value


def _compare(node: Node, op: str, left: RValue, right: RValue, ev: EvalContext) -> Factor:
    numeric_like = [
        isinstance(v, Numeric) or (isinstance(v, Factor) and v.logical) for v in (left, right)
    ]
    if all(numeric_like):
        a = as_number(left, node, ev, op).values
        b = as_number(right, node, ev, op).values
        x, y = _broadcast(node, ev, a, b)
        out = _COMPARE[op](x, y)
        na = np.isnan(x) | np.isnan(y)
        if out.ndim == 2:
            out, na = out[:, 0], na[:, 0]
        return logical(out, na)
    ordered = next((v for v in (left, right) if isinstance(v, Factor) and v.ordered), None)
    if (
        op not in ("==", "!=")
        and ordered is None
        and any(isinstance(v, Factor) and not v.logical for v in (left, right))
    ):
        raise ev.error(
            f"'{op}' is not meaningful for an unordered factor in "
            f"'{deparse(node)}'; compare with == or != or use an ordered factor.",
            node,
        )
    keys = [_keys(v, ordered if op not in ("==", "!=") else None) for v in (left, right)]
    (a, a_na), (b, b_na) = keys
    a, b = _broadcast(node, ev, a, b)
    a_na, b_na = _broadcast(node, ev, a_na, b_na)
    return logical(np.asarray(_COMPARE[op](a, b), dtype=bool), a_na | b_na)


def _keys(value: RValue, ordered: Factor | None) -> tuple[np.ndarray, np.ndarray]:
    codes, levels = labelled(value)
    if ordered is not None:  # positions in the ordered levels; another label is NA (as R)
        rank = {lv: i for i, lv in enumerate(ordered.levels)}
        table = np.array([rank.get(lv, -1) for lv in levels] + [-1], dtype=np.float64)
        keys = table[codes]
        return keys, keys < 0
    table_s = np.array([*levels, ""], dtype=object)
    return table_s[codes], codes < 0


def _in(left: RValue, right: RValue) -> Factor:
    if isinstance(left, Numeric) and isinstance(right, Numeric):
        x, table = left.values.reshape(-1), right.values.reshape(-1)
        hit = np.isin(x, table) | (np.isnan(x) & np.isnan(table).any())
        return logical(hit)
    codes, levels = labelled(left)
    wanted = set(labels_in_order(right))
    table = np.array([lv in wanted for lv in levels] + ["NA" in wanted], dtype=bool)
    return logical(table[codes])


def _sequence(node: BinOp, left: RValue, right: RValue, ev: EvalContext) -> RValue:
    """R's ``from:to`` of two numbers (as in ``levels = 1:4``)."""
    ends = [
        as_number(v, n, ev, "':'").values.reshape(-1)
        for v, n in ((left, node.left), (right, node.right))
    ]
    if any(e.size != 1 or not np.isfinite(e).all() for e in ends):
        raise ev.error(f"'{deparse(node)}' needs one finite number on each side of ':'.", node)
    start, stop = float(ends[0][0]), float(ends[1][0])
    if abs(stop - start) > 1e6:
        raise ev.error(f"'{deparse(node)}' is too long a sequence for a formula.", node)
    step = 1.0 if stop >= start else -1.0
    out = start + step * np.arange(int(np.floor(abs(stop - start) + 1e-10)) + 1)
    return (Integer if start == int(start) else Numeric)(out)


def unary(node: UnaryOp, operand: RValue, ev: EvalContext) -> RValue:
    """Evaluate a prefix ``-``, ``+`` or ``!`` of R code."""
    if node.op == "!":
        value = as_logical(_no_factor(operand, node.operand, ev))
        flipped = np.where(value.codes < 0, -1, 1 - value.codes)
        return Factor(flipped, LOGICAL_LEVELS, logical=True)
    number = as_number(operand, node.operand, ev, f"Unary '{node.op}'")
    if node.op == "-":
        return type(number)(-number.values, number.colnames)
    if node.op == "+":
        return number
    raise ev.error(f"The operator '{node.op}' has no meaning inside a function call.", node)
