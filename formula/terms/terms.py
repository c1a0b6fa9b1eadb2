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
from ..syntax.ast import (
    BinOp,
    Call,
    Formula,
    Name,
    Node,
    Number,
    Paren,
    String,
    UnaryOp,
    strip_parens,
)
from ..syntax.parse import deparse

# Calls that are brms special terms rather than ordinary functions of the data.
_UNSUPPORTED_SPECIALS = {
    "s",
    "t2",
    "gp",
    "mo",
    "me",
    "mi",
    "cs",
    "mmc",
    "ar",
    "ma",
    "arma",
    "cosy",
    "car",
    "sar",
    "fcor",
    "unstr",
    "lasso",
    "horseshoe",
}


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
    """

    terms: tuple[Term, ...]
    intercept: bool
    offsets: tuple[Node, ...] = ()

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


@dataclass(frozen=True)
class Bar:
    """A group-level term ``(lhs | group)``, ``(lhs || group)`` or ``(lhs | id | group)``."""

    lhs: Node
    group: Node
    cor: bool
    id: str | None
    span: Span


def _is_bar(node: Node) -> bool:
    inner = strip_parens(node)
    return isinstance(inner, BinOp) and inner.op in {"|", "||"}


class _Encoder:
    """R's ``EncodeVars`` over one right-hand side.

    A term is a frozenset of variable indices into ``self.labels``. The intercept flag and
    the parity (flipped inside the right side of ``-``) are state of one expansion run.
    """

    def __init__(self, source: str, labels: Sequence[str], nodes: Sequence[Node]):
        self.source = source
        self.index = {label: i for i, label in enumerate(labels)}
        self.nodes = list(nodes)
        self.intercept = True
        self.parity = True
        self.offsets: list[Node] = []
        self.bars: list[Bar] = []

    def error(self, message: str, node: Node) -> FormulaTermError:
        return FormulaTermError(message, self.source, node.span)

    def variable(self, node: Node) -> list[frozenset[int]]:
        label = deparse(node)
        return [frozenset({self.index[label]})]

    def encode(self, node: Node) -> list[frozenset[int]]:  # noqa: PLR0911
        if isinstance(node, Paren):
            if _is_bar(node):
                self.bars.append(_bar(node, self.source))
                return []
            return self.encode(node.expr)
        if isinstance(node, Number):
            return self.number(node)
        if isinstance(node, Name):
            return self.variable(node)
        if isinstance(node, Call):
            if node.func == "offset":
                if len(node.args) != 1 or node.args[0].name is not None:
                    raise self.error("offset() takes exactly one argument.", node)
                self.offsets.append(node.args[0].value)
                return []
            if node.func in _UNSUPPORTED_SPECIALS:
                raise self.error(
                    f"The brms term '{node.func}()' is not supported yet; remove it from the "
                    "formula.",
                    node,
                )
            return self.variable(node)
        if isinstance(node, UnaryOp):
            if node.op == "-":
                self.parity = not self.parity
                self.encode(node.operand)
                self.parity = not self.parity
                return []
            if node.op == "+":
                return self.encode(node.operand)
            raise self.error(f"The operator '{node.op}' has no meaning in a model formula.", node)
        if isinstance(node, BinOp):
            return self.binop(node)
        if isinstance(node, String):
            raise self.error("A string cannot be a term of a model formula.", node)
        raise self.error("A formula cannot appear inside a model term.", node)

    def number(self, node: Number) -> list[frozenset[int]]:
        if node.value == 1:
            self.intercept = self.parity
        elif node.value == 0:
            self.intercept = not self.parity
        else:
            raise self.error(
                f"The number {node.text} cannot be a term; only 0, 1 and -1 set the intercept.",
                node,
            )
        return []

    def binop(self, node: BinOp) -> list[frozenset[int]]:
        op = node.op
        if op in {"|", "||"}:
            raise self.error("A group-level term needs parentheses: write it as (x | g).", node)
        if op == "+":
            return _trim(self.encode(node.left) + self.encode(node.right))
        if op == "-":
            left = self.encode(node.left)
            self.parity = not self.parity
            right = self.encode(node.right)
            self.parity = not self.parity
            return [t for t in left if t not in set(right)]
        if op == ":":
            return _interact(self.encode(node.left), self.encode(node.right))
        if op == "*":
            left, right = self.encode(node.left), self.encode(node.right)
            return _trim(left + right + _interact(left, right))
        if op == "/":
            left, right = self.encode(node.left), self.encode(node.right)
            whole = frozenset().union(*left) if left else frozenset()
            return _trim(left + [whole | t for t in right])
        if op == "%in%":
            left, right = self.encode(node.left), self.encode(node.right)
            whole = frozenset().union(*right) if right else frozenset()
            return _trim([t | whole for t in left])
        if op == "^":
            return self.power(node)
        raise self.error(
            f"The operator '{op}' has no meaning in a model formula; "
            "wrap arithmetic in I(), e.g. I(x > 2).",
            node,
        )

    def power(self, node: BinOp) -> list[frozenset[int]]:
        exponent = strip_parens(node.right)
        if not (
            isinstance(exponent, Number)
            and float(exponent.value).is_integer()
            and exponent.value >= 1
        ):
            raise self.error(
                "Invalid power in formula: the power of a term must be a whole number of at "
                "least 1; write I(x^2) for arithmetic.",
                node.right,
            )
        base = self.encode(node.left)
        result = base
        for _ in range(int(exponent.value) - 1):
            result = _interact(base, result)
        return result


def _trim(terms: list[frozenset[int]]) -> list[frozenset[int]]:
    """R's ``TrimRepeats``: drop empty terms and repeats, keeping the first occurrence."""
    out: list[frozenset[int]] = []
    for t in terms:
        if t and t not in out:
            out.append(t)
    return out


