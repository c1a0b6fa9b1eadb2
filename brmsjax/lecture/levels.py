"""The levels of a multilevel model: which variable is level 1 or level 2, betas and gammas.

:func:`model_levels` reads a flat brms formula on its data and recovers the level notation of
the seed lecture. Each variable is **level 2** for a grouping factor when it is constant within
every level of that factor (checked on the rows the model uses, after rows with missing values
are dropped), and **level 1** otherwise. A variable whose slope varies by a grouping factor
(it appears on the left of a ``|``) is always level 1: it has a beta of its own.

Every population-level column (``age:size``) splits into its level-1 part (``age``), which
names the beta, and its level-2 part (``size``), which names the gamma's predictor. Betas are
numbered 0 for the intercept, then by first appearance of their level-1 part among the
population-level columns (R's term order), then the slopes that only vary by group. Within a
beta, ``gamma_p0`` is the column without level-2 part and the others are numbered 1, 2, ... in
R's term order.

Several grouping factors give one :class:`Level2Block` per factor, in brms's order. A level-2
variable belongs to the coarsest factor within which it is constant (the one with the fewest
levels: for classes nested in schools, a school variable belongs to school). A beta that varies
by, or has predictors of, several factors has one equation in each of their blocks, and the
level-1 equation adds them up (``\\beta_{0k} + \\beta_{0l}``); ``gamma_p0`` is written in the
first of these blocks, and a beta that belongs to no factor in the first block.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from brmsjax.formula.design.design import as_frame, build_design
from brmsjax.formula.design.ir import GroupBlock
from brmsjax.formula.design.matrix import brms_rename, contr_poly_names, term_codes
from brmsjax.formula.errors import FormulaTermError, ModelError
from brmsjax.formula.evaluate.variables import Evaluator, Factor, Numeric, Value, drop_unused
from brmsjax.formula.names import b_name, cor_name, sd_name
from brmsjax.formula.syntax.ast import Number, strip_parens
from brmsjax.formula.syntax.parse import deparse, format_r_number
from brmsjax.formula.terms.terms import TermList
from brmsjax.lecture.notation import GROUP_LETTERS


@dataclass(frozen=True)
class Part:
    """One variable's share of a model-matrix column: ``cltype`` with suffix ``small``."""

    variable: str
    suffix: str = ""

    @property
    def label(self) -> str:
        """R's column-name piece, e.g. ``cltypesmall``."""
        return self.variable + self.suffix


class Gamma(NamedTuple):
    """A population-level coefficient in a level-2 equation: ``gamma_pq``."""

    q: int
    """0 for the beta's own fixed coefficient, 1, 2, ... for its level-2 predictors."""
    predictor: str | None
    """R label of the level-2 predictor (``size``, ``cltypesmall``), None for ``gamma_p0``."""
    name: str
    """brms parameter name (``b_age:size``)."""


@dataclass(frozen=True)
class Level2Equation:
    """``beta_pk = gamma_p0 + gamma_p1 W_k + ... + eta_pk``.

    Attributes
    ----------
    beta
        p, the index of the beta.
    term
        The beta's level-1 term as brms names its coefficient (``Intercept``, ``age``).
    gammas
        The gammas of this equation, ordered by q.
    varying
        Whether the equation has ``eta_pk`` (the coefficient varies by the block's factor).
    """

    beta: int
    term: str
    gammas: tuple[Gamma, ...]
    varying: bool


@dataclass(frozen=True)
class Variable:
    """A variable of the formula with its level.

    Attributes
    ----------
    label
        The variable as the formula writes it (``age``, ``log(x)``).
    level
        1 (varies within groups, or its slope varies by group) or 2.
    group
        The coarsest grouping factor within which it is constant, None if there is none.
    """

    label: str
    level: int
    group: str | None


