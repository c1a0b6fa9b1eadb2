"""Port a whole R script: the brms parts become Python, everything else a comment for review.

:func:`port_script` translates ``brm()``, ``update()``, priors, ``bf()``, ``read.csv()`` and the
post-processing calls (``summary``, ``fixef``, ``ranef``, ``coef``, ``VarCorr``, ``predict``,
``fitted``, ``conditional_effects``, ``pp_check``, ``loo``, ``loo_compare``, ``bayes_R2``,
``kfold``, ``reloo``, ``add_criterion``,
``hypothesis``, ``get_prior``, ``make_standata``) into a Python script that uses
``import brmsjax as bj``. Every other statement is kept as a ``# REVIEW (R):`` comment, and every
unsupported brms argument is reported in :attr:`PortResult.problems` and in the script.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from brmsjax.formula.syntax.ast import Argument, BinOp, Call, Formula, Name, Paren
from brmsjax.rcode.rfamilies import FamilyCall, r_family
from brmsjax.rcode.rparse import Assign, RCodeError, RNode, parse_r
from brmsjax.rcode.rpriors import PRIOR_CALLS, priors_code, r_priors
from brmsjax.rcode.rvalues import match_args, py_name, py_str, r_value

from .brm_args import BRM_FORMALS, sampler_args
from .statements import Statement, split_statements
from .translate import r_brm, r_formula

__all__ = ["METHODS", "PortResult", "port_script"]

#: brms functions that become methods of the fit, and whether their result is printed.
METHODS: dict[str, bool] = {
    "summary": True, "fixef": True, "ranef": True, "coef": True, "VarCorr": True,
    "predict": True, "fitted": True, "loo": True, "bayes_R2": True, "hypothesis": True,
    "waic": True, "loo_R2": True, "prior_summary": True, "posterior_summary": True,
    "posterior_predict": True, "posterior_epred": True, "conditional_effects": False,
    "pp_check": False, "posterior_interval": True, "nobs": True, "ngrps": True, "rhat": True,
    "neff_ratio": True, "nuts_params": True, "kfold": True, "reloo": True,
    "loo_moment_match": True, "add_criterion": False, "pp_mixture": True,
    "conditional_smooths": False, "posterior_smooths": True,
}  # fmt: skip
_MODEL_FUNCS = ("get_prior", "make_standata")
_READERS = {
    "read.csv": "pd.read_csv",
    "read_csv": "pd.read_csv",
    "readr::read_csv": "pd.read_csv",
    "read.table": "pd.read_table",
}
_DATASETS = {"sleepstudy": "sleepstudy", "lme4::sleepstudy": "sleepstudy", "cbpp": "cbpp"}
_BRMS_WORDS = frozenset(
    {"brm", "update", *PRIOR_CALLS, *METHODS, *_MODEL_FUNCS, "loo_compare", "bf"}
)


@dataclass
class PortResult:
    """The ported script.

    Attributes
    ----------
    code
        The Python script.
    notes
        Arguments accepted but ignored (Stan tuning), by R line.
    problems
        brms code that could not be translated (unsupported arguments, syntax), by R line.
    """

    code: str
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _Porter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.pending: list[str] = []  # notes of the statement being translated
        self.result = PortResult("")
        self.defined: set[str] = set()
        self.families = False

    def comment(self, stmt: Statement, reason: str | None = None) -> None:
        if reason:
            self.lines.extend(f"# PROBLEM: {line}" for line in reason.split("\n"))
        self.lines.extend(f"# REVIEW (R): {line}" for line in stmt.text.split("\n"))

    def emit(self, stmt: Statement, code: str, notes: tuple[str, ...] | list[str] = ()) -> None:
        for note in [*self.pending, *notes]:
            self.result.notes.append(f"line {stmt.line}: {note}")
            self.lines.append(f"# NOTE (port): {note}")
        self.pending.clear()
        self.lines.append(code)

    def statement(self, stmt: Statement) -> None:
        try:
            node = parse_r(stmt.text)
        except RCodeError as err:
            if _mentions_brms(stmt.text):
                self.result.problems.append(f"line {stmt.line}: {err}")
                self.comment(stmt, str(err))
            else:
                self.comment(stmt)
            return
        target = None
        if isinstance(node, Assign) and isinstance(node.target, Name):
            target, node = py_name(node.target.name), node.value
        try:
            code = self.translate(node, stmt, target)
        except RCodeError as err:
            self.pending.clear()
            self.result.problems.append(f"line {stmt.line}: {err}")
            self.comment(stmt, str(err))
            return
        if code is None:
            self.comment(stmt)
            return
        if target is not None:
            self.defined.add(target)

    def translate(self, node: RNode, stmt: Statement, target: str | None) -> str | None:
        src = stmt.text
        if isinstance(node, Paren):
            node = node.expr
        if isinstance(node, Name) and target in (None, "__print__"):
            self.emit(stmt, f"print({py_name(node.name)})")
            return "print"
        if (  # a formula, bf(), mvbf(), or bf() + bf() + set_rescor()
            isinstance(node, Formula)
            or (isinstance(node, Call) and node.func in {"bf", "mvbf"})
            or (isinstance(node, BinOp) and node.op == "+" and not _is_priors(node))
        ):
            code = r_formula(node, src).code
        elif _is_priors(node):
            code = priors_code(r_priors(node, src), indent="")
        elif not isinstance(node, Call):
            return None
        elif node.func in {"brm", "brms::brm"}:
            call = r_brm(node, src)
            self.use_data(call.data_name)
            self.families |= isinstance(call.family, FamilyCall) and "families." in (
                call.family.to_python()
            )
            code = call.call_code()
            name = target if target not in (None, "__print__") else "fit"
            self.emit(stmt, f"{name} = {code}", call.notes)
            if name != target:
                self.lines.append("print(fit)")
            return code
        elif node.func.removeprefix("brms::") == "mixture":  # mix <- mixture(gaussian, ...)
            family = r_family(node, src)
            code = family.to_python() if isinstance(family, FamilyCall) else family.python
            self.families |= "families." in code
        elif node.func in _READERS and node.args:
            path = r_value(node.args[0].value, src, f"the {node.func}() file").code
            code = f"{_READERS[node.func]}({path})"
        elif node.func == "print" and len(node.args) == 1:
            inner = self.translate(node.args[0].value, stmt, "__print__")
            return inner
        else:
            post = self.post(node, stmt)
            if post is None:
                return None
            code = post
        if target is None or target == "__print__":
            printed = not (isinstance(node, Call) and METHODS.get(node.func) is False)
            self.emit(stmt, f"print({code})" if printed else code)
        else:
            self.emit(stmt, f"{target} = {code}")
        return code

    def use_data(self, name: str | None) -> None:
        if name is None or py_name(name) in self.defined:
            return
        if name in _DATASETS:
            self.lines.append(f"{py_name(name)} = bj.datasets.{_DATASETS[name]}()")
        else:
            self.lines.append(
                f"# REVIEW: load the data frame '{name}', e.g. "
                f'{py_name(name)} = pd.read_csv("{name}.csv")'
            )
        self.defined.add(py_name(name))

    def post(self, call: Call, stmt: Statement) -> str | None:
        """A post-processing call (method of the fit), update(), get_prior(), loo_compare()."""
        src, func = stmt.text, call.func.removeprefix("brms::")
        if func == "update" and call.args:
            return self.update(call, src)
        if func in _MODEL_FUNCS:
            return self.model_func(call, func, src)
        if func == "loo_compare" or (func == "loo" and sum(a.name is None for a in call.args) > 1):
            args = ", ".join(self.args(call.args, src))
            return f"bj.loo_compare({args})"
        if func in METHODS and call.args and call.args[0].name in (None, "object", "x"):
            obj = call.args[0].value
            if not isinstance(obj, Name):
                raise RCodeError(f"The first argument of {func}() must name a fit.", src, obj.span)
            args = ", ".join(self.args(call.args[1:], src, func))
            return f"{py_name(obj.name)}.{func}({args})"
        return None

    def args(self, args: tuple[Argument, ...], src: str, func: str = "") -> list[str]:
        """Method arguments as Python: formulas as strings, NA as ``math.nan`` (not NULL)."""
        accepted = _parameters(func)
        out = []
        for arg in args:
            value = arg.value
            if arg.name is not None and accepted is not None and py_name(arg.name) not in accepted:
                raise RCodeError(
                    f"'{arg.name}' is not an argument of brmsjax's fit.{func}(); its arguments "
                    f"are: {', '.join(sorted(accepted)) or 'none'}.",
                    src,
                    arg.span,
                )
            if isinstance(value, Formula):
                code = py_str(" ".join(src[value.span.start : value.span.end].split()))
            elif isinstance(value, Name) and value.name == "NA":
                code = "math.nan"
            else:
                code = r_value(value, src, f"the argument '{arg.name or '...'}'").code
            out.append(code if arg.name is None else f"{py_name(arg.name)}={code}")
        return out

    def update(self, call: Call, src: str) -> str:
        matched, rest = match_args(call, ("object", "formula.", "newdata", "recompile"), src)
        obj = matched.pop("object").value
        if not isinstance(obj, Name):
            raise RCodeError("The first argument of update() must name a fit.", src, obj.span)
        matched.pop("recompile", None)
        parts = []
        if "formula." in matched:
            formula = matched.pop("formula.").value
            if isinstance(formula, Formula) and formula.lhs is None:  # keeps the response
                formula = Formula(Name("."), formula.rhs, formula.span)
            parts.append(f"formula={r_formula(formula, src).code}")
        if "newdata" in matched:
            parts.append(f"newdata={r_value(matched.pop('newdata').value, src, 'newdata').code}")
        brm_args, dots = match_args(Call("update", tuple(rest), call.span), BRM_FORMALS[2:], src)
        if "family" in brm_args:
            fam = r_family(brm_args.pop("family").value, src)
            parts.append(f"family={fam.to_python() if isinstance(fam, FamilyCall) else fam}")
        if "prior" in brm_args:
            parts.append(f"prior={priors_code(r_priors(brm_args.pop('prior').value, src))}")
        values, notes = sampler_args(brm_args, dots, src, call="update")
        parts += [f"{k}={v.code}" for k, v in values.items()]
        self.pending.extend(notes)
        return f"{py_name(obj.name)}.update({', '.join(parts)})"

    def model_func(self, call: Call, func: str, src: str) -> str:
        matched, rest = match_args(call, ("formula", "data", "family", "prior"), src)
        if rest:
            raise RCodeError(
                f"The {func}() argument '{rest[0].name}' is not supported by brmsjax; remove it.",
                src,
                rest[0].span,
            )
        parts = [r_formula(matched["formula"].value, src).code] if "formula" in matched else []
        if "data" in matched:
            parts.append(r_value(matched["data"].value, src, "data").code)
        if "family" in matched:
            fam = r_family(matched["family"].value, src)
            parts.append(f"family={fam.to_python() if isinstance(fam, FamilyCall) else fam}")
        if "prior" in matched:
            parts.append(f"prior={priors_code(r_priors(matched['prior'].value, src), '')}")
        return f"bj.{func}({', '.join(parts)})"


def _parameters(method: str) -> set[str] | None:
    """The keyword arguments ``BrmsFit.<method>`` takes, or None when any is fine or unknown."""
    from brmsjax.fit import BrmsFit

    func = getattr(BrmsFit, method, None)
    if func is None:
        return None
    params = list(inspect.signature(func).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params if p.kind is not inspect.Parameter.VAR_POSITIONAL}


def _is_priors(node: RNode) -> bool:
    if isinstance(node, BinOp) and node.op == "+":
        return _is_priors(node.left) and _is_priors(node.right)
    if isinstance(node, Call):
        func = node.func.removeprefix("brms::")
        if func in PRIOR_CALLS:
            return True
        return (
            func in {"c", "rbind"}
            and bool(node.args)
            and all(_is_priors(a.value) for a in node.args)
        )
    return False


def _mentions_brms(text: str) -> bool:
    import re

    return any(w in _BRMS_WORDS for w in re.findall(r"[\w.]+(?=\s*\()", text))


def port_script(text: str, source_name: str = "script.R") -> PortResult:
    """Translate the brms parts of an R script into a Python script.

    Parameters
    ----------
    text
        The R script.
    source_name
        Its file name, for the header.

    Returns
    -------
    PortResult
        The Python script, the notes about ignored arguments and the problems.
    """
    porter = _Porter()
    for stmt in split_statements(text):
        porter.statement(stmt)
    head = [
        f'"""Ported from {source_name} by `brmsjax port`; check the lines marked REVIEW."""',
        "",
        "import math  # noqa: F401",
        "",
        "import pandas as pd  # noqa: F401",
        "",
        "import brmsjax as bj",
    ]
    if porter.families:
        head.append("from brmsjax.backend.families import registry as families")
    porter.result.code = "\n".join([*head, "", *porter.lines]) + "\n"
    return porter.result
