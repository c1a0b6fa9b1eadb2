"""The objects of a multivariate brms formula: :class:`MvFormula` and ``set_rescor()``.

``bf(y1 ~ x) + bf(y2 ~ z) + set_rescor(TRUE)`` adds :class:`~.bf.BrmsFormula` objects into an
:class:`MvFormula` (:meth:`BrmsFormula.__add__` calls :func:`add_formula`); :mod:`.mv` reads
it into one formula per response.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import FormulaTermError

__all__ = ["MvFormula", "RescorSpec", "add_formula", "set_rescor"]


@dataclass(frozen=True)
class RescorSpec:
    """brms's ``set_rescor(rescor)``: whether the residuals of the responses correlate."""

    rescor: bool = True

    def __str__(self) -> str:
        return f"set_rescor({'TRUE' if self.rescor else 'FALSE'})"


def set_rescor(rescor: bool = True) -> RescorSpec:
    """brms's ``set_rescor()``: add it to ``bf() + bf()`` to set the residual correlations.

    Examples
    --------
    >>> print(bf("y1 ~ x") + bf("y2 ~ x") + set_rescor(False))
    mvbf(bf(y1 ~ x), bf(y2 ~ x), rescor = FALSE)
    """
    if not isinstance(rescor, bool):
        raise FormulaTermError(f"set_rescor() takes TRUE or FALSE, not {rescor!r}.")
    return RescorSpec(rescor)


@dataclass(frozen=True)
class MvFormula:
    """A multivariate brms formula: one :class:`BrmsFormula` per part, and ``rescor``.

    Attributes
    ----------
    parts
        The parts as given; a part whose response is ``mvbind(y1, y2)`` stands for one
        formula per response.
    rescor
        Whether the residuals of gaussian or student responses correlate; None: brms's default
        (True when every response is gaussian, or every one student, with brms's warning).
    """

    parts: tuple[Any, ...]  # BrmsFormula objects
    rescor: bool | None = None

    def __add__(self, other: Any) -> MvFormula:
        if isinstance(other, RescorSpec):
            return replace(self, rescor=other.rescor)
        if hasattr(other, "formulas"):  # a bf() (bf.py imports this module)
            return replace(self, parts=(*self.parts, other))
        if isinstance(other, MvFormula):
            rescor = other.rescor if other.rescor is not None else self.rescor
            return MvFormula((*self.parts, *other.parts), rescor)
        return NotImplemented

    def __str__(self) -> str:
        args = [str(p) for p in self.parts]
        if self.rescor is not None:
            args.append(f"rescor = {'TRUE' if self.rescor else 'FALSE'}")
        return f"mvbf({', '.join(args)})"


def add_formula(left: Any, right: Any) -> MvFormula:
    """``bf(...) + bf(...)`` or ``bf(...) + set_rescor(...)`` (:meth:`BrmsFormula.__add__`)."""
    out = MvFormula((left,))
    result = out + right
    if result is NotImplemented:
        raise FormulaTermError(
            f"Only bf() formulas and set_rescor() can be added to bf(), not {type(right).__name__}."
        )
    return result
