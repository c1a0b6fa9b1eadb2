"""The porter's ``nlf()`` parts: ``bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a + b ~ 1)``.

:func:`~brmsjax.formula.terms.nonlinear.merge_parts` leaves each ``nlf()`` part in the merged
``bf()`` call as ``nlf(<formula>)``; the porter translates its formula as any other and marks
the parameter non-linear (:func:`nlf_formula_call`), writing the Python source as brms's sum:
``bj.bf("y ~ x") + bj.nlf("sigma ~ a * exp(b * z)") + bj.lf("a ~ 1", "b ~ 1")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from brmsjax.formula.syntax.ast import Call, Formula, Name
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.rcode.rparse import RCodeError

__all__ = ["nlf_formula_call", "nlf_name"]


def nlf_name(call: Call, source: str) -> str:
    """The parameter that a merged ``nlf(<formula>)`` predicts (``sigma``).

    Raises
    ------
    RCodeError
        For a left-hand side that is not one name (``nlf(a + b ~ x)``).
    """
    formula = call.args[0].value
    if isinstance(formula, Formula) and isinstance(formula.lhs, Name):
        return formula.lhs.name
    raise RCodeError(
        "nlf() takes one parameter on the left of '~', such as sigma ~ a * x.", source, call.span
    )


def nlf_formula_call(
    obj: BrmsFormula, parts: Sequence[str], n_formulas: int, nlf_names: Sequence[str]
) -> tuple[BrmsFormula, str]:
    """The formula with ``nlf_names`` marked non-linear, and its Python source.

    ``parts`` are the ``bj.bf()`` arguments as Python source: the ``n_formulas`` formulas (the
    main one first), then the keyword arguments. Formulas up to the first ``nlf()`` one stay
    in ``bj.bf()``; each ``nlf()`` formula becomes ``+ bj.nlf(...)`` and the formulas after it
    ``+ bj.lf(...)``, so that they keep brms's order.
    """
    obj = replace(obj, nlf=tuple(nlf_names))
    formulas, kwargs = list(parts[:n_formulas]), list(parts[n_formulas:])
    lhs = [_lhs(f) for f in obj.formulas]
    first = next(i for i, name in enumerate(lhs) if i and name in nlf_names)
    code = f"bj.bf({', '.join([*formulas[:first], *kwargs])})"
    run: list[str] = []
    for text, name in zip(formulas[first:], lhs[first:], strict=True):
        if name in nlf_names:
            code += f" + bj.lf({', '.join(run)})" if run else ""
            code, run = code + f" + bj.nlf({text})", []
        else:
            run.append(text)
    return obj, code + (f" + bj.lf({', '.join(run)})" if run else "")


def _lhs(text: str) -> str:
    from brmsjax.formula.syntax.parse import parse

    node = parse(text)
    lhs = node.lhs if isinstance(node, Formula) else None
    return lhs.name if isinstance(lhs, Name) else ""
