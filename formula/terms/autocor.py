"""brms's ARMA autocorrelation terms ``ar()``, ``ma()`` and ``arma()`` (brms 2.18).

``y ~ x + ar(time = t, gr = g, p = 2)`` and ``bf(y ~ x, autocor = ~ arma(t, g, 1, 1))`` both add
one ARMA term to mu. The term is read here as brms's ``.arma`` reads its arguments (R's
argument matching: names first, then positions in the order of the formals):

- ``ar(time = NA, gr = NA, p = 1, cov = FALSE)``
- ``ma(time = NA, gr = NA, q = 1, cov = FALSE)``
- ``arma(time = NA, gr = NA, p = 1, q = 1, cov = FALSE)``

``time`` and ``gr`` are data variables (``NA``: the row order and a single group). With brms's
default ``cov = FALSE`` brmsjax fits the "predicted residuals" formulation for gaussian and
student, latent residuals ``err`` for the other families (``ar()`` only: brms asks for
``cov = TRUE`` for their MA terms). ``cov = TRUE`` (orders of at most one, as in brms) models
each series' residual covariance matrix for gaussian and student
(:mod:`brmsjax.formula.design.special.arcov`), and correlated latent residuals ``err`` for the
other families. The data are sorted by ``gr`` then ``time`` as
brms does (see :mod:`brmsjax.formula.design.special.autocor`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import FormulaSyntaxError, FormulaTermError, Span
from ..syntax.ast import Call, Formula, Name, Node, Number, strip_parens
from ..syntax.parse import deparse, parse
from .nonlinear import read_formula
from .readers.cosy import series_variable

__all__ = ["AUTOCOR_CALLS", "ArmaTerm", "autocor_lines", "model_arma", "read_arma", "single_arma"]

#: brms's formals of each ARMA term, in order (``...`` matching by position).
_FORMALS: dict[str, tuple[str, ...]] = {
    "ar": ("time", "gr", "p", "cov"),
    "ma": ("time", "gr", "q", "cov"),
    "arma": ("time", "gr", "p", "q", "cov"),
}
AUTOCOR_CALLS = frozenset(_FORMALS)
#: Autocorrelation terms of brms that brmsjax does not implement.
OTHER_AUTOCOR = frozenset({"cosy", "unstr"})


@dataclass(frozen=True)
class ArmaTerm:
    """One ARMA term as brms's ``tidy_acef`` holds it.

    Attributes
    ----------
    time
        The time variable's node, or None (``NA``: the order of the rows).
    gr
        The grouping variable's node, or None (one series).
    p, q
        The AR and MA orders (brms's ``Kar`` and ``Kma``).
    cov
        brms's ``cov``: True models each series' residual covariance matrix (p, q <= 1).
    label
        The term as written (``ar(time = year, p = 1)``).
    in_autocor
        Whether it came from the ``autocor`` formula rather than the model formula.
    """

    time: Node | None
    gr: Node | None
    p: int
    q: int
    cov: bool
    label: str
    span: Span | None = None
    in_autocor: bool = False


def _match(call: Call, source: str) -> dict[str, Node]:
    """R's argument matching of ``call`` against its brms formals."""
    formals = _FORMALS[call.func]
    out: dict[str, Node] = {}
    for arg in call.args:
        if arg.name is None:
            continue
        if arg.name not in formals:
            raise FormulaTermError(
                f"{call.func}() has no argument '{arg.name}'; its arguments are "
                f"{', '.join(formals)}.",
                source,
                arg.span,
            )
        out[arg.name] = arg.value
    free = [f for f in formals if f not in out]
    positional = call.positional
    if len(positional) > len(free):
        raise FormulaTermError(
            f"{call.func}() takes at most {len(formals)} arguments ({', '.join(formals)}).",
            source,
            call.span,
        )
    out.update(zip(free, positional, strict=False))
    return out


def _order(node: Node | None, default: int, what: str, source: str, call: Call) -> int:
    """An AR or MA order: a non-negative whole number (brms's ``is_wholenumber``)."""
    if node is None:
        return default
    inner = strip_parens(node)
    if not isinstance(inner, Number) or inner.value < 0 or inner.value != int(inner.value):
        raise FormulaTermError(f"{what} order must be a non-negative integer.", source, node.span)
    return int(inner.value)


def _logical(node: Node | None, call: Call, source: str) -> bool:
    if node is None:
        return False
    inner = strip_parens(node)
    if isinstance(inner, Name) and inner.name in {"TRUE", "T", "FALSE", "F"}:
        return inner.name in {"TRUE", "T"}
    raise FormulaTermError(
        f"Argument 'cov' of {call.func}() must be TRUE or FALSE.", source, node.span
    )


def read_arma(call: Call, source: str) -> ArmaTerm:
    """Read one ``ar()``/``ma()``/``arma()`` call as brms's ``.arma`` does.

    Raises
    ------
    FormulaTermError
        For an argument brms refuses (orders that are not non-negative whole numbers, both
        orders zero, a ``time`` or ``gr`` that is not one variable, ``cov = TRUE`` with an order
        above one).
    """
    args = _match(call, source)
    time = series_variable(args.get("time"), "time", call, source)
    gr = series_variable(args.get("gr"), "gr", call, source)
    p = _order(args.get("p"), 1 if call.func != "ma" else 0, "Autoregressive", source, call)
    q = _order(args.get("q"), 1 if call.func != "ar" else 0, "Moving-average", source, call)
    if call.func == "ar":
        q = 0
    if call.func == "ma":
        p = 0
    if p + q == 0:
        raise FormulaTermError(
            "At least one of 'p' and 'q' should be greater zero.", source, call.span
        )
    cov = _logical(args.get("cov"), call, source)
    if cov and (p > 1 or q > 1):
        raise FormulaTermError(
            "Covariance formulation of ARMA structures is only possible for effects of "
            "maximal order one.",
            source,
            call.span,
        )
    return ArmaTerm(time, gr, p, q, cov, deparse(call), call.span)


def single_arma(terms: Sequence[ArmaTerm], source: str) -> ArmaTerm | None:
    """The model's one ARMA term, or None; brms allows one term per class and one time series.

    Raises
    ------
    FormulaTermError
        With brms's message when there are two or more.
    """
    if len(terms) > 1:
        raise FormulaTermError(
            "Can only model one term per autocorrelation class.", source, terms[1].span
        )
    return terms[0] if terms else None


def model_arma(
    dpars: Sequence[Any], formula: object, source: str, expand: Callable[..., Any]
) -> ArmaTerm | None:
    """The model's ARMA term: mu's ``ar()``/``ma()``/``arma()`` or the ``autocor`` formula's.

    ``dpars`` are the model's ``DparTerms`` (mu first); ``formula`` is what
    :func:`~.brmsterms.brms_terms` read: a ``bf()`` text (whose ``autocor = ~ ...`` argument is
    read here) or a ``BrmsFormula`` (its ``autocor`` text); ``expand`` is
    :func:`~.terms.expand` (passed in: that module imports this one).

    Raises
    ------
    FormulaTermError
        For a term in another parameter's formula (brms's message), other terms in the
        ``autocor`` formula, or more than one ARMA term.
    """
    for dp in dpars[1:]:
        if dp.fixed.autocor:
            raise FormulaTermError(
                "Explicit covariance terms can only be specified on 'mu'.",
                dp.source,
                dp.fixed.autocor[0].span,
            )
    terms = [read_arma(c, source) for c in dpars[0].fixed.autocor if c.func in AUTOCOR_CALLS]
    node: Node | None = None
    text = getattr(formula, "autocor", None)
    if isinstance(text, str):
        node = parse(text)
    elif isinstance(formula, str):
        text, call = formula, read_formula(formula)  # bf(...) + lf(...) merged
        node = call.keywords.get("autocor") if isinstance(call, Call) else None
    if node is not None and text is not None:
        if not isinstance(node, Formula) or node.lhs is not None:
            raise FormulaSyntaxError(
                "autocor must be a one-sided formula such as '~ ar(time = t)'.", text, node.span
            )
        ac_terms, bars = expand(node.rhs, text)
        if ac_terms.terms or bars or ac_terms.offsets:
            raise FormulaTermError(
                "The autocor formula takes only autocorrelation terms such as ar(), ma() or "
                "arma().",
                text,
                node.rhs.span,
            )
        for call in ac_terms.autocor:
            if call.func not in AUTOCOR_CALLS:  # fcor(): brmsjax reads it in the model formula
                raise FormulaTermError(
                    f"Write {call.func}() in the model formula rather than in autocor.",
                    text,
                    call.span,
                )
            terms.append(replace(read_arma(call, text), in_autocor=True))
    return single_arma(terms, source)


def autocor_lines(lines: tuple[str, ...], arma: ArmaTerm | None) -> tuple[str, ...]:
    """The formula's lines as brms prints them: an ``autocor`` formula's term follows the
    model formula (``autocor ~ ar(time = year, p = 1)``)."""
    if arma is None or not arma.in_autocor:
        return lines
    return (lines[0], f"autocor ~ {arma.label}", *lines[1:])
