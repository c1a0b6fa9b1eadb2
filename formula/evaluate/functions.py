"""The whitelist of R functions and operators that formulas may call, in NumPy/SciPy.

Calls are evaluated on the values of :mod:`.values` with R's semantics: arguments are
matched by exact name, then by position; logicals count as 0/1 in arithmetic; factors are not
numbers; a comparison gives a logical. Nothing of the formula text ever reaches Python's
``eval``: every function is a Python function in :data:`FUNCTIONS`. R's coercions and operators
(``as.numeric``, ``+``, ``==``, ``%in%``, ...) live in :mod:`.operators` and are re-exported here.

The stateful transforms (``poly``, ``scale``, ``factor``, ``ordered``, ``as.factor``) learn
their state on the fitting data and reuse it on new data through the evaluator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy.special import expit, log_expit, logit

from ..errors import DesignError, FormulaTermError
from ..syntax.ast import Call, Node
from ..syntax.parse import deparse
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
from .state import EvalContext, LevelsState, PolyState, ScaleState, TransformState
from .values import (
    LOGICAL_LEVELS,
    Character,
    Factor,
    Integer,
    Numeric,
    RValue,
    drop_unused,
    relevel,
)
from .values import _labelled as labelled

S = TypeVar("S", bound=TransformState)


@dataclass(frozen=True)
class Invocation:
    """One call being evaluated: its matched argument nodes and the evaluator."""

    node: Call
    label: str
    ev: EvalContext
    args: dict[str, Node]
    dots: tuple[Node, ...]

    @property
    def name(self) -> str:
        """The function's name."""
        return self.node.func

    def error(self, message: str, arg: str | None = None) -> FormulaTermError:
        """A :class:`FormulaTermError` with a caret under the argument ``arg`` or the call."""
        node = self.args.get(arg, self.node) if arg is not None else self.node
        return FormulaTermError(message, self.ev.source, node.span)

    def value(self, arg: str) -> RValue:
        """The evaluated argument ``arg``."""
        return self.ev.evaluate(self.args[arg])

    def numeric(self, arg: str) -> Numeric:
        """The argument ``arg`` as a number (a logical counts as 0/1)."""
        return as_number(self.value(arg), self.args[arg], self.ev, f"{self.name}()")

    def scalar(self, arg: str, default: float) -> float:
        """A length-one numeric argument, or ``default`` when it is not given."""
        if arg not in self.args:
            return default
        value = self.numeric(arg).values
        if value.size != 1 or np.isnan(value).any():
            raise self.error(f"The argument '{arg}' of {self.name}() must be one number.", arg)
        return float(value.reshape(-1)[0])

    def flag(self, arg: str, default: bool) -> bool:
        """A length-one logical argument (``TRUE``/``FALSE``), or ``default``."""
        return bool(self.scalar(arg, float(default)))

    def prior(self, kind: type[S]) -> S | None:
        """The fitted state of this call when encoding new data; None when fitting.

        Raises
        ------
        DesignError
            When encoding new data and the fitted model has no such state.
        """
        state = self.ev.prior(self.label)
        if isinstance(state, kind):
            return state
        if self.ev.encoding:
            raise DesignError(
                f"'{self.label}' is not part of the fitted model; use the formula "
                "of the fitted model.",
                self.ev.source,
                self.node.span,
            )
        return None

    def learn(self, state: TransformState) -> None:
        """Record the state this call learned on the fitting data."""
        self.ev.learn(self.label, state)


Impl = Callable[[Invocation], RValue]


@dataclass(frozen=True)
class Function:
    """A whitelisted function: R's parameter names (``...`` for variadic) and the code."""

    params: tuple[str, ...]
    required: int
    impl: Impl


