"""brms's formula parts: ``lf()`` formulas given to ``bf()`` or added to it with ``+``.

brms 2.18 lets a non-linear (or distributional) parameter's formula be written as ``lf(a ~ 1)``,
either as an argument of ``bf()`` or added to it::

    bf(y ~ a * exp(-b * x), lf(a ~ 1 + z), nl = TRUE)
    bf(y ~ a * exp(-b * x), nl = TRUE) + lf(a ~ 1 + z) + lf(b ~ 1)

Both read as ``bf(y ~ a * exp(-b * x), a ~ 1 + z, b ~ 1, nl = TRUE)``: :func:`merge_parts`
rewrites the syntax tree into that one ``bf()`` call. ``lf()``'s options (``center``, ``cmc``,
``dpar``, ...) are not supported yet and are refused by name.
"""

from __future__ import annotations

from ..errors import FormulaTermError
from ..syntax.ast import Argument, BinOp, Call, Formula, Node, strip_parens
from ..syntax.parse import parse, parse_formula

__all__ = ["merge_parts", "read_formula"]

_BF = frozenset({"bf", "brmsformula"})


def _added(node: Node) -> list[Node]:
    """The operands of a left-leaning chain of ``+`` (``a + b + c``), in order."""
    out: list[Node] = []
    while isinstance(node, BinOp) and node.op == "+":
        out.append(node.right)
        node = node.left
    out.append(node)
    return out[::-1]


def _lf_formulas(call: Call, source: str) -> list[Argument]:
    out = []
    for arg in call.args:
        if arg.name is not None:
            raise FormulaTermError(
                f"The lf() argument '{arg.name}' is not supported yet; give lf() formulas only.",
                source,
                arg.span,
            )
        if not isinstance(arg.value, Formula):
            raise FormulaTermError("lf() takes formulas such as a ~ 1 + x.", source, arg.value.span)
        out.append(arg)
    return out


def merge_parts(node: Node, source: str) -> Node:
    """``bf(...)`` with its ``lf()`` parts (arguments or added with ``+``) as one ``bf()``
    call; any other node is returned as it is.

    Raises
    ------
    FormulaTermError
        For a part added with ``+`` that is not ``lf()``, or an ``lf()`` option.
    """
    parts = _added(strip_parens(node))
    first = strip_parens(parts[0])
    if not (isinstance(first, Call) and first.func.removeprefix("brms::") in _BF):
        return node
    args: list[Argument] = []
    for arg in first.args:
        value = strip_parens(arg.value)
        if arg.name is None and isinstance(value, Call) and value.func == "lf":
            args += _lf_formulas(value, source)
        else:
            args.append(arg)
    for part in parts[1:]:
        value = strip_parens(part)
        if not (isinstance(value, Call) and value.func == "lf"):
            raise FormulaTermError(
                "Adding formula parts with '+' other than lf() (bf(), nlf(), set_rescor(), "
                "...) is not supported by brmsjax; write one bf() with lf() parts.",
                source,
                part.span,
            )
        args += _lf_formulas(value, source)
    return Call(first.func, tuple(args), node.span)


def read_formula(text: str) -> Formula | Call:
    """Parse a model formula as :func:`~brmsjax.formula.syntax.parse.parse_formula` does, with
    ``lf()`` parts merged into their ``bf()`` call (:func:`merge_parts`)."""
    node = merge_parts(parse(text), text)
    return node if isinstance(node, Call) else parse_formula(text)
