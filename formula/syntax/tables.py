"""Load the formula parser from shipped LALR tables instead of building it at every start-up.

Building the LALR parser from ``grammar.lark`` (grammar analysis, LALR tables, and the strict
mode's check that no two terminals can match the same text) takes most of a cold model's design
time, and the result never changes between runs. So the package ships that result,
``grammar.tables``, written by Lark's own :meth:`lark.Lark.save`. The syntax stays in the
``.lark`` files: the tables file is generated from them and begins with a key, the SHA-256 of
the ``.lark`` files, the parser's options and Lark's version. :func:`load_parser` uses the
tables only when that key matches the files beside it; otherwise (a grammar edited without
regenerating, another Lark version, a missing file) it builds the parser from the ``.lark``
files as before, so a stale file costs time, never correctness. ``tests/formula`` fails while
the shipped file is stale. Regenerate it with::

    python -m brmsjax.formula.syntax.tables

Nothing is written or read outside the package: there is no user cache, so a cold start is
the same in every fresh process.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import lark
from lark import Lark

__all__ = ["TABLES", "load_parser", "tables_key", "write_tables"]

_HERE = Path(__file__).parent
#: The grammar and the terminals it imports, in the order they enter the key.
GRAMMAR_FILES = ("grammar.lark", "terminals.lark")
#: The generated tables (package data beside the grammar).
TABLES = _HERE / "grammar.tables"
#: The parser's options: LALR, strict (no terminal collisions), with source positions.
OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "strict": True,
    "propagate_positions": True,
    "maybe_placeholders": True,
}


def tables_key() -> bytes:
    """The key the tables must carry: a hash of the ``.lark`` files, the options and Lark's version.

    Returns
    -------
    bytes
        A hex SHA-256 digest; it changes whenever anything the tables depend on changes.
    """
    digest = hashlib.sha256()
    digest.update(f"lark {lark.__version__}\n{sorted(OPTIONS.items())!r}\n".encode())
    for name in GRAMMAR_FILES:
        digest.update(f"{name}\n".encode())
        digest.update((_HERE / name).read_bytes())
    return digest.hexdigest().encode("ascii")


def _build() -> Lark:
    """Build the parser from the ``.lark`` files (the slow way)."""
    return Lark.open(str(_HERE / "grammar.lark"), **OPTIONS)


def load_parser() -> Lark:
    """The formula parser: from the shipped tables when they match the grammar, else built.

    Returns
    -------
    Lark
        An LALR parser with the options :data:`OPTIONS`, the same whichever way it was made.
    """
    try:
        with TABLES.open("rb") as f:
            if f.readline().rstrip(b"\n") == tables_key():
                return Lark.load(f)
    except FileNotFoundError:
        pass
    return _build()


def write_tables() -> Path:
    """Build the parser from the ``.lark`` files and write its tables, key first.

    Returns
    -------
    Path
        The file written (:data:`TABLES`).
    """
    parser = _build()
    with TABLES.open("wb") as f:
        f.write(tables_key() + b"\n")
        parser.save(f)
    return TABLES


if __name__ == "__main__":
    print(f"wrote {write_tables()}")
