"""R's ``EncodeVars``: the expansion of a right-hand side into terms, without recursion.

A formula built from data (``y ~ .`` over two thousand columns) is a left-leaning chain of
``+`` thousands of nodes deep, so every walk here keeps its own stack instead of Python's call
stack; the only limit on depth is memory. A term is a frozenset of variable indices; a list of
terms is an insertion-ordered dict (an ordered set), so R's ``TrimRepeats`` after ``+`` costs
the size of the right side, not a scan of the left one.

``^`` follows R's ``PowerTerms`` (``stats/src/model.c``): the exponent must be a number literal,
R truncates it to an integer (``asInteger``: ``2.9`` is 2) and stops with "invalid power in
formula" when that integer is below 2 or outside R's integer range. R then multiplies the term
list out ``exponent - 1`` times; once a product no longer changes the list, every further one
gives the same list, so the loop stops there (``(x + z)^1e9`` returns at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import FormulaTermError, Span
from ..syntax.ast import BinOp, Call, Name, Node, Number, Paren, String, UnaryOp, strip_parens
from ..syntax.parse import deparse
from .autocor import AUTOCOR_CALLS
from .data2_terms import DATA2_AUTOCOR
from .readers.cosy import COSY_CALLS
from .readers.mi_predictors import check_mi_predictor

__all__ = ["Bar", "Encoder", "is_bar"]

# R's largest integer (asInteger gives NA above it, and PowerTerms then stops).
_R_INT_MAX = 2_147_483_647
# Operators whose operands R multiplies out: a bar inside them is not a group-level term.
_PRODUCTS = frozenset({":", "*", "/", "%in%", "^"})

# Calls that are brms special terms rather than ordinary functions of the data.
_UNSUPPORTED_SPECIALS = frozenset(
    {
        "cs", "car", "sar",
        "unstr", "lasso", "horseshoe",
    }
)  # fmt: skip

Terms = dict[frozenset[int], None]


@dataclass(frozen=True)
class Bar:
    """A group-level term ``(lhs | group)``, ``(lhs || group)`` or ``(lhs | id | group)``."""

    lhs: Node
    group: Node
    cor: bool
    id: str | None
    span: Span


def is_bar(node: Node) -> bool:
    """Tell whether ``node`` is a bar term, with or without its parentheses."""
    inner = strip_parens(node)
    return isinstance(inner, BinOp) and inner.op in {"|", "||"}


def _ordered(terms: Sequence[frozenset[int]]) -> Terms:
    """R's ``TrimRepeats``: drop empty terms and repeats, keeping first occurrences."""
    return dict.fromkeys(t for t in terms if t)


def _interact(left: Terms, right: Terms) -> Terms:
    return _ordered([a | b for a in left for b in right])


