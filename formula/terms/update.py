"""R's ``update.formula``: a new formula written in terms of an old one.

In the new formula ``.`` stands for the old formula's side: ``. ~ . + w`` adds ``w`` to the old
right-hand side, ``log(.) ~ .`` logs the old response, and a one-sided ``~ . - x`` keeps the old
response. The substitution happens in the syntax tree; the result is then simplified as R's
``terms.formula(simplify = TRUE)`` does: terms expanded and ordered by degree, group-level
terms ``(x | g)`` kept as single terms where they stand, and a removed intercept written as
``- 1``.

For a brms formula with distributional parts (``bf(y ~ x, sigma ~ x)``) the main formula is
updated; distributional formulas and fixed parameters of the new formula replace those of the
old one, parameter by parameter, as brms's ``update.brmsformula`` does.
"""

from __future__ import annotations

from ..errors import FormulaSyntaxError, FormulaTermError
from ..syntax.ast import BinOp, Call, Formula, Name, Node, Paren, UnaryOp, strip_parens
from ..syntax.parse import deparse, parse_formula
from .bf import BrmsFormula, from_bf_call
from .options import FormulaOptions, options_from_call, options_from_kwargs
from .terms import expand

__all__ = ["update_brms_formula", "update_formula"]


def _substitute(node: Node, value: Node) -> Node:
    """``node`` with every ``.`` replaced by ``value`` (bars and calls included)."""
    if isinstance(node, Name):
        return value if node.name == "." else node
    if isinstance(node, Paren):
        return Paren(_substitute(node.expr, value))
    if isinstance(node, UnaryOp):
        return UnaryOp(node.op, _substitute(node.operand, value))
    if isinstance(node, BinOp):
        return BinOp(node.op, _substitute(node.left, value), _substitute(node.right, value))
    if isinstance(node, Call):
        args = tuple(type(a)(a.name, _substitute(a.value, value)) for a in node.args)
        return Call(node.func, args)
    return node


def _hide_bars(node: Node, bars: dict[str, str]) -> Node:
    """Replace each ``(lhs | g)`` by a placeholder name, so that R's term algebra keeps it."""
    if isinstance(node, Paren):
        inner = strip_parens(node)
        if isinstance(inner, BinOp) and inner.op in {"|", "||"}:
            text = deparse(Paren(inner))
            placeholder = Name(text, backticked=True)
            bars[deparse(placeholder)] = text
            return placeholder
        return Paren(_hide_bars(node.expr, bars))
    if isinstance(node, UnaryOp):
        return UnaryOp(node.op, _hide_bars(node.operand, bars))
    if isinstance(node, BinOp):
        return BinOp(node.op, _hide_bars(node.left, bars), _hide_bars(node.right, bars))
    return node


def _simplify(lhs: Node | None, rhs: Node, source: str) -> str:
    bars: dict[str, str] = {}
    hidden = _hide_bars(rhs, bars)
    terms, _ = expand(hidden, source, response=lhs)
    labels = [":".join(bars.get(p, p) for p in t.labels) for t in terms.terms]
    labels += [deparse(sm) for sm in terms.smooths]
    labels += [deparse(call) for call in terms.autocor]  # brms's ar(), ma(), arma()
    labels += [f"offset({deparse(o)})" for o in terms.offsets]
    if not labels:
        right = "1" if terms.intercept else "-1"
    else:
        right = " + ".join(labels) + ("" if terms.intercept else " - 1")
    return f"{deparse(lhs)} ~ {right}" if lhs is not None else f"~{right}"


def _formula(text: str, what: str) -> Formula:
    node = parse_formula(text)
    if not isinstance(node, Formula):
        raise FormulaSyntaxError(
            f"The {what} formula must be a single formula such as '. ~ . + x' here, not a "
            f"{node.func}() call.",
            text,
            node.span,
        )
    return node