@dataclass(frozen=True)
class Beta:
    """A level-1 coefficient ``beta_p`` and the level-1 term it multiplies."""

    index: int
    term: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Covariance:
    """One brms group-level ID block: the etas sharing a correlation matrix (or none).

    Attributes
    ----------
    betas
        Beta indices of the etas, ascending.
    sd
        brms names of their standard deviations (``sd_class__age``), parallel to ``betas``.
    cor
        ``(a, b, brms name)`` of each correlation ``rho_ab`` with ``a < b``, column by column
        (brms's order when the block's coefficients follow the betas); empty for ``||``.
    """

    betas: tuple[int, ...]
    sd: tuple[str, ...]
    cor: tuple[tuple[int, int, str], ...]

    @property
    def correlated(self) -> bool:
        """Whether the etas are modelled with a correlation matrix."""
        return bool(self.cor)


@dataclass(frozen=True)
class Level2Block:
    """The level-2 equations and etas of one grouping factor (``group`` None: no factor)."""

    group: str | None
    letter: str
    n_levels: int
    equations: tuple[Level2Equation, ...]
    covariance: tuple[Covariance, ...]


@dataclass(frozen=True)
class ModelLevels:
    """Everything the level notation of a model needs, without any rendering.

    ``fixed`` holds the family parameters that the formula fixes to constants
    (``bf(y ~ x, sigma = 2)``).
    """

    formula: str
    response: str
    trials: str | None
    offsets: tuple[str, ...]
    variables: Mapping[str, Variable]
    betas: tuple[Beta, ...]
    blocks: tuple[Level2Block, ...]
    predictors: Mapping[str, tuple[Part, ...]]
    columns: tuple[str, ...]
    fixed: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Factor:
    name: str
    codes: np.ndarray
    n_levels: int


def column_label(parts: Sequence[Part]) -> str:
    """R's name of the column made of ``parts`` (``(Intercept)`` for none)."""
    return ":".join(p.label for p in parts) or "(Intercept)"


def coef_name(parts: Sequence[Part]) -> str:
    """brms's coefficient name of the column (``Intercept``, ``age:size``)."""
    return brms_rename(column_label(parts))


def _subset(value: Value, rows: np.ndarray) -> Value:
    if isinstance(value, Numeric):
        return Numeric(value.values[rows], value.colnames)
    return drop_unused(Factor(value.codes[rows], value.levels, value.ordered, value.logical))


def column_parts(terms: TermList, values: Mapping[str, Value]) -> list[tuple[Part, ...]]:
    """The parts of every column of R's model matrix of ``terms``, in column order."""
    columns: list[tuple[Part, ...]] = [()] if terms.intercept else []
    for term, codes in zip(terms.terms, term_codes(terms, values), strict=True):
        choices = []
        for label, code in zip(term.labels, codes, strict=True):
            value = values[label]
            if isinstance(value, Numeric):
                width = 1 if value.values.ndim == 1 else value.values.shape[1]
                suffixes = list(value.colnames) if value.colnames else [""] * width
            elif code == 2:
                suffixes = list(value.levels)
            elif value.ordered:
                suffixes = contr_poly_names(len(value.levels))
            else:
                suffixes = list(value.levels[1:])
            choices.append([Part(label, s) for s in suffixes])
        # R varies the first variable fastest.
        for combo in itertools.product(*reversed(choices)):
            columns.append(tuple(reversed(combo)))
    return columns


def _constant(value: Value, factor: _Factor) -> bool:
    x = value.codes if isinstance(value, Factor) else value.values
    _, first = np.unique(factor.codes, return_index=True)
    reference = x[first][factor.codes]
    return bool(np.all(x == reference))


def _factors(groups: Iterable[GroupBlock]) -> list[_Factor]:
    out: dict[str, _Factor] = {}
    for block in groups:
        out.setdefault(block.group, _Factor(block.group, block.J, block.n_levels))
    if len(out) > len(GROUP_LETTERS):
        raise ModelError(
            f"equations() writes at most {len(GROUP_LETTERS)} grouping factors; "
            f"the formula has {len(out)}."
        )
    return list(out.values())


