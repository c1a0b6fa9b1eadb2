"""The shipped LALR tables (``grammar.tables``): current, and the same parser as one built anew.

The formula parser loads its tables instead of building them (a cold start's design time);
these tests keep that a pure speed-up: the file must match the ``.lark`` files (else regenerate
it with ``python -m brmsjax.formula.syntax.tables``), a loaded parser reads every text as a
built one does, and a stale or missing file falls back to building.
"""

from __future__ import annotations

import functools
from pathlib import Path

import lark
import pytest
from lark import Lark, Token
from lark.exceptions import UnexpectedInput

from brmsjax.formula.errors import FormulaSyntaxError
from brmsjax.formula.syntax import parse as parse_module
from brmsjax.formula.syntax import tables

TEXTS = [
    "Reaction ~ Days + (Days | Subject)",
    "y ~ x * z + (1 + x || g:h) + s(x, by = z, k = 5)",
    "bf(y ~ a * exp(-b * x), a + b ~ 1, nl = TRUE)",
    "y | trials(n) + weights(w) ~ poly(x, 2) + I(x^2) - 1",
    "`my var` ~ x %in% g + log(abs(-1.5e-3)) # comment",
    'y ~ gr(g, by = "a\\tb") + I(!x & z == 3L)',
]
BAD_TEXTS = ["y ~ x +", "y ~ (x", "y ~ x)", "y ~ x $ 3 @", "y ~ f(x,,", "y ~ x ? z"]


@functools.cache
def _built() -> Lark:
    return Lark.open(str(Path(tables.__file__).with_name("grammar.lark")), **tables.OPTIONS)


@functools.cache
def _basic() -> Lark:
    return Lark.open(str(Path(tables.__file__).with_name("grammar.lark")), lexer="basic")


def _error(parser: Lark, text: str) -> str:
    try:
        parser.parse(text)
    except UnexpectedInput as err:
        return f"{type(err).__name__} at {err.pos_in_stream}"
    return "parsed"


def _shipped_key() -> list[str]:
    return tables.TABLES.read_bytes().split(b"\n", 1)[0].decode("ascii").split(" ")


def test_shipped_tables_match_the_grammar() -> None:
    digest, word, version = _shipped_key()
    assert digest == tables.grammar_key(), (
        "grammar.tables is stale (the .lark files or the options changed): "
        "regenerate it with `python -m brmsjax.formula.syntax.tables`"
    )
    assert word == "lark" and version.count(".") >= 1


def test_shipped_tables_load_under_their_lark_version_only() -> None:
    """The shipped file is read under the Lark that wrote it; any other Lark builds the parser
    (CI's lowest-versions run has another Lark than the one that wrote it)."""
    same = _shipped_key()[2] == lark.__version__
    assert (tables.load_parser().source_path == "<deserialized>") is same


def test_the_parser_comes_from_the_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tables.write_tables(tmp_path / "grammar.tables")  # with the running Lark
    monkeypatch.setattr(tables, "_build", lambda: pytest.fail("built instead of loaded"))
    parser = tables.load_parser(path)
    assert parser.source_path == "<deserialized>"
    for name, value in tables.OPTIONS.items():
        assert getattr(parser.options, name) == value
    assert parser.parse(TEXTS[1]) == _built().parse(TEXTS[1])


@pytest.mark.parametrize("text", TEXTS)
def test_loaded_parser_reads_as_a_built_one(text: str) -> None:
    assert tables.load_parser().parse(text) == _built().parse(text)


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_loaded_parser_fails_as_a_built_one(text: str) -> None:
    assert _error(tables.load_parser(), text) == _error(_built(), text) != "parsed"


@pytest.mark.parametrize("text", TEXTS + BAD_TEXTS)
def test_tokens_for_messages_are_a_basic_lexers(text: str) -> None:
    """Error messages lex with the parser's terminals; a lexer-only grammar gives the same."""
    expected: list[Token] = []
    try:
        expected.extend(_basic().lex(text))
    except UnexpectedInput:
        pass
    got = parse_module._tokens(text)
    assert [(t.type, t.value, t.start_pos) for t in got] == [
        (t.type, t.value, t.start_pos) for t in expected
    ]


@pytest.mark.parametrize("content", [b"0" * 64 + b"\n", None], ids=["stale-key", "missing"])
def test_stale_or_missing_tables_fall_back_to_building(
    content: bytes | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "grammar.tables"
    if content is not None:
        written = tables.write_tables(tmp_path / "current.tables").read_bytes()
        stale.write_bytes(content + written.split(b"\n", 1)[1])
    monkeypatch.setattr(tables, "TABLES", stale)
    parser = tables.load_parser()
    assert parser.source_path != "<deserialized>"
    assert parser.parse(TEXTS[0]) == _built().parse(TEXTS[0])


@pytest.mark.parametrize(
    ("text", "raises"),
    [
        ("y ~ " + "(" * 50 + "x" + ")" * 50, False),
        ("y ~ " + "I(" * 50 + "x" + ")" * 50 + ' + f("' + "(" * 20 + '")', False),
        ("y ~ " + "(" * 51 + "x" + ")" * 51, True),
        ("y ~ " + "(x) + " * 60 + "z", False),
    ],
)
def test_bracket_depth_check_lexes_only_when_it_could_matter(text: str, raises: bool) -> None:
    """Fewer than 51 '(' characters cannot open 51 brackets; more are counted on the tokens."""
    if raises:
        with pytest.raises(FormulaSyntaxError, match="nests more than 50 brackets"):
            parse_module.parse(text)
    else:
        parse_module.parse(text)
