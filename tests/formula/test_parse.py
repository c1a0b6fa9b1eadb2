"""Tables for the formula parser: text -> AST, text -> deparse, and bad text -> error + caret."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from brmsjax.formula.errors import FormulaSyntaxError, Span
from brmsjax.formula.syntax.ast import (
    Argument,
    BinOp,
    Call,
    Formula,
    Name,
    Node,
    Number,
    Paren,
    String,
    UnaryOp,
)
from brmsjax.formula.syntax.parse import deparse, format_r_number, parse, parse_formula

FIXTURES = Path(__file__).parents[1] / "fixtures"

x, y, z, w, g, p = (Name(v) for v in "xyzwgp")


def n(text: str) -> Number:
    """A number literal with its value."""
    return Number(float(text.rstrip("L")), text)


def call(func: str, *args: Node, **kwargs: Node) -> Call:
    """A call with positional then keyword arguments."""
    pos = tuple(Argument(None, a) for a in args)
    return Call(func, pos + tuple(Argument(k, v) for k, v in kwargs.items()))


def bin_(op: str, left: Node, right: Node) -> BinOp:
    return BinOp(op, left, right)


def f(lhs: Node | None, rhs: Node) -> Formula:
    return Formula(lhs, rhs)


TEXT_TO_AST: dict[str, Node] = {
    # the precedence cases of r-formula-semantics.md section 1.1
    "y ~ x*z %in% w": f(y, bin_("*", x, bin_("%in%", z, w))),
    "y ~ (x + z)^2:w": f(y, bin_(":", bin_("^", Paren(bin_("+", x, z)), n("2")), w)),
    "y ~ x/z*w": f(y, bin_("*", bin_("/", x, z), w)),
    "y ~ x/z/w": f(y, bin_("/", bin_("/", x, z), w)),
    "y ~ x:z^2": f(y, bin_(":", x, bin_("^", z, n("2")))),
    "y ~ -x:z": f(y, bin_(":", UnaryOp("-", x), z)),
    "a^b^c": bin_("^", Name("a"), bin_("^", Name("b"), Name("c"))),
    "(x+z)**2": bin_("^", Paren(bin_("+", x, z)), n("2")),
    "-a^2": UnaryOp("-", bin_("^", Name("a"), n("2"))),
    "2^-1": bin_("^", n("2"), UnaryOp("-", n("1"))),
    "(1 + x | p | g)": Paren(bin_("|", bin_("|", bin_("+", n("1"), x), p), g)),
    "y | weights(w) + trials(n) ~ x": f(
        bin_("|", y, bin_("+", call("weights", w), call("trials", Name("n")))), x
    ),
    "bf(y ~ x, sigma ~ x)": call("bf", f(y, x), f(Name("sigma"), x)),
    "bf(y ~ x, sigma ~ x, nu = 4)": call("bf", f(y, x), f(Name("sigma"), x), nu=n("4")),
    "nlf(y ~ a * exp(b * x))": call(
        "nlf", f(y, bin_("*", Name("a"), call("exp", bin_("*", Name("b"), x))))
    ),
    "lf(sigma ~ x)": call("lf", f(Name("sigma"), x)),
    'gr(g, by = z, cor = FALSE, id = "p")': call("gr", g, by=z, cor=Name("FALSE"), id=String("p")),
    "(x || g1:g2)": Paren(bin_("||", x, bin_(":", Name("g1"), Name("g2")))),
    "(1 | g1/g2)": Paren(bin_("|", n("1"), bin_("/", Name("g1"), Name("g2")))),
    "y ~ x + (1 | ID | g1)": f(
        y, bin_("+", x, Paren(bin_("|", bin_("|", n("1"), Name("ID")), Name("g1"))))
    ),
    "y ~ `my var` + x.1": f(y, bin_("+", Name("my var", backticked=True), Name("x.1"))),
    "`x`": x,
    "`TRUE`": Name("TRUE", backticked=True),
    "`a\\`b`": Name("a`b", backticked=True),
    "y ~ .": f(y, Name(".")),
    "y ~ x*. + .x": f(y, bin_("+", bin_("*", x, Name(".")), Name(".x"))),
    "~ x": f(None, x),
    "y ~ x ~ z": f(f(y, x), z),
    # every other operator, and associativity
    "y ~ 0 + x - 1": f(y, bin_("-", bin_("+", n("0"), x), n("1"))),
    "y ~ -1 + x": f(y, bin_("+", UnaryOp("-", n("1")), x)),
    "+x": UnaryOp("+", x),
    "x - - z": bin_("-", x, UnaryOp("-", z)),
    "x %o% z %in% w": bin_("%in%", bin_("%o%", x, z), w),
    "x %% z": bin_("%%", x, z),
    "a:b:c": bin_(":", bin_(":", Name("a"), Name("b")), Name("c")),
    "a & b | c && d || e": bin_(
        "||",
        bin_("|", bin_("&", Name("a"), Name("b")), bin_("&&", Name("c"), Name("d"))),
        Name("e"),
    ),
    "!a == b": UnaryOp("!", bin_("==", Name("a"), Name("b"))),
    "!x & z": bin_("&", UnaryOp("!", x), z),
    "a != b + 1": bin_("!=", Name("a"), bin_("+", Name("b"), n("1"))),
    "a < b": bin_("<", Name("a"), Name("b")),
    "a > b": bin_(">", Name("a"), Name("b")),
    "a <= b": bin_("<=", Name("a"), Name("b")),
    "a >= -b": bin_(">=", Name("a"), UnaryOp("-", Name("b"))),
    # atoms and calls
    "f()": Call("f", ()),
    "as.numeric(l)": call("as.numeric", Name("l")),
    "t2(x, z, k = 5)": call("t2", x, z, k=n("5")),
    "`my f`(x)": call("my f", x),
    "f(`a b` = 1, 'c' = 2)": Call("f", (Argument("a b", n("1")), Argument("c", n("2")))),
    "poly(x, 2, raw = TRUE)": call("poly", x, n("2"), raw=Name("TRUE")),
    "I(x^2)": call("I", bin_("^", x, n("2"))),
    "0.5 + 1e-04 + 2L": bin_("+", bin_("+", n("0.5"), n("1e-04")), n("2L")),
    "'a'": String("a"),
    '"it\'s \\"q\\"\\n\\x41\\u00e9"': String('it\'s "q"\nAé'),
    "y ~ x # a comment\n  + z": f(y, bin_("+", x, z)),
}


@pytest.mark.parametrize(("text", "expected"), TEXT_TO_AST.items(), ids=list(TEXT_TO_AST))
def test_parse_builds_the_ast(text: str, expected: Node) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "expected"), TEXT_TO_AST.items(), ids=list(TEXT_TO_AST))
def test_deparse_reads_back_as_the_same_ast(text: str, expected: Node) -> None:
    assert parse(deparse(expected)) == expected


TEXT_TO_DEPARSE = {
    # term labels as R writes them (r-formula-semantics.md section 1.4)
    "log( x )": "log(x)",
    "poly(x,2)": "poly(x, 2)",
    "poly(x,2,raw=TRUE)": "poly(x, 2, raw = TRUE)",
    "log(x, base=2)": "log(x, base = 2)",
    "I(x*z)": "I(x * z)",
    "I(x**2)": "I(x^2)",
    "y~x+z": "y ~ x + z",
    "y~x*z%in%w": "y ~ x * z %in% w",
    "y|weights(w)+trials(n)~x": "y | weights(w) + trials(n) ~ x",
    "(1+x|p|g)": "(1 + x | p | g)",
    "(x||g1 : g2)": "(x || g1:g2)",
    "x / z": "x/z",
    "a&&b||c&d": "a && b || c & d",
    "a==b": "a == b",
    "a!=b": "a != b",
    "a<b": "a < b",
    "a<=b": "a <= b",
    "a - -b": "a - -b",
    "- x": "-x",
    "! x": "!x",
    "~ x": "~x",
    "`my var`:x.1": "`my var`:x.1",
    "`x`": "x",
    "'a'": '"a"',
    "'say \"hi\"\\t'": '"say \\"hi\\"\\t"',
    "gr(g, id = 'p')": 'gr(g, id = "p")',
    ".5": "0.5",
    "1.0": "1",
    "1e-3": "0.001",
    "1e-4": "1e-04",
    "1e5": "1e+05",
    "2L": "2L",
    "0x10": "16",
    "f( )": "f()",
    "( x+z )": "(x + z)",
}


@pytest.mark.parametrize(("text", "expected"), TEXT_TO_DEPARSE.items(), ids=list(TEXT_TO_DEPARSE))
def test_deparse_writes_r_style(text: str, expected: str) -> None:
    assert deparse(parse(text)) == expected


# literal -> (value, R's deparse). Number.text keeps the literal as written; deparse prints the
# value as R does, so only literals already in that form read back with the same text.
NUMBERS = {
    "1": (1.0, "1"),
    "0.5": (0.5, "0.5"),
    ".5": (0.5, "0.5"),
    "1.": (1.0, "1"),
    "1e-3": (0.001, "0.001"),
    "1E5": (1e5, "1e+05"),
    "2L": (2.0, "2L"),
    "0x1F": (31.0, "31"),
    "0x10L": (16.0, "16L"),
    "1e999": (math.inf, "Inf"),
}


@pytest.mark.parametrize(("text", "value", "printed"), [(k, *v) for k, v in NUMBERS.items()])
def test_number_literals(text: str, value: float, printed: str) -> None:
    assert parse(text) == Number(value, text)
    assert deparse(parse(text)) == printed


NODE_TO_DEPARSE: list[tuple[Node, str]] = [
    # hand-built trees without Paren: deparse adds the parentheses that precedence needs
    (bin_("*", bin_("+", x, z), w), "(x + z) * w"),
    (bin_("-", x, bin_("-", z, w)), "x - (z - w)"),
    (bin_("^", bin_("^", x, z), w), "(x^z)^w"),
    (bin_("^", UnaryOp("-", x), n("2")), "(-x)^2"),
    (bin_(":", UnaryOp("-", x), z), "-x:z"),
    (UnaryOp("-", bin_(":", x, z)), "-(x:z)"),
    (bin_("+", UnaryOp("!", x), z), "(!x) + z"),
    (bin_("<", bin_("<", x, z), w), "(x < z) < w"),
    (f(None, f(None, x)), "~(~x)"),
    (f(y, f(None, x)), "y ~ (~x)"),
    (bin_("|", x, f(y, z)), "x | (y ~ z)"),
    (bin_("^", x, Number(-1.0, "-1")), "x^-1"),
    (bin_("^", Number(-2.0, "-2"), n("2")), "(-2)^2"),
    (Name("a b"), "`a b`"),
    (Call("f", (Argument("a b", x),)), "f(`a b` = x)"),
    (String("\x01\\"), '"\\001\\\\"'),
]


@pytest.mark.parametrize(("node", "expected"), NODE_TO_DEPARSE, ids=[e for _, e in NODE_TO_DEPARSE])
def test_deparse_adds_needed_parentheses(node: Node, expected: str) -> None:
    assert deparse(node) == expected


R_NUMBERS = [
    # value -> R 4.2.2 deparse(value)
    (100000.0, "1e+05"),
    (123456.0, "123456"),
    (0.1 + 0.2, "0.3"),
    (1 / 3, "0.333333333333333"),
    (0.0001, "1e-04"),
    (0.00012, "0.00012"),
    (2.0**31, "2147483648"),
    (1e15, "1e+15"),
    (1234567.1, "1234567.1"),
    (-1.5, "-1.5"),
    (1e-300, "1e-300"),
    (0.0, "0"),
    (math.inf, "Inf"),
]


@pytest.mark.parametrize(("value", "expected"), R_NUMBERS, ids=[e for _, e in R_NUMBERS])
def test_format_r_number_matches_r(value: float, expected: str) -> None:
    assert format_r_number(value) == expected


def _fixture_formulas() -> list[str]:
    cases = json.loads((FIXTURES / "formula_cases.json").read_text())
    brms = json.loads((FIXTURES / "brms" / "cases.json").read_text())
    return [c["formula"] for c in cases] + [c["formula"] for c in brms]


@pytest.mark.parametrize("text", _fixture_formulas())
def test_fixture_formulas_parse_and_round_trip(text: str) -> None:
    tree = parse_formula(text)
    assert isinstance(tree, Formula)
    assert parse(deparse(tree)) == tree


def _fixture_labels() -> list[str]:
    cases = json.loads((FIXTURES / "formula_cases.json").read_text())
    return sorted({label for c in cases for label in c.get("term_labels") or []})


@pytest.mark.parametrize("label", _fixture_labels())
def test_r_term_labels_are_deparse_fixed_points(label: str) -> None:
    # R's term labels are deparsed R code, so deparse must give them back unchanged.
    assert deparse(parse(label)) == label


SPANS = [
    ("y ~ x + (x | g)", lambda t: t, Span(0, 15)),
    ("y ~ x + (x | g)", lambda t: t.rhs, Span(4, 15)),
    ("y ~ x + (x | g)", lambda t: t.rhs.right, Span(8, 15)),
    ("y ~ x + (x | g)", lambda t: t.rhs.right.expr, Span(9, 14)),
    ("y ~ x + (x | g)", lambda t: t.rhs.right.expr.right, Span(13, 14)),
    ("bf(y ~ x, nu = 4)", lambda t: t.args[1], Span(10, 16)),
    ("bf(y ~ x, nu = 4)", lambda t: t.args[1].value, Span(15, 16)),
    ("`my var` + 'a'", lambda t: t.left, Span(0, 8)),
    ("`my var` + 'a'", lambda t: t.right, Span(11, 14)),
]


@pytest.mark.parametrize(("text", "pick", "span"), SPANS)
def test_nodes_carry_source_spans(text: str, pick: object, span: Span) -> None:
    assert pick(parse(text)).span == span  # type: ignore[operator]


PARSE_FORMULA_OK: dict[str, Node] = {
    "y ~ x": f(y, x),
    "~ x": f(None, x),
    "(y ~ x)": f(y, x),
    "bf(y ~ x, sigma ~ x)": call("bf", f(y, x), f(Name("sigma"), x)),
    "brmsformula(y ~ x)": call("brmsformula", f(y, x)),
    "mvbf(y ~ x, z ~ x)": call("mvbf", f(y, x), f(z, x)),
    "lf(sigma ~ x)": call("lf", f(Name("sigma"), x)),
}


@pytest.mark.parametrize(("text", "expected"), PARSE_FORMULA_OK.items(), ids=list(PARSE_FORMULA_OK))
def test_parse_formula_accepts_formulas_and_bf_calls(text: str, expected: Node) -> None:
    assert parse_formula(text) == expected


# (input, message, caret line under the two-space indented source line)
BAD_INPUT = [
    ("", "The formula is empty; write a model formula such as 'y ~ x'.", "^"),
    ("y ~", "The formula has no right-hand side after '~'; add terms as in 'y ~ x' "
     "(or 'y ~ 1' for an intercept only).", "   ^"),
    ("y ~ x +", "The formula ends with the operator '+'; add a term after it or remove it.",
     "       ^"),
    ("y ~ x + # note", "The formula ends with the operator '+'; add a term after it or remove "
     "it.", "       ^"),
    ("y ~ x + (1 | g", "The '(' here is never closed; add a matching ')'.", "        ^"),
    ("y ~ x)", "This ')' has no matching '('; remove it or add a '(' before it.", "     ^"),
    ("y ~ x z", "An operator is missing between 'x' and 'z'; join terms with an operator such "
     "as '+'.", "      ^"),
    ("y ~ (x + )", "The operator '+' has no term after it; add a term or remove the operator.",
     "         ^"),
    ("y = x", "'=' only names a call argument, as in 'poly(x, 2, raw = TRUE)'; write a formula "
     "with '~', as in 'y ~ x'.", "  ^"),
    ('y ~ x + "abc', 'The string that starts here is not closed; end it with a matching ".',
     "        ^"),
    ("y ~ `my var", "The name in backticks that starts here is not closed; end it with a `.",
     "    ^"),
    ("y ~ x $ z", "The character '$' cannot be used in a formula; remove it (write a name with "
     "unusual characters in backticks, as in `my var`).", "      ^"),
    ("y ~ ``", "A name in backticks cannot be empty; write a name.", "    ^^"),
    ("y ~ s(x, bs = '\\q')", "'\\q' is not a valid escape in a string; write a backslash as "
     "'\\\\'.", "               ^^"),
    ("f(x,", "The call ends with ','; add an argument after the comma or remove it.", "    ^"),
    ("a < b < c", "Unexpected '<' in the formula; expected one of '&&', '&', '+', '-', '|', "
     "'||', '~', the end of the formula.", "      ^"),
    ("x + z", "'x + z' is not a formula; write it as 'y ~ x' (the response, then '~', then "
     "the terms).", "^^^^^"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message", "caret"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_names_the_culprit_with_a_caret(text: str, message: str, caret: str) -> None:
    first_line = text.split("\n", maxsplit=1)[0]
    expected = f"{message}\n  {first_line}\n  {caret}"
    with pytest.raises(FormulaSyntaxError, match=f"^{re.escape(expected)}$") as info:
        parse_formula(text)
    assert "__ANON" not in str(info.value)


@pytest.mark.parametrize("value", [None, 3, b"y ~ x", ["y ~ x"]])
def test_non_str_input_raises_type_error(value: object) -> None:
    with pytest.raises(TypeError, match=re.escape("A formula must be a str such as 'y ~ x', not")):
        parse(value)  # type: ignore[arg-type]


def test_nesting_stops_where_rs_parser_does() -> None:
    """R 4.2's parser keeps 50 brackets open at once and stops at the 51st (gram.y)."""
    ok = "y ~ " + "(" * 50 + "x" + ")" * 50
    tree = parse(ok)
    assert isinstance(tree, Formula)
    assert deparse(tree) == ok
    deep = "y ~ " + "(" * 1000 + "x" + ")" * 1000
    for text in (deep, deep[:-1], "y ~ " + "I(" * 51 + "x" + ")" * 51):
        with pytest.raises(FormulaSyntaxError) as info:
            parse(text)
        assert info.value.span is not None
        assert info.value.span.start == [i for i, c in enumerate(text) if c == "("][50]
        assert 'R\'s parser stops ("contextstack overflow")' in str(info.value)
