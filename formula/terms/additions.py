"""brms's addition terms (``y | weights(w) + cens(c) ~ x``): their names and their arguments.

An addition term's arguments are data (``weights(w)``'s ``w``) or options (``scale``,
``sigma``); :func:`addition_args` gives the data arguments in brms's order, and
:func:`constant_value` reads a constant argument (``10``, ``-Inf``, ``TRUE``).
"""

from __future__ import annotations

import math

from ..errors import FormulaTermError
from ..syntax.ast import Call, Name, Node, Number, String, UnaryOp, strip_parens
from ..syntax.deparse import deparse

# The addition terms brms knows (those not supported yet raise when they are read).
ADDITION_TERMS = (
    "weights",
    "trials",
    "cens",
    "trunc",
    "se",
    "rate",
    "mi",
    "subset",
    "thres",
    "cat",
    "dec",
    "index",
    "vreal",
    "vint",
    "bhaz",
)

# Named arguments of addition terms that are options, not data.
ADDITION_OPTIONS: dict[str, set[str]] = {
    "weights": {"scale"},
    "se": {"sigma"},
    "trials": set(),
    "rate": set(),
    "cens": set(),
    "trunc": set(),
    "thres": set(),
    "mi": set(),
    "subset": set(),
    "index": set(),
    "dec": set(),
}


def constant_value(node: Node) -> float | None:
    """The value of a numeric or logical constant (``10``, ``-Inf``, ``TRUE``), else None."""
    inner = strip_parens(node)
    if isinstance(inner, Number):
        return inner.value
    if isinstance(inner, Name) and not inner.backticked:
        return {"TRUE": 1.0, "FALSE": 0.0, "Inf": math.inf, "NA": math.nan}.get(inner.name)
    if isinstance(inner, UnaryOp) and inner.op in {"-", "+"}:
        value = constant_value(inner.operand)
        return None if value is None else (-value if inner.op == "-" else value)
    return None


# The data arguments of each supported addition term, in brms's order.
_ADDITION_ARGS = {
    "weights": ("x",),
    "trials": ("x",),
    "se": ("x",),
    "rate": ("x",),
    "cens": ("x", "y2"),
    "trunc": ("lb", "ub"),
    "thres": ("x",),
    "mi": ("sdy",),
    "subset": ("x",),  # multivariate models only (formula/design/mv/mv_subset.py)
    "index": ("x",),
    "dec": ("x",),  # wiener's decisions (formula/design/response.py)
}


def addition_args(name: str, call: Call, source: str) -> list[Node]:
    """The data arguments of an addition term by position (``trunc`` gives lb, ub)."""
    params = _ADDITION_ARGS.get(name)
    if params is None:
        raise FormulaTermError(
            f"The addition term {name}() is not supported yet.", source, call.span
        )
    options = ADDITION_OPTIONS[name]
    given: dict[str, Node] = {}
    positional = [a for a in call.args if a.name is None]
    for param, arg in zip(params, positional, strict=False):
        given[param] = arg.value
    if len(positional) > len(params):
        raise FormulaTermError(
            f"{name}() takes at most {len(params)} data arguments.", source, call.span
        )
    for arg in call.args:
        if arg.name is None or arg.name in options:
            continue
        if arg.name not in params:
            raise FormulaTermError(
                f"{name}() has no argument '{arg.name}'; its arguments are: "
                f"{', '.join([*params, *sorted(options)])}.",
                source,
                arg.span,
            )
        given[arg.name] = arg.value
    for param, value in given.items():
        if isinstance(strip_parens(value), String):
            raise FormulaTermError(
                f"The argument '{param}' of {name}() is the string {deparse(value)}; give a "
                "variable of the data or a number.",
                source,
                value.span,
            )
    if name == "trunc":
        return [given.get("lb", UnaryOp("-", Name("Inf"))), given.get("ub", Name("Inf"))]
    if name == "mi":  # brms's resp_mi(sdy = NULL): mi() imputes, mi(sdy) adds noise
        return [given["sdy"]] if "sdy" in given else []
    if "x" not in given:
        raise FormulaTermError(f"{name}() needs a variable or number.", source, call.span)
    return [given[p] for p in params if p in given]


__all__ = [
    "ADDITION_OPTIONS",
    "ADDITION_TERMS",
    "addition_args",
    "constant_value",
    "mi_predictor_message",
]


def mi_predictor_message(call: Call) -> str:
    """brms's error for a predictor ``mi(x)`` whose ``x`` is not a response of the model.

    In a univariate model no variable but the response is one, so brms stops with this
    message (``vars_keep_na``); ``mi(x)`` predictors need ``x``'s own formula in a
    multivariate model (``bf(y ~ mi(x)) + bf(x | mi() ~ z)``).
    """
    positional = [a.value for a in call.args if a.name is None]
    var = deparse(positional[0]) if positional else ""
    return (
        "Variables in 'mi' terms should also be specified as response variables in the "
        f"model. See ?mi. Error occurred for '{var}'."
    )
