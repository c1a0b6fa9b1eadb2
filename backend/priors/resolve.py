"""User priors, brms's prior table, and the per-parameter priors the sampler uses.

``prior("normal(0, 10)", class_="b", coef="Days")`` makes a :class:`Prior` (alias
:func:`set_prior`); ``p1 + p2`` makes a :class:`PriorList`, and a list or tuple of priors works
wherever priors do. :func:`prior_table` is brms 2.18's ``get_prior`` table (with user priors
merged in, marked ``source = "user"``); :func:`resolve_priors` turns defaults and user priors into
one :class:`ParamPrior` per model parameter, with brms's precedence: a coefficient's prior over
a group's over a class's over the default.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias, overload

import pandas as pd

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import Family
from brmsjax.backend.priors.check import check_bounds, check_user_priors
from brmsjax.backend.priors.parse import parse_prior
from brmsjax.backend.priors.rows import (
    LKJ_DEFAULT,
    PriorRow,
    category_dpars,
    format_r_number,
    model_rows,
    scalar_dpars,
)
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import PriorError

TABLE_COLUMNS = ("prior", "class", "coef", "group", "resp", "dpar", "nlpar", "lb", "ub", "source")


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
        Stan distribution call (``"normal(0, 10)"``); ``""`` or ``"flat"`` is flat.
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
    def spec(self) -> PriorSpec:
        """The parsed distribution (without bounds)."""
        return parse_prior(self.prior)

    def __add__(self, other: PriorsLike) -> PriorList:
        return PriorList((self, *as_priors(other)))

    def __str__(self) -> str:
        parts = {"coef": self.coef, "group": self.group, "dpar": self.dpar}
        where = ", ".join(f"{k}={v}" for k, v in parts.items() if v)
        return f"{self.class_}{f' ({where})' if where else ''} ~ {self.spec}"


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


@dataclass(frozen=True)
class ParamPrior:
    """The priors of one internal parameter, one :class:`PriorSpec` per element."""

    # internal parameter: "Intercept", "b", "sigma", "sd_1", "L_1";
    # a predicted dpar: "Intercept_sigma", "b_sigma"; a category of a categorical model:
    # "Intercept_mu2", "b_mu2"
    param: str
    # one per element: b -> one per slope column (FixedBlock.slope_columns order);
    # Intercept of an ordinal model -> one per threshold (FixedBlock.thresholds);
    # sd_k -> one per coef of GroupBlock k (k = GroupBlock.id); scalar params -> one;
    # L_k -> one lkj(eta)
    specs: tuple[PriorSpec, ...]


ResolvedPriors = Mapping[str, ParamPrior]  # keyed by param


def _default(
    rows: Mapping[tuple[str, str, str, str, str, str], PriorRow],
    key: tuple[str, str, str, str, str, str],
) -> PriorSpec:
    spec = rows[key].spec
    return PriorSpec("flat") if spec is None else spec


def resolve_priors(design: Design, family: Family, user: PriorsLike = None) -> ResolvedPriors:
    """The prior of every parameter element, from brms's defaults and the user's priors.

    Precedence is brms's: coefficient-level over group-level over class-level user priors over
    defaults. An ordinal model's ``Intercept`` has one prior per threshold (``coef="1"``, ...);
    a categorical model's categories (``Intercept_mu2``, ``b_mu2``, ...) fall back to the
    class-level priors of mu (no dpar) as brms 2.18 does. ``sd`` and ``sigma`` keep their lower
    bound 0 (their priors are truncated there); class ``b`` takes the bounds of its class-level
    user prior; ``cor`` priors become ``lkj(eta)`` on ``L_k``.

    Raises
    ------
    PriorError
        For a prior naming a class, coefficient, group or dpar the model lacks (the message
        lists what exists), a non-lkj ``cor`` prior, misplaced bounds, a constant outside the
        parameter's bounds, or a prior whose support the parameter cannot stay in.
    """
    rows = {row.key: row for row in model_rows(design, family)}
    chosen = check_user_priors(as_priors(user), tuple(rows.values()), design, family)

    def pick(*keys: tuple[str, ...]) -> Prior | None:
        return next((chosen[k] for k in keys if k in chosen), None)

    # brms applies the class-level b and Intercept priors of a categorical model's mu (dpar "")
    # to every category that has none of its own.
    categories = set(category_dpars(design, family))

    def pick_class(cls: str, d: str) -> Prior | None:
        own = pick((cls, "", "", "", d, ""))
        return own if own or d not in categories else pick((cls, "", "", "", "", ""))

    out: dict[str, ParamPrior] = {}
    for block in design.fixed:
        d = block.dpar
        suffix = f"_{d}" if d else ""
        if block.intercept or block.thresholds:
            key = ("Intercept", "", "", "", d, "")
            top = pick_class("Intercept", d)
            specs = []
            for coef in [str(k) for k in range(1, block.thresholds + 1)] or [""]:
                p = pick(("Intercept", coef, "", "", d, "")) or top
                spec = p.spec if p else _default(rows, key)
                where = f"threshold {coef} of class 'Intercept'" if coef else "class 'Intercept'"
                specs.append(check_bounds(spec, None, None, where + _of(d)))
            out["Intercept" + suffix] = ParamPrior("Intercept" + suffix, tuple(specs))
        if block.slope_columns:
            top = pick_class("b", d)
            lb, ub = (top.lb, top.ub) if top else (None, None)
            specs = []
            for c in block.slope_columns:
                p = pick(("b", c, "", "", d, "")) or top
                spec = p.spec if p else PriorSpec("flat")
                specs.append(check_bounds(spec, lb, ub, f"coefficient '{c}' of class 'b'{_of(d)}"))
            out["b" + suffix] = ParamPrior("b" + suffix, tuple(specs))
    for dpar in scalar_dpars(design, family):
        key = (dpar, "", "", "", "", "")
        p = pick(key)
        lb, ub = family.dpar_bounds.get(dpar, (None, None))
        spec = p.spec if p else _default(rows, key)
        out[dpar] = ParamPrior(dpar, (check_bounds(spec, lb, ub, f"class '{dpar}'"),))
    for g in design.groups:
        specs = []
        for c, d in zip(g.coefs, g.dpars, strict=True):
            sd_key = ("sd", "", "", "", d, "")
            p = pick(("sd", c, g.group, "", d, ""), ("sd", "", g.group, "", d, ""), sd_key)
            spec = p.spec if p else _default(rows, sd_key)
            where = f"coefficient '{c}' of class 'sd' in group '{g.group}'"
            specs.append(check_bounds(spec, 0.0, None, where))
        out[f"sd_{g.id}"] = ParamPrior(f"sd_{g.id}", tuple(specs))
        if g.cor and g.M > 1:
            p = pick(("cor", "", g.group, "", "", ""), ("cor", "", "", "", "", ""))
            spec = LKJ_DEFAULT if p is None else PriorSpec("lkj", p.spec.args)
            out[f"L_{g.id}"] = ParamPrior(f"L_{g.id}", (spec,))
    return out


def _of(dpar: str) -> str:
    return f" of dpar '{dpar}'" if dpar else ""


def prior_table(design: Design, family: Family, user: PriorsLike = None) -> pd.DataFrame:
    """brms 2.18's ``get_prior`` table, with user priors merged in.

    Columns are ``prior, class, coef, group, resp, dpar, nlpar, lb, ub, source``, all strings as
    brms's data frame has them: ``prior`` is ``""`` for flat priors and for rows that inherit the
    prior of the class row above them; ``lb``/``ub`` are set on class-level rows. Rows are in
    brms's order. A row that a user prior sets shows that prior (and its bounds) with ``source``
    ``"user"``; all others are ``"default"``.
    """
    priors = as_priors(user)
    resolve_priors(design, family, priors)  # the same checks as for sampling
    rows = model_rows(design, family)
    chosen = check_user_priors(priors, rows, design, family)
    records = []
    for row in rows:
        p = chosen.get(row.key)
        spec, lb, ub, source = row.spec, row.lb, row.ub, "default"
        if p is not None:
            spec, source = p.spec, "user"
            if p.lb is not None or p.ub is not None:
                lb, ub = p.lb, p.ub
        records.append(
            {
                "prior": "" if spec is None else str(spec),
                "class": row.class_,
                "coef": row.coef,
                "group": row.group,
                "resp": row.resp,
                "dpar": row.dpar,
                "nlpar": row.nlpar,
                "lb": format_r_number(lb),
                "ub": format_r_number(ub),
                "source": source,
            }
        )
    return pd.DataFrame.from_records(records, columns=list(TABLE_COLUMNS))


__all__ = [
    "ParamPrior",
    "Prior",
    "PriorList",
    "ResolvedPriors",
    "as_priors",
    "prior",
    "prior_table",
    "resolve_priors",
    "set_prior",
]
