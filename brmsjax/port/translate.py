"""Translate brms calls written in R into brmsjax objects and readable Python source.

:func:`from_r` reads ``brm(...)``, ``bf(...)`` or priors (``c(prior(...), ...)``) and returns a
:class:`BrmCall`, :class:`FormulaCall` or :class:`PriorsCall`. Formulas keep their R text (the
brms formula parser reads it); ``bf()`` with distributional formulas and fixed parameters
becomes :func:`brmsjax.bf`; families become :class:`~brmsjax.rcode.rfamilies.FamilyCall`;
priors become :func:`brmsjax.prior` objects; ``brm()``'s other arguments are supported, ignored
with a note (Stan tuning) or rejected with a message naming them (see :mod:`.brm_args`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from brmsjax.formula.errors import FormulaError, FormulaTermError
from brmsjax.formula.syntax.ast import Argument, BinOp, Call, Formula, Name, Node, Paren
from brmsjax.formula.syntax.parse import deparse
from brmsjax.formula.terms.bf import is_dpar_name
from brmsjax.formula.terms.brmsterms import DPAR_NAMES, BrmsFormula, bf
from brmsjax.formula.terms.mv_formula import MvFormula
from brmsjax.formula.terms.nonlinear import lhs_names, merge_parts
from brmsjax.formula.terms.options import OPTION_NAMES
from brmsjax.rcode.rfamilies import FamilyCall, r_family
from brmsjax.rcode.rparse import Assign, RCodeError, RNode, parse_r
from brmsjax.rcode.rpriors import PRIOR_CALLS, PriorItem, priors_code, r_priors
from brmsjax.rcode.rvalues import Ref, Value, match_args, py_name, py_str, r_value, resolve

from .brm_args import BRM_FORMALS, add_data2, sampler_args
from .cor_brms import COR_BRMS, cor_brms_term, with_term
from .formula_sum import split_formula_sum, with_extras
from .mv import r_mv_formula
from .nlf_port import nlf_formula_call, nlf_name

__all__ = ["BrmCall", "FormulaCall", "PriorsCall", "from_r", "r_brm", "r_formula"]

_BF_CALLS = frozenset({"bf", "brmsformula"})
_MULTI = frozenset({"mvbf", "mvbrmsformula", "lf", "nlf", "set_rescor", "set_nl", "set_mecor"})


def _formula_text(node: Node, source: str) -> str:
    try:
        return deparse(node)
    except (TypeError, ValueError):
        return " ".join(source[node.span.start : node.span.end].split())


@dataclass(frozen=True)
class FormulaCall:
    """A translated formula: ``y ~ x`` (kept as text) or ``bf(...)``."""

    formula: str | BrmsFormula | MvFormula | Ref
    code: str
    source: str = ""

    def to_python(self) -> str:
        """Python source that makes the formula."""
        return self.code


@dataclass(frozen=True)
class PriorsCall:
    """Translated priors: ``c(prior(...), ...)``."""

    items: tuple[PriorItem, ...]
    source: str = ""

    @property
    def prior(self) -> list[Any]:
        """The priors (a :class:`Ref` for a prior object named but defined elsewhere)."""
        return [item.prior for item in self.items]

    def to_python(self) -> str:
        """Python source of the priors (a list of ``bj.prior(...)``)."""
        return priors_code(list(self.items), indent="")


def r_formula(node: RNode, source: str) -> FormulaCall:
    """Translate the formula argument of ``brm()``.

    Raises
    ------
    RCodeError
        For ``mvbf()``, ``lf()``, ``+`` of formula parts, or a ``bf()`` argument brmsjax lacks.
    """
    if isinstance(node, Paren):
        return r_formula(node.expr, source)
    if isinstance(node, Formula):
        text = _formula_text(node, source)
        return FormulaCall(text, py_str(text), source)
    if isinstance(node, Name):
        ref = Ref(node.name)
        return FormulaCall(ref, ref.python, source)
    mv = r_mv_formula(node, source, _bf, _formula_text)  # bf() + bf() + set_rescor(), mvbf()
    if mv is not None:
        return FormulaCall(mv[0], mv[1], source)
    rest, family, mecor = split_formula_sum(node, source)  # bf() + gaussian() + set_mecor()
    if rest is not node:
        inner = r_formula(rest, source)
        obj, code = with_extras(inner.formula, inner.code, family, mecor)
        return FormulaCall(obj, code, source)
    merged = _merge_parts(node, source)  # bf(..., lf(a ~ 1)) + lf(b ~ 1) as one bf()
    if isinstance(merged, Call) and merged.func.removeprefix("brms::") in _BF_CALLS:
        return _bf(merged, source)
    if isinstance(node, Call) and node.func.removeprefix("brms::") in _MULTI:
        raise RCodeError(
            f"{node.func}() (multivariate and non-linear formula parts) is not "
            "supported by brmsjax; write one bf() formula.",
            source,
            node.span,
        )
    if isinstance(node, BinOp) and node.op == "+":
        raise RCodeError(
            "Adding formula parts with '+' (lf(), set_rescor(), mvbf()) is not "
            "supported by brmsjax; write one bf() formula.",
            source,
            node.span,
        )
    raise RCodeError(
        "This is not a model formula; write one such as y ~ x or bf(y ~ x, sigma ~ x).",
        source,
        node.span,
    )


def _merge_parts(node: RNode, source: str) -> RNode:
    if not isinstance(node, Call | BinOp | Paren):
        return node
    try:
        return merge_parts(node, source)
    except FormulaError as err:
        raise RCodeError(err.message, source, err.span) from None


def _bf(call: Call, source: str, autocor: str | None = None) -> FormulaCall:
    formulas: list[str] = []
    fixed: dict[str, float] = {}
    options: dict[str, object] = {}
    nl = False
    nlf_names: list[str] = []
    for arg in call.args:
        value = arg.value
        if arg.name is None and isinstance(value, Call) and value.func == "nlf":  # merged
            nlf_names.append(nlf_name(value, source))
            value = value.args[0].value
        if isinstance(value, Formula) and arg.name in (None, "formula", "flist"):
            names = lhs_names(value) if formulas else []
            if len(names) > 1:  # brms's a + b ~ 1: one formula per non-linear parameter
                formulas += [_formula_text(Formula(n, value.rhs), source) for n in names]
            else:
                formulas.append(_formula_text(value, source))
            continue
        if arg.name == "nl":
            flag = r_value(value, source, "the bf() argument 'nl'").obj
            if not isinstance(flag, bool):
                raise RCodeError("The bf() argument 'nl' must be TRUE or FALSE.", source, arg.span)
            nl = flag
            continue
        if isinstance(value, Formula) and arg.name == "autocor":
            autocor = _formula_text(value, source)
            continue
        if arg.name is not None and is_dpar_name(arg.name):
            number = r_value(value, source, f"the bf() argument '{arg.name}'").obj
            if isinstance(number, int | float) and not isinstance(number, bool):
                fixed[str(arg.name)] = number
                continue
        if arg.name in OPTION_NAMES:  # center = FALSE, cmc = FALSE, decomp = "QR"
            options[arg.name] = r_value(value, source, f"the bf() argument '{arg.name}'").obj
            continue
        what = f"argument '{arg.name}'" if arg.name else "unnamed argument"
        raise RCodeError(
            f"The bf() {what} is not supported by brmsjax; bf() takes formulas "
            "and fixed parameters such as nu = 4.",
            source,
            arg.span,
        )
    if not formulas or formulas[0].split("~", 1)[0].strip() in DPAR_NAMES:
        raise RCodeError(
            "bf() needs the model formula first, as in bf(y ~ x, sigma ~ x).", source, call.span
        )
    try:
        obj = bf(formulas[0], *formulas[1:], autocor=autocor, nl=nl, **fixed, **options)
    except FormulaTermError as err:
        raise RCodeError(err.message, source, call.span) from None
    parts = [py_str(f) for f in formulas] + [f"{k}={v!r}" for k, v in fixed.items()]
    parts += [] if autocor is None else [f"autocor={py_str(autocor)}"]
    parts += ["nl=True"] if nl else []
    parts += [
        f"{k}={py_str(v) if isinstance(v, str) else repr(v)}"
        for k, v in obj.options.as_kwargs().items()
    ]
    if nlf_names:  # bj.bf(...) + bj.nlf("sigma ~ ...") + bj.lf(...)
        return FormulaCall(*nlf_formula_call(obj, parts, len(formulas), nlf_names), source)
    return FormulaCall(obj, f"bj.bf({', '.join(parts)})", source)


def _with_autocor(node: RNode, autocor: Formula, source: str) -> FormulaCall:
    """brm()'s formula with brm()'s ``autocor = ~ ar(...)`` moved into ``bj.bf(autocor=)``."""
    text = _formula_text(autocor, source)
    while isinstance(node, Paren):
        node = node.expr
    if isinstance(node, Formula):
        node = Call("bf", (Argument(None, node, span=node.span),), span=node.span)
    if isinstance(node, Call) and node.func.removeprefix("brms::") in _BF_CALLS:
        if any(a.name == "autocor" for a in node.args):
            raise RCodeError(
                "autocor is given both to brm() and to bf(); give it once.", source, autocor.span
            )
        return _bf(node, source, text)
    raise RCodeError(
        "brm(autocor = ~ ...) needs the formula written in the call (y ~ x or bf(...)).",
        source,
        autocor.span,
    )


@dataclass(frozen=True)
class BrmCall:
    """A ``brm()`` call read from R.

    Attributes
    ----------
    formula
        The formula text (``"y ~ x + (1 | g)"``), a :class:`~brmsjax.BrmsFormula`, or a
        :class:`Ref` to a formula defined elsewhere.
    family
        A :class:`FamilyCall` (``.resolve()`` gives the family object) or a :class:`Ref`.
    prior
        The priors (:class:`~brmsjax.Prior` or :class:`Ref` items), or None.
    args
        The other brmsjax ``brm()`` arguments (``chains``, ``iter``, ``control``, ...).
    data_name
        The R name of the data frame (``data = epilepsy``), or None.
    notes
        Arguments accepted but ignored (Stan tuning), each with the reason.
    """

    formula_call: FormulaCall
    family: FamilyCall | Ref
    prior_items: tuple[PriorItem, ...] | None
    values: Mapping[str, Value]
    data_name: str | None
    notes: tuple[str, ...] = ()
    source: str = ""

    @property
    def formula(self) -> str | BrmsFormula | MvFormula | Ref:
        """The formula (see the class attributes)."""
        return self.formula_call.formula

    @property
    def prior(self) -> list[Any] | None:
        """The priors, or None when the call gives none."""
        return None if self.prior_items is None else [p.prior for p in self.prior_items]

    @property
    def args(self) -> dict[str, Any]:
        """The other brmsjax ``brm()`` arguments as Python values."""
        return {k: v.obj for k, v in self.values.items()}

    def run(
        self, data: Any = None, *, env: Mapping[str, Any] | None = None, **overrides: Any
    ) -> Any:
        """Fit the model with :func:`brmsjax.brm`.

        Parameters
        ----------
        data
            The data (a DataFrame or dict of columns), or a mapping of data frames by R name;
            default: the data frame the R call names, looked up in ``env``.
        env
            R objects by name: data frames, prior lists, formulas, families.
        **overrides
            brm() arguments that replace the R call's (e.g. ``chains=1, iter=100``).

        Returns
        -------
        BrmsFit
            The fit.
        """
        from brmsjax.api import brm

        names = dict(env or {})
        if isinstance(data, Mapping) and isinstance(data.get(self.data_name or ""), pd.DataFrame):
            names = {**data, **names}  # a mapping of data frames by their R names
            data = None
        if data is None:
            if self.data_name is None:
                raise RCodeError("The brm() call names no data; pass the data to run().")
            data = resolve(Ref(self.data_name), names, "The brm() argument 'data'")
        family = (
            self.family.resolve()
            if isinstance(self.family, FamilyCall)
            else resolve(self.family, names, "The brm() argument 'family'")
        )
        priors: list[Any] | None = None
        if self.prior_items is not None:
            priors = []
            for item in self.prior_items:
                got = resolve(item.prior, names, "The brm() argument 'prior'")
                priors.extend(got if isinstance(got, list | tuple) else [got])
        kwargs = {
            k: resolve(v.obj, names, f"The brm() argument '{k}'") for k, v in self.values.items()
        }
        kwargs.update(overrides)
        kwargs.setdefault("data_name", self.data_name or "data")
        formula = resolve(self.formula, names, "The brm() argument 'formula'")
        return brm(formula, data, family=family, prior=priors, **kwargs)

    def call_code(self, indent: str = "") -> str:
        """Python source of the ``bj.brm(...)`` call alone."""
        pad = indent + "    "
        lines = [f"{pad}{self.formula_call.code},"]
        data = py_name(self.data_name) if self.data_name else "data"
        lines.append(f"{pad}data={data},")
        family = (
            self.family.to_python() if isinstance(self.family, FamilyCall) else self.family.python
        )
        if family != '"gaussian"':
            lines.append(f"{pad}family={family},")
        if self.prior_items is not None:
            lines.append(f"{pad}prior={priors_code(list(self.prior_items), pad)},")
        lines += [f"{pad}{k}={v.code}," for k, v in self.values.items()]
        if self.data_name:
            lines.append(f"{pad}data_name={py_str(self.data_name)},")
        return "bj.brm(\n" + "\n".join(lines) + f"\n{indent})"

    def imports(self) -> list[str]:
        """The import lines the Python source needs."""
        out = ["import brmsjax as bj"]
        code = self.call_code()
        if "families." in code:
            out.append("from brmsjax.backend.families import registry as families")
        if "math." in code:
            out.insert(0, "import math")
        return out

    def to_python(self, target: str = "fit", imports: bool = True) -> str:
        """Readable Python source: imports, notes as comments, then ``fit = bj.brm(...)``."""
        head = [*self.imports(), ""] if imports else []
        notes = [f"# NOTE (port): {n}" for n in self.notes]
        return "\n".join([*head, *notes, f"{target} = {self.call_code()}"]) + "\n"


def r_brm(call: Call, source: str) -> BrmCall:
    """Translate a ``brm()`` call node.

    Raises
    ------
    RCodeError
        For a missing formula, data that is not a data frame name, or any argument brmsjax
        does not support (the message names it).
    """
    matched, rest = match_args(call, BRM_FORMALS, source)
    if "formula" not in matched:
        raise RCodeError("brm() needs a formula, as in brm(y ~ x, data = d).", source, call.span)
    formula_node = matched.pop("formula").value
    autocor = matched["autocor"].value if "autocor" in matched else None
    cor = None
    if isinstance(autocor, Call) and autocor.func in COR_BRMS:  # brms 2.18's conversion
        del matched["autocor"]
        cor = cor_brms_term(autocor, source)
        formula_node = with_term(formula_node, cor[0], source)
        formula = r_formula(formula_node, source)
    elif isinstance(autocor, Formula):
        del matched["autocor"]
        formula = _with_autocor(formula_node, autocor, source)
    else:
        formula = r_formula(formula_node, source)
    data_name = None
    if "data" in matched:
        data = matched.pop("data").value
        if not isinstance(data, Name):
            raise RCodeError(
                "The brm() argument 'data' must name a data frame; make the data "
                "in a separate line and pass its name.",
                source,
                data.span,
            )
        data_name = data.name
    family: FamilyCall | Ref = FamilyCall("gaussian", "gaussian")
    if "family" in matched:
        family = r_family(matched.pop("family").value, source)
    priors = None
    if "prior" in matched:
        priors = tuple(r_priors(matched.pop("prior").value, source))
    values, notes = sampler_args(matched, rest, source)
    if cor is not None:
        values = {**values, "data2": add_data2(values.get("data2"), cor[1])}
        notes.append(cor[2])
    return BrmCall(formula, family, priors, values, data_name, tuple(notes), source)


def from_r(code: str) -> BrmCall | FormulaCall | PriorsCall:
    """Read a brms call written in R.

    Parameters
    ----------
    code
        ``brm(...)`` (also as ``fit <- brm(...)``), ``bf(...)``/a formula, or priors such as
        ``c(prior(normal(0, 1), class = b), prior(cauchy(0, 2), class = sd))``.

    Returns
    -------
    BrmCall or FormulaCall or PriorsCall
        The call, with ``to_python()`` giving readable Python; a :class:`BrmCall` has
        ``.formula``, ``.family``, ``.prior``, ``.args`` and ``.run(data)``.

    Raises
    ------
    RCodeError
        If the code is not valid R (the message has a caret under the culprit) or uses a brms
        feature brmsjax lacks (the message names it).

    Examples
    --------
    >>> call = from_r("brm(count ~ Trt + (1 | patient), data = epilepsy, family = poisson())")
    >>> call.formula, call.family.name, call.data_name
    ('count ~ Trt + (1 | patient)', 'poisson', 'epilepsy')
    """
    node = parse_r(code)
    if isinstance(node, Assign):
        node = node.value
    if isinstance(node, Paren):
        node = node.expr
    func = node.func.removeprefix("brms::") if isinstance(node, Call) else ""
    if isinstance(node, Call) and func == "brm":
        return r_brm(node, code)
    if (
        func in PRIOR_CALLS
        or func in {"c", "rbind"}
        or (isinstance(node, BinOp) and node.op == "+")
    ):
        return PriorsCall(tuple(r_priors(node, code)), code)
    if func in _BF_CALLS or isinstance(node, Formula):
        return r_formula(node, code)
    raise RCodeError(
        "from_r() reads a brm() call, a formula or bf(), or priors; this is none of them.",
        code,
        getattr(node, "span", None),
    )
