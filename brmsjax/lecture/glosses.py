"""The parameter table of a model in level notation, with a plain-language gloss per row.

Each gamma, phi, rho and family parameter gets its symbol, its brms parameter name and a short
meaning generated from the structure: ``gamma_00`` is the "Expected score when all covariates
are zero", ``gamma_0q`` the "Baseline effect of size" (the effect when the level-1 covariates
are zero), ``gamma_p0`` the "Baseline effect of age" (when the level-2 predictors are zero) and
``gamma_pq`` the "Effect of size on the age slope".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from brmsjax.lecture.levels import Level2Block, Level2Equation, ModelLevels, Part
from brmsjax.lecture.notation import Style, family_notation, index


class EquationsLike(Protocol):
    """What the glosses read of a model in level notation.

    The shape of :class:`~brmsjax.lecture.equations.Equations`, whose module imports this one.
    """

    @property
    def levels(self) -> ModelLevels:
        """The model's structure."""
        ...

    @property
    def family(self) -> str:
        """brms family name."""
        ...

    @property
    def link(self) -> str:
        """Link of the mean."""
        ...

    @property
    def labels(self) -> Mapping[str, str]:
        """Display names of variables."""
        ...

    @property
    def blocks(self) -> tuple[Level2Block, ...]:
        """One level-2 block per grouping factor."""
        ...

    @property
    def level2(self) -> tuple[Level2Equation, ...]:
        """The level-2 equations."""
        ...


# (ASCII name, symbol, LaTeX, brms name, kind, group, meaning)
Row = tuple[str, str, str, str, str, str, str]


def _display(eq: EquationsLike, parts: tuple[Part, ...]) -> str:
    return " × ".join(
        eq.labels.get(p.variable, p.variable) + (f"[{p.suffix}]" if p.suffix else "") for p in parts
    )


def _slope(eq: EquationsLike, beta: int) -> str:
    if beta == 0:
        return "intercept"
    parts = next(b.parts for b in eq.levels.betas if b.index == beta)
    return f"{_display(eq, parts)} slope"


def _gamma_meaning(eq: EquationsLike, beta: int, predictor: str | None) -> str:
    response = eq.labels.get(eq.levels.response, eq.levels.response)
    if beta == 0 and predictor is None:
        scale = "" if eq.link == "identity" else f" on the {eq.link} scale"
        return f"Expected {response}{scale} when all covariates are zero"
    if predictor is None:
        parts = next(b.parts for b in eq.levels.betas if b.index == beta)
        return f"Baseline effect of {_display(eq, parts)}"
    what = _display(eq, eq.levels.predictors[predictor])
    if beta == 0:
        return f"Baseline effect of {what}"
    return f"Effect of {what} on the {_slope(eq, beta)}"


def _variance_rows(eq: EquationsLike, block: Level2Block, latex: Style, text: Style) -> list[Row]:
    several = len(eq.blocks) > 1
    sup = f"({block.letter})" if several else ""
    tag = f"[{block.group}]" if several else ""
    group = block.group or ""
    between = f"Between-{eq.labels.get(group, group)}"
    rows: list[Row] = []
    for cov in block.covariance:
        for p, name in zip(cov.betas, cov.sd, strict=True):
            rows.append(
                (
                    f"phi_{p}{tag}",
                    text.sym("phi", str(p), sup),
                    latex.sym("phi", str(p), sup),
                    name,
                    "phi",
                    group,
                    f"{between} SD of the {_slope(eq, p)}",
                )
            )
    for cov in block.covariance:
        for a, b, name in cov.cor:
            rows.append(
                (
                    f"rho_{index(a, b)}{tag}",
                    text.sym("rho", index(a, b), sup),
                    latex.sym("rho", index(a, b), sup),
                    name,
                    "rho",
                    group,
                    f"{between} correlation of the {_slope(eq, a)} and the {_slope(eq, b)}",
                )
            )
    return rows


def table_rows(eq: EquationsLike) -> list[Row]:
    """The rows of :meth:`Equations.table`: gammas by (p, q), then phi and rho per factor, then
    the family's parameters."""
    latex, text = Style(unicode=False), Style(unicode=True)
    gammas = sorted(
        ((e.beta, g) for e in eq.level2 for g in e.gammas), key=lambda item: (item[0], item[1].q)
    )
    rows: list[Row] = [
        (
            f"gamma_{index(p, g.q)}",
            text.sym("gamma", index(p, g.q)),
            latex.sym("gamma", index(p, g.q)),
            g.name,
            "gamma",
            "",
            _gamma_meaning(eq, p, g.predictor),
        )
        for p, g in gammas
    ]
    for block in eq.blocks:
        rows += _variance_rows(eq, block, latex, text)
    for name, symbol, meaning in family_notation(eq.family).aux:
        if name in eq.levels.fixed:
            continue
        rows.append((name, text.sym(symbol), latex.sym(symbol), name, name, "", meaning))
    return rows


__all__ = ["Row", "table_rows"]
