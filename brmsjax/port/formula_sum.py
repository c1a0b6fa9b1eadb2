"""The porter's formula sums with a family or ``set_mecor()``: ``bf(y ~ x) + gaussian()``,
``bf(y ~ x) + lf(sigma ~ z) + skew_normal()``, ``bf(y ~ me(x, sdx)) + set_mecor(FALSE)``.

brms adds a family to a formula as its ``family`` (``bf(y ~ x, family = gaussian())``) and
``set_mecor()`` as its ``mecor`` attribute; :func:`split_formula_sum` takes those items out of
a ``+`` sum so that the rest (``bf()`` with ``lf()``/``nlf()`` parts) translates as before, and
:func:`with_extras` puts them on the translated :class:`~brmsjax.formula.BrmsFormula` (with
its Python source: ``bj.bf(..., family=bj.skew_normal()) + bj.set_mecor(False)``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from brmsjax.formula.syntax.ast import Argument, BinOp, Call, Name, Node, strip_parens
from brmsjax.formula.terms.brmsterms import BrmsFormula
from brmsjax.formula.terms.readers.mecor import set_mecor
from brmsjax.rcode.rfamilies import BRMS_FAMILIES, FamilyCall, r_family
from brmsjax.rcode.rparse import RCodeError

from .mv import added_terms

__all__ = ["split_formula_sum", "with_extras"]


def _func(node: Node) -> str:
    return (
        node.func.removeprefix("brms::").removeprefix("stats::") if isinstance(node, Call) else ""
    )


def _flag(call: Call, source: str, what: str) -> bool:
    if not call.args:
        return True
    value = strip_parens(call.args[0].value)
    if isinstance(value, Name) and value.name in {"TRUE", "FALSE", "T", "F"}:
        return value.name.startswith("T")
    raise RCodeError(f"{what} must be TRUE or FALSE.", source, call.span)


def split_formula_sum(node: Any, source: str) -> tuple[Any, FamilyCall | None, bool | None]:
    """The sum without its family, ``set_mecor()`` and ``set_nl()`` items (``set_nl()`` moved
    into the ``bf()`` call as ``nl``), the family and the ``mecor`` flag (None where not
    given). A sum without them, or with two ``bf()`` (a multivariate formula), is ``node``."""
    items = added_terms(node)
    if len(items) < 2 or sum(_func(i) in ("bf", "brmsformula") for i in items) != 1:
        return node, None, None
    family: FamilyCall | None = None
    mecor: bool | None = None
    nl: bool | None = None
    rest = []
    for item in items:
        func = _func(item)
        if func == "set_nl":  # bf(...) + lf(...) + set_nl(TRUE): bf(..., nl = TRUE)
            assert isinstance(item, Call)
            nl = _flag(item, source, "set_nl()")
        elif func == "set_mecor":
            assert isinstance(item, Call)
            mecor = _flag(item, source, "set_mecor()")
        elif func in BRMS_FAMILIES or func == "brmsfamily":
            fam = r_family(item, source)
            if not isinstance(fam, FamilyCall) or family is not None:
                raise RCodeError(
                    "A formula takes one family, such as + gaussian().", source, item.span
                )
            family = fam
        else:
            rest.append(item)
    if family is None and mecor is None and nl is None:
        return node, None, None
    if nl is not None:
        rest = [_with_nl(i, nl) if _func(i) in ("bf", "brmsformula") else i for i in rest]
    out = rest[0]
    for item in rest[1:]:
        out = BinOp("+", out, item, span=out.span)
    return out, family, mecor


def _with_nl(call: Node, nl: bool) -> Call:
    """The ``bf()`` call with ``nl = TRUE`` (or FALSE) in place of its own ``nl``."""
    assert isinstance(call, Call)
    args = tuple(a for a in call.args if a.name != "nl")
    flag = Argument("nl", Name("TRUE" if nl else "FALSE", span=call.span), span=call.span)
    return Call(call.func, (*args, flag), call.span)


def with_extras(
    obj: Any, code: str, family: FamilyCall | None, mecor: bool | None
) -> tuple[Any, str]:
    """The translated formula (and its Python source) with the family and ``set_mecor()``."""
    if not isinstance(obj, BrmsFormula):
        return obj, code
    if family is not None:
        obj = replace(obj, family=family.resolve())
        head, plus, tail = code.partition(") + bj.")  # bj.bf(...) + bj.nlf(...): into bf()
        code = f"{head if plus else code[:-1]}, family={family.to_python()}){plus[1:]}{tail}"
    if mecor is not None:
        obj = obj + set_mecor(mecor)
        code = f"{code} + bj.set_mecor({mecor})"
    return obj, code
