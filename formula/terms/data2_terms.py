"""Formula terms that name objects of brms's ``data2`` rather than columns of the data.

brms 2.18 reads matrices that do not fit in a data frame from the ``data2`` list: the known
covariance of a grouping factor's levels (``gr(g, cov = A)``, phylogenetic and animal models)
and the fixed residual correlation matrix of ``fcor(M)``, and the spatial weight matrices of
``sar(M, type)`` and ``car(M, gr, type)`` (:class:`SarTerm`, :class:`CarTerm`).
This module reads those names from the parsed formula; the matrices themselves are checked
and matched to the data in :mod:`brmsjax.formula.design.data2`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import FormulaTermError, Span
from ..syntax.ast import (
    BinOp,
    Call,
    Formula,
    Name,
    Node,
    Paren,
    String,
    UnaryOp,
    strip_parens,
)
from ..syntax.parse import deparse

__all__ = [
    "DATA2_AUTOCOR",
    "CarTerm",
    "FcorTerm",
    "SarTerm",
    "gr_cov",
    "model_fcor",
    "model_spatial",
]

#: brms's autocorrelation terms whose matrix comes from ``data2`` and that brmsjax reads.
DATA2_AUTOCOR = frozenset({"fcor", "sar", "car"})


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


#: brms 2.18's formals of the spatial terms and the options of their ``type`` (first: default).
_SPATIAL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sar": (("M", "type"), ("lag", "error")),
    "car": (("M", "gr", "type"), ("escar", "esicar", "icar", "bym2")),
}


@dataclass(frozen=True)
class SarTerm:
    """``sar(M, type)``: a spatial simultaneous autoregressive structure (``"lag"`` of the
    response or ``"error"`` of the residuals) with weight matrix ``data2[M]``."""

    M: str
    type: str
    label: str
    span: Span


@dataclass(frozen=True)
class CarTerm:
    """``car(M, gr, type)``: a conditional autoregressive effect per location (``gr``'s levels,
    or one per row when ``gr`` is None) with adjacency matrix ``data2[M]``."""

    M: str
    gr: Name | None
    type: str
    label: str
    span: Span


def _spatial_args(call: Call, source: str) -> dict[str, Node]:
    """R's matching of ``call``'s arguments to its formals (names first, then positions)."""
    formals = _SPATIAL[call.func][0]
    out: dict[str, Node] = {}
    for arg in call.args:
        if arg.name is not None:
            if arg.name not in formals:
                raise FormulaTermError(
                    f"{call.func}() has no argument '{arg.name}'; its arguments are "
                    f"{', '.join(formals)}.",
                    source,
                    arg.span,
                )
            out[arg.name] = arg.value
    free = [f for f in formals if f not in out]
    if len(call.positional) > len(free):
        raise FormulaTermError(
            f"{call.func}() takes at most {len(formals)} arguments ({', '.join(formals)}).",
            source,
            call.span,
        )
    out.update(zip(free, call.positional, strict=False))
    if "M" not in out:
        raise FormulaTermError(f"Argument 'M' is missing in {call.func}().", source, call.span)
    return out


def _spatial_type(call: Call, node: Node | None, source: str) -> str:
    """``type`` as R's ``match.arg`` reads it (a unique prefix of an option)."""
    options = _SPATIAL[call.func][1]
    if node is None:
        return options[0]
    inner = strip_parens(node)
    value = inner.value if isinstance(inner, String) else None
    found = [o for o in options if value and o.startswith(value)]
    if value in options:
        return value
    if len(found) != 1:
        shown = ", ".join(f"'{o}'" for o in options)
        raise FormulaTermError(
            f"Argument 'type' of {call.func}() should be one of {shown}.", source, node.span
        )
    return found[0]


def _one_variable(call: Call, node: Node, what: str, source: str) -> str:
    found = _names(node)
    if len(found) != 1:
        raise FormulaTermError(
            f"Argument '{what}' of {call.func}() must be one variable: the name of a matrix in "
            "data2.",
            source,
            node.span,
        )
    return found[0]


def _spatial(call: Call, source: str) -> SarTerm | CarTerm:
    """Read ``sar()`` or ``car()`` as brms 2.18's ``sar()``/``car()`` do."""
    args = _spatial_args(call, source)
    M = _one_variable(call, args["M"], "M", source)
    kind = _spatial_type(call, args.get("type"), source)
    if call.func == "sar":
        return SarTerm(M, kind, deparse(call), call.span)
    gr = args.get("gr")
    inner = None if gr is None else strip_parens(gr)
    if isinstance(inner, Name) and inner.name == "NA":
        inner = None
    if inner is not None and not isinstance(inner, Name):
        raise FormulaTermError(
            "Argument 'gr' of car() must be a single variable of the data.", source, inner.span
        )
    return CarTerm(M, inner, kind, deparse(call), call.span)


def model_spatial(
    calls: Sequence[Call], others: bool, source: str
) -> tuple[SarTerm | None, CarTerm | None]:
    """mu's ``sar()`` and ``car()`` terms (one of each at most, as brms allows).

    ``others``: whether the model has an ARMA or ``fcor()`` term, which brmsjax does not
    combine with ``sar()`` (both define the residuals' correlation).

    Raises
    ------
    FormulaTermError
        For two terms of one class (brms's message) or ``sar()`` with ARMA or ``fcor()`` terms.
    """
    terms = [_spatial(call, source) for call in calls if call.func in _SPATIAL]
    sars = [t for t in terms if isinstance(t, SarTerm)]
    cars = [t for t in terms if isinstance(t, CarTerm)]
    for group in (sars, cars):
        if len(group) > 1:
            raise FormulaTermError(
                "Can only model one term per autocorrelation class.", source, group[1].span
            )
    if sars and others:
        raise FormulaTermError(
            "sar() cannot be combined with ar(), ma(), arma() or fcor() terms in brmsjax.",
            source,
            sars[0].span,
        )
    return (sars[0] if sars else None), (cars[0] if cars else None)
