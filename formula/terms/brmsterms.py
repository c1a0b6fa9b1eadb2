"""brms's reading of a formula: response, addition terms, distributional parameters, groups.

``bf(y | weights(w) ~ x + (1 | p | g), sigma ~ x + (1 | p | g), nu = 4)`` becomes a
:class:`BrmsTerms`: the response ``y`` with its addition terms, one :class:`DparTerms` per
predicted parameter (mu first) with R's fixed-effect terms and brms group terms, and the
parameters fixed to constants. brms's group rules: ``||`` stays one term with ``cor=False``;
``g1/g2`` gives the groups ``g1`` and ``g1:g2``; ``gr(g, cor = FALSE, id = "p")`` is the long form.

:class:`~.bf.BrmsFormula` and :func:`~.bf.bf` live in :mod:`.bf`; this module re-exports them
(fits pickled before the move name ``brmsjax.formula.terms.brmsterms.BrmsFormula``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import FormulaSyntaxError, FormulaTermError, Span
from ..syntax.ast import BinOp, Call, Formula, Name, Node, String, strip_parens
from ..syntax.parse import deparse, parse
from .additions import ADDITION_OPTIONS, ADDITION_TERMS, addition_args, constant_value
from .autocor import ArmaTerm, autocor_lines, model_arma
from .bf import DPAR_NAMES, BrmsFormula, bf, from_bf_call, is_category_dpar_name, is_dpar_name
from .category_specific import cs_terms, group_cs, split_cs
from .data2_terms import CarTerm, FcorTerm, SarTerm, gr_cov, model_fcor, model_spatial
from .multimembership import MmTerm, mmc_last, read_mm, refuse_mmc
from .nlf import NlfTerms, model_nonlinear, unwrap_nlf
from .nonlinear import NonlinearTerms, read_formula
from .options import FormulaOptions, options_from_call
from .readers.cosy import CosyTerm, model_cosy
from .terms import Bar, TermList, expand

_FORMULA_CALLS = {"bf", "brmsformula"}


@dataclass(frozen=True)
class Addition:
    """A response addition term such as ``weights(w)`` or ``trunc(lb = 0)``."""

    name: str
    call: Call


@dataclass(frozen=True)
class GroupTerm:
    """A brms group-level term after expansion of ``/`` and ``gr()``.

    Attributes
    ----------
    coefs
        R's terms of the left-hand side (``1 + x``).
    group_vars
        The grouping variables (``g1``, ``g2`` for ``g1:g2``).
    group
        The group name brms uses (``"g1:g2"``).
    cor
        Whether the coefficients are correlated.
    id
        The correlation id of ``(x | p | g)`` or ``gr(g, id = "p")``, else None.
    dpar
        The distributional parameter the term belongs to (``""`` for mu).
    mm
        The membership structure of a multi-membership term ``mm(g1, g2)``, else None; then
        ``group_vars`` are its grouping variables and ``group`` brms's name (``mmg1g2``).
    """

    coefs: TermList
    group_vars: tuple[Node, ...]
    group: str
    cor: bool
    id: str | None
    dpar: str
    span: Span
    #: ``gr(g, cov = A)``: the name of the levels' known covariance matrix in ``data2``.
    cov: str | None = None
    mm: MmTerm | None = None
    #: ``gr(g, by = f)``: the factor whose levels get their own ``sd`` and ``cor``, else None.
    by: Node | None = None
    #: ``gr(g, dist = "student")``: the effects' distribution, ``"gaussian"`` or ``"student"``.
    dist: str = "gaussian"
    #: ``(cs(1) | g)``: category specific, one effect per coefficient and ordinal threshold.
    cs: bool = False


@dataclass(frozen=True)
class DparTerms:
    """The predictors of one distributional parameter."""

    dpar: str
    fixed: TermList
    groups: tuple[GroupTerm, ...]
    rhs: Node
    #: The text of the dpar's formula and the span of its name there (for carets).
    source: str = ""
    name_span: Span | None = None
    #: R's terms of the category-specific ``cs()`` terms (mu of ordinal models), else None.
    cs: TermList | None = None


@dataclass(frozen=True)
class BrmsTerms:
    """Everything brms reads from a (possibly distributional) formula."""

    source: str
    response: Node
    additions: tuple[Addition, ...]
    dpars: tuple[DparTerms, ...]
    fixed_dpars: Mapping[str, float] = field(default_factory=dict)
    formula_lines: tuple[str, ...] = ()
    options: FormulaOptions = FormulaOptions()  # bf(center =, cmc =, decomp =)
    arma: ArmaTerm | None = None
    nonlinear: NonlinearTerms | None = None
    #: ``fcor(M)``: the fixed residual correlation matrix's ``data2`` name, else None.
    fcor: FcorTerm | None = None
    sar: SarTerm | None = None  # sar(M, type): the spatial autoregressive structure of mu
    car: CarTerm | None = None  # car(M, gr, type): the CAR effects of mu
    #: ``cosy(time, gr)``: compound symmetry of the residuals (:mod:`.cosy`), else None.
    cosy: CosyTerm | None = None
    #: ``nlf(sigma ~ a * exp(b * x))``: parameters predicted by non-linear formulas (:mod:`.nlf`).
    nlf: tuple[NlfTerms, ...] = ()

    @property
    def response_label(self) -> str:
        """The response's deparsed label (``Reaction``)."""
        return deparse(self.response)

    def addition(self, name: str) -> Addition | None:
        """The addition term called ``name``, or None."""
        for a in self.additions:
            if a.name == name:
                return a
        return None


