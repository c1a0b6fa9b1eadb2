"""The frozen syntax tree of a brms formula.

The parser (:mod:`brmsjax.formula.syntax.parse`) turns text into these nodes; the terms layer gives
them meaning. Nodes are immutable and compare by structure only: the ``span`` (position in the
source, used for caret errors) is excluded from equality and hashing, so ``parse(deparse(t)) ==
t`` holds although spacing changes.

Operators keep R's spelling: binary ``~ | || & && == != < > <= >= + - * / %in% %any% : ^``
and unary ``~ ! + -``. ``**`` is read as ``^`` (as R's parser does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from ..errors import Span

_NO_SPAN = Span(0, 0)


@dataclass(frozen=True, slots=True)
class Name:
    """A symbol: a variable, ``.``, ``TRUE``/``FALSE``/``NA``/``NULL``/``Inf`` or a bar id."""

    name: str
    backticked: bool = False
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Number:
    """A numeric literal; ``text`` is the literal as written (``1``, ``0.5``, ``1e-3``, ``2L``)."""

    value: float
    text: str
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class String:
    """A string literal (single or double quoted in the source)."""

    value: str
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of a call; ``name`` is None for a positional argument."""

    name: str | None
    value: Node
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A function call such as ``log(x)``, ``poly(x, 2, raw = TRUE)`` or ``gr(g, by = z)``."""

    func: str
    args: tuple[Argument, ...]
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)

    @property
    def positional(self) -> tuple[Node, ...]:
        """The values of the positional arguments, in order."""
        return tuple(a.value for a in self.args if a.name is None)

    @property
    def keywords(self) -> dict[str, Node]:
        """The named arguments as a dict (name -> value)."""
        return {a.name: a.value for a in self.args if a.name is not None}


@dataclass(frozen=True, slots=True)
class BinOp:
    """A binary operator application, e.g. ``x:z``, ``a / b`` or ``(x | g)``'s ``x | g``."""

    op: str
    left: Node
    right: Node
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class UnaryOp:
    """A prefix operator application: ``-x``, ``+x``, ``!x`` or a one-sided ``~ x``."""

    op: str
    operand: Node
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Paren:
    """Parentheses around an expression, kept so that deparsing reproduces them."""

    expr: Node
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Formula:
    """A two-sided formula ``lhs ~ rhs``; ``lhs`` is None for a one-sided ``~ rhs``."""

    lhs: Node | None
    rhs: Node
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


Node: TypeAlias = Name | Number | String | Call | BinOp | UnaryOp | Paren | Formula


def strip_parens(node: Node) -> Node:
    """Return ``node`` without any enclosing parentheses."""
    while isinstance(node, Paren):
        node = node.expr
    return node
