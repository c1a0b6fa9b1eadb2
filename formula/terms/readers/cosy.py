"""brms's compound symmetry term ``cosy(time = NA, gr = NA)`` (brms 2.18).

``y ~ x + cosy(time, g)`` gives the residuals of each group ``g`` one common correlation
``cosy`` (in ``[0, 1]``): within a group, ``Cor(e_i, e_j) = cosy`` for every ``i != j``. brms
sorts the data by ``gr`` then ``time`` (as for ARMA terms) and fits gaussian and student
models with a multivariate density per group (``normal_time_hom``, ``student_t_time_hom``),
the other families with correlated latent residuals ``err`` in mu.
``time`` and ``gr`` are data variables; ``NA`` means the row order and one group. The term is
read here as brms's ``cosy()`` reads its arguments (names first, then positions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...errors import FormulaTermError, Span
from ...syntax.ast import Call, Name, Node, strip_parens
from ...syntax.parse import deparse

__all__ = ["COSY_CALLS", "CosyTerm", "model_cosy", "series_variable"]

COSY_CALLS = frozenset({"cosy"})
_FORMALS = ("time", "gr")


@dataclass(frozen=True)
class CosyTerm:
    """One ``cosy()`` term: its ``time`` and ``gr`` variables (None for ``NA``) and label."""

    time: Node | None
    gr: Node | None
    label: str
    span: Span | None = None


def series_variable(node: Node | None, what: str, call: Call, source: str) -> Node | None:
    """A ``time``/``gr`` argument of ``cosy()`` or an ARMA term: a variable name, or None
    for ``NA``."""
    if node is None:
        return None
    inner = strip_parens(node)
    if isinstance(inner, Name) and inner.name == "NA":
        return None
    if not isinstance(inner, Name):
        raise FormulaTermError(
            f"Argument '{what}' of {call.func}() must be a single variable of the data, "
            f"not '{deparse(node)}'.",
            source,
            node.span,
        )
    return inner


def read_cosy(call: Call, source: str) -> CosyTerm:
    """Read one ``cosy()`` call (R's argument matching against ``time``, ``gr``)."""
    args: dict[str, Node] = {}
    for arg in call.args:
        if arg.name is None:
            continue
        if arg.name not in _FORMALS:
            raise FormulaTermError(
                f"cosy() has no argument '{arg.name}'; its arguments are time and gr.",
                source,
                arg.span,
            )
        args[arg.name] = arg.value
    free = [f for f in _FORMALS if f not in args]
    if len(call.positional) > len(free):
        raise FormulaTermError("cosy() takes at most 2 arguments (time, gr).", source, call.span)
    args.update(zip(free, call.positional, strict=False))
    return CosyTerm(
        series_variable(args.get("time"), "time", call, source),
        series_variable(args.get("gr"), "gr", call, source),
        deparse(call),
        call.span,
    )


def model_cosy(calls: Sequence[Call], others: Sequence[object], source: str) -> CosyTerm | None:
    """mu's ``cosy()`` term, or None.

    ``calls`` are mu's autocorrelation calls; ``others`` the model's other time-series terms
    (its ARMA and ``fcor()`` terms, None where absent).

    Raises
    ------
    FormulaTermError
        brms's "Can only model one time-series term." for ``cosy()`` beside another one.
    """
    terms = [read_cosy(c, source) for c in calls if c.func in COSY_CALLS]
    distinct = list({t.label: t for t in terms}.values())  # R's terms() drops repeats
    if len(distinct) > 1 or (distinct and any(o is not None for o in others)):
        span = distinct[-1].span if len(distinct) > 1 else distinct[0].span
        raise FormulaTermError("Can only model one time-series term.", source, span)
    return distinct[0] if distinct else None
