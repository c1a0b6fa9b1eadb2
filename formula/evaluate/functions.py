"""The whitelist of R functions and operators that formulas may call, in NumPy/SciPy.

Calls are evaluated on the values of :mod:`.values` with R's semantics: arguments are
matched by exact name, then by position; logicals count as 0/1 in arithmetic; factors are not
numbers; a comparison gives a logical. Nothing of the formula text ever reaches Python's
``eval``: every function is a Python function in :data:`FUNCTIONS`. R's coercions and operators
(``as.numeric``, ``+``, ``==``, ``%in%``, ...) live in :mod:`.operators` and are re-exported here.

A call's arguments are bound by :mod:`.invocation`. The stateful transforms (``poly``,
``scale``, ``factor``, ``ordered``, ``as.factor``) live in :mod:`.transforms`: they learn their
state on the fitting data and reuse it on new data through the evaluator.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import expit, log_expit, logit

from ..errors import FormulaTermError
from ..syntax.ast import Call, Name
from .invocation import Function, Impl, Invocation, bind
from .operators import (
    _broadcast,
    _colnames,
    as_double,
    as_logical,
    as_number,
    binary,
    character,
    labels_in_order,
    logical,
    unary,
)
from .state import EvalContext
from .transforms import factor_call, poly_call, poly_predict, scale_call
from .values import (
    LOGICAL_LEVELS,
    Character,
    Factor,
    Integer,
    Numeric,
    RValue,
)
from .values import _labelled as labelled


def call(node: Call, label: str, ev: EvalContext) -> RValue:
    """Evaluate the whitelisted call ``node``; an unknown function raises FormulaTermError."""
    func = FUNCTIONS.get(node.func)
    if func is None:
        names = ", ".join(sorted(FUNCTIONS))
        raise FormulaTermError(
            f"Unknown function '{node.func}' in the formula; supported functions are: {names}.",
            ev.source,
            node.span,
        )
    inv = bind(func, node, label, ev)
    with np.errstate(all="ignore"):
        return func.impl(inv)


# ----------------------------------------------------------------------------------------------
# functions


def _identity(inv: Invocation) -> RValue:
    return inv.value("x")


def _math(func: Callable[[np.ndarray], np.ndarray], keep_integer: bool = False) -> Impl:
    def impl(inv: Invocation) -> RValue:
        x = inv.numeric("x")
        cls = Integer if keep_integer and isinstance(x, Integer) else Numeric
        return cls(np.asarray(func(x.values), dtype=np.float64), x.colnames)

    return impl


def _log(inv: Invocation) -> RValue:
    x = inv.numeric("x")
    out = np.log(x.values)
    if "base" in inv.args:
        out = out / np.log(inv.scalar("base", np.e))
    return Numeric(out, x.colnames)


def _round(inv: Invocation) -> RValue:
    x = inv.numeric("x")
    digits = inv.scalar("digits", 0.0)
    if np.isfinite(digits) and digits != int(digits):
        raise inv.error("The argument 'digits' of round() must be a whole number.", "digits")
    if digits > 308:  # no double has digits that far right (Inf too): R returns x unchanged
        return Numeric(x.values, x.colnames)
    if digits < -308:  # every double rounds to 0 that far left
        return Numeric(x.values * 0.0, x.colnames)
    if digits <= 0:
        return Numeric(np.round(x.values, int(digits)), x.colnames)
    uniq, inverse = np.unique(x.values, return_inverse=True)
    rounded = np.array([round(float(u), int(digits)) for u in uniq], dtype=np.float64)
    return Numeric(rounded[inverse].reshape(x.values.shape), x.colnames)


def _as_character(inv: Invocation) -> RValue:
    x = inv.value("x")
    if isinstance(x, Numeric) and x.values.ndim == 2 and x.values.shape[1] != 1:
        raise inv.error("as.character() needs a vector, not a matrix.", "x")
    return character(*labelled(x))


def _parallel(keep_na: Callable[..., np.ndarray], drop_na: Callable[..., np.ndarray]) -> Impl:
    def impl(inv: Invocation) -> RValue:
        if not inv.dots:
            raise inv.error(f"{inv.name}() needs at least one argument.")
        values = [as_number(inv.ev.evaluate(n), n, inv.ev, f"{inv.name}()") for n in inv.dots]
        arrays = _broadcast(inv.node, inv.ev, *(v.values for v in values))
        func = drop_na if inv.flag("na.rm", False) else keep_na
        out = arrays[0]
        for array in arrays[1:]:
            out = func(out, array)
        cls = Integer if all(isinstance(v, Integer) for v in values) else Numeric
        return cls(np.asarray(out, dtype=np.float64), _colnames(*values))

    return impl


def _plogis(inv: Invocation) -> RValue:
    q = inv.numeric("q")
    z = (q.values - inv.scalar("location", 0.0)) / inv.scalar("scale", 1.0)
    z = z if inv.flag("lower.tail", True) else -z
    out = log_expit(z) if inv.flag("log.p", False) else expit(z)
    return Numeric(out, q.colnames)


def _qlogis(inv: Invocation) -> RValue:
    p = inv.numeric("p")
    out = inv.scalar("location", 0.0) + inv.scalar("scale", 1.0) * logit(p.values)
    return Numeric(out, p.colnames)


def _c(inv: Invocation) -> RValue:
    values = [inv.ev.evaluate(n) for n in inv.dots]
    if not values:
        raise inv.error("c() needs at least one value.")
    if any(isinstance(v, Character) for v in values):
        labels = tuple(lb for v in values for lb in labels_in_order(v))
        return character(np.arange(len(labels)), labels)
    if all(isinstance(v, Factor) and v.logical for v in values):
        return Factor(
            np.concatenate([v.codes for v in values if isinstance(v, Factor)]),
            LOGICAL_LEVELS,
            logical=True,
        )
    numbers = [as_number(v, n, inv.ev, "c()") for v, n in zip(values, inv.dots, strict=True)]
    out = np.concatenate([v.values.reshape(-1) for v in numbers])
    return (Integer if all(isinstance(v, Integer) for v in numbers) else Numeric)(out)


def _cbind(inv: Invocation) -> RValue:
    """R's ``cbind(a, b, ...)`` of numeric vectors: an ``(N, k)`` matrix whose columns are named
    by the arguments that are variable names (R's ``deparse.level = 1``), else ``""``."""
    if len(inv.dots) < 2:
        raise inv.error("cbind() needs at least two columns, such as cbind(y1, y2).")
    columns = []
    for node in inv.dots:
        value = as_number(inv.ev.evaluate(node), node, inv.ev, "cbind()")
        if value.values.ndim != 1:
            raise inv.error("The arguments of cbind() must be vectors, such as cbind(y1, y2).")
        columns.append(value.values.astype(np.float64))
    names = tuple(n.name if isinstance(n, Name) else "" for n in inv.dots)
    return Numeric(np.column_stack(columns), names)


_X = ("x",)
FUNCTIONS: dict[str, Function] = {
    "I": Function(_X, 1, _identity),
    "log": Function(("x", "base"), 1, _log),
    "log1p": Function(_X, 1, _math(np.log1p)),
    "log2": Function(_X, 1, _math(np.log2)),
    "log10": Function(_X, 1, _math(np.log10)),
    "exp": Function(_X, 1, _math(np.exp)),
    "expm1": Function(_X, 1, _math(np.expm1)),
    "sqrt": Function(_X, 1, _math(np.sqrt)),
    "abs": Function(_X, 1, _math(np.abs, keep_integer=True)),
    "sin": Function(_X, 1, _math(np.sin)),
    "cos": Function(_X, 1, _math(np.cos)),
    "tan": Function(_X, 1, _math(np.tan)),
    "floor": Function(_X, 1, _math(np.floor)),
    "ceiling": Function(_X, 1, _math(np.ceil)),
    "trunc": Function(_X, 1, _math(np.trunc)),
    "round": Function(("x", "digits"), 1, _round),
    "inv_logit": Function(_X, 1, _math(expit)),
    "plogis": Function(("q", "location", "scale", "lower.tail", "log.p"), 1, _plogis),
    "qlogis": Function(("p", "location", "scale"), 1, _qlogis),
    "pmin": Function(("...", "na.rm"), 0, _parallel(np.minimum, np.fmin)),
    "pmax": Function(("...", "na.rm"), 0, _parallel(np.maximum, np.fmax)),
    "scale": Function(("x", "center", "scale"), 1, scale_call),
    "poly": Function(("x", "...", "degree", "raw"), 1, poly_call),
    "factor": Function(("x", "levels", "labels", "exclude", "ordered"), 1, factor_call),
    "ordered": Function(("x", "levels", "labels"), 1, lambda inv: factor_call(inv, ordered=True)),
    "as.factor": Function(_X, 1, lambda inv: factor_call(inv, keep_unused=True)),
    "as.numeric": Function(_X, 1, lambda inv: as_double(inv.value("x"), inv.args["x"])),
    "as.double": Function(_X, 1, lambda inv: as_double(inv.value("x"), inv.args["x"])),
    "as.integer": Function(_X, 1, lambda inv: as_double(inv.value("x"), inv.args["x"], True)),
    "as.logical": Function(_X, 1, lambda inv: as_logical(inv.value("x"))),
    "as.character": Function(_X, 1, _as_character),
    "offset": Function(("object",), 1, lambda inv: inv.numeric("object")),
    "c": Function(("...",), 0, _c),
    "cbind": Function(("...",), 0, _cbind),
}
"""The whitelist: R's name of each function a formula may call."""

__all__ = [
    "FUNCTIONS",
    "Function",
    "Invocation",
    "as_double",
    "as_logical",
    "as_number",
    "binary",
    "call",
    "character",
    "labels_in_order",
    "logical",
    "poly_predict",
    "unary",
]