def _bind(func: Function, node: Call, label: str, ev: EvalContext) -> Invocation:
    named = [p for p in func.params if p != "..."]
    args: dict[str, Node] = {}
    for arg in node.args:
        if arg.name is None:
            continue
        if arg.name not in named:
            listed = ", ".join(named) if named else "none"
            raise FormulaTermError(
                f"{node.func}() has no argument '{arg.name}'; its arguments are: {listed}.",
                ev.source,
                arg.span,
            )
        if arg.name in args:
            raise FormulaTermError(
                f"The argument '{arg.name}' of {node.func}() is given twice.", ev.source, arg.span
            )
        args[arg.name] = arg.value
    dots: list[Node] = []
    free = iter(p for p in func.params if p not in args)
    slot: str | None = next(free, None)
    for arg in node.args:
        if arg.name is not None:
            continue
        if slot == "...":
            dots.append(arg.value)
        elif slot is None:
            count = sum(a.name is None for a in node.args)
            raise FormulaTermError(
                f"{node.func}() takes at most {len(named)} argument(s) ({', '.join(named)}), but "
                f"{count} are given.",
                ev.source,
                arg.span,
            )
        else:
            args[slot] = arg.value
            slot = next(free, None)
    for param in func.params[: func.required]:
        if param not in args:
            raise FormulaTermError(
                f"{node.func}() needs the argument '{param}'.", ev.source, node.span
            )
    return Invocation(node, label, ev, args, tuple(dots))


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
    inv = _bind(func, node, label, ev)
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
    if digits != int(digits):
        raise inv.error("The argument 'digits' of round() must be a whole number.", "digits")
    if digits > 308:  # no double has digits that far right: R returns x unchanged
        return Numeric(x.values, x.colnames)
    if digits < -308:  # every double rounds to 0 that far left
        return Numeric(x.values * 0.0, x.colnames)
    if digits <= 0:
        return Numeric(np.round(x.values, int(digits)), x.colnames)
    uniq, inverse = np.unique(x.values, return_inverse=True)
    rounded = np.array([round(float(u), int(digits)) for u in uniq], dtype=np.float64)
    return Numeric(rounded[inverse].reshape(x.values.shape), x.colnames)


def _scale_arg(
    inv: Invocation, arg: str, k: int, default: Callable[[], np.ndarray]
) -> np.ndarray | None:
    if arg not in inv.args:
        return default()
    value = inv.value(arg)
    if isinstance(value, Factor) and value.logical and len(value.codes) == 1:
        return default() if value.codes[0] == 1 else None
    if isinstance(value, Numeric) and value.values.size == k:
        return np.asarray(value.values, dtype=np.float64).reshape(k)
    raise inv.error(
        f"The argument '{arg}' of scale() must be TRUE, FALSE or one number per column.", arg
    )


def _scale(inv: Invocation) -> RValue:
    x = inv.numeric("x")
    matrix = x.values if x.values.ndim == 2 else x.values[:, None]
    k = matrix.shape[1]
    prior = inv.prior(ScaleState)
    if prior is not None:
        center = None if prior.center is None else np.array(prior.center)
        scale = None if prior.scale is None else np.array(prior.scale)
    else:
        count = (~np.isnan(matrix)).sum(axis=0)
        center = _scale_arg(
            inv, "center", k, lambda: np.nansum(matrix, axis=0) / np.maximum(count, 1)
        )
        centred = matrix if center is None else matrix - center
        scale = _scale_arg(
            inv,
            "scale",
            k,
            lambda: np.sqrt(np.nansum(centred**2, axis=0) / np.maximum(1, count - 1)),
        )
        inv.learn(
            ScaleState(
                None if center is None else tuple(map(float, center)),
                None if scale is None else tuple(map(float, scale)),
            )
        )
    out = matrix if center is None else matrix - center
    out = out if scale is None else out / scale
    return Numeric(out, x.colnames if x.values.ndim == 2 else None)


def _poly_fit(inv: Invocation, x: np.ndarray, degree: int) -> tuple[np.ndarray, PolyState]:
    ok = ~np.isnan(x)
    xs = x[ok]
    distinct = len(np.unique(xs[: 4 * degree + 4]))
    if degree >= distinct:
        distinct = len(np.unique(xs))
    if degree >= distinct:
        raise inv.error(
            f"poly() needs more distinct values of '{deparse(inv.args['x'])}' than "
            f"its degree ({degree}), but there are {distinct}; lower the degree."
        )
    xbar = float(xs.mean())
    centred = xs - xbar
    q, r = np.linalg.qr(centred[:, None] ** np.arange(degree + 1))
    z = q * np.diag(r)
    norm2 = (z**2).sum(axis=0)
    alpha = ((centred[:, None] * z**2).sum(axis=0) / norm2 + xbar)[:degree]
    norm2 = np.concatenate([[1.0], norm2])
    out = np.full((len(x), degree), np.nan)
    out[ok] = (z / np.sqrt(norm2[1:]))[:, 1:]
    return out, PolyState(tuple(map(float, alpha)), tuple(map(float, norm2)))


def poly_predict(x: np.ndarray, state: PolyState) -> np.ndarray:
    """``poly(x, degree)`` on new data with the fitted coefficients (R's ``predict.poly``)."""
    alpha, norm2 = np.array(state.alpha), np.array(state.norm2)
    degree = len(alpha)
    z = np.ones((len(x), degree + 1))
    z[:, 1] = x - alpha[0]
    for i in range(1, degree):
        z[:, i + 1] = (x - alpha[i]) * z[:, i] - (norm2[i + 1] / norm2[i]) * z[:, i - 1]
    return (z / np.sqrt(norm2[1:]))[:, 1:]