def _classify(
    values: Mapping[str, Value], factors: Sequence[_Factor], varying: set[str]
) -> dict[str, Variable]:
    out = {}
    for label, value in values.items():
        within = [f for f in factors if _constant(value, f)]
        home = min(within, key=lambda f: f.n_levels).name if within else None
        level = 1 if home is None or label in varying else 2
        out[label] = Variable(label, level, home)
    return out


def _trials(bt: Any) -> str | None:
    add = bt.addition("trials")
    if add is None or not add.call.args:
        return None
    node = strip_parens(add.call.args[0].value)
    return format_r_number(node.value) if isinstance(node, Number) else deparse(node)


def model_levels(
    formula: Any, data: pd.DataFrame | Mapping[str, Any], family: str = "gaussian"
) -> ModelLevels:
    """Read the levels, betas and gammas of a flat brms formula on its data.

    Parameters
    ----------
    formula
        A brms formula string or ``bf()`` formula with mu as the only predicted parameter.
    data
        The data the model is fitted to.
    family
        The family's name: it decides which addition terms the formula may have
        (``trials()`` for binomial models).

    Returns
    -------
    ModelLevels
        Variables with their levels, the betas, one level-2 block per grouping factor.
    """
    frame = as_frame(data)
    design = build_design(formula, frame, family=family)
    bt = design.state.terms
    if len(bt.dpars) > 1:
        raise ModelError(
            f"equations() writes models in which only mu has predictors; '{bt.dpars[1].dpar}' "
            "has its own formula here."
        )
    dp = bt.dpars[0]
    for group in dp.groups:
        if group.mm is not None:
            raise ModelError(
                f"equations() cannot write the multi-membership term of '{group.group}'."
            )
    evaluator = Evaluator(frame, bt.source)
    nodes = list(dp.fixed.variables()) + [v for g in dp.groups for v in g.coefs.variables()]
    values = {deparse(v): _subset(evaluator.value(v), design.rows) for v in nodes}
    factors = _factors(design.groups)
    coef_parts: dict[tuple[str, str], tuple[Part, ...]] = {}
    for group in dp.groups:
        for parts in column_parts(group.coefs, values):
            coef_parts[(group.group, coef_name(parts))] = parts
    varying = {p.variable for parts in coef_parts.values() for p in parts}
    variables = _classify(values, factors, varying)
    return _assemble(
        design,
        bt,
        values=values,
        factors=factors,
        variables=variables,
        coef_parts=coef_parts,
        frame=frame,
    )


