"""brms's multivariate formulas: ``mvbind()``, ``bf() + bf()``, ``mvbf()`` and ``set_rescor()``.

brms 2.18 reads ``mvbind(y1, y2) ~ x`` as one formula per response with the same right-hand
side, and ``bf(y1 ~ x) + bf(y2 ~ z) + set_rescor(TRUE)`` (or ``mvbf(..., rescor = TRUE)``) as
one formula per ``bf()``. :class:`MvFormula` holds the parts (univariate
:class:`~.bf.BrmsFormula`) and whether the residuals are correlated; :func:`mv_parts` splits a
formula (Python object or text) into ``(response name, univariate formula)`` pairs, or returns
None for a univariate formula. Response names are brms's: the variable's name without dots and
underscores (``Sepal.Length`` -> ``SepalLength``, ``y_1`` -> ``y1``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..errors import FormulaSyntaxError, FormulaTermError
from ..syntax.ast import BinOp, Call, Formula, Name, Node, strip_parens
from ..syntax.parse import deparse, parse
from .bf import BrmsFormula, from_bf_call
from .mv_formula import MvFormula, RescorSpec, set_rescor
from .options import options_from_call

__all__ = [
    "MvFormula",
    "RescorSpec",
    "is_multivariate",
    "mv_parts",
    "mvbf",
    "resp_name",
    "set_rescor",
]

_BF = {"bf", "brmsformula", "brms::bf"}
_MV = {"mvbf", "mvbrmsformula", "brms::mvbf"}
_RESCOR = {"set_rescor", "brms::set_rescor"}


def mvbf(*parts: BrmsFormula | str, rescor: bool | None = None) -> MvFormula:
    """brms's ``mvbf()``: a multivariate formula from univariate ones.

    Parameters
    ----------
    *parts
        :func:`~.bf.bf` formulas or formula strings (``"y1 ~ x"``).
    rescor
        Residual correlations of gaussian or student responses (None: brms's default).
    """
    out = []
    for given in parts:
        p = BrmsFormula((given,)) if isinstance(given, str) else given
        if not isinstance(p, BrmsFormula):
            raise FormulaTermError(f"mvbf() takes bf() formulas, not {type(p).__name__}.")
        out.append(p)
    if rescor is not None and not isinstance(rescor, bool):
        raise FormulaTermError(f"mvbf(rescor = ) must be True or False, not {rescor!r}.")
    return MvFormula(tuple(out), rescor)


def resp_name(label: str) -> str:
    """brms's name of a response in parameter names: the label without dots, underscores and
    other characters that are not letters or digits (``Sepal.Length`` -> ``SepalLength``)."""
    return re.sub(r"[^A-Za-z0-9]", "", label)


def _added(node: Node) -> list[Node]:
    node = strip_parens(node)
    if isinstance(node, BinOp) and node.op == "+":
        return _added(node.left) + _added(node.right)
    return [node]


def _bf_from_call(call: Call, source: str) -> BrmsFormula:
    formulas, fixed, nl = from_bf_call(call, source)
    texts = tuple(deparse(f) for f, _ in formulas)
    return BrmsFormula(texts, fixed, options_from_call(call, source), None, nl)


def _flag(node: Node, source: str, what: str) -> bool:
    inner = strip_parens(node)
    if isinstance(inner, Name) and inner.name in {"TRUE", "FALSE", "T", "F"}:
        return inner.name.startswith("T")
    raise FormulaTermError(f"{what} must be TRUE or FALSE.", source, node.span)


def _from_text(text: str) -> MvFormula | None:
    """The multivariate formula written in ``text``, or None if it is univariate."""
    node = strip_parens(parse(text))
    if isinstance(node, Formula):
        return MvFormula((BrmsFormula((text,)),)) if _mvbind(node) is not None else None
    items = _added(node)
    calls = [strip_parens(i) for i in items]
    if not all(isinstance(c, Call) for c in calls):
        return None
    funcs = [c.func for c in calls if isinstance(c, Call)]
    if len(items) == 1 and funcs[0] in _BF:
        first = calls[0]
        assert isinstance(first, Call)
        part = _bf_from_call(first, text)
        return MvFormula((part,)) if _mvbind(parse(part.formulas[0])) is not None else None
    if (
        not any(f in _MV or f in _RESCOR for f in funcs)
        and funcs.count("bf") + funcs.count("brmsformula") < 2
    ):
        return None  # bf() + lf(): a non-linear formula
    out = MvFormula(())
    for item in calls:
        assert isinstance(item, Call)
        if item.func in _BF:
            out = out + _bf_from_call(item, text)
        elif item.func in _RESCOR:
            flag = item.args[0].value if item.args else Name("TRUE", span=item.span)
            out = out + RescorSpec(_flag(flag, text, "set_rescor()"))
        elif item.func in _MV:
            for arg in item.args:
                value = strip_parens(arg.value)
                if arg.name == "rescor":
                    out = out + RescorSpec(_flag(value, text, "mvbf(rescor = )"))
                elif isinstance(value, Call) and value.func in _BF:
                    out = out + _bf_from_call(value, text)
                elif isinstance(value, Formula):
                    out = out + BrmsFormula((deparse(value),))
                else:
                    raise FormulaTermError("mvbf() takes bf() formulas and rescor.", text, arg.span)
        else:
            raise FormulaTermError(
                f"{item.func}() cannot be added to a multivariate formula; add bf() formulas "
                "and set_rescor().",
                text,
                item.span,
            )
    return out


def _mvbind(node: Node) -> list[Node] | None:
    """The responses of ``mvbind(y1, y2) ~ ...``, else None."""
    if not isinstance(node, Formula) or node.lhs is None:
        return None
    lhs = strip_parens(node.lhs)
    if isinstance(lhs, BinOp) and lhs.op == "|" and isinstance(strip_parens(lhs.left), Call):
        inner = strip_parens(lhs.left)
        if isinstance(inner, Call) and inner.func == "mvbind":
            raise FormulaTermError(
                "Addition terms after mvbind() are not supported yet; write one bf() per "
                "response with its addition terms.",
                deparse(node),
                lhs.span,
            )
    if isinstance(lhs, Call) and lhs.func == "mvbind":
        if len(lhs.args) < 2 or any(a.name is not None for a in lhs.args):
            raise FormulaTermError(
                "mvbind() takes two or more response variables.", deparse(node), lhs.span
            )
        return [a.value for a in lhs.args]
    return None


def is_multivariate(formula: Any) -> bool:
    """Whether ``formula`` has more than one response (``mvbind()``, ``bf() + bf()``)."""
    if isinstance(formula, MvFormula):
        return True
    if isinstance(formula, BrmsFormula):
        return _mvbind(parse(formula.formulas[0])) is not None
    if isinstance(formula, str):
        try:
            return _from_text(formula) is not None
        except (FormulaSyntaxError, FormulaTermError):
            return False
    return False


def mv_parts(formula: Any) -> tuple[list[tuple[str, BrmsFormula]], bool | None] | None:
    """One ``(response name, univariate formula)`` per response, and ``rescor``.

    Returns None for a univariate formula.

    Raises
    ------
    FormulaTermError
        For two responses with the same name, or a part without a response.
    """
    if isinstance(formula, str):
        mv = _from_text(formula)
    elif isinstance(formula, BrmsFormula):
        mv = MvFormula((formula,)) if is_multivariate(formula) else None
    elif isinstance(formula, MvFormula):
        mv = formula
    else:
        return None
    if mv is None:
        return None
    out: list[tuple[str, BrmsFormula]] = []
    for part in mv.parts:
        main = parse(part.formulas[0])
        responses = _mvbind(main)
        if responses is None:
            if not isinstance(main, Formula) or main.lhs is None:
                raise FormulaSyntaxError(
                    "Each formula of a multivariate model needs a response, as in y1 ~ x.",
                    part.formulas[0],
                    main.span,
                )
            lhs = strip_parens(main.lhs)
            lhs = strip_parens(lhs.left) if isinstance(lhs, BinOp) and lhs.op == "|" else lhs
            out.append((resp_name(deparse(lhs)), part))
            continue
        assert isinstance(main, Formula)
        for resp in responses:
            text = deparse(Formula(resp, main.rhs, span=main.span))
            out.append(
                (resp_name(deparse(resp)), replace(part, formulas=(text, *part.formulas[1:])))
            )
    names = [n for n, _ in out]
    for n in names:
        if names.count(n) > 1 or not n:
            raise FormulaTermError(
                f"The response names of a multivariate model must be unique; '{n}' appears "
                "twice (brms removes dots and underscores from them)."
            )
    if len(out) < 2:
        raise FormulaTermError("A multivariate formula needs at least two responses.")
    return out, mv.rescor
