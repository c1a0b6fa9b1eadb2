"""Formula text to a frozen syntax tree and back: the first stage of the formula pipeline.

``grammar.lark`` is the LALR grammar of R expressions with R's operator precedence;
:mod:`.parse` turns text into the AST of :mod:`.ast` (every node carries the span of its text,
for caret errors) and :mod:`.deparse` prints an AST back as R prints it. :mod:`.tables` loads
the parser from ``grammar.tables``, its LALR tables generated from the ``.lark`` files (a cold
start's design time; regenerate with ``python -m brmsjax.formula.syntax.tables``).
Nothing here knows what a formula means: bars, ``0``/``1``, ``.`` and ``I()`` are read by
:mod:`..terms`.
"""
