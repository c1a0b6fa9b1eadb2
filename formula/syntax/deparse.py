"""Print formula AST nodes back as R code, as R's ``deparse`` does.

:func:`deparse` gives the text R uses for term labels (``poly(x,2)`` becomes ``poly(x, 2)``),
adding parentheses where precedence needs them so that it never prints text that reads back as
a different tree. :func:`format_r_number` prints a double as R does (``1e-04``, ``1e+05``), and
:func:`is_syntactic_name` tells which names need backticks.

The parser (:mod:`.parse`) re-exports these functions; its ``grammar.lark`` has the same
precedence ladder as the table here.
"""

from __future__ import annotations

import math
import re

from .ast import BinOp, Call, Formula, Name, Node, Number, Paren, String, UnaryOp

__all__ = ["deparse", "format_r_number", "is_syntactic_name"]

_SYNTACTIC = re.compile(r"(?:[^\W\d_]|\.(?![0-9]))[\w.]*\Z")
_RESERVED = frozenset(
    {
        "if", "else", "repeat", "while", "function", "for", "in", "next", "break", "TRUE",
        "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_",
    }
)  # fmt: skip


def is_syntactic_name(name: str) -> bool:
    """Tell whether ``name`` can be written without backticks.

    A syntactic R name starts with a letter, or a dot not followed by a digit, continues with
    letters, digits, ``.`` and ``_``, and is not a reserved word (``if``, ``TRUE``, ``NA``, ...).

    Parameters
    ----------
    name
        The name, without backticks.

    Returns
    -------
    bool
        True for ``x``, ``x.1``, ``.x`` and ``.``; False for ``my var``, ``1x`` and ``TRUE``.
    """
    return _SYNTACTIC.match(name) is not None and name not in _RESERVED


# Precedence levels, lowest 1 to highest 12; the same ladder as grammar.lark.
_TILDE, _OR, _AND, _NOT, _COMPARE, _ARITH, _PRODUCT, _SPECIAL, _COLON, _UNARY, _POWER, _ATOM = (
    range(1, 13)
)
_BINARY_LEVEL = {
    "|": _OR, "||": _OR, "&": _AND, "&&": _AND,
    "==": _COMPARE, "!=": _COMPARE, "<": _COMPARE, ">": _COMPARE, "<=": _COMPARE, ">=": _COMPARE,
    "+": _ARITH, "-": _ARITH, "*": _PRODUCT, "/": _PRODUCT, ":": _COLON, "^": _POWER,
}  # fmt: skip
_PREFIX_LEVEL = {"~": _TILDE, "!": _NOT, "-": _UNARY, "+": _UNARY}
_TIGHT = frozenset({":", "/", "^"})
_NODE_TYPES = (Name, Number, String, Call, BinOp, UnaryOp, Paren, Formula)
_STRING_ESCAPES = {
    "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b",
    "\f": "\\f", "\v": "\\v",
}  # fmt: skip


def _binary_level(op: str) -> int:
    if op in _BINARY_LEVEL:
        return _BINARY_LEVEL[op]
    if len(op) >= 2 and op.startswith("%") and op.endswith("%"):
        return _SPECIAL
    raise ValueError(f"Unknown binary operator {op!r} in BinOp; use one of R's operators.")


def _level(node: Node) -> int:
    if isinstance(node, Formula):
        return _TILDE
    if isinstance(node, BinOp):
        return _binary_level(node.op)
    if isinstance(node, UnaryOp):
        return _PREFIX_LEVEL.get(node.op, _UNARY)
    if isinstance(node, Number) and node.value < 0:
        return _UNARY
    return _ATOM


def _operand_levels(node: BinOp) -> tuple[int, int]:
    """The lowest level each operand may have without parentheses (mirrors grammar.lark)."""
    level = _binary_level(node.op)
    if level == _POWER:
        return _ATOM, _UNARY
    if level == _COMPARE:
        return _ARITH, _ARITH
    return level, level + 1


