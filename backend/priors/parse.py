"""Reading prior strings in brms/Stan distribution syntax.

``parse_prior("student_t(3, 0, 2.5)")`` gives ``PriorSpec("student_t", (3.0, 0.0, 2.5))``;
arguments may be constant Stan expressions (``normal(log(9), 0.5)``), evaluated by
:mod:`.arith`. The grammar (``grammar.lark``) is parsed with LALR in strict mode; every problem is a
:class:`~brmsjax.formula.errors.PriorError` that shows the prior with a caret under the culprit::

    Unknown prior distribution 'normel'; supported distributions are: beta, cauchy, ...
      normel(0, 1)
      ^^^^^^
"""

from __future__ import annotations

import math
import warnings
from functools import cache, lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken

from brmsjax.backend.dists.densities import DIST_ARITY, PriorSpec
from brmsjax.backend.priors.arith import evaluate, is_plain_number, not_constant
from brmsjax.backend.priors.special import SPECIAL, special_spec, special_text
from brmsjax.formula.errors import PriorError, Span, caret_lines
from brmsjax.formula.warn import user_stacklevel

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


class PriorWarning(UserWarning):
    """A prior that means something else than it may seem: ``normal(7/2, 1)`` is
    ``normal(3, 1)`` in Stan, and so in brms."""


def parse_prior(text: str) -> PriorSpec:
    """Parse a prior string into a :class:`PriorSpec` without bounds.

    Arguments may be constant Stan expressions (``normal(log(9), 0.5)``), evaluated by
    :mod:`.arith`; an integer division that drops a remainder (``7/2`` is 3, as in Stan) gives
    a :class:`PriorWarning`.

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
    spec, truncated, _ = _parse(text)
    for cut in truncated:
        warnings.warn(
            f"Stan divides integers as integers, so {cut} in the prior '{text}' is rounded "
            "toward zero (as in brms); write a real number such as 1.0 to divide exactly.",
            PriorWarning,
            stacklevel=user_stacklevel(),
        )
    return spec


def prior_label(text: str) -> str:
    """The prior as the ``get_prior`` table shows it: the distribution with its numbers
    (``normal(0, 5)``), or the text as written where an argument is an expression
    (``normal(log(9), 0.5)``, as brms shows it)."""
    spec, _, plain = _parse(text)
    if spec.dist in SPECIAL:
        return prior_display(text)
    return str(spec) if plain else text.strip()


@lru_cache(maxsize=512)
def _parse(text: str) -> tuple[PriorSpec, tuple[str, ...], bool]:
    """The prior's distribution, the integer divisions that dropped a remainder, and whether
    every argument is a plain number."""
    if not text.strip():
        return PriorSpec("flat"), (), True
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
    if name in SPECIAL and call.data == "call":
        args = call.children[1] if isinstance(call.children[1], Tree) else None
        try:
            return special_spec(name, args, text), (), True
        except PriorError as err:
            raise _error(str(err), text, start, end) from None
    if name not in DIST_ARITY:
        raise _error(
            f"Unknown prior distribution '{name}'; supported distributions are: "
            f"{', '.join(sorted(DIST_ARITY))}; and for class 'b' as a whole: "
            f"{', '.join(f'{s}()' for s in sorted(SPECIAL))}.",
            text,
            start,
            start + len(name),
        )
    numbers: list[tuple[float, int, int]] = []
    truncated: list[str] = []
    plain = True
    if call.data == "call" and isinstance(call.children[1], Tree):
        for node in call.children[1].children:
            assert isinstance(node, Tree)
            if node.data == "func" and str(node.children[0]) == "c":
                return dirichlet_spec(name, node, len(call.children[1].children), text), (), True
            if node.data == "named":
                a, b = node.meta.start_pos, node.meta.end_pos
                raise _error(
                    f"The arguments of '{name}' must be numbers in Stan's order, as in "
                    f"'{EXAMPLE}'.",
                    text,
                    a,
                    b,
                )
            given = evaluate(node, text)
            numbers.append((given.value, node.meta.start_pos, node.meta.end_pos))
            truncated.append(given.truncated)
            plain = plain and is_plain_number(node)
    if name == "dirichlet" and numbers:
        return dirichlet_spec(name, None, 1, text, numbers), (), plain
    _check_arity(name, bare=call.data == "bare", numbers=numbers, text=text, start=start, end=end)
    for arg, (value, a, b), cut in zip(ARG_NAMES[name], numbers, truncated, strict=True):
        hint = (
            f" Stan divides integers as integers: {cut} is {_show(value)}; write a real "
            "number such as 1.0 to divide exactly."
            if cut
            else ""
        )
        if not math.isfinite(value):
            raise _error(f"The argument {arg} of '{name}' must be finite.{hint}", text, a, b)
        if arg in _POSITIVE.get(name, ()) and value <= 0:
            raise _error(
                f"The argument {arg} of '{name}' must be positive, but it is {_show(value)}.{hint}",
                text,
                a,
                b,
            )
    if name == "uniform" and numbers[0][0] >= numbers[1][0]:
        raise _error("The bounds of 'uniform(alpha, beta)' need alpha < beta.", text, start, end)
    spec = PriorSpec(name, tuple(v for v, _, _ in numbers))
    return spec, tuple(c for c in truncated if c), plain


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
    history = getattr(err, "token_history", None) or []
    if isinstance(err, UnexpectedToken) and history and history[-1].type == "NAME":
        name = history[-1]
        pos = name.start_pos or 0
        return _error(
            not_constant(str(name), text),
            text,
            pos,
            pos + len(name),
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


def prior_display(text: str) -> str:
    """A prior as brms's table shows it: a shrinkage prior's call as R deparses it
    (``horseshoe(df = 3, par_ratio = 0.1)``), any other prior as :class:`PriorSpec` prints."""
    spec = parse_prior(text)
    if spec.dist not in SPECIAL:
        return str(spec)
    call = _parser().parse(text).children[0]
    assert isinstance(call, Tree)
    args = call.children[1] if isinstance(call.children[1], Tree) else None
    return special_text(spec.dist, args, text)


def dirichlet_spec(
    name: str,
    vector: Tree | None,
    n_arguments: int,
    text: str,
    numbers: list[tuple[float, int, int]] | None = None,
) -> PriorSpec:
    """``dirichlet(a)``, ``dirichlet(a1, a2, ...)`` or ``dirichlet(c(a1, a2, ...))``: the
    concentration, every element
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
        numbers = [
            (evaluate(n, text).value, n.meta.start_pos, n.meta.end_pos)
            for n in vector.children[1:]
            if isinstance(n, Tree)
        ]
    numbers = numbers or []  # dirichlet(2, 3) is dirichlet(c(2, 3)), as brms reads it
    for value, a, b in numbers:
        if not math.isfinite(value) or value <= 0:
            raise _error(
                f"The concentration of 'dirichlet' must be positive, but it has {_show(value)}.",
                text,
                a,
                b,
            )
    return PriorSpec(name, tuple(v for v, _, _ in numbers))