def _flatten(node: Node, op: str) -> list[Node]:
    node = strip_parens(node) if op == ":" else node
    if isinstance(node, BinOp) and node.op == op:
        return _flatten(node.left, op) + _flatten(node.right, op)
    return [node]


def _additions(node: Node, source: str) -> tuple[Addition, ...]:
    out: list[Addition] = []
    for raw in _flatten(node, "+"):
        part = strip_parens(raw)
        if not isinstance(part, Call):
            raise FormulaTermError(
                "Terms after '|' on the left-hand side must be addition terms such as "
                "weights(w) or trials(n).",
                source,
                part.span,
            )
        name = part.func.removeprefix("resp_")
        if name not in ADDITION_TERMS:
            raise FormulaTermError(
                f"Unknown addition term '{part.func}()'; brms's addition terms are: "
                f"{', '.join(ADDITION_TERMS)}.",
                source,
                part.span,
            )
        if any(a.name == name for a in out):
            raise FormulaTermError(
                f"The addition term '{name}()' appears twice.", source, part.span
            )
        out.append(Addition(name, part))
    return tuple(out)


def _group_name(nodes: Sequence[Node]) -> str:
    return ":".join(deparse(n) for n in nodes)


def _gr_options(
    call: Call, source: str
) -> tuple[Node, bool | None, str | None, str | None, Node | None, str]:
    """Read ``gr(g, by = NULL, cor = TRUE, id = NA, cov = NULL, dist = "gaussian")``."""
    if not call.positional:
        raise FormulaTermError(
            "gr() needs the grouping variable as first argument.", source, call.span
        )
    group = call.positional[0]
    cor: bool | None = None
    gid: str | None = None
    cov: str | None = None
    by: Node | None = None
    dist = "gaussian"
    for arg in call.args:
        if arg.name is None:
            continue
        value = arg.value
        if arg.name == "cor":
            if not (isinstance(value, Name) and value.name in {"TRUE", "FALSE"}):
                raise FormulaTermError("gr(cor = ) must be TRUE or FALSE.", source, arg.span)
            cor = value.name == "TRUE"
        elif arg.name == "id":
            gid = value.value if isinstance(value, String) else deparse(value)
            if gid == "NA":
                gid = None
        elif arg.name == "cov":
            cov = gr_cov(value, source, arg.span)
        elif arg.name == "dist":
            if not (isinstance(value, String) and value.value in ("gaussian", "student")):
                raise FormulaTermError(
                    "gr() argument 'dist' should be one of 'gaussian', 'student'.",
                    source,
                    arg.span,
                )
            dist = value.value
        elif arg.name == "by":
            by = None if isinstance(value, Name) and value.name == "NULL" else value
        else:
            raise FormulaTermError(
                f"gr() has no argument '{arg.name}'; its arguments are by, cor, id, cov and dist.",
                source,
                arg.span,
            )
    return group, cor, gid, cov, by, dist


