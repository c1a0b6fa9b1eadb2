"""R literal values (numbers, strings, ``TRUE``, ``c()``, ``list()``) as Python values and code.

A translated value keeps two things: the Python object (for :meth:`BrmCall.run`) and the Python
source that makes it (for ``to_python()``). A bare R name that is not a literal (``d``,
``bprior``) becomes a :class:`Ref`: an object the script defines elsewhere, resolved by name
when the call runs.
"""

from __future__ import annotations

import json
import keyword
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from brmsjax.formula.errors import Span
from brmsjax.formula.syntax.ast import Argument, Call, Name, Number, Paren, String, UnaryOp
from brmsjax.formula.terms.mv_formula import MvFormula

from .rparse import Empty, RCodeError, RNode

__all__ = ["Ref", "Value", "match_args", "py_literal", "py_name", "py_str", "r_value"]

_CONSTANTS: dict[str, tuple[Any, str]] = {
    "TRUE": (True, "True"), "T": (True, "True"), "FALSE": (False, "False"),
    "F": (False, "False"), "NULL": (None, "None"), "NA": (None, "None"),
    "NA_real_": (None, "None"), "NA_integer_": (None, "None"),
    "NA_character_": (None, "None"), "Inf": (math.inf, "math.inf"), "NaN": (math.nan, "math.nan"),
}  # fmt: skip


@dataclass(frozen=True)
class Ref:
    """An R object named in the code but defined elsewhere (a data frame, a prior list)."""

    name: str

    @property
    def python(self) -> str:
        """The Python name the port gives the object."""
        return py_name(self.name)


@dataclass(frozen=True)
class Value:
    """A translated R value: the Python object and the Python source that makes it."""

    obj: Any
    code: str


def py_name(name: str) -> str:
    """A Python identifier for an R name (``my.data`` -> ``my_data``, ``class`` -> ``class_``)."""
    text = re.sub(r"\W", "_", name.rsplit("::", maxsplit=1)[-1])
    if not text or text[0].isdigit():
        text = f"_{text}"
    return f"{text}_" if keyword.iskeyword(text) else text


def py_str(text: str) -> str:
    """A double-quoted Python string literal."""
    return json.dumps(text, ensure_ascii=False)


def py_literal(value: Any) -> str:
    """Python source of a plain value (strings double-quoted)."""
    return py_str(value) if isinstance(value, str) else repr(value)


def _number(value: float) -> Value:
    if float(value).is_integer() and abs(value) < 1e15:
        return Value(int(value), str(int(value)))
    return Value(value, repr(value))


def r_value(node: RNode, source: str, what: str) -> Value:
    """Translate an R literal (or a bare name) into a Python value.

    Parameters
    ----------
    node
        The R expression.
    source
        The R code, for caret errors.
    what
        What the value is, for messages (``"the brm() argument 'iter'"``).

    Raises
    ------
    RCodeError
        If the expression is a computation rather than a value.
    """
    if isinstance(node, Paren):
        return r_value(node.expr, source, what)
    if isinstance(node, Number):
        return _number(node.value)
    if isinstance(node, String):
        return Value(node.value, py_str(node.value))
    if isinstance(node, UnaryOp) and node.op in "-+":
        inner = r_value(node.operand, source, what)
        if isinstance(inner.obj, int | float) and not isinstance(inner.obj, bool):
            return _number(-inner.obj if node.op == "-" else inner.obj)
    if isinstance(node, Name):
        if node.name in _CONSTANTS and not node.backticked:
            return Value(*_CONSTANTS[node.name])
        ref = Ref(node.name)
        return Value(ref, ref.python)
    if isinstance(node, Call) and node.func in {"c", "list"}:
        return _vector(node, source, what)
    raise RCodeError(
        f"The value of {what} is an R computation that the port does not translate; "
        "write the value itself (a number, string, TRUE/FALSE, c() or list()).",
        source,
        node.span,
    )