class Encoder:
    """R's ``EncodeVars`` over one right-hand side.

    The intercept flag and the parity (flipped inside the right side of ``-``) are state of one
    expansion run, changed in the order R visits the nodes: left operand, then right.

    Parameters
    ----------
    source
        The formula text, for caret errors.
    labels
        The deparsed labels of the formula's variables (``ExtractVars``'s order).
    """

    def __init__(self, source: str, labels: Sequence[str]):
        self.source = source
        self.index = {label: i for i, label in enumerate(labels)}
        self.intercept = True
        self.parity = True
        self.offsets: list[Node] = []
        self.gps: list[Call] = []
        self.bars: list[Bar] = []
        self.smooths: list[Call] = []
        self.autocor: list[Call] = []  # ar(), ma(), arma(): brms's autocorrelation terms

    def error(self, message: str, node: Node) -> FormulaTermError:
        return FormulaTermError(message, self.source, node.span)

    def encode(self, root: Node) -> list[frozenset[int]]:
        """Expand ``root`` into its terms, in R's order (before sorting by degree).

        The walk is post-order on an explicit stack; each frame is ``(node, step, product)``
        where ``product`` is the nearest enclosing ``:``/``*``/``/``/``%in%``/``^`` node (a
        bar under one of them has no meaning in brms, so it is an error naming that node).
        """
        results: list[Terms] = []
        stack: list[tuple[Node, int, Node | None]] = [(root, 0, None)]
        while stack:
            node, step, product = stack.pop()
            if step == 0:
                self._enter(node, product, stack, results)
            else:
                self._leave(node, step, product, stack, results)
        (terms,) = results
        return list(terms)

    def _enter(
        self,
        node: Node,
        product: Node | None,
        stack: list[tuple[Node, int, Node | None]],
        results: list[Terms],
    ) -> None:
        if isinstance(node, Paren):
            if is_bar(node):
                if product is not None:
                    raise self._bar_in_product(node, product)
                bar = _bar(node, self.source)
                if all(_bar_label(b) != _bar_label(bar) for b in self.bars):
                    self.bars.append(bar)  # R's terms keep one of identical terms, as brms
                results.append({})
            else:
                stack.append((node.expr, 0, product))
        elif isinstance(node, Number):
            results.append(self._number(node))
        elif isinstance(node, Name):
            results.append({frozenset({self.index[deparse(node)]}): None})
        elif isinstance(node, Call):
            results.append(self._call(node))
        elif isinstance(node, UnaryOp):
            if node.op not in {"-", "+"}:
                raise self.error(
                    f"The operator '{node.op}' has no meaning in a model formula.", node
                )
            if node.op == "-":
                self.parity = not self.parity
            stack.append((node, 2, product))
            stack.append((node.operand, 0, product))
        elif isinstance(node, BinOp):
            self._check_binop(node)
            inner = node if node.op in _PRODUCTS else product
            stack.append((node, 2, product))
            if node.op == "^":  # R checks the power before it expands the base
                self._power(node)
            else:
                stack.append((node.right, 0, inner))
                if node.op == "-":
                    stack.append((node, 1, product))
            stack.append((node.left, 0, inner))
        elif isinstance(node, String):
            raise self.error("A string cannot be a term of a model formula.", node)
        else:
            raise self.error("A formula cannot appear inside a model term.", node)

    def _leave(
        self,
        node: Node,
        step: int,
        product: Node | None,
        stack: list[tuple[Node, int, Node | None]],
        results: list[Terms],
    ) -> None:
        if isinstance(node, UnaryOp):
            operand = results.pop()
            if node.op == "-":
                self.parity = not self.parity
                operand = {}
            results.append(operand)
            return
        if not isinstance(node, BinOp):  # pragma: no cover - only unary and binary ops leave
            raise TypeError(type(node).__name__)
        if node.op == "^":
            results.append(self._raise(results.pop(), self._power(node)))
            return
        if step == 1:
            # the left side of '-' is done; its right side is read with the parity flipped
            self.parity = not self.parity
            return
        right, left = results.pop(), results.pop()
        if node.op == "-":
            self.parity = not self.parity
            for t in right:
                left.pop(t, None)
            results.append(left)
        else:
            results.append(_combine(node.op, left, right))

    def _call(self, node: Call) -> Terms:
        if node.func == "offset":
            if len(node.args) != 1 or node.args[0].name is not None:
                raise self.error("offset() takes exactly one argument.", node)
            self.offsets.append(node.args[0].value)
            return {}
        if node.func == "gp":  # a special term: its data are built by design/gp.py
            self.gps.append(node)
            return {}
        if node.func in ("s", "t2"):  # brms smooths: design/special/smooth_terms.py
            self.smooths.append(node)
            return {}
        if node.func in ("te", "ti"):
            raise self.error(  # brms 2.18's message
                "Tensor product smooths 'te' and 'ti' are not yet implemented in brms. "
                "Consider using 't2' instead.",
                node,
            )
        if node.func in AUTOCOR_CALLS or node.func in DATA2_AUTOCOR or node.func in COSY_CALLS:
            self.autocor.append(node)
            return {}
        if node.func == "mi":  # another response's latent values (multivariate models)
            check_mi_predictor(node, self.source)
        if node.func in _UNSUPPORTED_SPECIALS:
            raise self.error(
                f"The brms term '{node.func}()' is not supported yet; remove it from the formula.",
                node,
            )
        return {frozenset({self.index[deparse(node)]}): None}

    def _number(self, node: Number) -> Terms:
        if node.value == 1:
            self.intercept = self.parity
        elif node.value == 0:
            self.intercept = not self.parity
        else:
            raise self.error(
                f"The number {node.text} cannot be a term; only 0, 1 and -1 set the intercept.",
                node,
            )
        return {}

    def _check_binop(self, node: BinOp) -> None:
        if node.op in {"|", "||"}:
            raise self.error("A group-level term needs parentheses: write it as (x | g).", node)
        if node.op not in {"+", "-", ":", "*", "/", "%in%", "^"}:
            raise self.error(
                f"The operator '{node.op}' has no meaning in a model formula; "
                "wrap arithmetic in I(), e.g. I(x > 2).",
                node,
            )

    def _bar_in_product(self, bar: Node, product: Node) -> FormulaTermError:
        return FormulaTermError(
            f"The group-level term {deparse(bar)} cannot be part of the term "
            f"'{deparse(product)}'; brms reads a bar term only on its own, added with '+'. "
            "Write a varying slope inside the bar, as in (1 + x | g).",
            self.source,
            product.span,
        )

    def _power(self, node: BinOp) -> int:
        """The exponent of ``node`` as R's ``PowerTerms`` reads it (truncated to an integer)."""
        exponent = node.right
        value = exponent.value if isinstance(exponent, Number) else None
        if value is None or not 2 <= value <= _R_INT_MAX:  # NaN fails the range too
            raise self.error(
                "Invalid power in formula: the power of a term must be a number from 2 to "
                f"{_R_INT_MAX} (R truncates it: 2.5 is 2); write I(x^2) for arithmetic.",
                exponent,
            )
        return int(value)

    @staticmethod
    def _raise(base: Terms, exponent: int) -> Terms:
        """R's ``PowerTerms``: ``exponent - 1`` products with ``base``, stopping at a fixpoint.

        Each product is a function of the previous list only, so once a list repeats, the rest
        of the sequence repeats too; the result is read off the cycle without running it.
        """
        result = base
        seen: dict[tuple[frozenset[int], ...], int] = {tuple(base): 1}
        history = [base]
        power = 1
        while power < exponent:
            result = _interact(base, result)
            power += 1
            key = tuple(result)
            if key in seen:
                start = seen[key]
                period = power - start
                return history[start - 1 + (exponent - start) % period]
            seen[key] = power
            history.append(result)
        return result


def _combine(op: str, left: Terms, right: Terms) -> Terms:
    """Apply a binary term operator other than ``-`` and ``^`` (R's ``model.c``)."""
    if op == "+":
        for t in right:
            left.setdefault(t, None)
        return left
    if op == ":":
        return _interact(left, right)
    if op == "*":
        cross = _interact(left, right)
        for t in [*right, *cross]:
            left.setdefault(t, None)
        return left
    if op == "/":
        whole = frozenset().union(*left)
        out = dict(left)
        for t in right:
            out.setdefault(whole | t, None)
        return _ordered(list(out))
    # %in%
    whole = frozenset().union(*right)
    return _ordered([t | whole for t in left])


def _bar_label(bar: Bar) -> tuple[str, str, bool, str | None]:
    """What R's term label of a bar term tells apart: ``(1 | g)`` twice is one term."""
    return deparse(bar.lhs), deparse(bar.group), bar.cor, bar.id


def _bar(node: Node, source: str) -> Bar:
    inner = strip_parens(node)
    if not isinstance(inner, BinOp):  # pragma: no cover - guarded by is_bar
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
