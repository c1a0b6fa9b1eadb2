"""brms's non-linear formulas: ``bf(y ~ a * exp(-b * x), a ~ 1 + z, b ~ 1, nl = TRUE)``.

With ``nl = TRUE`` the main formula's right-hand side is not a sum of terms but an expression
evaluated row by row, as brms writes it into Stan's ``mu[n] = ...``. Its names are either
non-linear parameters (``nlpars``: the left-hand sides of the other formulas that are not
distributional parameters, each a linear predictor of its own) or covariates, data columns
brms passes as ``C_1``, ``C_2``, ... in the order R's ``all.vars`` lists them. Its functions
are Stan's elementwise functions (:data:`NL_FUNCTIONS`); the backend compiles the checked tree
to JAX (:mod:`brmsjax.backend.model.terms.nonlinear`), nothing is ever evaluated as Python text.

brms also lets a parameter's formula be written as ``lf(a ~ 1)``, as an argument of ``bf()``
or added to it: ``bf(y ~ a * exp(-b * x), lf(a ~ 1 + z), nl = TRUE) + lf(b ~ 1)`` reads as
``bf(y ~ a * exp(-b * x), a ~ 1 + z, b ~ 1, nl = TRUE)`` (:func:`merge_parts` rewrites the tree
into that one ``bf()`` call; ``lf()``'s options such as ``center`` are refused by name).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..errors import FormulaTermError
from ..syntax.ast import (
    Argument,
    BinOp,
    Call,
    Formula,
    Name,
    Node,
    Number,
    Paren,
    UnaryOp,
    strip_parens,
)
from ..syntax.parse import parse, parse_formula

__all__ = [
    "NL_FUNCTIONS",
    "NL_OPERATORS",
    "NonlinearTerms",
    "is_nlpar_formula",
    "lhs_names",
    "merge_parts",
    "nl_flag",
    "nl_name_nodes",
    "nl_names",
    "read_formula",
]

#: Stan's real functions a non-linear formula may call, with their number of arguments.
NL_FUNCTIONS: dict[str, int] = {
    **dict.fromkeys(
        (
            "exp", "log", "log2", "log10", "log1p", "expm1", "exp2", "sqrt", "cbrt", "square",
            "inv", "inv_sqrt", "inv_square", "abs", "fabs", "inv_logit", "logit", "Phi",
            "Phi_approx", "inv_Phi", "inv_cloglog", "log_inv_logit", "log1m_inv_logit",
            "log1p_exp", "log1m_exp", "log1m", "sin", "cos", "tan", "asin", "acos", "atan",
            "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "lgamma", "tgamma", "erf", "erfc",
            "step", "int_step", "floor", "ceil", "round", "trunc",
        ),
        1,
    ),
    **dict.fromkeys(("pow", "fmin", "fmax", "fdim", "hypot", "atan2", "log_sum_exp"), 2),
    "pi": 0,
}  # fmt: skip

#: Binary operators of a non-linear formula (R's arithmetic and comparisons, as Stan has them).
NL_OPERATORS = frozenset({"+", "-", "*", "/", "^", "<", ">", "<=", ">=", "==", "!="})

_CONSTANTS = frozenset({"TRUE", "FALSE", "NA", "NULL", "Inf", "NaN"})
_BF = frozenset({"bf", "brmsformula"})


@dataclass(frozen=True)
class NonlinearTerms:
    """The non-linear part of a brms formula.

    Attributes
    ----------
    expr
        The checked right-hand side of the main formula.
    nlpars
        The non-linear parameters in the order of their formulas (``phi1``, ``phi2``).
    covariates
        The expression's other names, data columns, in R's ``all.vars`` order (``C_1``, ...).
    """

    expr: Node
    nlpars: tuple[str, ...]
    covariates: tuple[str, ...]


def nl_names(expr: Node, source: str) -> tuple[str, ...]:
    """The variable names of a non-linear expression in R's ``all.vars`` order, after
    checking that it only uses :data:`NL_OPERATORS` and :data:`NL_FUNCTIONS`.

    See :func:`nl_name_nodes`, whose keys these are.
    """
    return tuple(nl_name_nodes(expr, source))


def nl_name_nodes(expr: Node, source: str) -> dict[str, Name]:
    """The first node of every variable name of a non-linear expression, in R's ``all.vars``
    order, after checking that it only uses :data:`NL_OPERATORS` and :data:`NL_FUNCTIONS`.

    Raises
    ------
    FormulaTermError
        For an unknown function, a wrong number of arguments, named arguments, or an
        operator that has no meaning in arithmetic; the caret points at the culprit.
    """
    out: dict[str, Name] = {}
    stack: list[Node] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Paren):
            stack.append(node.expr)
        elif isinstance(node, Number):
            continue
        elif isinstance(node, Name):
            if node.name in _CONSTANTS:
                raise FormulaTermError(
                    f"'{node.name}' cannot be part of a non-linear formula; use numbers.",
                    source,
                    node.span,
                )
            out.setdefault(node.name, node)
        elif isinstance(node, Call):
            _check_call(node, source)
            stack.extend(reversed(node.positional))
        elif isinstance(node, UnaryOp) and node.op in {"-", "+"}:
            stack.append(node.operand)
        elif isinstance(node, BinOp) and node.op in NL_OPERATORS:
            stack.extend((node.right, node.left))
        else:
            op = getattr(node, "op", None)
            what = f"The operator '{op}'" if op else "This expression"
            raise FormulaTermError(
                f"{what} has no meaning in a non-linear formula; use arithmetic (+ - * / ^), "
                "comparisons and Stan's functions such as exp() or inv_logit().",
                source,
                node.span,
            )
    return out


def _check_call(node: Call, source: str) -> None:
    arity = NL_FUNCTIONS.get(node.func)
    if arity is None:
        raise FormulaTermError(
            f"Unknown function '{node.func}()' in a non-linear formula; brmsjax evaluates "
            f"Stan's functions: {', '.join(sorted(NL_FUNCTIONS, key=str.lower))}.",
            source,
            node.span,
        )
    if any(a.name is not None for a in node.args) or len(node.args) != arity:
        raise FormulaTermError(
            f"{node.func}() takes {arity} unnamed argument{'s' if arity != 1 else ''} in a "
            "non-linear formula.",
            source,
            node.span,
        )


def nl_flag(arg: Argument, func: str, source: str) -> bool:
    """``bf(..., nl = TRUE)``'s flag."""
    flag = strip_parens(arg.value)
    if not (isinstance(flag, Name) and flag.name in {"TRUE", "FALSE", "T", "F"}):
        raise FormulaTermError(f"{func}() argument 'nl' must be TRUE or FALSE.", source, arg.span)
    return flag.name in {"TRUE", "T"}