_MAX_RAW_DEGREE = 50


def _poly(inv: Invocation) -> RValue:
    if len(inv.dots) > 1:
        raise inv.error(
            "poly() of several variables is not supported; use one poly() per variable."
        )
    if inv.dots:
        if "degree" in inv.args:
            raise inv.error("poly() is given the degree twice.")
        inv = Invocation(inv.node, inv.label, inv.ev, {**inv.args, "degree": inv.dots[0]}, ())
    x = inv.numeric("x")
    if x.values.ndim != 1:
        raise inv.error("poly() needs a numeric vector, not a matrix.", "x")
    degree = inv.scalar("degree", 1.0)
    if degree < 1 or degree != int(degree):
        raise inv.error("The degree of poly() must be a whole number of at least 1.", "degree")
    if inv.flag("raw", False):
        if degree > _MAX_RAW_DEGREE:
            raise inv.error(
                f"The degree of a raw poly() must be at most {_MAX_RAW_DEGREE}.", "degree"
            )
        powers = np.arange(1, int(degree) + 1)
        return Numeric(x.values[:, None] ** powers, tuple(map(str, powers)))
    prior = inv.prior(PolyState)
    if prior is None:
        out, prior = _poly_fit(inv, x.values, int(degree))
        inv.learn(prior)
    else:
        out = poly_predict(x.values, prior)
    return Numeric(out, tuple(str(i) for i in range(1, len(prior.alpha) + 1)))


def _levels_arg(inv: Invocation, arg: str) -> tuple[str, ...]:
    labels = labels_in_order(inv.value(arg))
    if len(set(labels)) != len(labels):
        raise inv.error(f"The {arg} of {inv.name}() must be distinct.", arg)
    return labels


def _factor(inv: Invocation, ordered: bool = False, keep_unused: bool = False) -> RValue:
    x = inv.value("x")
    if isinstance(x, Numeric) and x.values.ndim == 2 and x.values.shape[1] != 1:
        raise inv.error(f"{inv.name}() needs a vector, not a matrix.", "x")
    if "exclude" in inv.args:
        raise inv.error("The argument 'exclude' of factor() is not supported.", "exclude")
    if "labels" in inv.args and "levels" not in inv.args:
        raise inv.error(
            f"{inv.name}() with labels needs the levels too, so that new data gets "
            "the same labels.",
            "labels",
        )
    ordered = ordered or (isinstance(x, Factor) and x.ordered)
    ordered = inv.flag("ordered", ordered)
    codes, levels = labelled(x)
    if "levels" in inv.args:
        wanted = _levels_arg(inv, "levels")
        position = {lv: i for i, lv in enumerate(wanted)}
        table = np.array([position.get(lv, -1) for lv in levels] + [-1], dtype=np.int64)
        codes, levels = table[codes], wanted
        if "labels" in inv.args:
            levels = _levels_arg(inv, "labels")
            if len(levels) != len(wanted):
                raise inv.error(f"{inv.name}() needs one label per level.", "labels")
    else:
        if isinstance(x, Factor) and not (keep_unused and not x.logical):
            used = drop_unused(Factor(codes, levels))
            codes, levels = used.codes, used.levels
        prior = inv.prior(LevelsState)
        if prior is not None:
            codes = relevel(
                codes, levels, prior.levels, inv.label, source=inv.ev.source, span=inv.node.span
            )
            levels = prior.levels
    inv.learn(LevelsState(levels, ordered))
    return Factor(codes, levels, ordered)


def _as_character(inv: Invocation) -> RValue:
    return character(*labelled(inv.value("x")))


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
    "scale": Function(("x", "center", "scale"), 1, _scale),
    "poly": Function(("x", "...", "degree", "raw"), 1, _poly),
    "factor": Function(("x", "levels", "labels", "exclude", "ordered"), 1, _factor),
    "ordered": Function(("x", "levels", "labels"), 1, lambda inv: _factor(inv, ordered=True)),
    "as.factor": Function(_X, 1, lambda inv: _factor(inv, keep_unused=True)),
    "as.numeric": Function(_X, 1, lambda inv: as_double(inv.value("x"), inv.args["x"])),
    "as.double": Function(_X, 1, lambda inv: as_double(inv.value("x"), inv.args["x"])),
    "as.integer": Function(_X, 1, lambda inv: as_double(inv.value("x"), inv.args["x"], True)),
    "as.logical": Function(_X, 1, lambda inv: as_logical(inv.value("x"))),
    "as.character": Function(_X, 1, _as_character),
    "offset": Function(("object",), 1, lambda inv: inv.numeric("object")),
    "c": Function(("...",), 0, _c),
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