def _group_terms(bar: Bar, dpar: str, source: str) -> list[GroupTerm]:
    lhs, cs = group_cs(bar.lhs, bar.group, dpar, source)
    coefs, inner_bars = expand(lhs, source)
    if inner_bars:
        raise FormulaTermError(
            "Group-level terms cannot be nested inside each other.", source, inner_bars[0].span
        )
    if coefs.offsets:
        raise FormulaTermError(
            "offset() cannot be used inside a group-level term.", source, bar.span
        )
    if coefs.smooths:
        raise FormulaTermError(
            "Smooth terms s() cannot be used inside a group-level term; add them to the "
            "population-level part (a factor smooth: s(x, by = g)).",
            source,
            coefs.smooths[0].span,
        )
    if coefs.autocor:
        raise FormulaTermError("ARMA terms cannot be inside a group-level term.", source, bar.span)
    group = strip_parens(bar.group)
    cor, gid, cov, by, dist = bar.cor, bar.id, None, None, "gaussian"
    if isinstance(group, Call) and group.func == "gr":
        group, gr_cor, gr_id, cov, by, dist = _gr_options(group, source)
        group = strip_parens(group)
        cor = cor if gr_cor is None else (cor and gr_cor)
        gid = gr_id if gr_id is not None else gid
    if isinstance(group, Call) and group.func == "mm":
        mm, mm_cor, mm_id = read_mm(group, source)
        refuse_mmc(coefs, mm, source)
        coefs = mmc_last(coefs)
        cor = cor if mm_cor is None else (cor and mm_cor)
        gid = mm_id if mm_id is not None else gid
        return [GroupTerm(coefs, mm.members, mm.name, cor, gid, dpar, bar.span, mm=mm)]
    refuse_mmc(coefs, None, source)
    if isinstance(group, BinOp) and group.op == "/":
        nested = _flatten(group, "/")
        chains = [
            [v for part in nested[: i + 1] for v in _flatten(part, ":")] for i in range(len(nested))
        ]
    else:
        chains = [_flatten(group, ":")]
    out = []
    for variables in chains:
        for v in variables:
            if not isinstance(v, Name | Call):
                raise FormulaTermError(
                    "A grouping factor must be a variable or an interaction such as g1:g2.",
                    source,
                    v.span,
                )
        out.append(
            GroupTerm(
                coefs=coefs,
                group_vars=tuple(variables),
                group=_group_name(variables),
                cor=cor,
                id=gid,
                dpar=dpar,
                span=bar.span,
                cov=cov,
                by=by,
                dist=dist,
                cs=cs,
            )
        )
    return out


def _has_coefficients(group: GroupTerm) -> bool:
    """Whether a group-level term has any coefficient.

    brms 2.18 drops a term without one, such as ``(0 | g)`` or ``(-1 | g)``, silently:
    ``split_re_terms`` (R/formula-re.R) builds no left-hand side for it, so the term vanishes.
    """
    return group.coefs.intercept or bool(group.coefs.terms)


def _dpar_terms(
    dpar: str,
    rhs: Node,
    source: str,
    response: Node | None,
    columns: Sequence[str] | None,
    *,
    name_span: Span | None = None,
) -> DparTerms:
    rest, cs_calls = split_cs(rhs, source)
    fixed, bars = expand(rest, source, response=response, columns=columns)
    refuse_mmc(fixed, None, source)
    groups = [g for bar in bars for g in _group_terms(bar, dpar, source) if _has_coefficients(g)]
    # brms's terms_re orders a parameter's group terms by group name (out[order(out$group), ])
    groups.sort(key=lambda g: g.group)
    return DparTerms(
        dpar=dpar,
        fixed=fixed,
        groups=tuple(groups),
        rhs=rhs,
        source=source,
        name_span=name_span,
        cs=cs_terms(cs_calls, dpar, source),
    )


def _main_formula(node: Node, source: str) -> Formula:
    if not isinstance(node, Formula) or node.lhs is None:
        raise FormulaSyntaxError(
            "The model formula needs a response: write it as 'y ~ x'.", source, node.span
        )
    return node


