"""The porter's multivariate formulas: ``bf() + bf() + set_rescor()`` and ``mvbf()`` in R.

brms's ``bf(y1 ~ x) + bf(y2 ~ z, family = poisson()) + set_rescor(FALSE)`` becomes
``bj.bf("y1 ~ x") + bj.bf("y2 ~ z", family="poisson") + bj.set_rescor(False)``, and
``mvbf(bf(...), bf(...), rescor = TRUE)`` ``bj.mvbf(..., rescor=True)``, as does a sum of
``bf()`` objects made earlier (``bf_a + bf_b + set_rescor(TRUE)``: ``bj.mvbf(bf_a, bf_b,
rescor=True)``; the fit's ``run(env=)`` resolves them). ``mvbind(y1, y2) ~ x``
(alone or in one ``bf()``) is an ordinary formula to the porter; brmsjax reads ``mvbind``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from brmsjax.formula.syntax.ast import BinOp, Call, Formula, Name, Node, strip_parens
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.formula.terms.mv_formula import MvFormula
from brmsjax.rcode.rfamilies import FamilyCall, r_family
from brmsjax.rcode.rparse import RCodeError
from brmsjax.rcode.rvalues import Ref, py_str

__all__ = ["added_terms", "r_mv_formula"]

_BF = frozenset({"bf", "brmsformula"})
_MV = frozenset({"mvbf", "mvbrmsformula"})


def added_terms(node: Node) -> list[Node]:
    """The items of an R sum ``a + b + c`` (parentheses dropped), left to right."""
    node = strip_parens(node)
    if isinstance(node, BinOp) and node.op == "+":
        return added_terms(node.left) + added_terms(node.right)
    return [node]


def _func(node: Node) -> str:
    return node.func.removeprefix("brms::") if isinstance(node, Call) else ""


def _flag(node: Node, source: str, what: str) -> bool:
    node = strip_parens(node)
    if isinstance(node, Name) and node.name in {"TRUE", "FALSE", "T", "F"}:
        return node.name.startswith("T")
    raise RCodeError(f"{what} must be TRUE or FALSE.", source, node.span)


def _part(
    node: Node, source: str, bf_call: Callable[[Call, str], Any], text: Callable[..., str]
) -> tuple[BrmsFormula | Ref, str]:
    """One response's ``bf()`` (its ``family =`` kept for the response) or formula."""
    node = strip_parens(node)
    if isinstance(node, Name):  # a bf() object defined earlier in the R code
        return Ref(node.name), Ref(node.name).python
    if isinstance(node, Formula):
        t = text(node, source)
        return BrmsFormula((t,)), f"bj.bf({py_str(t)})"
    if not (isinstance(node, Call) and _func(node) in _BF):
        raise RCodeError(
            "A multivariate formula adds bf() formulas and set_rescor(); this part is neither.",
            source,
            node.span,
        )
    family = next((a for a in node.args if a.name == "family"), None)
    rest = Call(node.func, tuple(a for a in node.args if a.name != "family"), node.span)
    translated = bf_call(rest, source)
    obj, code = translated.formula, translated.code
    assert isinstance(obj, BrmsFormula)
    if family is not None:
        fam = r_family(family.value, source)
        if not isinstance(fam, FamilyCall):
            raise RCodeError(
                "bf(family = ) must be written in the call (such as poisson()).",
                source,
                family.span,
            )
        obj = replace(obj, family=fam.resolve())
        code = f"{code[:-1]}, family={fam.to_python()})"
    return obj, code


def r_mv_formula(
    node: Any, source: str, bf_call: Callable[[Call, str], Any], text: Callable[..., str]
) -> tuple[MvFormula, str] | None:
    """The multivariate formula written in R (``bf_call`` translates one ``bf()``), as an
    object and its Python source; None for a univariate formula."""
    items = [strip_parens(i) for i in added_terms(node)]
    funcs = [_func(i) for i in items]
    if len(items) == 1 and funcs[0] in _MV:
        call = items[0]
        assert isinstance(call, Call)
        found: list[Any] = []
        texts: list[str] = []
        flag = None
        for arg in call.args:
            if arg.name == "rescor":
                flag = _flag(arg.value, source, "mvbf(rescor = )")
                continue
            obj, code = _part(arg.value, source, bf_call, text)
            found.append(obj)
            texts.append(code)
        if flag is not None:
            texts.append(f"rescor={flag}")
        return MvFormula(tuple(found), flag), f"bj.mvbf({', '.join(texts)})"
    if len(items) < 2 or "lf" in funcs or "nlf" in funcs:
        return None
    formulas = sum(f in _BF or isinstance(i, Name) for f, i in zip(funcs, items, strict=True))
    if "set_rescor" not in funcs and formulas < 2:
        return None
    parts: list[Any] = []
    codes: list[str] = []
    rescor = None
    for item, func in zip(items, funcs, strict=True):
        if func == "set_rescor":
            assert isinstance(item, Call)
            rescor = _flag(item.args[0].value, source, "set_rescor()") if item.args else True
            codes.append(f"bj.set_rescor({rescor})")
            continue
        obj, code = _part(item, source, bf_call, text)
        parts.append(obj)
        codes.append(code)
    if any(isinstance(p, Ref) for p in parts):  # bf() objects made elsewhere: bj.mvbf()
        args = [c for c in codes if not c.startswith("bj.set_rescor")]
        args += [] if rescor is None else [f"rescor={rescor}"]
        return MvFormula(tuple(parts), rescor), f"bj.mvbf({', '.join(args)})"
    return MvFormula(tuple(parts), rescor), " + ".join(codes)
