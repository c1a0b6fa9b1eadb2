"""The state an evaluation learns on fitting data, and what functions need from an evaluator.

The transform states (:class:`LevelsState`, :class:`PolyState`, :class:`ScaleState`,
:class:`NumericState`) and their frozen mapping :class:`EvalState` are what a fitted design
keeps (and what a saved fit pickles) to encode new data exactly as the fitting data.
:class:`EvalContext` is the part of :class:`~.variables.Evaluator` that the whitelisted functions
(:mod:`.functions`) and operators (:mod:`.operators`) use; typing them against this protocol
keeps the imports one way: state -> operators -> functions -> variables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, TypeAlias

if TYPE_CHECKING:
    from ..errors import FormulaTermError
    from ..syntax.ast import Node
    from .values import RValue


@dataclass(frozen=True)
class NumericState:
    """A numeric variable (kept to check the type of the variable in new data)."""


@dataclass(frozen=True)
class LevelsState:
    """The levels of a factor variable or of a ``factor()``/``ordered()`` call."""

    levels: tuple[str, ...]
    ordered: bool = False
    logical: bool = False


@dataclass(frozen=True)
class PolyState:
    """``poly()``'s recurrence coefficients (R's ``attr(, "coefs")``)."""

    alpha: tuple[float, ...]
    norm2: tuple[float, ...]


@dataclass(frozen=True)
class ScaleState:
    """``scale()``'s centres and scales per column (None when not applied)."""

    center: tuple[float, ...] | None
    scale: tuple[float, ...] | None


TransformState: TypeAlias = NumericState | LevelsState | PolyState | ScaleState


class EvalState(Mapping[str, TransformState]):
    """A frozen mapping from a deparsed label (``factor(n)``, ``poly(x, 2)``) to its state.

    Grouping factors are stored under ``group_key(label)``.
    """

    __slots__ = ("_items",)

    def __init__(
        self, items: Mapping[str, TransformState] | Iterable[tuple[str, TransformState]] = ()
    ) -> None:
        self._items = MappingProxyType(dict(items))

    def __getitem__(self, key: str) -> TransformState:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"EvalState({dict(self._items)!r})"

    def __reduce__(self) -> tuple[type[EvalState], tuple[dict[str, TransformState]]]:
        """Pickle as the plain dict of items (a fit saves its design state)."""
        return (EvalState, (dict(self._items),))


def group_key(label: str) -> str:
    """The state key of the grouping factor with the label ``label`` (``"| g1:g2"``)."""
    return f"| {label}"


class EvalContext(Protocol):
    """What a function or operator needs from the evaluator that calls it.

    :class:`~.variables.Evaluator` implements it; functions evaluate their arguments, read
    and record transform state, and raise caret errors through it.
    """

    @property
    def source(self) -> str | None:
        """The formula text that node spans point into (None when unknown)."""
        ...

    @property
    def encoding(self) -> bool:
        """Whether new data is encoded with the state of fitting data."""
        ...

    def evaluate(self, node: Node) -> RValue:
        """Evaluate any expression as R code."""
        ...

    def prior(self, key: str) -> TransformState | None:
        """The fitted state stored under ``key`` when encoding new data, else None."""
        ...

    def learn(self, key: str, state: TransformState) -> None:
        """Record the state of a transform fitted on this data."""
        ...

    def error(self, message: str, node: Node) -> FormulaTermError:
        """A :class:`~brmsjax.formula.errors.FormulaTermError` with a caret under ``node``."""
        ...


__all__ = [
    "EvalContext",
    "EvalState",
    "LevelsState",
    "NumericState",
    "PolyState",
    "ScaleState",
    "TransformState",
    "group_key",
]
