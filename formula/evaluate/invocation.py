"""One call of a whitelisted function: its arguments bound as R binds them.

:func:`bind` matches a call's arguments to a :class:`Function`'s parameters (exact name, then
position, ``...`` for the rest) and gives an :class:`Invocation`, through which the function's
code evaluates its arguments, reads and records transform state, and raises caret errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from ..errors import DesignError, FormulaTermError
from ..syntax.ast import Call, Node
from .operators import (
    as_number,
)
from .state import EvalContext, TransformState
from .values import (
    Numeric,
    RValue,
)

S = TypeVar("S", bound=TransformState)


@dataclass(frozen=True)
class Invocation:
    """One call being evaluated: its matched argument nodes and the evaluator."""

    node: Call
    label: str
    ev: EvalContext
    args: dict[str, Node]
    dots: tuple[Node, ...]

    @property
    def name(self) -> str:
        """The function's name."""
        return self.node.func

    def error(self, message: str, arg: str | None = None) -> FormulaTermError:
        """A :class:`FormulaTermError` with a caret under the argument ``arg`` or the call."""
        node = self.args.get(arg, self.node) if arg is not None else self.node
        return FormulaTermError(message, self.ev.source, node.span)

    def value(self, arg: str) -> RValue:
        """The evaluated argument ``arg``."""
        return self.ev.evaluate(self.args[arg])

    def numeric(self, arg: str) -> Numeric:
        """The argument ``arg`` as a number (a logical counts as 0/1)."""
        return as_number(self.value(arg), self.args[arg], self.ev, f"{self.name}()")

    def scalar(self, arg: str, default: float) -> float:
        """A length-one numeric argument, or ``default`` when it is not given."""
        if arg not in self.args:
            return default
        value = self.numeric(arg).values
        if value.size != 1 or np.isnan(value).any():
            raise self.error(f"The argument '{arg}' of {self.name}() must be one number.", arg)
        return float(value.reshape(-1)[0])

    def flag(self, arg: str, default: bool) -> bool:
        """A length-one logical argument (``TRUE``/``FALSE``), or ``default``."""
        return bool(self.scalar(arg, float(default)))

    def prior(self, kind: type[S]) -> S | None:
        """The fitted state of this call when encoding new data; None when fitting.

        Raises
        ------
        DesignError
            When encoding new data and the fitted model has no such state.
        """
        state = self.ev.prior(self.label)
        if isinstance(state, kind):
            return state
        if self.ev.encoding:
            raise DesignError(
                f"'{self.label}' is not part of the fitted model; use the formula "
                "of the fitted model.",
                self.ev.source,
                self.node.span,
            )
        return None

    def learn(self, state: TransformState) -> None:
        """Record the state this call learned on the fitting data."""
        self.ev.learn(self.label, state)


Impl = Callable[[Invocation], RValue]


@dataclass(frozen=True)
class Function:
    """A whitelisted function: R's parameter names (``...`` for variadic) and the code."""

    params: tuple[str, ...]
    required: int
    impl: Impl


def bind(func: Function, node: Call, label: str, ev: EvalContext) -> Invocation:
    named = [p for p in func.params if p != "..."]
    args: dict[str, Node] = {}
    for arg in node.args:
        if arg.name is None:
            continue
        if arg.name not in named:
            listed = ", ".join(named) if named else "none"
            raise FormulaTermError(
                f"{node.func}() has no argument '{arg.name}'; its arguments are: {listed}.",
                ev.source,
                arg.span,
            )
        if arg.name in args:
            raise FormulaTermError(
                f"The argument '{arg.name}' of {node.func}() is given twice.", ev.source, arg.span
            )
        args[arg.name] = arg.value
    dots: list[Node] = []
    free = iter(p for p in func.params if p not in args)
    slot: str | None = next(free, None)
    for arg in node.args:
        if arg.name is not None:
            continue
        if slot == "...":
            dots.append(arg.value)
        elif slot is None:
            count = sum(a.name is None for a in node.args)
            raise FormulaTermError(
                f"{node.func}() takes at most {len(named)} argument(s) ({', '.join(named)}), but "
                f"{count} are given.",
                ev.source,
                arg.span,
            )
        else:
            args[slot] = arg.value
            slot = next(free, None)
    for param in func.params[: func.required]:
        if param not in args:
            raise FormulaTermError(
                f"{node.func}() needs the argument '{param}'.", ev.source, node.span
            )
    return Invocation(node, label, ev, args, tuple(dots))


__all__ = ["Function", "Impl", "Invocation", "bind"]
