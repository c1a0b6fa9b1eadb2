"""Parse brms formula text into the frozen AST of :mod:`.ast`, and print it back.

The grammar lives in ``grammar.lark`` (LALR, R's operator precedence). :func:`parse` reads any
expression, :func:`parse_formula` insists on a formula (``y ~ x``) or a ``bf(...)``-style call,
and :func:`deparse` prints a node the way R's ``deparse`` does, which is what R uses for term
labels (``poly(x,2)`` becomes ``poly(x, 2)``). The printing lives in :mod:`.deparse` and is
re-exported here with :func:`format_r_number` and :func:`is_syntactic_name`.

Two choices that matter for equality of nodes:

* A backticked name that needs no backticks is the same symbol as the bare name (as in R):
  ```` `x` ```` parses to ``Name("x")``; ``Name.backticked`` is True only for names that are
  not syntactic R names (```` `my var` ````) or are reserved words (```` `TRUE` ````).
* :func:`deparse` adds parentheses where precedence needs them, so it never prints text that
  reads back as a different tree. Trees from :func:`parse` already hold a :class:`Paren`
  wherever one is needed, so for them ``parse(deparse(tree)) == tree``.
"""

from __future__ import annotations

import functools
import re

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from lark.tree import Meta

from ..errors import FormulaSyntaxError, Span
from .ast import (
    Argument,
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
from .deparse import deparse, format_r_number, is_syntactic_name
from .tables import load_parser

__all__ = [
    "FORMULA_CALLS",
    "deparse",
    "format_r_number",
    "is_syntactic_name",
    "parse",
    "parse_formula",
]

#: Calls that :func:`parse_formula` accepts in place of a ``y ~ x`` formula.
FORMULA_CALLS = frozenset({"bf", "brmsformula", "lf", "nlf", "mvbf", "mvbrmsformula"})

_SIMPLE_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
    "\\": "\\", '"': '"', "'": "'", "`": "`", " ": " ", "\n": "\n",
}  # fmt: skip
_ESCAPE = re.compile(
    r"\\(?:x([0-9a-fA-F]{1,2})|u\{([0-9a-fA-F]{1,4})\}|u([0-9a-fA-F]{1,4})"
    r"|U\{([0-9a-fA-F]{1,8})\}|U([0-9a-fA-F]{1,8})|([0-7]{1,3})|(.))",
    re.DOTALL,
)


@functools.cache
def _parser() -> Lark:
    """Load the grammar once (LALR, strict, with source positions; see :mod:`.tables`)."""
    return load_parser()


def _is_blank(text: str) -> bool:
    """True when ``text`` holds only whitespace and ``#`` comments."""
    return all(not line.split("#", 1)[0].strip(" \t\f\r") for line in text.split("\n"))


