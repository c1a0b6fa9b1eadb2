"""Prior arguments written as expressions: ``normal(log(9), 0.5)``, ``exponential(1.0 / 10)``.

brms writes a prior's string verbatim into the Stan program (``normal_lpdf(b | log(9), 0.5)``),
so an argument is a constant Stan expression and means what Stan computes for it. This module
evaluates the parsed argument (``grammar.lark``) once, at translation time, with Stan's types:

- a literal without ``.`` or an exponent is an ``int`` (``10``), any other is ``real`` (``10.``,
  ``1e3``); ``+``, ``-``, ``*`` and unary signs of ints are ints;
- ``int / int`` is integer division, truncated toward zero: ``1/10`` is ``0`` (stanc says "Info:
  integer division implicitly rounds to integer"), so brms's ``exponential(1/10)`` is
  ``exponential(0)``; :class:`Value` remembers the truncation, for the error that follows;
- ``^`` and every function return reals (Stan's ``int ^ int`` is real), except ``abs`` of an int.

The value is computed in Python on the tree; no user text is ever evaluated as code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from lark import Token, Tree

from brmsjax.formula.errors import PriorError, Span, caret_lines

__all__ = ["FUNCTIONS", "Value", "evaluate", "is_plain_number"]


@dataclass(frozen=True)
class Value:
    """A constant's value, whether Stan types it ``int``, and a truncating division in it.

    Attributes
    ----------
    value
        The number (a float, also for ints).
    is_int
        Whether Stan's type of the expression is ``int``.
    truncated
        The text of an integer division in the expression that dropped a remainder
        (``"1/10"``), else ``""``.
    """

    value: float
    is_int: bool
    truncated: str = ""


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _inv_logit(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


# Stan's math functions of constants that a prior argument may call, by arity.
FUNCTIONS: dict[str, tuple[int, Callable[..., float]]] = {
    "log": (1, math.log),
    "log2": (1, math.log2),
    "log10": (1, math.log10),
    "log1p": (1, math.log1p),
    "exp": (1, math.exp),
    "exp2": (1, lambda x: 2.0**x),
    "expm1": (1, math.expm1),
    "sqrt": (1, math.sqrt),
    "cbrt": (1, lambda x: math.copysign(abs(x) ** (1 / 3), x)),
    "square": (1, lambda x: x * x),
    "inv": (1, lambda x: 1 / x),
    "inv_sqrt": (1, lambda x: 1 / math.sqrt(x)),
    "inv_square": (1, lambda x: 1 / (x * x)),
    "fabs": (1, abs),
    "abs": (1, abs),
    "logit": (1, _logit),
    "inv_logit": (1, _inv_logit),
    "lgamma": (1, math.lgamma),
    "tgamma": (1, math.gamma),
    "pow": (2, lambda x, y: x**y),
    "fmin": (2, min),
    "fmax": (2, max),
    "pi": (0, lambda: math.pi),
    "e": (0, lambda: math.e),
    "sqrt2": (0, lambda: math.sqrt(2)),
    "positive_infinity": (0, lambda: math.inf),
    "negative_infinity": (0, lambda: -math.inf),
}


def is_plain_number(node: Tree | Token) -> bool:
    """Whether an argument is a literal, possibly signed (``-2``), not an expression."""
    while isinstance(node, Tree) and node.data in {"neg", "pos"}:
        node = node.children[0]
    return isinstance(node, Tree) and node.data == "number"


def not_constant(name: str, text: str) -> str:
    """The message for a name where a prior needs a constant (``normal(0, pi)``)."""
    return (
        f"'{name}' in the prior '{text}' is not a constant; a prior argument is a number or "
        "an expression of numbers such as log(9) or pi() (brms hands it to Stan, which "
        "knows no R variables)."
    )


def evaluate(node: Tree, text: str) -> Value:
    """The value of a parsed prior argument, with Stan's types.

    Raises
    ------
    PriorError
        For an unknown function, a wrong number of function arguments, an integer division by
        zero, or a function outside its domain (``log(-1)``); the caret marks the culprit.
    """
    kind = node.data
    if kind == "word":  # a bare name: R variables do not exist in Stan
        raise _error(not_constant(str(node.children[0]), text), node, text)
    if kind == "number":
        token = node.children[0]
        literal = str(token)
        is_int = not any(c in literal for c in ".eE")
        return Value(float(literal), is_int)
    if kind in {"neg", "pos"}:
        inner = evaluate(_tree(node.children[0]), text)
        sign = -1.0 if kind == "neg" else 1.0
        return Value(sign * inner.value, inner.is_int, inner.truncated)
    if kind == "func":
        return _call(node, text)
    left, right = (evaluate(_tree(c), text) for c in node.children)
    truncated = left.truncated or right.truncated
    both_int = left.is_int and right.is_int
    if kind == "add":
        return Value(left.value + right.value, both_int, truncated)
    if kind == "sub":
        return Value(left.value - right.value, both_int, truncated)
    if kind == "mul":
        return Value(left.value * right.value, both_int, truncated)
    if kind == "pow":
        return Value(_apply(lambda x, y: x**y, (left.value, right.value), node, text), False)
    # div
    if both_int:
        if right.value == 0:
            raise _error("Integer division by zero in the prior.", node, text)
        quotient = math.trunc(left.value / right.value)
        exact = quotient * right.value == left.value
        here = "" if exact else _text(node, text)
        return Value(float(quotient), True, truncated or here)
    return Value(_apply(lambda x, y: x / y, (left.value, right.value), node, text), False)


def _call(node: Tree, text: str) -> Value:
    name = str(node.children[0])
    args = [evaluate(_tree(c), text) for c in node.children[1:] if c is not None]
    if name not in FUNCTIONS:
        raise _error(
            f"Unknown function '{name}' in the prior; a prior argument may call Stan's "
            f"{', '.join(sorted(FUNCTIONS))}.",
            node,
            text,
            length=len(name),
        )
    arity, fn = FUNCTIONS[name]
    if len(args) != arity:
        raise _error(
            f"The function '{name}' takes {arity} argument{'s' if arity != 1 else ''}, not "
            f"{len(args)}.",
            node,
            text,
        )
    value = _apply(fn, tuple(a.value for a in args), node, text)
    is_int = name == "abs" and all(a.is_int for a in args)
    return Value(value, is_int, next((a.truncated for a in args if a.truncated), ""))


def _apply(fn: Callable[..., float], args: tuple[float, ...], node: Tree, text: str) -> float:
    try:
        out = fn(*args)
    except ValueError:
        out = math.nan
    except (OverflowError, ZeroDivisionError):  # Stan's 1.0 / 0 is inf (then not finite)
        out = math.inf
    if isinstance(out, complex):  # (-8) ^ 0.5
        out = math.nan
    if math.isnan(out) and not any(math.isnan(a) for a in args):
        where = _text(node, text)
        raise _error(f"'{where}' is not a number (outside the function's domain).", node, text)
    return float(out)


def _tree(node: Tree | Token) -> Tree:
    if not isinstance(node, Tree):  # pragma: no cover - the grammar wraps every token
        raise TypeError(type(node).__name__)
    return node


def _text(node: Tree, text: str) -> str:
    return text[node.meta.start_pos : node.meta.end_pos]


def _error(message: str, node: Tree, text: str, length: int | None = None) -> PriorError:
    start = node.meta.start_pos
    end = start + length if length is not None else node.meta.end_pos
    return PriorError(f"{message}\n{caret_lines(text, Span(start, end))}")
