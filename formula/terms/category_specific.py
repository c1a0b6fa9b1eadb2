"""brms's category-specific effects ``cs(x)`` (and its alias ``cse(x)``) of ordinal models.

brms 2.18 (``terms_cs`` in R/formula-cs.R) takes every term of mu's formula that is a
``cs()`` or ``cse()`` call out of the population-level part, pastes their arguments into one
formula ``~ a + b`` and builds ``Xcs`` from it as R's ``model.matrix`` without the intercept
column (``attr(, "int") <- FALSE``): ``cs(contact)`` gives the column ``contactyes``,
``cs(temp:contact)`` the four cells of the interaction. Each column gets one coefficient per
threshold, ``bcs_<column>[k]``, subtracted from the thresholds of its rows.

Only the main formula's top-level terms are read here (joined by ``+``, or on the left of
``-``); a ``cs()`` elsewhere (``cs(x):z``) is left for the term encoder, which refuses it.
A group-level term of ``cs()`` calls, ``(cs(1) | g)``, is category specific as a whole
(:func:`group_cs`): one varying effect per coefficient and threshold.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ..errors import FormulaTermError
from ..syntax.ast import BinOp, Call, Node, Number, Paren, UnaryOp, strip_parens
from ..syntax.parse import deparse
from ..warn import user_stacklevel
from .terms import TermList, expand

__all__ = [
    "CS_CALLS",
    "CS_WARNING",
    "check_cs_family",
    "cs_group_terms",
    "cs_terms",
    "group_cs",
    "split_cs",
]

#: brms 2.18's warning for ``cs()`` in a cumulative model (``needs_ordered_cs``): its
#: thresholds minus the effects need not stay ordered.
CS_WARNING = (
    "Category specific effects for this family should be considered experimental and may "
    "have convergence issues."
)

#: The calls that mark a category-specific term (``cse`` is brms's older alias).
CS_CALLS = frozenset({"cs", "cse"})


def split_cs(rhs: Node, source: str = "") -> tuple[Node, tuple[Call, ...]]:
    """``rhs`` without its top-level ``cs()``/``cse()`` terms, and those terms in order.

    A right-hand side that held only such terms becomes ``1`` (the intercept: ordinal
    thresholds), as R's formula without them would be.

    Raises
    ------
    FormulaTermError
        brms's "The term 'cs(x):z' is invalid in brms syntax." for a ``cs()`` call inside
        another term.
    """
    kept, calls = _split(rhs)
    if kept is None:
        kept = Number(1.0, "1", span=rhs.span)
    for term in _top_terms(kept):
        if _has_cs(term):
            raise FormulaTermError(
                f"The term '{deparse(term)}' is invalid in brms syntax.", source, term.span
            )
    return kept, tuple(calls)


def _top_terms(node: Node) -> list[Node]:
    if isinstance(node, BinOp) and node.op in {"+", "-"}:
        return [*_top_terms(node.left), *_top_terms(node.right)]
    if isinstance(node, UnaryOp) and node.op in {"+", "-"}:
        return _top_terms(node.operand)
    return [node]


def _has_cs(node: Node) -> bool:
    """Whether a ``cs()``/``cse()`` call occurs in ``node`` outside group-level bars."""
    stack = [node]
    while stack:
        inner = strip_parens(stack.pop())
        if isinstance(inner, Call):
            if inner.func in CS_CALLS:
                return True
            stack.extend(a.value for a in inner.args)
        elif isinstance(inner, BinOp) and inner.op not in {"|", "||"}:
            stack += [inner.left, inner.right]
        elif isinstance(inner, UnaryOp):
            stack.append(inner.operand)
    return False


def _split(node: Node) -> tuple[Node | None, list[Call]]:
    inner = strip_parens(node) if isinstance(node, Paren) else node
    if isinstance(inner, Call) and inner.func in CS_CALLS:
        return None, [inner]
    if isinstance(node, BinOp) and node.op in {"+", "-"}:
        left, calls = _split(node.left)
        right: Node | None = node.right
        if node.op == "+":
            right, more = _split(node.right)
            calls += more
        if left is None and right is None:
            return None, calls
        if right is None:
            return left, calls
        if left is None:
            return (right if node.op == "+" else UnaryOp("-", right, span=node.span)), calls
        return BinOp(node.op, left, right, span=node.span), calls
    return node, []


def cs_terms(calls: tuple[Call, ...], dpar: str, source: str) -> TermList | None:
    """R's terms of ``~ <cs arguments joined by +>``, or None without ``cs()`` terms.

    Raises
    ------
    FormulaTermError
        For ``cs()`` in a formula of another parameter than mu (brms's message), a ``cs()``
        call without exactly one unnamed argument, or a group-level term inside ``cs()``.
    """
    if not calls:
        return None
    if dpar:
        raise FormulaTermError(
            "Category specific effects are only supported for the main parameter 'mu'.",
            source,
            calls[0].span,
        )
    for call in calls:
        if len(call.args) != 1 or call.args[0].name is not None:
            raise FormulaTermError(
                f"{call.func}() takes one term, such as cs(x) or cs(x:z).", source, call.span
            )
    rhs = calls[0].args[0].value
    for call in calls[1:]:
        arg = call.args[0].value
        rhs = BinOp("+", rhs, arg, span=rhs.span.merge(arg.span))
    terms, bars = expand(rhs, source)
    if bars:
        raise FormulaTermError(
            "A group-level term cannot be category specific inside cs(); write (cs(1) | g) "
            "outside cs().",
            source,
            bars[0].span,
        )
    if terms.offsets:
        raise FormulaTermError("offset() cannot be used inside cs().", source, calls[0].span)
    return terms if terms.terms else None


def cs_group_terms(dpars: Sequence[Any]) -> TermList | None:
    """The coefficients of the first category-specific group-level term ``(cs(1) | g)`` of
    the parameters ``dpars`` (:class:`~.brmsterms.DparTerms`), or None without one."""
    for dp in dpars:
        for group in dp.groups:
            if group.cs:
                return group.coefs
    return None


def check_cs_family(cs: TermList | None, source: str, family: str, kind: str) -> None:
    """brms's ``check_cs`` of mu's category-specific terms ``cs`` (None: there are none):
    ``cs()`` needs an ordinal family; cumulative warns.

    Raises
    ------
    FormulaTermError
        brms's "Category specific effects are not supported for this family." for any other
        family.
    """
    if cs is None:
        return
    if kind != "ordinal":
        raise FormulaTermError(
            "Category specific effects are not supported for this family. Use cs() with the "
            f"sratio, cratio, acat or cumulative family, not {family}.",
            source,
        )
    if family == "cumulative":
        warnings.warn(CS_WARNING, UserWarning, stacklevel=user_stacklevel())


def group_cs(lhs: Node, group: Node, dpar: str, source: str) -> tuple[Node, bool]:
    """The left-hand side of a group-level term with brms's ``cs()`` terms resolved.

    brms 2.18 (``split_re_terms`` and ``terms_cs`` in R/formula-re.R, R/formula-cs.R) makes a
    group-level term whose terms are all ``cs()`` calls category specific, with the formula
    ``~ <their arguments joined by +>``: the intercept lives inside ``cs()``, so ``(cs(1) | g)``
    and ``(cs(x) | g)`` (intercept and ``x``) are category specific and ``(1 + cs(x) | g)`` is
    ``(cs(x) | g)``; ``cs(0 + x)`` has no intercept. Returns ``lhs`` and False for a term
    without ``cs()``, else that formula and True.

    Raises
    ------
    FormulaTermError
        brms's messages: for ``cs()`` mixed with other terms, for a parameter other than mu
        and for a multi-membership grouping ``mm()``; and for a ``cs()`` call without exactly
        one unnamed argument.
    """
    kept, calls = split_cs(lhs, source)
    if not calls:
        return lhs, False
    if expand(kept, source)[0].terms:
        raise FormulaTermError(
            "Please specify category specific effects in separate group-level terms.",
            source,
            lhs.span,
        )
    if dpar:
        raise FormulaTermError(
            "Category specific effects are only supported for the main parameter 'mu'.",
            source,
            calls[0].span,
        )
    inner = strip_parens(group)
    if isinstance(inner, Call) and inner.func == "mm":
        raise FormulaTermError(
            "'cs' is not supported in multi-membership terms.", source, inner.span
        )
    for call in calls:
        if len(call.args) != 1 or call.args[0].name is not None:
            raise FormulaTermError(
                f"{call.func}() takes one term, such as cs(1) or cs(x).", source, call.span
            )
    out = calls[0].args[0].value
    for call in calls[1:]:
        arg = call.args[0].value
        out = BinOp("+", out, arg, span=out.span.merge(arg.span))
    return out, True