def update_formula(old: str, new: str) -> str:
    """R's ``update(old, new)`` for two formulas given as text.

    Parameters
    ----------
    old
        The formula being updated, e.g. ``"y ~ x * z + (1 | g)"``.
    new
        The update, with ``.`` for the old sides: ``". ~ . + w"``, ``"~ . - x"``,
        ``"log(.) ~ ."``.

    Returns
    -------
    str
        The simplified formula as R prints it (``"y ~ x + z + (1 | g) + w + x:z"``).

    Raises
    ------
    FormulaSyntaxError
        If either text is not a formula.
    """
    old_f = _formula(old, "old")
    new_f = _formula(new, "new")
    if new_f.lhs is None:
        lhs = old_f.lhs
    elif old_f.lhs is None:
        lhs = new_f.lhs
    else:
        lhs = _substitute(new_f.lhs, old_f.lhs)
    rhs = _substitute(new_f.rhs, Paren(old_f.rhs))
    text = deparse(Formula(lhs, rhs))
    return _simplify(lhs, parse_formula(text).rhs, text)  # type: ignore[union-attr]


def _parts(formula: str | BrmsFormula) -> tuple[list[str], dict[str, float]]:
    """Formula texts (main first) and fixed parameters of a formula or ``bf()`` text."""
    if isinstance(formula, BrmsFormula) and formula.nlf:
        raise FormulaTermError(
            "update() of a formula with nlf() parts is not supported yet; give the new "
            "model's whole formula instead."
        )
    if isinstance(formula, BrmsFormula) and not formula.nl:
        return list(formula.formulas), dict(formula.fixed)
    node = parse_formula(str(formula))
    if isinstance(node, Formula):
        return [str(formula)], {}
    formulas, fixed, nl = from_bf_call(node, str(formula))
    if nl:
        raise FormulaTermError(
            "update() of a non-linear formula (nl = TRUE) is not supported yet; give the "
            "new model's whole formula instead."
        )
    return [deparse(f) for f, _ in formulas], fixed


def _autocor(formula: str | BrmsFormula) -> str | None:
    """The ``autocor`` formula of a :func:`bf` or of ``bf(..., autocor = ~ ...)`` text."""
    if isinstance(formula, BrmsFormula):
        return formula.autocor
    node = parse_formula(formula)
    ac = node.keywords.get("autocor") if isinstance(node, Call) else None
    return None if ac is None else deparse(ac)


def _dpar(text: str) -> str:
    lhs = parse_formula(text).lhs  # type: ignore[union-attr]
    return deparse(lhs) if lhs is not None else ""


def update_brms_formula(old: str | BrmsFormula, new: str | BrmsFormula) -> str | BrmsFormula:
    """brms's ``update()`` of a model formula.

    Parameters
    ----------
    old
        The model's formula: text (``"y ~ x"``, ``"bf(y ~ x, sigma ~ x)"``) or :func:`bf`.
    new
        The update of the main formula (``". ~ . + z"``), or a :func:`bf` whose first
        formula updates the main formula and whose other formulas replace those of the same
        distributional parameters.

    Returns
    -------
    str or BrmsFormula
        Text when the result has only a main formula, else a :class:`BrmsFormula`.
    """
    old_forms, old_fixed = _parts(old)
    new_forms, new_fixed = _parts(new)
    main = update_formula(old_forms[0], new_forms[0])
    dpars = {_dpar(f): f for f in old_forms[1:]}
    dpars.update({_dpar(f): f for f in new_forms[1:]})
    fixed = {**old_fixed, **new_fixed}
    for name in fixed:
        dpars.pop(name, None)
    options = {**_options(old).as_kwargs(), **_options(new).as_kwargs()}
    autocor = _autocor(new) or _autocor(old)
    if not dpars and not fixed and not options and autocor is None:
        return main
    return BrmsFormula(
        (main, *dpars.values()), fixed, options_from_kwargs(options), autocor=autocor
    )


def _options(formula: str | BrmsFormula) -> FormulaOptions:
    """The ``bf()`` options (``center = FALSE``) of a formula or ``bf()`` text."""
    if isinstance(formula, BrmsFormula):
        return formula.options
    node = parse_formula(formula)
    return FormulaOptions() if isinstance(node, Formula) else options_from_call(node, formula)
