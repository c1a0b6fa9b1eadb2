"""R's term algebra and brms's term semantics.

:func:`expand` turns the right-hand side of a formula into R's ``terms`` object: an ordered list
of terms (sets of variables), the intercept flag and the offsets. The rules are those of R's
``model.c`` (``EncodeVars``): ``+`` appends, ``-`` deletes, ``:`` interacts (left terms
outer), ``*`` crosses (left, right, then their interactions), ``/`` nests (``a/b`` is ``a +
a:b``, with the whole left side collapsed into one term), ``%in%`` adds the right side's
variables to every left term, ``^n`` crosses a sum with itself. The intercept instruction that
comes last wins, whatever the parentheses. Terms are sorted by degree, keeping their order of
appearance; a term's variables are ordered by their first appearance in the formula.

Group-level bars ``(x | g)`` are collected separately (:class:`Bar`); :mod:`.brmsterms` gives
them brms's meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import FormulaTermError, Span
from ..syntax.ast import BinOp, Call, Formula, Name, Node, Paren, UnaryOp
from ..syntax.parse import deparse
from .autocor import AUTOCOR_CALLS
from .encode import Bar, Encoder, is_bar
from .readers.cosy import COSY_CALLS

__all__ = ["Bar", "Term", "TermList", "expand"]


@dataclass(frozen=True)
class Term:
    """One model term: a set of variables, ordered by first appearance in the formula.

    Attributes
    ----------
    variables
        The variables' expressions.
    labels
        Their deparsed labels (``log(x)``, ``a``).
    """

    variables: tuple[Node, ...]
    labels: tuple[str, ...]

    @property
    def label(self) -> str:
        """R's term label, e.g. ``x:z``."""
        return ":".join(self.labels)

    @property
    def degree(self) -> int:
        """Number of variables in the term."""
        return len(self.labels)


@dataclass(frozen=True)
class TermList:
    """R's ``terms`` of one formula part.

    Attributes
    ----------
    terms
        Terms sorted by degree, then order of appearance.
    intercept
        Whether the model has an intercept.
    offsets
        Arguments of ``offset()`` calls.
    smooths
        brms's smooth terms ``s(...)``, in order of appearance.
    autocor
        brms's ARMA terms (``ar()``, ``ma()``, ``arma()`` calls), read by :mod:`.autocor`.
    dropped_response
        Where R's ``model.matrix`` would drop a right-hand term identical to the response (its
        1-based position among R's terms), or None; the design warns about it as R does.
    gps
        The ``gp()`` calls, in order (brms's Gaussian process terms; see ``design/gp.py``).
    """

    terms: tuple[Term, ...]
    intercept: bool
    offsets: tuple[Node, ...] = ()
    dropped_response: int | None = None
    smooths: tuple[Call, ...] = ()
    gps: tuple[Call, ...] = ()
    autocor: tuple[Call, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """All term labels in order."""
        return tuple(t.label for t in self.terms)

    def variables(self) -> tuple[Node, ...]:
        """The distinct variables of all terms, in order of first use."""
        seen: dict[str, Node] = {}
        for term in self.terms:
            for label, node in zip(term.labels, term.variables, strict=True):
                seen.setdefault(label, node)
        return tuple(seen.values())


def _extract_variables(root: Node, out: dict[str, Node]) -> None:
    """R's ``ExtractVars``: variables in order of appearance (bars and offsets skipped).

    The walk keeps its own stack (right operands pushed first, so left ones come out first),
    so a chain of thousands of ``+`` is no deeper for it than one term.
    """
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Paren):
            if not is_bar(node):
                stack.append(node.expr)
        elif isinstance(node, Name):
            if node.name != ".":
                out.setdefault(deparse(node), node)
        elif isinstance(node, Call):
            if node.func != "offset" and node.func not in AUTOCOR_CALLS | COSY_CALLS:
                out.setdefault(deparse(node), node)
        elif isinstance(node, UnaryOp):
            stack.append(node.operand)
        elif isinstance(node, BinOp):
            if node.op != "^":
                stack.append(node.right)
            stack.append(node.left)
        elif isinstance(node, Formula):
            stack.append(node.rhs)
            if node.lhs is not None:
                stack.append(node.lhs)


