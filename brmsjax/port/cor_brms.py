"""brms's deprecated ``cor_brms`` objects in ``brm(autocor = ...)``, as brms 2.18 converts them.

brms 2.18 still accepts ``autocor = cor_fixed(V)``, ``cor_sar(W)`` (``cor_lagsar``,
``cor_errorsar``) and ``cor_car(W)`` (``cor_icar``): it warns that they are deprecated and
rewrites them as the formula terms ``fcor(V)``, ``sar(W, type = ...)`` and
``car(W, gr = ..., type = ...)``, with the matrix added to ``data2`` under its R name. The
porter does the same: :func:`cor_brms_term` gives the term to add to the formula, the
``data2`` name and a note.
"""

from __future__ import annotations

from brmsjax.formula.syntax.ast import Argument, BinOp, Call, Formula, Name, Node, String
from brmsjax.formula.syntax.parse import deparse
from brmsjax.rcode.rparse import RCodeError
from brmsjax.rcode.rvalues import match_args

__all__ = ["COR_BRMS", "cor_brms_term", "with_term"]

#: brms 2.18's ``cor_brms`` constructors that brm() converts: formals, new term, fixed type.
COR_BRMS: dict[str, tuple[tuple[str, ...], str, str | None]] = {
    "cor_fixed": (("V",), "fcor", None),
    "cor_sar": (("W", "type"), "sar", "lag"),
    "cor_lagsar": (("W",), "sar", "lag"),
    "cor_errorsar": (("W",), "sar", "error"),
    "cor_car": (("W", "formula", "type"), "car", "escar"),
    "cor_icar": (("W", "formula"), "car", "icar"),
}


def _car_group(node: Node | None, source: str) -> Node | None:
    """The grouping variable of ``cor_car``'s ``formula = ~ 1 | g`` (None for ``~ 1``)."""
    if node is None:
        return None
    rhs = node.rhs if isinstance(node, Formula) else node
    if isinstance(rhs, BinOp) and rhs.op == "|":
        return rhs.right
    if isinstance(node, Formula):
        return None
    raise RCodeError("cor_car()'s formula must be ~ 1 or ~ 1 | g.", source, node.span)


def cor_brms_term(call: Call, source: str) -> tuple[Call, str, str]:
    """``(term, data2 name, note)`` of ``autocor = cor_*(...)`` (brms 2.18's conversion)."""
    formals, func, default_type = COR_BRMS[call.func]
    matched, rest = match_args(call, formals, source)
    if rest:
        raise RCodeError(f"{call.func}() takes {', '.join(formals)}.", source, rest[0].span)
    matrix = matched.get(formals[0])
    if matrix is None or not isinstance(matrix.value, Name):
        raise RCodeError(
            f"{call.func}() needs the matrix as a name, as in {call.func}(W).", source, call.span
        )
    name = matrix.value.name
    args = [Argument(None, matrix.value)]
    kind = matched.get("type")
    if func == "car":
        group = _car_group(matched["formula"].value if "formula" in matched else None, source)
        if group is not None:
            args.append(Argument("gr", group))
    if func != "fcor":
        if kind is not None and not isinstance(kind.value, String):
            raise RCodeError(f"{call.func}()'s type must be a string.", source, kind.span)
        value = kind.value.value if kind is not None and isinstance(kind.value, String) else None
        args.append(Argument("type", String(value or str(default_type))))
    term = Call(func, tuple(args))
    note = (
        f"autocor = {call.func}(...) is deprecated in brms 2.18, which converts it to "
        f"{deparse(term)} in the formula and data2 = list({name} = {name}); so does the port."
    )
    return term, name, note


def with_term(node: Node, term: Call, source: str) -> Node:
    """The model formula ``node`` (``y ~ x`` or ``bf(y ~ x, ...)``) with ``+ term`` added."""
    if isinstance(node, Formula):
        return Formula(node.lhs, BinOp("+", node.rhs, term), span=node.span)
    if isinstance(node, Call) and node.positional:
        first = node.args[0]
        args = (Argument(first.name, with_term(first.value, term, source)), *node.args[1:])
        return Call(node.func, args, span=node.span)
    raise RCodeError(
        "brm(autocor = cor_...()) needs the formula written in the call (y ~ x or bf(...)).",
        source,
        node.span,
    )
