"""The R reader of ``brmsjax port``: trees, precedence, statements, and caret errors."""

from __future__ import annotations

import re

import pytest

from brmsjax.formula.syntax.ast import (
    Argument,
    BinOp,
    Call,
    Formula,
    Name,
    Number,
    Paren,
    String,
    UnaryOp,
)
from brmsjax.port.statements import split_statements
from brmsjax.rcode.rparse import (
    Apply,
    Assign,
    Empty,
    Index,
    Member,
    RCodeError,
    RSyntaxError,
    parse_r,
)


def _call(func: str, *args: object, **kwargs: object) -> Call:
    pos = tuple(Argument(None, a) for a in args)  # type: ignore[arg-type]
    named = tuple(Argument(k, v) for k, v in kwargs.items())  # type: ignore[arg-type]
    return Call(func, pos + named)


X, Y, D, G = Name("x"), Name("y"), Name("d"), Name("g")

TREES = [
    ("fit <- brm(y ~ x, data = d)",
     Assign(Name("fit"), _call("brm", Formula(Y, X), data=D))),
    ("fit = brm(y ~ x)", Assign(Name("fit"), _call("brm", Formula(Y, X)))),
    ("brm(y ~ x) -> fit", Assign(Name("fit"), _call("brm", Formula(Y, X)))),
    ("a <- b <- 1", Assign(Name("a"), Assign(Name("b"), Number(1.0, "1")))),
    ("-2^2", UnaryOp("-", BinOp("^", Number(2.0, "2"), Number(2.0, "2")))),
    ("x |> f(y)", _call("f", X, Y)),
    ("fit %>% summary(prob = 0.9)", _call("summary", Name("fit"), prob=Number(0.9, "0.9"))),
    ("x %in% y", BinOp("%in%", X, Y)),
    ("fit$data[[1]]", Index(Member(Name("fit"), "data", "$"), (Argument(None, Number(1.0, "1")),),
                            True)),
    ("x[, 1]", Index(X, (Argument(None, Empty()), Argument(None, Number(1.0, "1"))), False)),
    ("x[a[1]]", Index(X, (Argument(None, Index(Name("a"), (Argument(None, Number(1.0, "1")),),
                                                 False)),), False)),
    ("brms::brm(y ~ 1)", _call("brms::brm", Formula(Y, Number(1.0, "1")))),
    ("fits[[1]](x)", Apply(Index(Name("fits"), (Argument(None, Number(1.0, "1")),), True),
                           (Argument(None, X),))),
    ("f()", Call("f", ())),
    ("f(a = )", Call("f", (Argument("a", Empty()),))),
    ("c(2L, 0x10, 1e-3)", _call("c", Number(2.0, "2L"), Number(16.0, "0x10"),
                                Number(0.001, "1e-3"))),
    ("'a\\tb'", String("a\tb")),
    ('"\\u00e9"', String("\u00e9")),
    ("`my var` ~ x", Formula(Name("my var", True), X)),
    ("~ x + (1 | g)", Formula(None, BinOp("+", X, Paren(BinOp("|", Number(1.0, "1"), G))))),
    ("!x == y", UnaryOp("!", BinOp("==", X, Y))),
    ("x@slot", Member(X, "slot", "@")),
]  # fmt: skip


@pytest.mark.parametrize(("code", "tree"), TREES, ids=[c for c, _ in TREES])
def test_parse_trees(code: str, tree: object) -> None:
    assert parse_r(code) == tree


def test_spans_point_into_the_source() -> None:
    code = "fit <- brm(count ~ Trt, data = epilepsy)"
    node = parse_r(code)
    assert isinstance(node, Assign) and isinstance(node.value, Call)
    formula, data = node.value.args
    assert code[formula.span.start : formula.span.end] == "count ~ Trt"
    assert code[data.value.span.start : data.value.span.end] == "epilepsy"


ERRORS = [
    (
        "brm(y ~ x",
        "The R code ends too early; close every '(' and finish the last argument.\n"
        "  brm(y ~ x\n           ^",
    ),
    (
        "f(a b)",
        "Unexpected 'b' here; an operator or ',' is missing before it, or a bracket is "
        "unbalanced.\n  f(a b)\n      ^",
    ),
    (
        'x <- "abc',
        'The quote " that starts here is not closed; close it with ".\n  x <- "abc\n       ^',
    ),
    (
        "function(x) { x }",
        "Braces { } (function bodies, if/for blocks) are not translated; keep "
        "this code in R or rewrite it in Python.\n  function(x) { x }\n              ^",
    ),
    ("f(x))", "This ')' closes nothing or comes too early; check the brackets.\n  f(x))\n      ^"),
    ("x ? y", "The character '?' is not valid R here; remove it.\n  x ? y\n    ^"),
    ("1i", "Complex numbers are not supported; write a real number.\n  1i\n  ^^"),
    ("x |> y", "The right side of a pipe must be a call such as summary().\n  x |> y\n       ^"),
    (
        "  # only a comment",
        "The R code is empty; write a call such as brm(y ~ x, data = d).\n"
        "    # only a comment\n  ^",
    ),
]


@pytest.mark.parametrize(("code", "message"), ERRORS, ids=[c for c, _ in ERRORS])
def test_syntax_errors_have_a_caret(code: str, message: str) -> None:
    with pytest.raises(RSyntaxError, match=re.escape(message)):
        parse_r(code)


def test_errors_are_brmsjax_errors() -> None:
    from brmsjax.formula.errors import BrmsjaxError

    assert issubclass(RSyntaxError, RCodeError) and issubclass(RCodeError, BrmsjaxError)
    with pytest.raises(TypeError, match=re.escape("R code must be a str, not int.")):
        parse_r(3)  # type: ignore[arg-type]


SCRIPTS = [
    (
        "library(brms)\nfit <- brm(y ~ x,\n  data = d)\nsummary(fit)\n",
        ["library(brms)", "fit <- brm(y ~ x,\n  data = d)", "summary(fit)"],
    ),
    ("a <- 1; b <- 2\n", ["a <- 1", "b <- 2"]),
    ("f <- y ~ x +\n  z # comment\ng(f)", ["f <- y ~ x +\n  z # comment", "g(f)"]),
    ('s <- "a\nb"\n# just a comment\n\nx', ['s <- "a\nb"', "x"]),
    ("d <- d %>%\n  mutate(z = 1)\n", ["d <- d %>%\n  mutate(z = 1)"]),
    ("x <- c(1, # one\n  2)", ["x <- c(1, # one\n  2)"]),
]


@pytest.mark.parametrize(("script", "texts"), SCRIPTS)
def test_split_statements(script: str, texts: list[str]) -> None:
    assert [s.text for s in split_statements(script)] == texts


def test_statement_lines_and_offsets() -> None:
    script = "library(brms)\n\nfit <- brm(y ~ x,\n  data = d)\nsummary(fit)"
    stmts = split_statements(script)
    assert [s.line for s in stmts] == [1, 3, 5]
    assert all(script[s.start : s.end] == s.text for s in stmts)
