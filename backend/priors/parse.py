"""Reading prior strings in brms/Stan distribution syntax.

``parse_prior("student_t(3, 0, 2.5)")`` gives ``PriorSpec("student_t", (3.0, 0.0, 2.5))``. The
grammar (``grammar.lark``) is parsed with LALR in strict mode; every problem is a
:class:`~brmsjax.formula.errors.PriorError` that shows the prior with a caret under the culprit::

    Unknown prior distribution 'normel'; supported distributions are: beta, cauchy, ...
      normel(0, 1)
      ^^^^^^
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken

from brmsjax.backend.dists.densities import DIST_ARITY, PriorSpec
from brmsjax.formula.errors import PriorError, Span, caret_lines

# Argument names of every distribution, in Stan's order (used in messages and checks).
ARG_NAMES: dict[str, tuple[str, ...]] = {
    "flat": (),
    "normal": ("mu", "sigma"),
    "std_normal": (),
    "student_t": ("nu", "mu", "sigma"),
    "cauchy": ("mu", "sigma"),
    "double_exponential": ("mu", "sigma"),
    "logistic": ("mu", "sigma"),
    "exponential": ("beta",),
    "gamma": ("alpha", "beta"),
    "inv_gamma": ("alpha", "beta"),
    "lognormal": ("mu", "sigma"),
    "chi_square": ("nu",),
    "inv_chi_square": ("nu",),
    "weibull": ("alpha", "sigma"),
    "frechet": ("alpha", "sigma"),
    "beta": ("alpha", "beta"),
    "uniform": ("alpha", "beta"),
    "lkj": ("eta",),
    "lkj_corr_cholesky": ("eta",),
    "constant": ("value",),
    "dirichlet": ("alpha",),
}

# Arguments that must be positive, by distribution.
_POSITIVE: dict[str, frozenset[str]] = {
    dist: frozenset(a for a in names if a in {"sigma", "nu", "alpha", "beta", "eta"})
    for dist, names in ARG_NAMES.items()
    if dist != "uniform"
}

EXAMPLE = "normal(0, 10)"


@cache
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    return Lark(grammar, parser="lalr", strict=True, propagate_positions=True)


def _error(message: str, text: str, start: int, end: int) -> PriorError:
    return PriorError(f"{message}\n{caret_lines(text, Span(start, end))}")


@lru_cache(maxsize=512)
def parse_prior(text: str) -> PriorSpec:
    """Parse a prior string into a :class:`PriorSpec` without bounds.

    Parameters
    ----------
    text
        A Stan distribution call such as ``"normal(0, 10)"``; ``""`` and ``"flat"`` mean a flat
        (improper) prior.

    Raises
    ------
    PriorError
        On a syntax error, an unknown distribution, a wrong number of arguments or an argument
        outside its domain (a non-positive scale, ``uniform(a, b)`` with ``a >= b``).
    """
    if not isinstance(text, str):
        raise PriorError(f"A prior must be a string such as '{EXAMPLE}', not {text!r}.")
    if not text.strip():
        return PriorSpec("flat")
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as err:
        raise _syntax_error(text, err) from None
    call = tree.children[0]
    assert isinstance(call, Tree)
    name_token = call.children[0]
    assert isinstance(name_token, Token)
    name = str(name_token)
    start = name_token.start_pos or 0
    end = call.meta.end_pos if not call.meta.empty else len(text)
    if name not in DIST_ARITY:
        raise _error(
            f"Unknown prior distribution '{name}'; supported distributions are: "
            f"{', '.join(sorted(DIST_ARITY))}.",
            text,
            start,
            start + len(name),
        )
    numbers: list[tuple[float, int, int]] = []
    if call.data == "call" and isinstance(call.children[1], Tree):
        for number in call.children[1].children:
            assert isinstance(number, Tree)
            if number.data == "vector":
                return dirichlet_spec(name, number, len(call.children[1].children), text)
            numbers.append(_number(number, text))
    if name == "dirichlet" and numbers:
        return dirichlet_spec(name, None, 1, text, numbers)
    _check_arity(name, bare=call.data == "bare", numbers=numbers, text=text, start=start, end=end)
    for arg, (value, a, b) in zip(ARG_NAMES[name], numbers, strict=True):
        if not math.isfinite(value):
            raise _error(f"The argument {arg} of '{name}' must be finite.", text, a, b)
        if arg in _POSITIVE.get(name, ()) and value <= 0:
            raise _error(
                f"The argument {arg} of '{name}' must be positive, but it is {_show(value)}.",
                text,
                a,
                b,
            )
    if name == "uniform" and numbers[0][0] >= numbers[1][0]:
        raise _error("The bounds of 'uniform(alpha, beta)' need alpha < beta.", text, start, end)
    return PriorSpec(name, tuple(v for v, _, _ in numbers))


def _number(node: Tree, text: str) -> tuple[float, int, int]:
    tokens = [t for t in node.children if isinstance(t, Token)]
    start = tokens[0].start_pos or 0
    end = tokens[-1].end_pos or start
    sign = -1.0 if tokens[0].type == "SIGN" and str(tokens[0]) == "-" else 1.0
    return sign * float(str(tokens[-1])), start, end


def _check_arity(
    name: str,
    *,
    bare: bool,
    numbers: list[tuple[float, int, int]],
    text: str,
    start: int,
    end: int,
) -> None:
    want = DIST_ARITY[name]
    if bare and want == 0:
        return
    if bare or len(numbers) != want:
        names = ", ".join(ARG_NAMES[name])
        plural = "argument" if want == 1 else "arguments"
        given = "none" if bare or not numbers else str(len(numbers))
        raise _error(
            f"The prior distribution '{name}' takes {want} {plural}, {name}({names}), "
            f"but the prior gives {given}.",
            text,
            start,
            end,
        )


def _syntax_error(text: str, err: UnexpectedInput) -> PriorError:
    if isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken) and err.token.type == "$END"
    ):
        pos = len(text.rstrip())
        return _error(
            f"The prior '{text}' ends too early; write a distribution call such as '{EXAMPLE}'.",
            text,
            pos,
            pos,
        )
    if isinstance(err, UnexpectedToken):
        pos = err.token.start_pos or 0
        what = str(err.token)
        width = len(what)
    else:
        pos = err.pos_in_stream or 0
        what = text[pos : pos + 1]
        width = 1
    return _error(
        f"Unexpected '{what}' in the prior '{text}'; write a distribution call such as "
        f"'{EXAMPLE}'.",
        text,
        pos,
        pos + width,
    )


def _show(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def dirichlet_spec(
    name: str,
    vector: Tree | None,
    n_arguments: int,
    text: str,
    numbers: list[tuple[float, int, int]] | None = None,
) -> PriorSpec:
    """``dirichlet(a)`` or ``dirichlet(c(a1, a2, ...))``: the concentration, every element
    positive; ``c(...)`` is read in no other prior."""
    if vector is not None:
        head = vector.children[0]
        assert isinstance(head, Token)
        start = head.start_pos or 0
        if name != "dirichlet" or n_arguments != 1:
            raise _error(
                "c(...) is not a valid argument here; only the concentration of dirichlet "
                "may be a vector, written c(1, 2).",
                text,
                start,
                vector.meta.end_pos if not vector.meta.empty else len(text),
            )
        numbers = [_number(n, text) for n in vector.children[1:] if isinstance(n, Tree)]
    numbers = numbers or []
    if len(numbers) != 1 and vector is None:
        start = numbers[0][1]
        raise _error(
            "The prior distribution 'dirichlet' takes 1 argument, dirichlet(alpha) (a number "
            "or a vector c(...)), but the prior gives more.",
            text,
            start,
            numbers[-1][2],
        )
    for value, a, b in numbers:
        if not math.isfinite(value) or value <= 0:
            raise _error(
                f"The concentration of 'dirichlet' must be positive, but it has {_show(value)}.",
                text,
                a,
                b,
            )
    return PriorSpec(name, tuple(v for v, _, _ in numbers))