def deparse(node: Node) -> str:
    """Print a node as R's ``deparse`` does (the form R uses for term labels).

    Binary ``~ | || & && == != < > <= >= + - * %in% %op%`` get spaces around them, ``: / ^``
    none; unary operators and a one-sided ``~x`` are written without a space; calls are
    ``f(a, name = b)``; strings use double quotes; numbers are printed as R prints them (15
    significant digits, ``1e-04``, ``2L``). Parentheses are added where precedence needs them,
    so a hand-built tree never prints as text that reads back differently.

    Parameters
    ----------
    node
        Any AST node.

    Returns
    -------
    str
        The R code; ``parse(deparse(t)) == t`` for every tree ``t`` that
        :func:`.parse.parse` returns, except that number literals come back in R's printed
        form (``.5`` as ``0.5``).

    Raises
    ------
    TypeError
        If ``node`` is not an AST node.
    ValueError
        If a ``BinOp`` has an operator that R does not have. Depth is not limited: the walk
        keeps its own stack, so a sum of thousands of terms prints like a short one.

    Examples
    --------
    >>> from brmsjax.formula.syntax.parse import parse
    >>> deparse(parse("poly(x,2, raw=TRUE)"))
    'poly(x, 2, raw = TRUE)'
    >>> deparse(parse("y~x*z"))
    'y ~ x * z'
    """
    if not isinstance(node, _NODE_TYPES):
        raise TypeError(f"deparse() expects a formula AST node, not {type(node).__name__}.")
    texts: list[str] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, ready = stack.pop()
        children = _children(current)
        if ready or not children:
            parts = [texts.pop() for _ in children][::-1]
            texts.append(_print(current, parts))
            continue
        stack.append((current, True))
        for child in reversed(children):
            if not isinstance(child, _NODE_TYPES):
                raise TypeError(
                    f"deparse() expects a formula AST node, not {type(child).__name__}."
                )
            stack.append((child, False))
    return texts[0]


def _children(node: Node) -> tuple[Node, ...]:
    """The operands printed inside ``node``, left to right."""
    if isinstance(node, Paren):
        return (node.expr,)
    if isinstance(node, Call):
        return tuple(a.value for a in node.args)
    if isinstance(node, UnaryOp):
        return (node.operand,)
    if isinstance(node, Formula):
        return (node.rhs,) if node.lhs is None else (node.lhs, node.rhs)
    if isinstance(node, BinOp):
        return (node.left, node.right)
    return ()


def _wrap(node: Node, text: str, least: int) -> str:
    return f"({text})" if _level(node) < least else text


def _print(node: Node, parts: list[str]) -> str:
    """Print ``node`` given the printed text of its operands (from :func:`_children`)."""
    if isinstance(node, Name):
        return _name_text(node.name, node.backticked)
    if isinstance(node, Number):
        return _number_text(node)
    if isinstance(node, String):
        return _string_text(node.value)
    if isinstance(node, Paren):
        return f"({parts[0]})"
    if isinstance(node, Call):
        args = ", ".join(
            text if a.name is None else f"{_name_text(a.name)} = {text}"
            for a, text in zip(node.args, parts, strict=True)
        )
        return f"{_name_text(node.func)}({args})"
    if isinstance(node, UnaryOp):
        return f"{node.op}{_wrap(node.operand, parts[0], _PREFIX_LEVEL.get(node.op, _UNARY))}"
    if isinstance(node, Formula):
        rhs = _wrap(node.rhs, parts[-1], _OR)
        return f"~{rhs}" if node.lhs is None else f"{_wrap(node.lhs, parts[0], _TILDE)} ~ {rhs}"
    if isinstance(node, BinOp):
        left_least, right_least = _operand_levels(node)
        left = _wrap(node.left, parts[0], left_least)
        right = _wrap(node.right, parts[1], right_least)
        sep = node.op if node.op in _TIGHT else f" {node.op} "
        return f"{left}{sep}{right}"
    raise TypeError(f"deparse() expects a formula AST node, not {type(node).__name__}.")


def _name_text(name: str, backticked: bool = False) -> str:
    if backticked or _SYNTACTIC.match(name) is None:
        return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"
    return name


def _string_text(value: str) -> str:
    out = []
    for char in value:
        if char in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):03o}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _number_text(node: Number) -> str:
    value = node.value
    if node.text.endswith("L") and value.is_integer():
        return f"{int(value)}L"
    return format_r_number(value)


def format_r_number(value: float) -> str:
    """Format a double as R's ``deparse`` prints it.

    R uses up to 15 significant digits and prefers fixed notation unless scientific notation is
    shorter: ``100000`` is ``1e+05``, ``123456`` stays, ``0.0001`` is ``1e-04``, ``0.3`` for
    ``0.1 + 0.2``.

    Parameters
    ----------
    value
        The number.

    Returns
    -------
    str
        The text R prints (``Inf``, ``-Inf`` and ``NaN`` for the special values).
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, exponent = f"{abs(value):.14e}".split("e")
    digits = mantissa.replace(".", "").rstrip("0")
    exp = int(exponent)
    sci_width = (len(digits) + 1 if len(digits) > 1 else 1) + (4 if abs(exp) < 100 else 5)
    decimals = max(0, len(digits) - 1 - exp)
    fixed_width = (exp + 1 if exp >= 0 else 1) + (decimals + 1 if decimals else 0)
    if fixed_width <= sci_width:
        return f"{sign}{abs(value):.{decimals}f}"
    return f"{sign}{abs(value):.{len(digits) - 1}e}"