def _dot_sum(names: Sequence[str], span: Span) -> Node:
    """``(a + b + ...)``: the columns that ``.`` stands for, as R's left-leaning sum."""
    result: Node = Name(names[0], span=span)
    for c in names[1:]:
        result = BinOp("+", result, Name(c, span=span), span=span)
    return Paren(result, span=span)


def _expand_dot(root: Node, columns: Sequence[str], exclude: set[str]) -> Node:
    """Replace ``.`` by the sum of the data columns not otherwise in the formula.

    ``.`` is replaced under operators and parentheses, not inside calls or bars (as R's
    ``terms.formula`` with ``data``). The tree is rebuilt bottom-up from an explicit stack.
    """
    names = [c for c in columns if c not in exclude]
    done: list[Node] = []
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, built = stack.pop()
        if isinstance(node, Name) and node.name == ".":
            if not names:
                raise FormulaTermError("The '.' in the formula matches no data column.")
            done.append(_dot_sum(names, node.span))
        elif isinstance(node, Paren | UnaryOp) and not (isinstance(node, Paren) and is_bar(node)):
            if built:
                inner = done.pop()
                done.append(
                    Paren(inner, span=node.span)
                    if isinstance(node, Paren)
                    else UnaryOp(node.op, inner, span=node.span)
                )
            else:
                stack.append((node, True))
                stack.append((node.expr if isinstance(node, Paren) else node.operand, False))
        elif isinstance(node, BinOp) and node.op not in {"|", "||"}:
            if built:
                right, left = done.pop(), done.pop()
                done.append(BinOp(node.op, left, right, span=node.span))
            else:
                stack.extend([(node, True), (node.right, False), (node.left, False)])
        else:
            done.append(node)
    return done[0]


def _has_dot(root: Node) -> bool:
    """Whether ``.`` appears outside calls and bars."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Name) and node.name == ".":
            return True
        if isinstance(node, Paren):
            stack.append(node.expr)
        elif isinstance(node, UnaryOp):
            stack.append(node.operand)
        elif isinstance(node, BinOp):
            stack.extend([node.right, node.left])
    return False


def expand(
    rhs: Node,
    source: str,
    response: Node | None = None,
    columns: Sequence[str] | None = None,
) -> tuple[TermList, tuple[Bar, ...]]:
    """Expand a right-hand side into R's terms and the group-level bars.

    Parameters
    ----------
    rhs
        The right-hand side expression.
    source
        The formula text (for caret errors).
    response
        The response expression; excluded from ``.``.
    columns
        The data's column names, needed only when the formula uses ``.``.

    Returns
    -------
    tuple
        The :class:`TermList` and the bars in order of appearance.
    """
    if _has_dot(rhs):
        if columns is None:
            raise FormulaTermError(
                "The formula uses '.', which needs the data; pass data to expand it.",
                source,
                rhs.span,
            )
        named: dict[str, Node] = {}
        _extract_variables(rhs, named)
        exclude = set(named)
        if response is not None:
            resp: dict[str, Node] = {}
            _extract_variables(response, resp)
            exclude |= set(resp)
        rhs = _expand_dot(rhs, columns, exclude)
    variables: dict[str, Node] = {}
    if response is not None:
        _extract_variables(response, variables)
    _extract_variables(rhs, variables)
    labels = list(variables)
    nodes = list(variables.values())
    encoder = Encoder(source, labels)
    ordered = sorted(encoder.encode(rhs), key=len)  # stable: degree, then appearance
    dropped: int | None = None
    if response is not None:
        # R keeps a right-hand term identical to the response in its terms and model.matrix
        # drops it with a warning (model.c); the 1-based position is the one R reports.
        resp_labels = {deparse(response)}
        for j, t in enumerate(ordered):
            if len(t) == 1 and labels[next(iter(t))] in resp_labels:
                dropped = j + 1
                del ordered[j]
                break
    terms = tuple(
        Term(
            variables=tuple(nodes[i] for i in sorted(t)),
            labels=tuple(labels[i] for i in sorted(t)),
        )
        for t in ordered
    )
    termlist = TermList(
        terms=terms,
        intercept=encoder.intercept,
        offsets=tuple(encoder.offsets),
        dropped_response=dropped,
        smooths=tuple(encoder.smooths),
        gps=tuple(encoder.gps),
        autocor=tuple(encoder.autocor),
    )
    return termlist, tuple(encoder.bars)