def brms_terms(
    formula: str | BrmsFormula | Node, columns: Sequence[str] | None = None
) -> BrmsTerms:
    """Read a brms formula.

    Parameters
    ----------
    formula
        A formula string (``"y ~ x"`` or ``"bf(y ~ x, sigma ~ x)"``), a :class:`BrmsFormula`
        from :func:`bf`, or a parsed node.
    columns
        The data's column names (used to expand ``.``).
    """
    parts: list[tuple[Formula, str]] = []
    fixed: dict[str, float] = {}
    options = FormulaOptions()
    nl = isinstance(formula, BrmsFormula) and formula.nl
    nlf_names: tuple[str, ...] = ()
    if isinstance(formula, BrmsFormula):
        nlf_names = formula.nlf
        for text in formula.formulas:
            node = parse(text)
            if not isinstance(node, Formula):
                raise FormulaSyntaxError(
                    "Each formula given to bf() must contain '~', e.g. 'sigma ~ x'.",
                    text,
                    node.span,
                )
            parts.append((node, text))
        fixed.update(formula.fixed)
        options = formula.options
    elif isinstance(formula, str):
        node = read_formula(formula)
        if isinstance(node, Call):
            if node.func not in _FORMULA_CALLS:
                raise FormulaTermError(
                    f"{node.func}() formulas are not supported yet; use bf().",
                    formula,
                    node.span,
                )
            node, nlf_names = unwrap_nlf(node, formula)
            parts, fixed, nl = from_bf_call(node, formula)
            options = options_from_call(node, formula)
        else:
            parts.append((node, formula))
    else:
        raise TypeError(f"A formula must be a string or bf(...), not {type(formula).__name__}.")
    main, main_src = parts[0]
    main = _main_formula(main, main_src)
    lhs = strip_parens(main.lhs) if main.lhs is not None else main.rhs
    additions: tuple[Addition, ...] = ()
    if isinstance(lhs, BinOp) and lhs.op == "|":
        additions = _additions(lhs.right, main_src)
        lhs = lhs.left
    main, nonlinear, nlf, nlpars, rest = model_nonlinear(
        main, main_src, parts[1:], nl, nlf_names=nlf_names, dpar_names=DPAR_NAMES
    )
    nl = nonlinear is not None
    dpars = [] if nl else [_dpar_terms("", main.rhs, main_src, lhs, columns)]
    for node, text in rest:
        name = node.lhs
        if not (
            isinstance(name, Name) and (is_dpar_name(name.name) or is_category_dpar_name(name.name))
        ):
            raise FormulaTermError(
                "A distributional formula must start with a parameter name such as "
                f"sigma ~ x; known parameters are: {', '.join(DPAR_NAMES)}.",
                text,
                (node.lhs or node).span,
            )
        if any(d.dpar == name.name for d in dpars):
            raise FormulaTermError(
                f"The parameter '{name.name}' has two formulas.", text, name.span
            )
        dpars.append(_dpar_terms(name.name, node.rhs, text, None, columns, name_span=name.span))
    for name_, span, text, rhs in nlpars:
        dpars.append(_dpar_terms(name_, rhs, text, None, columns, name_span=span))
    arma = model_arma(dpars, formula, main_src, expand)
    fcor = model_fcor(dpars[0].fixed.autocor, arma, main_src)
    sar, car = model_spatial(dpars[0].fixed.autocor, arma is not None or fcor is not None, main_src)
    cosy = model_cosy(dpars[0].fixed.autocor, (arma, fcor), main_src)
    lines = autocor_lines(tuple(deparse(n) for n, _ in parts), arma)
    return BrmsTerms(
        source=main_src,
        response=lhs,
        additions=additions,
        dpars=tuple(dpars),
        fixed_dpars=fixed,
        formula_lines=lines,
        options=options,
        arma=arma,
        nonlinear=nonlinear,
        fcor=fcor,
        sar=sar,
        car=car,
        cosy=cosy,
        nlf=nlf,
    )


def cens_upper_labels(bt: BrmsTerms) -> set[str]:
    """Labels whose missing values keep the row: ``cens(x, y2)``'s ``y2`` is NA where a row
    is not interval censored, as brms allows."""
    add = bt.addition("cens")
    if add is None:
        return set()
    y2 = add.call.keywords.get("y2")
    positional = add.call.positional
    if y2 is None and len(positional) > 1:
        y2 = positional[1]
    return set() if y2 is None else {deparse(y2)}


def se_fixes_sigma(bt: BrmsTerms) -> bool:
    """Whether ``se()`` fixes sigma to 0 (brms's default ``se(x, sigma = FALSE)``)."""
    add = bt.addition("se")
    if add is None:
        return False
    sigma = add.call.keywords.get("sigma")
    return sigma is None or constant_value(sigma) == 0.0


__all__ = [
    "ADDITION_OPTIONS",
    "DPAR_NAMES",
    "Addition",
    "BrmsFormula",
    "BrmsTerms",
    "DparTerms",
    "GroupTerm",
    "addition_args",
    "bf",
    "brms_terms",
    "cens_upper_labels",
    "constant_value",
    "se_fixes_sigma",
]