class _BadLiteral(Exception):
    """A literal that lexes but has no valid value (raised inside the transformer)."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


def _span(meta: Meta) -> Span:
    return Span(meta.start_pos, meta.end_pos)


def _token_span(token: Token) -> Span:
    return Span(token.start_pos or 0, token.end_pos or 0)


def _unescape(token: Token) -> str:
    """Decode the body of a quoted string or backticked name with R's escapes."""
    body = str(token)[1:-1]
    start = (token.start_pos or 0) + 1

    def replace(match: re.Match[str]) -> str:
        hex2, ubrace, u4, ubig_brace, u8, octal, other = match.groups()
        if other is not None:
            if other in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[other]
            raise _BadLiteral(
                f"'\\{other}' is not a valid escape in a string; write a backslash as '\\\\'.",
                Span(start + match.start(), start + match.end()),
            )
        digits = hex2 or ubrace or u4 or ubig_brace or u8
        code = int(octal, 8) if octal is not None else int(digits, 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise _BadLiteral(
                f"The escape '{match.group(0)}' is not a valid character; remove it.",
                Span(start + match.start(), start + match.end()),
            )
        return chr(code)

    return _ESCAPE.sub(replace, body)


def _number_value(token: Token) -> float:
    text = str(token)
    digits = text[:-1] if text.endswith("L") else text
    if digits[:2] in ("0x", "0X"):
        try:
            return float(int(digits, 16))
        except OverflowError:
            raise _BadLiteral(
                f"The hexadecimal number '{text[:20]}...' ({len(digits) - 2} digits) is too "
                "large for a double; write a smaller number.",
                _token_span(token),
            ) from None
    return float(digits)


def _op(op: str) -> object:
    """Make a transformer callback that builds ``BinOp(op, left, right)``."""

    def build(self: _AstBuilder, meta: Meta, left: Node, right: Node) -> BinOp:
        return BinOp(op, left, right, _span(meta))

    return v_args(meta=True, inline=True)(build)


def _prefix(op: str) -> object:
    """Make a transformer callback that builds ``UnaryOp(op, operand)``."""

    def build(self: _AstBuilder, meta: Meta, operand: Node) -> UnaryOp:
        return UnaryOp(op, operand, _span(meta))

    return v_args(meta=True, inline=True)(build)


@v_args(meta=True, inline=True)
class _AstBuilder(Transformer_NonRecursive):  # type: ignore[type-arg]
    """Turn the lark parse tree into AST nodes (bottom-up, without recursion)."""

    bar = _op("|")
    double_bar = _op("||")
    and_ = _op("&")
    double_and = _op("&&")
    eq = _op("==")
    ne = _op("!=")
    lt = _op("<")
    gt = _op(">")
    le = _op("<=")
    ge = _op(">=")
    add = _op("+")
    sub = _op("-")
    mul = _op("*")
    div = _op("/")
    interaction = _op(":")
    pow = _op("^")
    not_ = _prefix("!")
    neg = _prefix("-")
    pos = _prefix("+")

    def start(self, meta: Meta, node: Node) -> Node:
        return node

    def formula(self, meta: Meta, lhs: Node, rhs: Node) -> Formula:
        return Formula(lhs, rhs, _span(meta))

    def one_sided(self, meta: Meta, rhs: Node) -> Formula:
        return Formula(None, rhs, _span(meta))

    def special_op(self, meta: Meta, left: Node, op: Token, right: Node) -> BinOp:
        return BinOp(str(op), left, right, _span(meta))

    def name(self, meta: Meta, token: Token) -> Name:
        return Name(str(token), False, _token_span(token))

    def backtick_name(self, meta: Meta, token: Token) -> Name:
        name = _backtick_text(token)
        return Name(name, not is_syntactic_name(name), _token_span(token))

    def number(self, meta: Meta, token: Token) -> Number:
        return Number(_number_value(token), str(token), _token_span(token))

    def string(self, meta: Meta, token: Token) -> String:
        return String(_unescape(token), _token_span(token))

    def paren(self, meta: Meta, expr: Node) -> Paren:
        return Paren(expr, _span(meta))

    def call(self, meta: Meta, func: Token, args: list[Argument] | None) -> Call:
        name = _backtick_text(func) if func.type == "BACKTICK" else str(func)
        return Call(name, tuple(args or ()), _span(meta))

    def arguments(self, meta: Meta, *args: Argument) -> list[Argument]:
        return list(args)

    def positional(self, meta: Meta, value: Node) -> Argument:
        return Argument(None, value, _span(meta))

    def keyword(self, meta: Meta, key: Token, value: Node) -> Argument:
        name = str(key) if key.type == "NAME" else _backtick_text(key)
        return Argument(name, value, _span(meta))


def _backtick_text(token: Token) -> str:
    name = _unescape(token)
    if not name:
        kind = "A name in backticks" if str(token).startswith("`") else "An argument name"
        raise _BadLiteral(f"{kind} cannot be empty; write a name.", _token_span(token))
    return name


def parse(text: str) -> Node:
    """Parse R/brms formula syntax (any expression) into an AST node.

    Parameters
    ----------
    text
        The source, e.g. ``"y ~ x + (1 | g)"``, ``"log(x)"`` or ``"bf(y ~ x, sigma ~ x)"``.

    Returns
    -------
    Node
        The root node; every node carries its ``Span`` in ``text``.

    Raises
    ------
    TypeError
        If ``text`` is not a ``str``.
    FormulaSyntaxError
        If ``text`` is not valid syntax; the message shows the text with a caret line.
    """
    if not isinstance(text, str):
        raise TypeError(f"A formula must be a str such as 'y ~ x', not {type(text).__name__}.")
    if _is_blank(text):
        raise FormulaSyntaxError(
            "The formula is empty; write a model formula such as 'y ~ x'.", text, Span(0, 0)
        )
    _check_bracket_depth(text)
    try:
        tree = _parser().parse(text)
        node: Node = _AstBuilder().transform(tree)
    except UnexpectedInput as err:
        raise _syntax_error(text, err) from None
    except VisitError as err:
        if isinstance(err.orig_exc, _BadLiteral):
            raise FormulaSyntaxError(err.orig_exc.message, text, err.orig_exc.span) from None
        raise err.orig_exc from None
    except RecursionError:
        raise FormulaSyntaxError(
            "The formula is nested too deeply to read; split it into smaller parts.",
            text,
            Span(0, len(text)),
        ) from None
    return node


#: R's parser keeps at most this many brackets open at once (``CONTEXTSTACK_SIZE`` in
#: ``src/main/gram.y``, R 4.2); one more stops it with "contextstack overflow".
R_MAX_OPEN_BRACKETS = 50


def _check_bracket_depth(text: str) -> None:
    """Stop where R's parser stops: at the 51st bracket open at the same time.

    Parentheses and calls both open a bracket, so ``I(I(...))`` counts as ``((...))``. The
    limit also keeps every later walk over the tree (the evaluator's included) shallow.
    """
    if text.count("(") <= R_MAX_OPEN_BRACKETS:
        return  # every '(' token is a '(' character: no need to lex
    depth = 0
    for token in _tokens(text):
        if token.value == "(":
            depth += 1
            if depth > R_MAX_OPEN_BRACKETS:
                start = token.start_pos or 0
                raise FormulaSyntaxError(
                    f"The formula nests more than {R_MAX_OPEN_BRACKETS} brackets, where R's "
                    'parser stops ("contextstack overflow"); write the term with fewer '
                    "nested calls or parentheses.",
                    text,
                    Span(start, start + 1),
                )
        elif token.value == ")":
            depth = max(0, depth - 1)


def parse_formula(text: str) -> Formula | Call:
    """Parse a model formula: ``y ~ x``, ``~ x``, or a ``bf()``/``lf()``/``nlf()``/``mvbf()`` call.

    Enclosing parentheses are dropped: ``"(y ~ x)"`` gives the same result as ``"y ~ x"``.

    Raises
    ------
    FormulaSyntaxError
        If ``text`` is not valid syntax, or is an expression that is not a formula.
    """
    node = parse(text)
    inner = strip_parens(node)
    if isinstance(inner, Formula) or (isinstance(inner, Call) and inner.func in FORMULA_CALLS):
        return inner
    raise FormulaSyntaxError(
        f"'{text.strip()}' is not a formula; write it as 'y ~ x' "
        "(the response, then '~', then the terms).",
        text,
        node.span,
    )


# ---------------------------------------------------------------------------------------------
# syntax errors
# ---------------------------------------------------------------------------------------------

_OPERAND_TYPES = frozenset({"NAME", "NUMBER", "STRING", "BACKTICK"})
_DESCRIPTIONS = {
    "NAME": "a name",
    "BACKTICK": "a `backticked` name",
    "NUMBER": "a number",
    "STRING": "a string",
    "SPECIAL": "a %op% operator",
    "$END": "the end of the formula",
}


def _starts_operand(token: Token) -> bool:
    return token.type in _OPERAND_TYPES or token.value == "("


def _ends_operand(token: Token) -> bool:
    return token.type in _OPERAND_TYPES or token.value == ")"


def _is_operator(token: Token) -> bool:
    return not _ends_operand(token) and token.value not in ("(", ",", "=")


def _tokens(text: str) -> list[Token]:
    """The tokens of ``text`` (whitespace and comments dropped) up to the first bad character."""
    tokens: list[Token] = []
    try:
        for token in _parser().lex(text):  # the parser's terminals, lexed one by one
            tokens.append(token)  # keeps the tokens read before a bad character
    except UnexpectedInput:
        pass
    return tokens


def _open_parens(tokens: list[Token]) -> tuple[list[Token], Token | None]:
    """The '(' tokens still open after ``tokens``, and the first ')' that closes nothing."""
    stack: list[Token] = []
    for token in tokens:
        if token.value == "(":
            stack.append(token)
        elif token.value == ")":
            if not stack:
                return stack, token
            stack.pop()
    return stack, None


def _expected(err: UnexpectedToken) -> str:
    """The tokens the parser accepts at the error, by their patterns (never ``__ANON_0``)."""
    try:
        names = set(err.interactive_parser.accepts())
    except (AttributeError, UnexpectedInput):
        names = set(err.expected)
    literals, kinds = set(), set()
    for name in names:
        if name in _DESCRIPTIONS:
            kinds.add(_DESCRIPTIONS[name])
            continue
        pattern = _parser().get_terminal(name).pattern
        literals.add(f"'{pattern.value}'")
    return ", ".join(sorted(literals) + sorted(kinds))


def _describe(token: Token) -> str:
    if token.type == "NAME":
        return f"the name '{token.value}'"
    if token.type in ("NUMBER", "STRING", "BACKTICK"):
        return f"the {token.type.lower().replace('backtick', 'name')} {token.value}"
    return f"'{token.value}'"


def _syntax_error(text: str, err: UnexpectedInput) -> FormulaSyntaxError:
    """Translate a lark error into a FormulaSyntaxError with a plain message and a caret."""
    if isinstance(err, UnexpectedCharacters):
        return _bad_character(text, err.pos_in_stream or 0)
    if isinstance(err, UnexpectedToken) and err.token.type == "$END":
        return _early_end(text, err)
    if isinstance(err, UnexpectedToken):
        return _unexpected_token(text, err)
    pos = min(err.pos_in_stream or 0, len(text))
    return FormulaSyntaxError(
        "The formula is not valid syntax here; check it against 'y ~ x'.", text, Span(pos, pos + 1)
    )


def _bad_character(text: str, pos: int) -> FormulaSyntaxError:
    char = text[pos]
    span = Span(pos, pos + 1)
    if char in "\"'":
        message = f"The string that starts here is not closed; end it with a matching {char}."
    elif char == "`":
        message = "The name in backticks that starts here is not closed; end it with a `."
    elif char == "%":
        message = "The operator that starts with '%' here is not closed; write it as %in% or %op%."
    else:
        message = (
            f"The character {char!r} cannot be used in a formula; remove it "
            "(write a name with unusual characters in backticks, as in `my var`)."
        )
    return FormulaSyntaxError(message, text, span)


def _early_end(text: str, err: UnexpectedToken) -> FormulaSyntaxError:
    tokens = _tokens(text)
    end = (tokens[-1].end_pos or 0) if tokens else len(text)
    span = Span(end, end)
    last = tokens[-1].value if tokens else ""
    unclosed, _ = _open_parens(tokens)
    if last == "~":
        message = (
            "The formula has no right-hand side after '~'; add terms as in 'y ~ x' "
            "(or 'y ~ 1' for an intercept only)."
        )
    elif tokens and _is_operator(tokens[-1]):
        message = f"The formula ends with the operator '{last}'; add a term after it or remove it."
    elif last == ",":
        message = "The call ends with ','; add an argument after the comma or remove it."
    elif last == "=":
        message = "The named argument has no value after '='; add a value, as in 'raw = TRUE'."
    elif unclosed:
        opener = unclosed[-1].start_pos or 0
        message = "The '(' here is never closed; add a matching ')'."
        span = Span(opener, opener + 1)
    else:
        message = f"The formula ends too early; expected one of {_expected(err)}."
    return FormulaSyntaxError(message, text, span)


def _unexpected_token(text: str, err: UnexpectedToken) -> FormulaSyntaxError:
    token = err.token
    span = _token_span(token)
    before = [t for t in _tokens(text) if (t.start_pos or 0) < (token.start_pos or 0)]
    prev = before[-1] if before else None
    _, stray = _open_parens([*before, token])
    if token.value == ")" and stray is token:
        message = "This ')' has no matching '('; remove it or add a '(' before it."
    elif _starts_operand(token) and prev is not None and _ends_operand(prev):
        message = (
            f"An operator is missing between '{prev.value}' and '{token.value}'; "
            "join terms with an operator such as '+'."
        )
    elif token.value == "=":
        message = (
            "'=' only names a call argument, as in 'poly(x, 2, raw = TRUE)'; "
            "write a formula with '~', as in 'y ~ x'."
        )
    elif prev is not None and _is_operator(prev) and not _starts_operand(token):
        message = (
            f"The operator '{prev.value}' has no term after it; add a term or remove the operator."
        )
    else:
        message = f"Unexpected {_describe(token)} in the formula; expected one of {_expected(err)}."
    return FormulaSyntaxError(message, text, span)
