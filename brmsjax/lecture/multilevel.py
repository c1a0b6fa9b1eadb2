"""From level equations to the flat brms formula (the seed lecture's "expanded" model).

>>> multilevel("score ~ age + female", {"1": "size + exp", "age": "size"}, group="class",
...            varying=["1", "age"])
'score ~ age + female + size + exp + age:size + (age | class)'

The level-1 terms come first so that R names each cross-level interaction level-1 variable first
(``age:size``, brms's ``b_age:size``); :func:`brmsjax.lecture.equations.equations` of the result
gives back the betas and gammas the arguments describe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from brmsjax.formula.design.design import as_frame, build_design
from brmsjax.formula.errors import DesignError, FormulaTermError
from brmsjax.formula.evaluate.variables import Evaluator, Factor
from brmsjax.formula.syntax.ast import BinOp, Call, Name, Node, strip_parens
from brmsjax.formula.syntax.parse import deparse, parse, parse_formula
from brmsjax.formula.terms.brmsterms import brms_terms
from brmsjax.formula.terms.terms import Term, TermList, expand

_INTERCEPT = frozenset({"1", "Intercept"})


def _key(text: str, what: str, terms: Mapping[frozenset[str], str]) -> frozenset[str]:
    """The level-1 term that ``text`` names (the empty set for the intercept)."""
    if not isinstance(text, str):
        raise FormulaTermError(f"{what} must name level-1 terms as strings, not {text!r}.")
    if text.strip() in _INTERCEPT:
        return frozenset()
    node = parse(text)
    found, bars = expand(node, text)
    key = frozenset(found.terms[0].labels) if len(found.terms) == 1 and not bars else None
    if key is None or key not in terms:
        raise FormulaTermError(
            f"{what} names '{text}', which is not a term of level1; its terms are: "
            f"{', '.join(['1', *terms.values()])}."
        )
    return key


def _level2_terms(key: str, text: str, level1_vars: set[str]) -> TermList:
    if not isinstance(text, str):
        raise FormulaTermError(
            f"The level-2 predictors of '{key}' must be a string such as "
            f"'size + exp', not {text!r}."
        )
    node = parse(text)
    found, bars = expand(node, text)
    if bars or found.offsets:
        raise FormulaTermError(
            f"The level-2 predictors of '{key}' must be plain terms such as 'size + exp'; write "
            "varying effects with varying= and offsets in level1.",
            text,
            node.span,
        )
    for term in found.terms:
        for label, var in zip(term.labels, term.variables, strict=True):
            if label in level1_vars:
                raise FormulaTermError(
                    f"'{label}' is a level-1 variable (level1 uses it), so it cannot be a level-2 "
                    f"predictor of '{key}'; give level-2 equations only variables of the group.",
                    text,
                    var.span,
                )
    return found


def _check_group(group: str) -> str:
    if not isinstance(group, str) or not group.strip():
        raise FormulaTermError(
            f"group must name the grouping factor, such as 'class', not {group!r}."
        )

    def simple(node: Node) -> bool:
        node = strip_parens(node)
        if isinstance(node, BinOp):
            return node.op == ":" and simple(node.left) and simple(node.right)
        return isinstance(node, Name | Call)

    if not simple(parse(group)):
        raise FormulaTermError(
            f"group must be one grouping factor such as 'class' or 'school:class', not "
            f"'{group}'; write one multilevel() model per grouping factor.",
            group,
            parse(group).span,
        )
    return group.strip()


def _constant_check(
    formula: str,
    group: str,
    varying: bool,
    nodes: Sequence[Node],
    data: pd.DataFrame | Mapping[str, Any],
) -> None:
    frame = as_frame(data)
    check = formula if varying else f"{formula} + (1 | {group})"
    design = build_design(check, frame)
    block = design.groups[-1]
    evaluator = Evaluator(frame, check)
    for node in nodes:
        value = evaluator.value(node)
        x = (value.codes if isinstance(value, Factor) else value.values)[design.rows]
        _, first = np.unique(block.J, return_index=True)
        bad = np.flatnonzero(np.any((x != x[first][block.J]).reshape(len(x), -1), axis=1))
        if bad.size:
            code = block.J[bad[0]]
            within = x[block.J == code]
            n = len(np.unique(within, axis=0))
            raise DesignError(
                f"The level-2 predictor '{deparse(node)}' varies within {group} "
                f"'{block.levels[code]}' (it takes {n} different values there); a level-2 "
                f"predictor must be constant within every level of {group}. Move it to level1 "
                f"or use its mean by {group}."
            )


def multilevel(
    level1: str,
    level2: Mapping[str, str] | None = None,
    *,
    group: str,
    varying: Sequence[str] | str = ("1",),
    cor: bool = True,
    data: pd.DataFrame | Mapping[str, Any] | None = None,
) -> str:
    """Write level equations as one flat brms formula.

    Parameters
    ----------
    level1
        The level-1 model ``"response ~ terms"`` (addition terms and offsets allowed, no
        ``|`` terms), e.g. ``"score ~ age + female + black"``.
    level2
        The level-2 predictors of each beta: keys are level-1 terms (``"age"``, ``"age:female"``)
        or ``"1"`` for the intercept, values the right-hand side of its level-2 equation
        (``"size + exp"``). A value starting with ``0 +`` drops ``gamma_p0``, the beta's own
        fixed coefficient.
    group
        The grouping factor, e.g. ``"class"`` (or an interaction ``"school:class"``).
    varying
        The level-1 terms whose betas vary by group (have an eta); ``"1"`` is the intercept.
    cor
        Whether the etas are correlated (``|``) or independent (``||``).
    data
        Optional data: checks that every level-2 predictor is constant within each group and
        that the formula fits the data.

    Returns
    -------
    str
        The flat formula: level-1 terms, the intercept's predictors, the cross-level
        interactions, then the group-level term.

    Raises
    ------
    FormulaTermError
        A key of ``level2`` or an entry of ``varying`` is not a term of ``level1``, a level-2
        predictor is a level-1 variable, or ``group`` is not one grouping factor.
    DesignError
        With ``data``: a level-2 predictor varies within a group.
    """
    bt = brms_terms(level1)
    node = parse_formula(level1)
    if isinstance(node, Call):
        raise FormulaTermError(
            f"level1 must be one formula such as 'y ~ x', not {node.func}().", level1, node.span
        )
    if node.lhs is None:
        raise FormulaTermError(
            "level1 must be one formula with a response, such as 'y ~ x'.", level1, node.span
        )
    fixed = bt.dpars[0].fixed
    if bt.dpars[0].groups:
        raise FormulaTermError(
            "level1 has a group-level term; name the varying terms with varying= instead.",
            level1,
            bt.dpars[0].groups[0].span,
        )
    group = _check_group(group)
    terms: dict[frozenset[str], Term] = {frozenset(t.labels): t for t in fixed.terms}
    labels = {k: t.label for k, t in terms.items()}
    level1_vars = {label for t in fixed.terms for label in t.labels} | {bt.response_label}
    if level2 is not None and not isinstance(level2, Mapping):
        raise FormulaTermError(
            "level2 must map level-1 terms to their level-2 predictors, such as "
            f"{{'1': 'size + exp', 'age': 'size'}}, not {type(level2).__name__}."
        )
    preds: dict[frozenset[str], TermList] = {}
    for key, text in (level2 or {}).items():
        found = _key(key, "level2", labels)
        if found in preds:
            raise FormulaTermError(f"level2 gives the predictors of '{key}' twice.")
        preds[found] = _level2_terms(key, text, level1_vars)
    wanted = [varying] if isinstance(varying, str) else list(varying)
    vary = {_key(v, "varying", labels) for v in wanted}
    intercept = fixed.intercept and (frozenset() not in preds or preds[frozenset()].intercept)
    rhs = [] if intercept else ["0"]
    rhs += [t.label for k, t in terms.items() if k not in preds or preds[k].intercept]
    rhs += list(preds[frozenset()].labels) if frozenset() in preds else []
    rhs += [f"{t.label}:{z}" for k, t in terms.items() if k in preds for z in preds[k].labels]
    rhs += [f"offset({deparse(o)})" for o in fixed.offsets]
    if vary:
        lhs = [t.label for k, t in terms.items() if k in vary]
        lhs = ([] if frozenset() in vary else ["0"]) + (lhs or ["1"])
        rhs.append(f"({' + '.join(lhs)} {'|' if cor else '||'} {group})")
    response = level1[node.lhs.span.start : node.lhs.span.end].strip()
    formula = f"{response} ~ {' + '.join(rhs) or '1'}"
    brms_terms(formula)
    if data is not None:
        nodes = {deparse(v): v for tl in preds.values() for v in tl.variables()}
        _constant_check(formula, group, bool(vary), list(nodes.values()), data)
    return formula


__all__ = ["multilevel"]
