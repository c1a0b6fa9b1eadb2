"""brms's ``mi(x)`` predictors: a response's latent values (its imputed missings) as a covariate.

In a multivariate model ``bf(bmi | mi() ~ age * mi(chl)) + bf(chl | mi() ~ age)`` the term
``mi(chl)`` is ``chl``'s vector ``Yl_chl`` (its data with the parameters ``Ymi_chl`` at the
missing rows); brms takes every term with a ``mi()`` call into the special effects (``sp``) of
its block, as ``mo()`` and ``me()`` (coefficients ``bsp_bmi_michl``, ``bsp_bmi_michl:age``).

Reading a formula's terms needs to know which variables are responses with ``mi()``:
:func:`mi_responses` sets them while a multivariate design is built (a univariate model has
none, so any ``mi(x)`` gets brms's error). :func:`check_mi_predictor` gives brms's errors for
``x`` without a formula of its own or without ``mi()`` in it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ...errors import FormulaTermError
from ...syntax.ast import BinOp, Call, Formula, Node, strip_parens
from ...syntax.parse import deparse, parse
from ..additions import mi_predictor_message

__all__ = [
    "check_mi_predictor",
    "is_mi",
    "mi_index_nodes",
    "mi_predictor_labels",
    "mi_responses",
    "mi_variable",
    "response_labels",
]

#: (the model's responses, those with ``mi()``) as written (``chl``), while a design is built.
_RESPONSES: ContextVar[tuple[frozenset[str], frozenset[str]]] = ContextVar(
    "mi_responses", default=(frozenset(), frozenset())
)


@contextmanager
def mi_responses(responses: frozenset[str], with_mi: frozenset[str]) -> Iterator[None]:
    """Within the block, ``mi(x)`` predictors may name the responses ``with_mi``."""
    token = _RESPONSES.set((responses, with_mi))
    try:
        yield
    finally:
        _RESPONSES.reset(token)


def is_mi(node: Node) -> bool:
    """Whether ``node`` is a ``mi()`` call."""
    node = strip_parens(node)
    return isinstance(node, Call) and node.func == "mi"


def mi_variable(node: Node) -> Node:
    """The variable of ``mi(x)`` (checked by :func:`check_mi_predictor`)."""
    call = strip_parens(node)
    if not isinstance(call, Call) or not call.args:  # pragma: no cover - checked first
        raise TypeError(type(call).__name__)
    return call.args[0].value


def check_mi_predictor(call: Call, source: str | None) -> None:
    """brms's checks of a predictor ``mi(x)``: ``x`` is a response of the model with a
    ``mi()`` addition term (``mi(x, idx)``'s ``idx`` is checked by the multivariate design).

    Raises
    ------
    FormulaTermError
        With brms's message where brms has one.
    """
    responses, with_mi = _RESPONSES.get()
    positional = [a for a in call.args if a.name is None]
    if not positional or len(call.args) > 2:
        raise FormulaTermError("mi() takes a variable, as in mi(x).", source, call.span)
    var = deparse(positional[0].value)
    if var in responses and var not in with_mi:
        raise FormulaTermError(
            "Response models of variables in 'mi' terms require specification of the addition "
            f"argument 'mi'. See ?mi. Error occurred for '{var}'.",
            source,
            call.span,
        )
    if var not in with_mi:
        raise FormulaTermError(mi_predictor_message(call), source, call.span)


def mi_index_nodes(node: Node) -> list[Node]:
    """The ``idx`` of ``mi(x, idx)`` (matched against the ``index()`` of ``x``'s subsetted
    response), as a one-element list, or an empty list for ``mi(x)``."""
    call = strip_parens(node)
    if not isinstance(call, Call):  # pragma: no cover - is_mi checked first
        return []
    return [a.value for a in call.args[1:2]]


def mi_predictor_labels(bt: object) -> set[str]:
    """Labels of the ``mi(x)`` predictors of ``bt`` (a :class:`~.brmsterms.BrmsTerms`) and of
    their variables: their missing values keep their rows (brms's ``vars_keep_na``)."""
    out: set[str] = set()
    for dp in getattr(bt, "dpars", ()):
        for node in dp.fixed.variables():
            if is_mi(node):
                out |= {deparse(node), deparse(mi_variable(node))}
    return out


def _lhs(text: str) -> tuple[str, bool]:
    """The response of a formula as written and whether its addition terms have ``mi()``."""
    node = strip_parens(parse(text))
    lhs = strip_parens(node.lhs) if isinstance(node, Formula) and node.lhs is not None else None
    if lhs is None:
        return "", False
    if isinstance(lhs, BinOp) and lhs.op == "|":
        stack, found = [lhs.right], False
        while stack:
            item = strip_parens(stack.pop())
            if isinstance(item, BinOp) and item.op == "+":
                stack += [item.left, item.right]
            found = found or is_mi(item)
        return deparse(lhs.left), found
    return deparse(lhs), False


def response_labels(parts: Sequence[tuple[str, Any]]) -> tuple[frozenset[str], frozenset[str]]:
    """The responses of a multivariate model's parts (``(name, bf())`` pairs) as written, and
    those with a ``mi()`` addition term: the arguments of :func:`mi_responses`."""
    found = [_lhs(part.formulas[0]) for _, part in parts]
    return frozenset(lb for lb, _ in found), frozenset(lb for lb, mi in found if mi)