def _interact(left: list[frozenset[int]], right: list[frozenset[int]]) -> list[frozenset[int]]:
    return _trim([a | b for a in left for b in right])


def _bar(node: Node, source: str) -> Bar:
    inner = strip_parens(node)
    if not isinstance(inner, BinOp):  # pragma: no cover - guarded by _is_bar
        raise FormulaTermError("Expected a group-level term.", source, node.span)
    lhs, group, cor = inner.left, inner.right, inner.op == "|"
    bar_id: str | None = None
    if isinstance(lhs, BinOp) and lhs.op in {"|", "||"}:
        bar_id_node = lhs.right
        if not isinstance(bar_id_node, Name | Number | String):
            raise FormulaTermError(
                "The id between the bars of (x | id | g) must be a name such as p.",
                source,
                bar_id_node.span,
            )
        bar_id = bar_id_node.value if isinstance(bar_id_node, String) else deparse(bar_id_node)
        cor = lhs.op == "|" and inner.op == "|"
        lhs = lhs.left
    return Bar(lhs=lhs, group=group, cor=cor, id=bar_id, span=node.span)


def _extract_variables(node: Node, out: dict[str, Node]) -> None:
    """R's ``ExtractVars``: variables in order of appearance (bars and offsets skipped)."""
    if isinstance(node, Paren):
        if not _is_bar(node):
            _extract_variables(node.expr, out)
        return
    if isinstance(node, Name):
        if node.name != ".":
            out.setdefault(deparse(node), node)
        return
    if isinstance(node, Call):
        if node.func != "offset":
            out.setdefault(deparse(node), node)
        return
    if isinstance(node, UnaryOp):
        _extract_variables(node.operand, out)
        return
    if isinstance(node, BinOp):
        _extract_variables(node.left, out)
        if node.op != "^":
            _extract_variables(node.right, out)
        return
    if isinstance(node, Formula):
        if node.lhs is not None:
            _extract_variables(node.lhs, out)
        _extract_variables(node.rhs, out)


def _expand_dot(node: Node, columns: Sequence[str], exclude: set[str]) -> Node:
    """Replace ``.`` by the sum of the data columns not otherwise in the formula."""
    if isinstance(node, Name) and node.name == ".":
        names = [c for c in columns if c not in exclude]
        if not names:
            raise FormulaTermError("The '.' in the formula matches no data column.")
        result: Node = Name(names[0], span=node.span)
        for c in names[1:]:
            result = BinOp("+", result, Name(c, span=node.span), span=node.span)
        return Paren(result, span=node.span)
    if isinstance(node, Paren):
        return Paren(_expand_dot(node.expr, columns, exclude), span=node.span)
    if isinstance(node, UnaryOp):
        return UnaryOp(node.op, _expand_dot(node.operand, columns, exclude), span=node.span)
    if isinstance(node, BinOp) and node.op not in {"|", "||"}:
        return BinOp(
            node.op,
            _expand_dot(node.left, columns, exclude),
            _expand_dot(node.right, columns, exclude),
            span=node.span,
        )
    return node


def _has_dot(node: Node) -> bool:
    if isinstance(node, Name):
        return node.name == "."
    if isinstance(node, Paren):
        return _has_dot(node.expr)
    if isinstance(node, UnaryOp):
        return _has_dot(node.operand)
    if isinstance(node, BinOp):
        return _has_dot(node.left) or _has_dot(node.right)
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
    encoder = _Encoder(source, labels, list(variables.values()))
    bits = encoder.encode(rhs)
    if response is not None:
        resp_labels = {deparse(response)}
        bits = [t for t in bits if not (len(t) == 1 and labels[next(iter(t))] in resp_labels)]
    ordered = sorted(bits, key=len)  # stable: degree, then appearance
    terms = tuple(
        Term(
            variables=tuple(encoder.nodes[i] for i in sorted(t)),
            labels=tuple(labels[i] for i in sorted(t)),
        )
        for t in ordered
    )
    return (
        TermList(terms=terms, intercept=encoder.intercept, offsets=tuple(encoder.offsets)),
        tuple(encoder.bars),
    )
