"""The user's priors: ``prior()``/``set_prior()`` and lists of them, as brms's ``set_prior``.

``prior("normal(0, 10)", class_="b", coef="Days")`` makes a :class:`Prior` (alias
:func:`set_prior`); ``p1 + p2`` makes a :class:`PriorList`, and a list or tuple of priors works
wherever priors do. The prior string is parsed on construction, so a typo fails where it is
written. :mod:`.check` validates them against a model and :mod:`.resolve` applies them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeAlias, overload

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.priors.parse import parse_prior, prior_display, prior_label
from brmsjax.formula.errors import PriorError

__all__ = ["Prior", "PriorList", "PriorsLike", "as_priors", "prior", "set_prior"]


def _bound(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise PriorError(f"The prior bound {name} must be a number or None, not {value!r}.")
    return float(value)


@dataclass(frozen=True)
class Prior:
    """One user prior, as brms's ``set_prior``; the string is parsed on construction.

    Attributes
    ----------
    prior
        Stan distribution call (``"normal(0, 10)"``); ``""`` or ``"flat"`` is flat. Arguments
        may be constant Stan expressions, as brms hands them to Stan: ``"normal(log(9), 0.5)"``,
        ``"student_t(3, 0, 2.5 * 2)"`` (integers divide as in Stan: ``1/10`` is 0).
    class_
        Parameter class: ``b``, ``Intercept``, ``sd``, ``cor``, ``sigma`` or another dpar.
    coef, group, resp, dpar, nlpar
        Narrow the prior to one coefficient, grouping factor, response, distributional
        parameter (``dpar="sigma"`` for ``sigma ~ x``) or non-linear parameter.
    lb, ub
        Bounds of class ``b`` (the whole class; the prior is truncated to them).
    """

    prior: str
    class_: str = "b"
    coef: str = ""
    group: str = ""
    resp: str = ""
    dpar: str = ""
    nlpar: str = ""
    lb: float | None = None
    ub: float | None = None

    def __post_init__(self) -> None:
        for name in ("class_", "coef", "group", "resp", "dpar", "nlpar"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise PriorError(f"The prior argument {name} must be a string, not {value!r}.")
            object.__setattr__(self, name, value.strip())
        if not self.class_:
            raise PriorError("The prior class must not be empty; use e.g. class_='b'.")
        lb, ub = _bound(self.lb, "lb"), _bound(self.ub, "ub")
        if lb is not None and ub is not None and lb >= ub:
            raise PriorError(f"The prior bounds need lb < ub, but lb = {lb:g} and ub = {ub:g}.")
        object.__setattr__(self, "lb", lb)
        object.__setattr__(self, "ub", ub)
        parse_prior(self.prior)

    @property
    def label(self) -> str:
        """The prior as the ``get_prior`` table shows it (:func:`~.parse.prior_label`)."""
        return prior_label(self.prior)

    @property
    def spec(self) -> PriorSpec:
        """The parsed distribution (without bounds)."""
        return parse_prior(self.prior)

    def __add__(self, other: PriorsLike) -> PriorList:
        return PriorList((self, *as_priors(other)))

    def __str__(self) -> str:
        parts = {"coef": self.coef, "group": self.group, "dpar": self.dpar}
        where = ", ".join(f"{k}={v}" for k, v in parts.items() if v)
        return f"{self.class_}{f' ({where})' if where else ''} ~ {prior_display(self.prior)}"


@dataclass(frozen=True)
class PriorList(Sequence[Prior]):
    """An immutable sequence of priors; ``+`` appends priors or other lists."""

    priors: tuple[Prior, ...] = ()

    @overload
    def __getitem__(self, index: int) -> Prior: ...

    @overload
    def __getitem__(self, index: slice) -> PriorList: ...

    def __getitem__(self, index: int | slice) -> Prior | PriorList:
        if isinstance(index, slice):
            return PriorList(self.priors[index])
        return self.priors[index]

    def __len__(self) -> int:
        return len(self.priors)

    def __iter__(self) -> Iterator[Prior]:
        return iter(self.priors)

    def __add__(self, other: PriorsLike) -> PriorList:
        return PriorList(self.priors + as_priors(other))

    def __radd__(self, other: PriorsLike) -> PriorList:
        return PriorList(as_priors(other) + self.priors)


PriorsLike: TypeAlias = Prior | Sequence[Prior] | None


def prior(  # noqa: PLR0917 - brms's set_prior argument order
    prior: str,
    class_: str = "b",
    coef: str = "",
    group: str = "",
    resp: str = "",
    dpar: str = "",
    nlpar: str = "",
    lb: float | None = None,
    ub: float | None = None,
) -> Prior:
    """Make a prior as brms's ``set_prior`` (see :class:`Prior` for the arguments).

    Examples
    --------
    >>> p = prior("normal(0, 10)", coef="Days") + prior("exponential(1)", class_="sd")
    >>> len(p)
    2
    """
    return Prior(prior, class_, coef, group, resp, dpar, nlpar, lb, ub)


set_prior = prior


def as_priors(user: PriorsLike) -> tuple[Prior, ...]:
    """Normalize None, one :class:`Prior`, or a sequence of them to a tuple of priors."""
    if user is None:
        return ()
    if isinstance(user, Prior):
        return (user,)
    if isinstance(user, str) or not isinstance(user, Sequence):
        raise PriorError(
            f"Priors must be made with prior() (one, a list, or joined with +), not {user!r}."
        )
    for i, p in enumerate(user):
        if not isinstance(p, Prior):
            raise PriorError(
                f"Item {i + 1} of the priors is {p!r}; make every prior with prior(), e.g. "
                "prior('normal(0, 10)', class_='b')."
            )
    return tuple(user)
