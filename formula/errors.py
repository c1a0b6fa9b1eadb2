"""The brmsjax exception hierarchy.

Every error a user can trigger with bad input derives from :class:`BrmsjaxError`. Formula errors
carry the formula text and the span of the culprit so that the message shows the source with a
caret line under it::

    Unknown variable 'agee' in the formula; the data has 'age'.
      score ~ agee + (1 | class)
              ^^^^
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range ``[start, end)`` into the formula source."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            object.__setattr__(self, "end", self.start)

    def merge(self, other: Span) -> Span:
        """Return the smallest span that covers both spans."""
        return Span(min(self.start, other.start), max(self.end, other.end))


def caret_lines(source: str, span: Span | None) -> str:
    """Render ``source`` with a caret line under ``span``.

    Only the source line that holds the span start is shown; the carets cover the span up to
    the end of that line, and a zero-width span (an end-of-input error) gets one caret.
    """
    if span is None:
        return ""
    start = max(0, min(span.start, len(source)))
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    if line_end == -1:
        line_end = len(source)
    line = source[line_start:line_end]
    width = max(1, min(span.end, line_end) - start)
    return f"  {line}\n  {' ' * (start - line_start)}{'^' * width}"


class BrmsjaxError(Exception):
    """Base class of every error brmsjax raises for bad user input."""


class FormulaError(BrmsjaxError, ValueError):
    """A formula cannot be read or does not fit the data.

    Parameters
    ----------
    message
        One or two plain sentences: what is wrong and what to do.
    source
        The formula text, shown with a caret line when ``span`` is given.
    span
        The culprit's position in ``source``.
    """

    def __init__(self, message: str, source: str | None = None, span: Span | None = None):
        self.message = message
        self.source = source
        self.span = span
        text = message
        if source is not None and span is not None:
            text = f"{message}\n{caret_lines(source, span)}"
        super().__init__(text)


class FormulaSyntaxError(FormulaError):
    """The formula text is not valid brms formula syntax."""


class FormulaTermError(FormulaError):
    """The formula parses but a term has no valid meaning (a bad call, power or group term)."""


class UnknownVariableError(FormulaError):
    """The formula names a variable that the data lacks."""


class DesignError(FormulaError):
    """The data cannot be turned into design data (types, levels, missing values, new levels)."""


class ModelError(BrmsjaxError, ValueError):
    """A model argument is invalid: family, link, prior, sampler settings or the response."""


class PriorError(ModelError):
    """A prior cannot be parsed or does not match a parameter of the model."""