def _vector(node: Call, source: str, what: str) -> Value:
    items = [(a.name, r_value(a.value, source, what)) for a in node.args]
    named = [(name, v) for name, v in items if name is not None]
    if items and len(named) == len(items):
        obj = {name: v.obj for name, v in named}
        code = "{" + ", ".join(f"{py_str(name)}: {v.code}" for name, v in named) + "}"
        return Value(obj, code)
    if any(name is not None for name, _ in items):
        raise RCodeError(
            f"The value of {what} mixes named and unnamed elements; name all of them or none.",
            source,
            node.span,
        )
    if node.func == "c" and len(items) == 1:
        return items[0][1]
    return Value([v.obj for _, v in items], "[" + ", ".join(v.code for _, v in items) + "]")


def match_args(
    call: Call | Any,
    formals: Sequence[str],
    source: str,
    *,
    dots: bool = True,
) -> tuple[dict[str, Argument], list[Argument]]:
    """Match a call's arguments to a function's formal arguments, as R does.

    Exact names first, then unique partial names (R's rule for arguments before ``...``), then
    positional arguments in order. Returns the matched arguments by formal name and the rest
    (which go to ``...``).

    Raises
    ------
    RCodeError
        For an empty argument, an argument given twice, or (when the function has no ``...``)
        one that matches nothing.
    """
    matched: dict[str, Argument] = {}
    rest: list[Argument] = []
    positional: list[Argument] = []
    for arg in call.args:
        if isinstance(arg.value, Empty):
            raise RCodeError(
                "This argument is empty; remove the extra ',' or give a value.",
                source,
                arg.span if arg.span.end > arg.span.start else call.span,
            )
        if arg.name is None:
            positional.append(arg)
            continue
        name = arg.name
        if name not in formals:
            partial = [f for f in formals if f.startswith(name)]
            name = partial[0] if len(partial) == 1 else name
        if name in matched:
            raise RCodeError(f"The argument '{name}' is given twice; keep one.", source, arg.span)
        if name in formals:
            matched[name] = arg
        elif dots:
            rest.append(arg)
        else:
            raise RCodeError(
                f"'{arg.name}' is not an argument of {call.func}(); its arguments are: "
                f"{', '.join(formals)}.",
                source,
                arg.span,
            )
    free = [f for f in formals if f not in matched]
    for arg in positional:
        if not free:
            if dots:
                rest.append(arg)
                continue
            raise RCodeError(
                f"{call.func}() takes at most {len(formals)} arguments; this one is too many.",
                source,
                arg.span,
            )
        matched[free.pop(0)] = arg
    return matched, rest


def check_scalar(
    value: Value, types: tuple[type, ...], what: str, source: str, span: Span
) -> Value:
    """Check that a translated value is one of ``types`` (or a :class:`Ref`)."""
    if isinstance(value.obj, Ref) or (
        isinstance(value.obj, types) and not (isinstance(value.obj, bool) and bool not in types)
    ):
        return value
    names = " or ".join(t.__name__ for t in types)
    raise RCodeError(f"{what} must be a {names}, not {value.code}.", source, span)


def resolve(value: Any, env: Mapping[str, Any], what: str) -> Any:
    """Replace :class:`Ref` objects (also inside lists and dicts) by their values in ``env``."""
    if isinstance(value, Ref):
        for key in (value.name, value.python):
            if key in env:
                return env[key]
        raise RCodeError(
            f"{what} names the R object '{value.name}'; pass it from Python, e.g. "
            f"env={{'{value.name}': ...}}."
        )
    if isinstance(value, MvFormula):  # bf_a + bf_b + set_rescor(TRUE) with bf() objects
        return replace(value, parts=tuple(resolve(p, env, what) for p in value.parts))
    if isinstance(value, list):
        return [resolve(v, env, what) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, env, what) for k, v in value.items()}
    return value
