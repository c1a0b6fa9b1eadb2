"""Hypothesis properties of the parser: random ASTs round-trip and no text breaks it.

Parentheses: :func:`deparse` inserts the parentheses that precedence needs, and the parser keeps
them as :class:`Paren` nodes. So the round-trip property is stated for trees that carry a
``Paren`` wherever precedence needs one (what :func:`with_parens` below builds from a random raw
tree, using its own copy of R's precedence table), and a second property checks that deparsing
the raw tree inserts exactly those parentheses.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from brmsjax.formula.errors import FormulaError
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
from brmsjax.formula.syntax.parse import deparse, parse

FAST = settings(max_examples=200, deadline=None)

# R's ?Syntax ladder, lowest 1 to highest 12 (independent of the parser's own table).
LEVELS = {
    "|": 2, "||": 2, "&": 3, "&&": 3,
    "==": 5, "!=": 5, "<": 5, ">": 5, "<=": 5, ">=": 5,
    "+": 6, "-": 6, "*": 7, "/": 7, "%in%": 8, "%o%": 8, "%%": 8, ":": 9, "^": 11,
}  # fmt: skip
PREFIX = {"!": 4, "-": 10, "+": 10}
# R's reserved words (?Reserved) and `in`: written in backticks even though they look syntactic.
RESERVED = {
    "if", "else", "repeat", "while", "function", "for", "in", "next", "break", "TRUE", "FALSE",
    "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_",
}  # fmt: skip
SYNTACTIC = re.compile(r"(?:[^\W\d_]|\.(?![0-9]))[\w.]*")


def level(node: Node) -> int:
    """The precedence level of a node's outermost operator (12 for atoms)."""
    if isinstance(node, Formula):
        return 1
    if isinstance(node, BinOp):
        return LEVELS[node.op]
    if isinstance(node, UnaryOp):
        return PREFIX[node.op]
    return 12


def guard(node: Node, least: int) -> Node:
    """Wrap ``node`` (already guarded inside) in a Paren when its level is below ``least``."""
    inner = with_parens(node)
    return Paren(inner) if level(node) < least else inner


def with_parens(node: Node) -> Node:
    """Add the Paren nodes that R's grammar needs for ``node`` to read back as itself."""
    if isinstance(node, Formula):
        lhs = None if node.lhs is None else guard(node.lhs, 1)
        return Formula(lhs, guard(node.rhs, 2))
    if isinstance(node, BinOp):
        lv = LEVELS[node.op]
        left, right = {11: (12, 10), 5: (6, 6)}.get(lv, (lv, lv + 1))
        return BinOp(node.op, guard(node.left, left), guard(node.right, right))
    if isinstance(node, UnaryOp):
        return UnaryOp(node.op, guard(node.operand, PREFIX[node.op]))
    if isinstance(node, Paren):
        return Paren(with_parens(node.expr))
    if isinstance(node, Call):
        return Call(node.func, tuple(Argument(a.name, with_parens(a.value)) for a in node.args))
    return node


def _name(text: str) -> Name:
    return Name(text, SYNTACTIC.fullmatch(text) is None or text in RESERVED)


plain_names = st.sampled_from(["x", "y", "g1", "x.1", ".x", ".", "as.numeric", "TRUE", "if"])
odd_names = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=6)
names = st.one_of(plain_names, plain_names, odd_names).map(_name)
numbers = st.one_of(
    st.integers(0, 99999).map(str),
    st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 999), st.integers(1, 9)),
    st.sampled_from(["1e-04", "1e+05", "2.5e-08", "0.001"]),
    st.integers(0, 999).map(lambda i: f"{i}L"),
).map(lambda t: Number(float(t.rstrip("L")), t))
strings = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=6
).map(String)
leaves = st.one_of(names, numbers, strings)
arg_names = st.one_of(st.none(), st.sampled_from(["by", "raw", "k"]), odd_names)
call_names = st.sampled_from(["f", "log", "poly", "gr", "as.numeric", "t2", "bf"])


def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(BinOp, st.sampled_from(sorted(LEVELS)), children, children),
        st.builds(UnaryOp, st.sampled_from(sorted(PREFIX)), children),
        st.builds(Formula, st.one_of(st.none(), children), children),
        st.builds(Paren, children),
        st.builds(
            Call,
            call_names,
            st.lists(st.builds(Argument, arg_names, children), max_size=3).map(tuple),
        ),
    )


raw_trees = st.recursive(leaves, extend, max_leaves=12)


@FAST
@given(raw_trees)
def test_parse_deparse_round_trip(tree: Node) -> None:
    well_formed = with_parens(tree)
    assert parse(deparse(well_formed)) == well_formed


@FAST
@given(raw_trees)
def test_deparse_inserts_exactly_the_needed_parentheses(tree: Node) -> None:
    assert parse(deparse(tree)) == with_parens(tree)


FORMULA_CHARS = "xyzg01.~+-*/:^|&!=<>()%,'\"`# \n\\eLTRUE_"


def _check_never_leaks(text: str) -> None:
    try:
        tree = parse(text)
    except FormulaError as err:
        assert err.span is not None
        assert 0 <= err.span.start <= len(text)
        assert "__ANON" not in str(err)
        assert err.source == text
    else:
        # text that parses prints to a fixed point of deparse (number literals are normalised)
        printed = deparse(tree)
        assert deparse(parse(printed)) == printed


@FAST
@given(st.text(max_size=40))
def test_arbitrary_text_raises_only_formula_error(text: str) -> None:
    _check_never_leaks(text)


@FAST
@given(st.text(FORMULA_CHARS, max_size=40))
def test_formula_like_text_raises_only_formula_error(text: str) -> None:
    _check_never_leaks(text)


@FAST
@given(raw_trees.map(deparse), st.integers(0, 40), st.sampled_from(["", "(", ")", "+", ",", "~"]))
def test_damaged_formulas_raise_only_formula_error(text: str, cut: int, junk: str) -> None:
    _check_never_leaks(text[:cut] + junk + text[cut:])
