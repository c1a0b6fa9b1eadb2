"""Cut an R script into top-level statements, the way R's reader does.

A newline ends a statement unless a bracket or string is still open or the line ends with an
operator (``+``, ``<-``, ``%>%``, ``,`` ...); ``;`` also ends one. Each statement keeps its text,
its offsets in the script and its first line number, so messages can point back to the script.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Statement", "split_statements"]


@dataclass(frozen=True)
class Statement:
    """One top-level statement of a script: its text and where it starts and ends."""

    text: str
    start: int
    end: int
    line: int


_CONTINUES = tuple("+-*/^~|&=<>!,%:$@([{")


def split_statements(script: str) -> list[Statement]:
    """Cut an R script into top-level statements, as R's reader does.

    A newline ends a statement unless a bracket or string is open or the line ends with an
    operator; ``;`` also ends one. Comments between statements are dropped; a comment inside a
    statement stays in its text.
    """
    out: list[Statement] = []
    depth, quote, start, i = 0, "", None, 0
    last = ""  # last significant character of the current statement
    while i < len(script):
        ch = script[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
                last = ch
        elif ch == "#":
            i = script.find("\n", i)
            i = len(script) if i < 0 else i
            continue
        elif (
            ch in "\n;"
            and depth <= 0
            and start is not None
            and (ch == ";" or not last.endswith(_CONTINUES))
        ):
            out.append(_statement(script, start, i))
            start, depth, last = None, 0, ""
        elif not ch.isspace():
            if start is None:
                start = i
            if ch in "\"'`":
                quote = ch
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
            last = ch
        i += 1
    if start is not None:
        out.append(_statement(script, start, len(script)))
    return out


def _statement(script: str, start: int, end: int) -> Statement:
    text = script[start:end].rstrip()
    return Statement(text, start, start + len(text), script.count("\n", 0, start) + 1)