def is_nlpar_formula(
    node: Formula, used: Collection[str] | None, dpar_names: Collection[str]
) -> bool:
    """Whether ``node`` is a non-linear parameter's formula of a model whose expression uses
    the names ``used`` (None: not a non-linear model): one whose name is not a distributional
    parameter's, or is used by the expression (``phi ~ 1`` in ``y ~ phi * x``)."""
    names = lhs_names(node)
    return (
        used is not None
        and bool(names)
        and all(n.name != "mu" and (n.name in used or n.name not in dpar_names) for n in names)
    )


def lhs_names(node: Formula) -> list[Name]:
    """The names on the left of ``a ~ 1`` or ``a + b ~ 1`` (brms's formula for several
    non-linear parameters at once); empty for any other left-hand side."""
    out: list[Name] = []
    stack = [node.lhs]
    while stack:
        part = stack.pop()
        if isinstance(part, BinOp) and part.op == "+":
            stack.extend((part.right, part.left))
        elif isinstance(part, Name):
            out.append(part)
        else:
            return []
    return out


def _added(node: Node) -> list[Node]:
    """The operands of a left-leaning chain of ``+`` (``a + b + c``), in order."""
    out: list[Node] = []
    while isinstance(node, BinOp) and node.op == "+":
        out.append(node.right)
        node = node.left
    out.append(node)
    return out[::-1]


def _lf_formulas(call: Call, source: str) -> list[Argument]:
    out = []
    for arg in call.args:
        if arg.name is not None:
            raise FormulaTermError(
                f"The lf() argument '{arg.name}' is not supported yet; give lf() formulas only.",
                source,
                arg.span,
            )
        if not isinstance(arg.value, Formula):
            raise FormulaTermError("lf() takes formulas such as a ~ 1 + x.", source, arg.value.span)
        out.append(arg)
    return out


def _nlf_parts(call: Call, source: str) -> list[Argument]:
    """``nlf(sigma ~ a * exp(b * x), a ~ 1)`` as the ``bf()`` arguments ``nlf(sigma ~ ...)``
    (one formula, marking it non-linear) and ``a ~ 1``; brms's ``loop`` option changes only
    how Stan evaluates the formula and is accepted."""
    args = [a for a in call.args if a.name != "loop"]
    if not args or args[0].name is not None or not isinstance(args[0].value, Formula):
        raise FormulaTermError("nlf() takes a formula such as sigma ~ a * exp(b * x).", source,
                               call.span)  # fmt: skip
    first = args[0].value
    if first.lhs is None:  # brms 2.18's message
        raise FormulaTermError("Argument 'formula' must be two-sided.", source, first.span)
    rest = _lf_formulas(Call("lf", tuple(args[1:]), call.span), source)
    return [Argument(None, Call("nlf", (args[0],), call.span), args[0].span), *rest]


def merge_parts(node: Node, source: str) -> Node:
    """``bf(...)`` with its ``lf()`` and ``nlf()`` parts (arguments or added with ``+``) as
    one ``bf()`` call; any other node is returned as it is. An ``nlf()`` part stays an
    ``nlf()`` call of its one formula (:func:`~.nlf.unwrap_nlf` reads it).

    Raises
    ------
    FormulaTermError
        For a part added with ``+`` that is neither ``lf()`` nor ``nlf()``, or an option.
    """
    parts = _added(strip_parens(node))
    first = strip_parens(parts[0])
    if not (isinstance(first, Call) and first.func.removeprefix("brms::") in _BF):
        return node
    args: list[Argument] = []
    for arg in first.args:
        value = strip_parens(arg.value)
        if arg.name is None and isinstance(value, Call) and value.func == "lf":
            args += _lf_formulas(value, source)
        elif arg.name is None and isinstance(value, Call) and value.func == "nlf":
            args += _nlf_parts(value, source)
        else:
            args.append(arg)
    for part in parts[1:]:
        value = strip_parens(part)
        if not (isinstance(value, Call) and value.func in ("lf", "nlf")):
            raise FormulaTermError(
                "Adding formula parts with '+' other than lf() and nlf() (bf(), "
                "set_rescor(), ...) is not supported by brmsjax; write one bf() with lf() "
                "and nlf() parts.",
                source,
                part.span,
            )
        args += _lf_formulas(value, source) if value.func == "lf" else _nlf_parts(value, source)
    return Call(first.func, tuple(args), node.span)


def read_formula(text: str) -> Formula | Call:
    """Parse a model formula as :func:`~brmsjax.formula.syntax.parse.parse_formula` does, with
    ``lf()`` parts merged into their ``bf()`` call (:func:`merge_parts`)."""
    node = merge_parts(parse(text), text)
    return node if isinstance(node, Call) else parse_formula(text)
