"""Formula terms that name objects of brms's ``data2`` rather than columns of the data.

brms 2.18 reads matrices that do not fit in a data frame from the ``data2`` list: the known
covariance of a grouping factor's levels (``gr(g, cov = A)``, phylogenetic and animal models).
This module reads those names from the parsed formula; the matrices themselves are checked
and matched to the data in :mod:`brmsjax.formula.design.data2`.
"""

from __future__ import annotations

from ..errors import FormulaTermError, Span
from ..syntax.ast import BinOp, Call, Formula, Name, Node, Paren, UnaryOp, strip_parens

__all__ = ["gr_cov"]


def _names(node: Node) -> list[str]:
    """The variables of an expression, as R's ``all.vars`` lists them (first occurrences)."""
    node = strip_parens(node)
    if isinstance(node, Name):
        return [] if node.name in {"TRUE", "FALSE", "NULL", "NA"} else [node.name]
    kids: list[Node] = []
    if isinstance(node, Call):
        kids = [a.value for a in node.args]
    elif isinstance(node, BinOp):
        kids = [node.left, node.right]
    elif isinstance(node, UnaryOp):
        kids = [node.operand]
    elif isinstance(node, Paren):
        kids = [node.expr]
    elif isinstance(node, Formula):
        kids = [k for k in (node.lhs, node.rhs) if k is not None]
    out: list[str] = []
    for kid in kids:
        out += [n for n in _names(kid) if n not in out]
    return out


def gr_cov(value: Node, source: str, span: Span) -> str | None:
    """The ``data2`` name of ``gr(g, cov = A)``; None for ``cov = NULL``.

    brms's ``gr()`` takes ``all.vars(cov)``, which must be exactly one variable.
    """
    node = strip_parens(value)
    if isinstance(node, Name) and node.name == "NULL":
        return None
    found = _names(node)
    if len(found) != 1:
        raise FormulaTermError("Argument 'cov' must contain exactly one variable.", source, span)
    return found[0]
