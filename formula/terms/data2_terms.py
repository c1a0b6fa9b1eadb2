"""Formula terms that name objects of brms's ``data2`` rather than columns of the data.

brms 2.18 reads matrices that do not fit in a data frame from the ``data2`` list: the known
covariance of a grouping factor's levels (``gr(g, cov = A)``, phylogenetic and animal models)
and the fixed residual correlation matrix of ``fcor(M)``.
This module reads those names from the parsed formula; the matrices themselves are checked
and matched to the data in :mod:`brmsjax.formula.design.data2`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import FormulaTermError, Span
from ..syntax.ast import BinOp, Call, Formula, Name, Node, Paren, UnaryOp, strip_parens
from ..syntax.parse import deparse

__all__ = ["DATA2_AUTOCOR", "FcorTerm", "gr_cov", "model_fcor"]

#: brms's autocorrelation terms whose matrix comes from ``data2`` and that brmsjax reads.
DATA2_AUTOCOR = frozenset({"fcor"})


@dataclass(frozen=True)
class FcorTerm:
    """``fcor(M)``: residuals ``MVN(0, sigma^2 M)`` with ``M`` the ``data2`` matrix named ``M``."""

    M: str
    label: str
    span: Span


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


def _fcor(call: Call, source: str) -> FcorTerm:
    """Read ``fcor(M)`` as brms's ``fcor()`` does (``M`` one variable)."""
    args = [a for a in call.args if a.name in (None, "M")]
    if len(args) != 1 or len(call.args) != 1:
        raise FormulaTermError(
            "Argument 'M' is missing in fcor()." if not args else "fcor() takes one argument, M.",
            source,
            call.span,
        )
    found = _names(args[0].value)
    if len(found) != 1:
        raise FormulaTermError(
            "Argument 'M' of fcor() must be one variable: the name of a matrix in data2.",
            source,
            args[0].span,
        )
    return FcorTerm(found[0], deparse(call), call.span)


def model_fcor(calls: Sequence[Call], arma: object, source: str) -> FcorTerm | None:
    """mu's ``fcor()`` term, or None; one term only, and not with an ARMA term.

    Raises
    ------
    FormulaTermError
        For two ``fcor()`` terms (brms's message) or ``fcor()`` with ``ar()``/``ma()``/``arma()``
        (brms 2.18 drops the ARMA term silently; brmsjax refuses the mix).
    """
    terms = [_fcor(c, source) for c in calls if c.func == "fcor"]
    if len(terms) > 1:
        raise FormulaTermError(
            "Can only model one term per autocorrelation class.", source, terms[1].span
        )
    if terms and arma is not None:
        raise FormulaTermError(
            "fcor() cannot be combined with ar(), ma() or arma(): fcor() fixes the whole "
            "residual correlation matrix.",
            source,
            terms[0].span,
        )
    return terms[0] if terms else None
