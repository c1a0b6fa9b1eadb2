"""Prior arguments written as expressions, evaluated once with Stan's types.

brms writes the prior string verbatim into the Stan program (the recorded Stan lines in
tests/fixtures/intercept0 show it), so ``normal(log(9), 0.5)`` means Stan's ``log(9)`` and
``1/10`` is Stan's integer division (0). Reference values: Python's math library.
"""

from __future__ import annotations

import math
import re
import warnings

import pytest

import brmsjax as bj
from brmsjax.backend.priors.parse import PriorWarning, parse_prior
from brmsjax.formula import PriorError
from brmsjax.port import from_r
from brmsjax.rcode.rparse import RCodeError

from .brms_cases import case, data


@pytest.mark.parametrize(
    ("text", "dist", "args"),
    [
        ("normal(log(9), 0.5)", "normal", (math.log(9), 0.5)),
        ("normal(-log(2), 1)", "normal", (-math.log(2), 1.0)),
        ("student_t(3, 0, 2.5 * 2)", "student_t", (3.0, 0.0, 5.0)),
        ("exponential(1.0/10)", "exponential", (0.1,)),
        ("exponential(1 / 10.)", "exponential", (0.1,)),
        ("exponential(1e0 / 10)", "exponential", (0.1,)),
        ("normal(exp(1), sqrt(2))", "normal", (math.e, math.sqrt(2))),
        ("normal(-2^2, 2^-1)", "normal", (-4.0, 0.5)),  # ^ binds tighter than the sign
        ("normal(2^3^2, 1)", "normal", (512.0, 1.0)),  # ^ groups to the right
        ("normal((1 + 2) * 3 - 4 / 2, 1)", "normal", (7.0, 1.0)),
        ("normal(pi(), e())", "normal", (math.pi, math.e)),
        ("normal(log10(100), pow(2, 0.5))", "normal", (2.0, math.sqrt(2))),
        ("normal(logit(0.25), inv_logit(0))", "normal", (math.log(1 / 3), 0.5)),
        ("gamma(abs(-2), inv(4))", "gamma", (2.0, 0.25)),
        ("lognormal(log1p(1), square(0.5))", "lognormal", (math.log(2), 0.25)),
        ("normal(+1, 1e3)", "normal", (1.0, 1000.0)),
        ("normal(0, 4/2)", "normal", (0.0, 2.0)),  # an exact integer division: no warning
    ],
)
def test_expression_arguments(text: str, dist: str, args: tuple) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spec = parse_prior(text)
    assert spec.dist == dist
    assert spec.args == pytest.approx(args, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "value", "cut"),
    [
        ("normal(7/2, 1)", 3.0, "7/2"),
        ("normal(-7/2, 1)", -3.0, "-7/2"),
        ("uniform(1/2, 1)", 0.0, "1/2"),
    ],
)
def test_integer_division_is_stans(text: str, value: float, cut: str) -> None:
    """Stan rounds ``int / int`` toward zero (stanc: "integer division implicitly rounds")."""
    with pytest.warns(PriorWarning, match=re.escape(f"so {cut} in the prior '{text}' is rounded")):
        spec = parse_prior(text)
    assert spec.args[0] == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "exponential(1/10)",
            "The argument beta of 'exponential' must be positive, but it is 0. Stan divides "
            "integers as integers: 1/10 is 0; write a real number such as 1.0 to divide "
            "exactly.\n  exponential(1/10)\n              ^^^^",
        ),
        (
            "normal(foo(1), 1)",
            "Unknown function 'foo' in the prior; a prior argument may call Stan's abs, cbrt, "
            "e, exp, exp2, expm1, fabs, fmax, fmin, inv, inv_logit, inv_sqrt, inv_square, "
            "lgamma, log, log10, log1p, log2, logit, negative_infinity, pi, positive_infinity, "
            "pow, sqrt, sqrt2, square, tgamma.\n  normal(foo(1), 1)\n         ^^^",
        ),
        (
            "normal(log(9, 3), 1)",
            "The function 'log' takes 1 argument, not 2.\n  normal(log(9, 3), 1)\n"
            "         ^^^^^^^^^",
        ),
        (
            "normal(log(-1), 1)",
            "'log(-1)' is not a number (outside the function's domain).\n"
            "  normal(log(-1), 1)\n         ^^^^^^^",
        ),
        (
            "normal(0, 1/0)",
            "Integer division by zero in the prior.\n  normal(0, 1/0)\n            ^^^",
        ),
        (
            "normal(1.0/0, 1)",
            "The argument mu of 'normal' must be finite.\n  normal(1.0/0, 1)\n         ^^^^^",
        ),
        (
            "normal(0, pi)",
            "'pi' in the prior 'normal(0, pi)' is not a constant; a prior argument is a number "
            "or an expression of numbers such as log(9) or pi() (brms hands it to Stan, which "
            "knows no R variables).\n  normal(0, pi)\n            ^^",
        ),
        (
            "normal(0, 2 - 3)",
            "The argument sigma of 'normal' must be positive, but it is -1.\n"
            "  normal(0, 2 - 3)\n            ^^^^^",
        ),
    ],
)
def test_expression_errors(text: str, message: str) -> None:
    with pytest.raises(PriorError, match=f"^{re.escape(message)}$"):
        parse_prior(text)


