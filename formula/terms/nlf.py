"""brms's ``nlf()``: non-linear formulas of distributional parameters.

``bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a + b ~ 1)`` predicts sigma by a non-linear
expression of the non-linear parameters ``a`` and ``b`` (each a linear predictor of its own,
``b_a_Intercept``) and the covariate ``z``; the family's link applies on top (brms's Stan code:
``sigma[n] = exp(nlp_a[n] * exp(nlp_b[n] * C_sigma_1[n]))``). The main formula may be
non-linear too (``nl = TRUE``); then every expression draws on one set of non-linear
parameters (brms's ``nlpars``), and each expression's other names are its covariates, brms's
``C_1, ...`` of mu and ``C_<dpar>_1, ...`` of a parameter. ``nlf(mu ~ ...)`` replaces the main
formula's right-hand side, as ``nl = TRUE`` would.

:func:`model_nonlinear` splits a model's formulas into these parts (for ``nl = TRUE`` alone
too: mu's expression is then the only one); :func:`unwrap_nlf` reads the
``nlf()`` parts that :func:`~.nonlinear.merge_parts` leaves in a ``bf()`` call; :func:`nlf` and
:func:`lf` are the Python counterparts of brms's helpers (``bj.bf("y ~ x") + bj.nlf(...)``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import FormulaTermError, Span
from ..syntax.ast import Argument, Call, Formula, Name, Node
from ..syntax.parse import parse
from .nonlinear import NonlinearTerms, is_nlpar_formula, lhs_names, nl_names

__all__ = [
    "LfPart",
    "NlfPart",
    "NlfTerms",
    "lf",
    "model_nlpars",
    "model_nonlinear",
    "nlf",
    "nlf_text",
    "unwrap_nlf",
]


@dataclass(frozen=True)
class NlfTerms:
    """A distributional parameter predicted by a non-linear formula (``nlf(sigma ~ ...)``).

    Attributes
    ----------
    dpar
        The parameter (``sigma``).
    terms
        Its expression, the model's non-linear parameters and the expression's covariates.
    source, name_span
        The formula's text and the span of its name there (for carets).
    position
        How many linear formulas of other parameters (mu not counted) precede it: brms writes
        the parameters' data in the order of their formulas.
    """

    dpar: str
    terms: NonlinearTerms
    source: str
    name_span: Span | None
    position: int


def unwrap_nlf(call: Call, source: str) -> tuple[Call, tuple[str, ...]]:
    """The ``bf()`` call with each ``nlf(f)`` argument replaced by ``f``, and the names of the
    parameters those formulas predict."""
    args: list[Argument] = []
    names: list[str] = []
    for arg in call.args:
        value = arg.value
        if arg.name is None and isinstance(value, Call) and value.func == "nlf":
            formula = value.args[0].value
            args.append(Argument(None, formula, arg.span))
            if isinstance(formula, Formula) and isinstance(formula.lhs, Name):
                names.append(formula.lhs.name)
            else:
                raise FormulaTermError(
                    "nlf() takes one parameter on the left of '~', such as sigma ~ a * x.",
                    source,
                    value.span,
                )
        else:
            args.append(arg)
    return Call(call.func, tuple(args), call.span), tuple(names)


def _nl_exprs(
    main: Formula, main_src: str, nl: bool, nlf_parts: Sequence[tuple[Formula, str]]
) -> list[str]:
    """The variable names of every non-linear expression, in order of first use."""
    used: dict[str, None] = {}
    exprs = ([(main.rhs, main_src)] if nl else []) + [(f.rhs, t) for f, t in nlf_parts]
    for expr, text in exprs:
        used.update(dict.fromkeys(nl_names(expr, text)))
    return list(used)


def model_nonlinear(
    main: Formula,
    main_src: str,
    formulas: Sequence[tuple[Formula, str]],
    nl: bool,
    *,
    nlf_names: Collection[str],
    dpar_names: Collection[str],
) -> tuple[
    Formula,
    NonlinearTerms | None,
    tuple[NlfTerms, ...],
    list[tuple[str, Span, str, Node]],
    list[tuple[Formula, str]],
]:
    """Split a model's formulas into the non-linear parts and the rest.

    Parameters
    ----------
    main, main_src
        The main formula and its text.
    formulas
        ``(formula, text)`` of each formula after the main one.
    nl
        Whether the main formula is non-linear (``nl = TRUE``).
    nlf_names
        The parameters whose formulas are ``nlf()``'s.
    dpar_names
        The names of distributional parameters.

    Returns
    -------
    tuple
        The main formula (its right-hand side replaced by ``nlf(mu ~ ...)``'s), mu's
        :class:`NonlinearTerms` (None if mu is linear), the :class:`NlfTerms`, ``(name, span,
        text, right-hand side)`` of each non-linear parameter, and the other formulas.

    Raises
    ------
    FormulaTermError
        For a parameter with two formulas, a non-linear parameter no expression uses or
        without formulas (brms's messages), or an ``nlf()`` of a non-linear parameter.
    """
    nlf_parts: list[tuple[Formula, str]] = []
    others: list[tuple[Formula, str]] = []
    for node, text in formulas:
        lhs = node.lhs
        if isinstance(lhs, Name) and lhs.name in nlf_names and lhs.name != "mu":
            nlf_parts.append((node, text))
        elif isinstance(lhs, Name) and lhs.name == "mu" and "mu" in nlf_names:
            main, nl = Formula(main.lhs, node.rhs, main.span), True  # brms: mu's formula
            main_src = text
        else:
            others.append((node, text))
    if not nl and not nlf_parts:
        return main, None, (), [], list(formulas)
    used = _nl_exprs(main, main_src, nl, nlf_parts)
    nlpars: list[tuple[str, Span, str, Node]] = []
    rest: list[tuple[Formula, str]] = []
    positions: dict[int, int] = {}
    for node, text in formulas:
        if any(node is f for f, _ in nlf_parts):
            positions[id(node)] = len(rest)
            continue
        if not any(node is f for f, _ in others):
            continue
        if not is_nlpar_formula(node, used, dpar_names):
            rest.append((node, text))
            continue
        for lhs in lhs_names(node):
            if any(p[0] == lhs.name for p in nlpars):
                raise FormulaTermError(
                    f"The parameter '{lhs.name}' has two formulas.", text, lhs.span
                )
            if lhs.name not in used:
                raise FormulaTermError(
                    f"The parameter '{lhs.name}' is not a valid distributional or non-linear "
                    "parameter. Did you forget to set 'nl = TRUE'?",
                    text,
                    lhs.span,
                )
            nlpars.append((lhs.name, lhs.span, text, node.rhs))
    own = tuple(p[0] for p in nlpars)
    if not own:  # brms 2.18's message (bf(y ~ x, nl = TRUE))
        first = main if nl else nlf_parts[0][0]
        raise FormulaTermError(
            "No non-linear parameters specified.", main_src if nl else nlf_parts[0][1], first.span
        )
    linear = {n.lhs.name for n, _ in rest if isinstance(n.lhs, Name)}
    out: list[NlfTerms] = []
    for node, text in nlf_parts:
        name = node.lhs
        assert isinstance(name, Name)  # nlf_parts hold formulas of one name
        if name.name in own or name.name.rstrip("0123456789") not in dpar_names:  # sigma1
            raise FormulaTermError(
                f"nlf() of '{name.name}', which is not a distributional parameter (a "
                "non-linear formula of a non-linear parameter), is not supported yet.",
                text,
                name.span,
            )
        if name.name in linear or any(t.dpar == name.name for t in out):
            raise FormulaTermError(
                f"The parameter '{name.name}' has two formulas.", text, name.span
            )
        names = nl_names(node.rhs, text)
        terms = NonlinearTerms(node.rhs, own, tuple(n for n in names if n not in own))
        out.append(NlfTerms(name.name, terms, text, name.span, positions[id(node)]))
    mu = None
    if nl:
        names = nl_names(main.rhs, main_src)
        mu = NonlinearTerms(main.rhs, own, tuple(n for n in names if n not in own))
    return main, mu, tuple(out), nlpars, rest


def model_nlpars(bt: Any) -> tuple[str, ...]:
    """The non-linear parameters of a model's terms (:class:`~.brmsterms.BrmsTerms`)."""
    if bt.nonlinear is not None:
        return tuple(bt.nonlinear.nlpars)
    nlfs = getattr(bt, "nlf", ())
    return tuple(nlfs[0].terms.nlpars) if nlfs else ()


@dataclass(frozen=True)
class LfPart:
    """brms's ``lf(a ~ 1, b ~ x)``: formulas of parameters, added to a ``bf()``."""

    formulas: tuple[str, ...]

    def add_to(self, formula: Any) -> Any:
        """The :class:`~.bf.BrmsFormula` ``formula`` with these formulas after its own."""
        return replace(formula, formulas=(*formula.formulas, *self.formulas))


@dataclass(frozen=True)
class NlfPart:
    """brms's ``nlf(sigma ~ a * exp(b * x))``: a parameter's non-linear formula (and formulas
    of non-linear parameters after it), added to a ``bf()``."""

    formulas: tuple[str, ...]
    dpar: str

    def add_to(self, formula: Any) -> Any:
        """The :class:`~.bf.BrmsFormula` ``formula`` with these formulas, ``dpar``'s marked
        non-linear."""
        return replace(
            formula,
            formulas=(*formula.formulas, *self.formulas),
            nlf=(*formula.nlf, self.dpar),
        )


def lf(*formulas: str) -> LfPart:
    """brms's ``lf()``: formulas to add to a ``bf()``, e.g. ``bj.lf("a ~ 1", "b ~ 1")``."""
    for text in formulas:
        if not isinstance(text, str):
            raise TypeError(f"lf() takes formulas as strings, not {type(text).__name__}.")
    return LfPart(tuple(formulas))


def nlf(formula: str, *formulas: str) -> NlfPart:
    """brms's ``nlf()``: a distributional parameter's non-linear formula.

    Examples
    --------
    >>> from brmsjax.formula.terms.bf import bf
    >>> print(bf("y ~ x") + nlf("sigma ~ a * exp(b * z)") + lf("a ~ 1", "b ~ 1"))
    bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a ~ 1, b ~ 1)
    """
    part = lf(formula, *formulas)
    node = parse(formula)
    if not (isinstance(node, Formula) and isinstance(node.lhs, Name)):
        raise FormulaTermError(
            "nlf() takes a formula with one parameter on the left, such as sigma ~ a * x.",
            formula,
            node.span,
        )
    return NlfPart(part.formulas, node.lhs.name)


def nlf_text(formulas: Sequence[str], head: Sequence[str], nlf_names: Collection[str]) -> str:
    """R text of a ``bf()`` with ``nlf()`` parts: ``bf(<head>) + nlf(...) + lf(...)``.

    ``formulas`` are the formulas after the main one, ``head`` the ``bf()`` arguments (the main
    formula first, options last); formulas before the first ``nlf()`` one go into ``bf()``."""
    names = [_lhs_text(f) for f in formulas]
    first = next((i for i, n in enumerate(names) if n in nlf_names), len(formulas))
    out = f"bf({', '.join([head[0], *formulas[:first], *head[1:]])})"
    run: list[str] = []
    for text, name in zip(formulas[first:], names[first:], strict=True):
        if name in nlf_names:
            out += f" + lf({', '.join(run)})" if run else ""
            out, run = out + f" + nlf({text})", []
        else:
            run.append(text)
    return out + (f" + lf({', '.join(run)})" if run else "")


def _lhs_text(text: str) -> str:
    node = parse(text)
    lhs = node.lhs if isinstance(node, Formula) else None
    return lhs.name if isinstance(lhs, Name) else ""