def _assemble(
    design: Any,
    bt: Any,
    *,
    values: Mapping[str, Value],
    factors: Sequence[_Factor],
    variables: Mapping[str, Variable],
    coef_parts: Mapping[tuple[str, str], tuple[Part, ...]],
    frame: pd.DataFrame,
) -> ModelLevels:
    columns = column_parts(bt.dpars[0].fixed, values)
    names = tuple(coef_name(parts) for parts in columns)
    if names != design.fixed[0].columns:  # pragma: no cover - guards the formula layer
        raise RuntimeError(
            f"Column parts {names} disagree with the design's columns {design.fixed[0].columns}."
        )
    keys: dict[frozenset[Part], Beta] = {}

    def beta(parts: tuple[Part, ...]) -> Beta:
        key = frozenset(parts)
        if key not in keys:
            p = 0 if not parts else sum(1 for k in keys if k) + 1
            keys[key] = Beta(p, coef_name(parts), parts)
        return keys[key]

    gammas: dict[int, list[tuple[Gamma, str | None]]] = {}
    homes: dict[int, set[str]] = {}
    predictors: dict[str, tuple[Part, ...]] = {}
    order = [f.name for f in factors]
    for parts in columns:
        level1 = tuple(p for p in parts if variables[p.variable].level == 1)
        level2 = tuple(p for p in parts if variables[p.variable].level == 2)
        b = beta(level1)
        found = gammas.setdefault(b.index, [])
        home = None
        if level2:
            predictors[column_label(level2)] = level2
            home = min((variables[p.variable].group or "" for p in level2), key=order.index)
            homes.setdefault(b.index, set()).add(home)
        q = sum(1 for g, _ in found if g.q > 0) + 1 if level2 else 0
        found.append(
            (Gamma(q, column_label(level2) if level2 else None, b_name(coef_name(parts))), home)
        )
    varies: dict[int, set[str]] = {}
    covariances: dict[str, list[Covariance]] = {}
    for block in design.groups:
        ids = [beta(coef_parts[(block.group, c)]).index for c in block.coefs]
        for p, coef in zip(ids, block.coefs, strict=True):
            if block.group in varies.get(p, set()):
                raise FormulaTermError(
                    f"'{coef}' varies by {block.group} in two group-level terms; brms does not "
                    "allow duplicated group-level effects, so keep one of them.",
                    bt.source,
                )
            varies.setdefault(p, set()).add(block.group)
        covariances.setdefault(block.group, []).append(_covariance(block, ids))
    betas = tuple(sorted(keys.values(), key=lambda b: b.index))
    blocks = _blocks(
        betas, factors, gammas=gammas, homes=homes, varies=varies, covariances=covariances
    )
    offsets = tuple(deparse(node) for node in bt.dpars[0].fixed.offsets)
    return ModelLevels(
        formula=bt.source,
        response=design.response.name,
        trials=_trials(bt),
        offsets=offsets,
        variables=dict(variables),
        betas=betas,
        blocks=blocks,
        predictors=predictors,
        columns=tuple(map(str, frame.columns)),
        fixed=dict(bt.fixed_dpars),
    )


def _covariance(block: GroupBlock, ids: Sequence[int]) -> Covariance:
    order = sorted(range(len(ids)), key=lambda m: ids[m])
    sd = tuple(sd_name(block.group, block.coefs[m]) for m in order)
    cor = []
    if block.cor and len(ids) > 1:
        for j in range(1, len(order)):
            for i in range(j):
                first, second = sorted((order[i], order[j]))
                name = cor_name(block.group, block.coefs[first], block.coefs[second])
                cor.append((ids[order[i]], ids[order[j]], name))
    return Covariance(tuple(ids[m] for m in order), sd, tuple(cor))


def _blocks(
    betas: Sequence[Beta],
    factors: Sequence[_Factor],
    *,
    gammas: Mapping[int, list[tuple[Gamma, str | None]]],
    homes: Mapping[int, set[str]],
    varies: Mapping[int, set[str]],
    covariances: Mapping[str, list[Covariance]],
) -> tuple[Level2Block, ...]:
    names: list[str | None] = [f.name for f in factors] or [None]
    placed: dict[str | None, list[Level2Equation]] = {name: [] for name in names}
    for b in betas:
        belongs = homes.get(b.index, set()) | varies.get(b.index, set())
        where = [name for name in names if name in belongs] or names[:1]
        for name in where:
            own = [
                g
                for g, home in gammas.get(b.index, [])
                if home == name or (home is None and name == where[0])
            ]
            own.sort(key=lambda g: g.q)
            placed[name].append(
                Level2Equation(b.index, b.term, tuple(own), name in varies.get(b.index, set()))
            )
    return tuple(
        Level2Block(
            group=name,
            letter=GROUP_LETTERS[k] if name is not None else "",
            n_levels=factors[k].n_levels if name is not None else 0,
            equations=tuple(placed[name]),
            covariance=tuple(covariances.get(name, [])) if name is not None else (),
        )
        for k, name in enumerate(names)
    )


__all__ = [
    "Beta",
    "Covariance",
    "Gamma",
    "Level2Block",
    "Level2Equation",
    "ModelLevels",
    "Part",
    "Variable",
    "column_label",
    "column_parts",
    "coef_name",
    "model_levels",
]
