"""Read the R code of brms scripts into a small frozen syntax tree with source spans.

The grammar is ``r_grammar.lark`` (LALR, R's ``?Syntax`` precedence). Expressions reuse the
formula AST of :mod:`brmsjax.formula.syntax.ast` (:class:`Name`, :class:`Number`, :class:`String`,
:class:`Call`, :class:`BinOp`, :class:`UnaryOp`, :class:`Formula`, :class:`Paren`), so a formula
inside ``brm()`` is already a formula tree; R-only syntax gets the nodes defined here:
:class:`Assign`, :class:`Index`, :class:`Member`, :class:`Apply` and :class:`Empty`. A pipe
``x |> f(y)`` is read as R reads it, as the call ``f(x, y)`` (``%>%`` likewise).

:func:`parse_r` reads one statement and raises :class:`RSyntaxError` with a caret under the
offending token; :func:`split_statements` cuts a whole script into top-level statements the way
R's reader does (a line ends a statement unless brackets are open or it ends in an operator).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from lark.load_grammar import FromPackageLoader
from lark.tree import Meta

from brmsjax.formula.errors import FormulaError, Span
from brmsjax.formula.syntax.ast import (
    Argument,
    BinOp,
    Call,
    Formula,
    Name,
    Node,
    Number,
    Paren,
    String,
)
from brmsjax.formula.syntax.parse import _op as _binary
from brmsjax.formula.syntax.parse import _prefix, _span
from brmsjax.formula.syntax.parse import _token_span as _tspan

__all__ = [
    "Apply",
    "Assign",
    "Empty",
    "Index",
    "Member",
    "RCodeError",
    "RNode",
    "RSyntaxError",
    "parse_r",
]

_NO_SPAN = Span(0, 0)


class RCodeError(FormulaError):
    """R code cannot be translated: an unsupported call, argument or value (with a caret)."""


class RSyntaxError(RCodeError):
    """R code is not valid syntax (or uses syntax the port does not read)."""


@dataclass(frozen=True, slots=True)
class Empty:
    """A missing argument, as in ``x[, 1]``."""

    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Assign:
    """An assignment ``target <- value`` (also ``=``, ``<<-``, and ``value -> target``)."""

    target: RNode
    value: RNode
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Index:
    """Indexing ``obj[args]`` (``double`` for ``obj[[args]]``)."""

    obj: RNode
    args: tuple[Argument, ...]
    double: bool
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Member:
    """Member access ``obj$name`` (``op`` is ``$`` or ``@``)."""

    obj: RNode
    name: str
    op: str
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Apply:
    """A call of a computed function, such as ``fits[[1]](x)``."""

    func: RNode
    args: tuple[Argument, ...]
    span: Span = field(default=_NO_SPAN, compare=False, repr=False)


RNode: TypeAlias = Node | Empty | Assign | Index | Member | Apply

_ESCAPE = re.compile(
    r"\\(?:x([0-9a-fA-F]{1,2})|u\{?([0-9a-fA-F]{1,4})\}?|U\{?([0-9a-fA-F]{1,8})\}?|([0-7]{1,3})|(.))",
    re.DOTALL,
)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_PIPES = frozenset({"|>", "%>%"})


class _BadLiteral(Exception):
    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


def _unescape(token: Token) -> str:
    def replace(match: re.Match[str]) -> str:
        hex2, u4, u8, octal, other = match.groups()
        if other is not None:
            return _SIMPLE.get(other, other)
        return chr(int(octal, 8) if octal is not None else int(hex2 or u4 or u8, 16))

    return _ESCAPE.sub(replace, str(token)[1:-1])


@v_args(meta=True, inline=True)
class _Builder(Transformer_NonRecursive):  # type: ignore[type-arg]
    """Turn the lark tree into AST nodes (bottom-up, without recursion)."""

    bar = _binary("|")
    double_bar = _binary("||")
    and_ = _binary("&")
    double_and = _binary("&&")
    eq, ne, lt = _binary("=="), _binary("!="), _binary("<")
    gt, le, ge = _binary(">"), _binary("<="), _binary(">=")
    add, sub, mul, div = _binary("+"), _binary("-"), _binary("*"), _binary("/")
    interaction, pow = _binary(":"), _binary("^")
    not_, neg, pos = _prefix("!"), _prefix("-"), _prefix("+")

    def start(self, meta: Meta, node: RNode) -> RNode:
        return node

    def assign_eq(self, meta: Meta, target: RNode, value: RNode) -> Assign:
        return Assign(target, value, _span(meta))

    assign_left = assign_super = assign_eq

    def assign_right(self, meta: Meta, value: RNode, target: RNode) -> Assign:
        return Assign(target, value, _span(meta))

    assign_right_super = assign_right

    def formula(self, meta: Meta, lhs: Node, rhs: Node) -> Formula:
        return Formula(lhs, rhs, _span(meta))

    def one_sided(self, meta: Meta, rhs: Node) -> Formula:
        return Formula(None, rhs, _span(meta))

    def special_op(self, meta: Meta, left: Node, op: Token, right: Node) -> RNode:
        if str(op) in _PIPES:
            return self.pipe(meta, left, right)
        return BinOp(str(op), left, right, _span(meta))

    def pipe(self, meta: Meta, left: RNode, right: RNode) -> RNode:
        if not isinstance(right, Call):
            raise _BadLiteral(
                "The right side of a pipe must be a call such as summary().", right.span
            )
        first = Argument(None, left, left.span)  # type: ignore[arg-type]
        return Call(right.func, (first, *right.args), _span(meta))

    def name(self, meta: Meta, token: Token) -> Name:
        return Name(str(token), False, _tspan(token))

    def backtick_name(self, meta: Meta, token: Token) -> Name:
        return Name(_unescape(token), True, _tspan(token))

    def namespaced(self, meta: Meta, pkg: Token, name: Token) -> Name:
        return Name(f"{pkg}::{name}", False, _span(meta))

    def number(self, meta: Meta, token: Token) -> Number:
        text = str(token)
        if text.endswith("i"):
            raise _BadLiteral(
                "Complex numbers are not supported; write a real number.", _tspan(token)
            )
        digits = text.rstrip("L")
        value = float(int(digits, 16)) if digits[:2] in ("0x", "0X") else float(digits)
        return Number(value, text, _tspan(token))

    def string(self, meta: Meta, token: Token) -> String:
        return String(_unescape(token), _tspan(token))

    def paren(self, meta: Meta, expr: Node) -> Paren:
        return Paren(expr, _span(meta))

    def call(self, meta: Meta, func: RNode, args: tuple[Argument, ...]) -> RNode:
        if isinstance(func, Name):
            return Call(func.name, args, _span(meta))
        return Apply(func, args, _span(meta))

    def index(self, meta: Meta, obj: RNode, args: tuple[Argument, ...]) -> Index:
        return Index(obj, args, False, _span(meta))

    def index2(self, meta: Meta, obj: RNode, args: tuple[Argument, ...]) -> Index:
        return Index(obj, args, True, _span(meta))

    def dollar(self, meta: Meta, obj: RNode, member: Name | String) -> Member:
        text = member.name if isinstance(member, Name) else member.value
        return Member(obj, text, "$", _span(meta))

    def slot(self, meta: Meta, obj: RNode, member: Name | String) -> Member:
        text = member.name if isinstance(member, Name) else member.value
        return Member(obj, text, "@", _span(meta))

    def arguments(self, meta: Meta, *args: Argument | None) -> tuple[Argument, ...]:
        if len(args) == 1 and args[0] is None:
            return ()
        return tuple(a if a is not None else Argument(None, Empty(_NO_SPAN)) for a in args)  # type: ignore[arg-type]

    def positional(self, meta: Meta, value: Node) -> Argument:
        return Argument(None, value, _span(meta))

    def keyword(self, meta: Meta, key: Token, value: Node | None) -> Argument:
        name = str(key) if key.type == "NAME" else _unescape(key)
        node = value if value is not None else Empty(_tspan(key))
        return Argument(name, node, _span(meta))  # type: ignore[arg-type]


@functools.cache
def _parser() -> Lark:
    return Lark.open(
        str(Path(__file__).with_name("r_grammar.lark")),
        import_paths=[FromPackageLoader("brmsjax.formula.syntax", ("",))],
        parser="lalr",
        strict=True,
        propagate_positions=True,
        maybe_placeholders=True,
    )


def parse_r(text: str) -> RNode:
    """Parse one R statement or expression.

    Parameters
    ----------
    text
        R code such as ``"fit <- brm(y ~ x, data = d)"``.

    Returns
    -------
    RNode
        The root node; every node carries its :class:`Span` in ``text``.

    Raises
    ------
    RSyntaxError
        If the code is empty or not valid R (as far as brms calls go); the message shows the
        code with a caret under the offending token.
    """
    if not isinstance(text, str):
        raise TypeError(f"R code must be a str, not {type(text).__name__}.")
    if not _strip_comments(text).strip():
        raise RSyntaxError(
            "The R code is empty; write a call such as brm(y ~ x, data = d).", text, Span(0, 0)
        )
    try:
        return _Builder().transform(_parser().parse(text))  # type: ignore[no-any-return]
    except UnexpectedInput as err:
        raise _syntax_error(text, err) from None
    except VisitError as err:
        if isinstance(err.orig_exc, _BadLiteral):
            raise RSyntaxError(err.orig_exc.message, text, err.orig_exc.span) from None
        raise err.orig_exc from None
    except RecursionError:
        raise RSyntaxError(
            "The R code is nested too deeply to read; split it up.", text, Span(0, len(text))
        ) from None


_STOPWORDS = {"function", "if", "for", "while", "repeat", "else"}


def _syntax_error(text: str, err: UnexpectedInput) -> RSyntaxError:
    pos = min(err.pos_in_stream or 0, len(text))
    if isinstance(err, UnexpectedCharacters):
        char = text[pos]
        if char in "\"'`":
            message = f"The quote {char} that starts here is not closed; close it with {char}."
        elif char in "{}":
            message = (
                "Braces { } (function bodies, if/for blocks) are not translated; "
                "keep this code in R or rewrite it in Python."
            )
        else:
            message = f"The character {char!r} is not valid R here; remove it."
        return RSyntaxError(message, text, Span(pos, pos + 1))
    token = err.token if isinstance(err, UnexpectedToken) else None
    if token is None:
        return RSyntaxError("The R code is not valid here.", text, Span(pos, pos + 1))
    if token.type == "$END":
        end = len(text.rstrip())
        return RSyntaxError(
            "The R code ends too early; close every '(' and finish the last argument.",
            text,
            Span(end, end),
        )
    span = _tspan(token)
    if str(token) in _STOPWORDS:
        message = (
            f"'{token}' (control flow and function definitions) is not translated; "
            "keep this code in R or rewrite it in Python."
        )
    elif str(token) in {")", "]"}:
        message = f"This '{token}' closes nothing or comes too early; check the brackets."
    elif str(token) == ",":
        message = "This ',' is outside a call's brackets; check the brackets before it."
    else:
        message = (
            f"Unexpected '{token}' here; an operator or ',' is missing before it, "
            "or a bracket is unbalanced."
        )
    return RSyntaxError(message, text, span)


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.split("\n"))
