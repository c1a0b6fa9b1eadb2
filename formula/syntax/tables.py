"""Load the formula parser from shipped LALR tables instead of building it at every start-up.

Building the LALR parser from ``grammar.lark`` (grammar analysis, LALR tables, and the strict
mode's check that no two terminals can match the same text) takes most of a cold model's design
time, and the result never changes between runs. So the package ships that result,
``grammar.tables``, written by Lark's own :meth:`lark.Lark.save`. The syntax stays in the
``.lark`` files: the tables file is generated from them and begins with a key, the SHA-256 of
the ``.lark`` files and the parser's options, then Lark's version. :func:`load_parser` uses
the tables only when that key matches the files beside it and the running Lark; otherwise
(a grammar edited without regenerating, another Lark version, a missing file) it builds the
parser from the ``.lark`` files as before, so a stale file costs time, never correctness.
``tests/formula`` fails while the shipped file is stale. Regenerate it with::

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

__all__ = ["TABLES", "grammar_key", "load_parser", "tables_key", "write_tables"]

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


def grammar_key() -> str:
    """A hash of what the tables are built from: the ``.lark`` files and the parser's options.

    Returns
    -------
    str
        A hex SHA-256 digest; it changes whenever the grammar or the options change (then the
        shipped file is stale and must be regenerated).
    """
    digest = hashlib.sha256()
    digest.update(f"{sorted(OPTIONS.items())!r}\n".encode())
    for name in GRAMMAR_FILES:
        digest.update(f"{name}\n".encode())
        digest.update((_HERE / name).read_bytes())
    return digest.hexdigest()


def tables_key() -> bytes:
    """The key the tables must carry to be loaded: :func:`grammar_key` and Lark's version.

    Lark's serialized parsers are not promised to load under another Lark version, so tables
    written by one version are only read by the same one (another one builds the parser).

    Returns
    -------
    bytes
        ``b"<grammar key> lark <version>"``.
    """
    return f"{grammar_key()} lark {lark.__version__}".encode("ascii")


def _build() -> Lark:
    """Build the parser from the ``.lark`` files (the slow way)."""
    return Lark.open(str(_HERE / "grammar.lark"), **OPTIONS)


def load_parser(path: Path | None = None) -> Lark:
    """The formula parser: from the shipped tables when they match the grammar, else built.

    Parameters
    ----------
    path
        The tables file; None: :data:`TABLES`.

    Returns
    -------
    Lark
        An LALR parser with the options :data:`OPTIONS`, the same whichever way it was made.
    """
    try:
        with (TABLES if path is None else path).open("rb") as f:
            if f.readline().rstrip(b"\n") == tables_key():
                return Lark.load(f)
    except FileNotFoundError:
        pass
    return _build()


def write_tables(path: Path | None = None) -> Path:
    """Build the parser from the ``.lark`` files and write its tables, key first.

    Parameters
    ----------
    path
        Where to write them; None: :data:`TABLES`.

    Returns
    -------
    Path
        The file written (:data:`TABLES`).
    """
    target = TABLES if path is None else path
    parser = _build()
    with target.open("wb") as f:
        f.write(tables_key() + b"\n")
        parser.save(f)
    return target


if __name__ == "__main__":
    print(f"wrote {write_tables()}")