def test_get_prior_shows_the_expressions_as_brms_writes_them() -> None:
    """The table shows a user prior as written where it has expressions; brms's Stan code
    has the same text as the distribution's arguments."""
    c = case("pe_log")
    got = bj.get_prior(c["formula"], data(c["data"]), prior=c["prior"])
    user = got[got["source"] == "user"]
    assert user[["prior", "class"]].values.tolist() == [
        ["normal(log(9), 0.5)", "b"],
        ["normal(-log(2), 1)", "Intercept"],
        ["student_t(3, 0, 2.5 * 2)", "sigma"],
    ]
    stan = "\n".join(c["lprior"])
    for label in user["prior"]:
        dist, args = label.split("(", 1)
        assert f"{dist}_lpdf(" in stan
        assert f"| {args[:-1]})" in stan or f"| {args[:-1]};" in stan.replace(");", ";")


def test_brms_writes_an_integer_division_into_stan() -> None:
    """brms passes ``1/10`` to Stan unchanged, where it is 0: brmsjax refuses it up front."""
    assert "lprior += exponential_lpdf(sigma | 1/10);" in case("pe_div")["lprior"]
    with pytest.raises(PriorError, match="Stan divides integers as integers: 1/10 is 0"):
        bj.prior("exponential(1/10)", class_="sigma")


@pytest.mark.parametrize(
    ("code", "args"),
    [
        ("prior(normal(log(9), 0.5), class = b)", (math.log(9), 0.5)),
        ("prior(normal(-log(2), 1), class = Intercept)", (-math.log(2), 1.0)),
        ("prior(student_t(3, 0, 2.5 * 2), class = sigma)", (3.0, 0.0, 5.0)),
        ("set_prior('exponential(1.0 / 10)', class = 'sigma')", (0.1,)),
    ],
)
def test_the_porter_reads_expression_priors(code: str, args: tuple) -> None:
    (p,) = from_r(f"brm(y ~ x, data = d, prior = {code})").prior
    assert p.spec.args == pytest.approx(args, rel=1e-15)
    assert f'bj.prior("{p.prior}"' in from_r(f"brm(y ~ x, data = d, prior = {code})").to_python()


def test_the_porter_refuses_an_integer_division_to_zero() -> None:
    with pytest.raises(RCodeError, match="Stan divides integers as integers: 1/10 is 0"):
        from_r("brm(y ~ x, data = d, prior = prior(exponential(1/10), class = sigma))")
