"""A flat brms formula written in the level notation of the seed lecture.

>>> eq = equations("Reaction ~ Days + (Days | Subject)", sleepstudy())   # doctest: +SKIP
>>> print(eq.text())                                                       # doctest: +SKIP
Reactionᵢₖ ~ Norm(μᵢₖ, σ)
μᵢₖ = β₀ₖ + β₁ₖ Daysᵢ
...

The structure (which variable is level 1 or 2, the betas, the gammas attached to each beta)
comes from :func:`brmsjax.lecture.levels.model_levels`; this module writes it as LaTeX (one
equation per line; matplotlib's mathtext renders every line), as Unicode text, and as a table
that maps every gamma, phi, rho and sigma to its brms parameter name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import pandas as pd

from brmsjax.formula.errors import ModelError
from brmsjax.formula.syntax.parse import format_r_number
from brmsjax.lecture.glosses import table_rows
from brmsjax.lecture.levels import Level2Block, Level2Equation, ModelLevels, Part, model_levels
from brmsjax.lecture.notation import Style, family_notation, index, text_matrix


class FamilyLike(Protocol):
    """A family object such as ``brmsjax.backend.families.registry.gaussian()``."""

    name: str
    link: str


@dataclass(frozen=True)
class Equations:
    """A model in level notation.

    Attributes
    ----------
    levels
        The structure: variables with their levels, betas, one level-2 block per factor.
    family
        brms family name.
    link
        Link of the mean.
    labels
        Display names of variables, the response and grouping factors (column names by default).
    """

    levels: ModelLevels
    family: str = "gaussian"
    link: str = "identity"
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def blocks(self) -> tuple[Level2Block, ...]:
        """One block of level-2 equations per grouping factor."""
        return self.levels.blocks

    @property
    def level2(self) -> tuple[Level2Equation, ...]:
        """All level-2 equations, block by block."""
        return tuple(eq for block in self.blocks for eq in block.equations)

    def relabel(self, labels: Mapping[str, str]) -> Equations:
        """The same equations with other display names (merged over the current ones)."""
        return replace(self, labels={**self.labels, **_check_labels(self.levels, labels)})

    # -- rendering -------------------------------------------------------------------------

    def _name(self, label: str) -> str:
        return self.labels.get(label, label)

    def _part(self, part: Part, style: Style) -> str:
        name = self._name(part.variable) + (f"[{part.suffix}]" if part.suffix else "")
        return style.var(name, self._subscript(part.variable))

    def _subscript(self, variable: str) -> str:
        info = self.levels.variables.get(variable)
        if info is None or info.group is None:
            return "i"
        return next(b.letter for b in self.blocks if b.group == info.group)

    def _obs(self) -> str:
        return "i" + "".join(b.letter for b in self.blocks)

    def _beta(self, eq: Level2Equation, block: Level2Block, style: Style) -> str:
        indexed = eq.varying or any(g.predictor for g in eq.gammas)
        return style.sym("beta", f"{eq.beta}{block.letter if indexed else ''}")

    def _likelihood(self, style: Style) -> str:
        fam = family_notation(self.family)
        obs = self._obs()
        args = []
        for arg in fam.args:
            if arg == "mean":
                args.append(style.sym(fam.mean, obs))
            elif arg == "trials":
                trials = self.levels.trials or "1"
                args.append(
                    trials
                    if trials[0].isdigit()
                    else style.var(self._name(trials), self._subscript(trials))
                )
            elif arg in self.levels.fixed:
                args.append(format_r_number(self.levels.fixed[arg]))
            else:
                args.append(style.sym(next(a[1] for a in fam.aux if a[0] == arg)))
        response = style.var(self._name(self.levels.response), obs)
        return f"{response}{style.sim}{style.op(fam.distribution)}({', '.join(args)})"

    def _level1(self, style: Style) -> str:
        fam = family_notation(self.family)
        terms = []
        for beta in self.levels.betas:
            syms = [
                self._beta(eq, block, style)
                for block in self.blocks
                for eq in block.equations
                if eq.beta == beta.index
            ]
            coef = " + ".join(syms)
            if beta.parts:
                coef = f"({coef})" if len(syms) > 1 else coef
                coef = " ".join([coef, *(self._part(p, style) for p in beta.parts)])
            terms.append(coef)
        terms += [style.var(self._name(o), "i") for o in self.levels.offsets]
        lhs = style.link(self.link, style.sym(fam.mean, self._obs()))
        return f"{lhs} = {' + '.join(terms) or '0'}"

    def _level2(self, eq: Level2Equation, block: Level2Block, style: Style) -> str:
        rhs = []
        for g in eq.gammas:
            gamma = style.sym("gamma", index(eq.beta, g.q))
            if g.predictor is not None:
                parts = self.levels.predictors[g.predictor]
                gamma = " ".join([gamma, *(self._part(p, style) for p in parts)])
            rhs.append(gamma)
        if eq.varying:
            rhs.append(style.sym("eta", f"{eq.beta}{block.letter}"))
        return f"{self._beta(eq, block, style)} = {' + '.join(rhs) or '0'}"

    def _sup(self, block: Level2Block) -> str:
        return f"({block.letter})" if len(self.blocks) > 1 else ""

    def _covariance(self, block: Level2Block, style: Style, bmatrix: bool) -> list[str]:
        sup = self._sup(block)
        lines: list[str] = []
        correlated = [c for c in block.covariance if c.correlated]
        for cov in block.covariance:
            phis = [style.sym("phi", str(p), sup) for p in cov.betas]
            etas = [style.sym("eta", f"{p}{block.letter}") for p in cov.betas]
            if not cov.correlated:
                lines += [
                    f"{eta}{style.sim}{style.op('Norm')}(0, {phi})"
                    for eta, phi in zip(etas, phis, strict=True)
                ]
                continue
            sub = str(correlated.index(cov) + 1) if len(correlated) > 1 else ""
            big_phi, big_p = style.sym("Phi", sub, sup), style.sym("P", sub, sup)
            m = len(cov.betas)
            rho = {(a, b): style.sym("rho", index(a, b), sup) for a, b, _ in cov.cor}
            phi_rows = [[phis[i] if i == j else "0" for j in range(m)] for i in range(m)]
            b = cov.betas
            p_rows = [
                ["1" if i == j else rho[(min(b[i], b[j]), max(b[i], b[j]))] for j in range(m)]
                for i in range(m)
            ]
            product = f"{big_phi} {big_p} {big_phi}"
            if style.unicode:
                lines.append(f"({', '.join(etas)})ᵀ ~ MVNorm(0, {product})")
                lines += text_matrix(big_phi, phi_rows) + text_matrix(big_p, p_rows)
                continue
            zeros = style.vector(["0"] * m, bmatrix)
            lines.append(
                f"{style.vector(etas, bmatrix)} \\sim {style.op('MVNorm')} "
                f"\\left({zeros}, {product} \\right)"
            )
            lines.append(f"{big_phi} = {style.matrix(phi_rows, bmatrix)}")
            lines.append(f"{big_p} = {style.matrix(p_rows, bmatrix)}")
        return lines

    def sections(self, unicode: bool = False, bmatrix: bool = False) -> list[list[str]]:
        """The lines of each section: likelihood and level 1, then each factor's block."""
        style = Style(unicode)
        out = [[self._likelihood(style), self._level1(style)]]
        for block in self.blocks:
            lines = [self._level2(eq, block, style) for eq in block.equations]
            out.append(lines + self._covariance(block, style, bmatrix))
        return out

    def latex(self, bmatrix: bool = False) -> str:
        r"""The equations as LaTeX, one equation per line, without ``$`` delimiters.

        Parameters
        ----------
        bmatrix
            Write matrices as ``\begin{bmatrix}`` (amsmath, MathJax) instead of the default
            ``\substack`` columns, which matplotlib's mathtext also renders.
        """
        return "\n".join(line for section in self.sections(bmatrix=bmatrix) for line in section)

    def text(self) -> str:
        """The equations as plain Unicode text, with a last line saying what each index counts."""
        sections = ["\n".join(s) for s in self.sections(unicode=True)]
        legend = ["i indexes observations"] + [
            f"{b.letter} indexes {self._name(b.group)} ({b.n_levels} levels)"
            for b in self.blocks
            if b.group is not None
        ]
        return "\n\n".join([*sections, "; ".join(legend) + "."])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Equations of {self.levels.formula}>"

    def _repr_latex_(self) -> str:
        lines = self.latex(bmatrix=True).split("\n")
        return (
            "$$\\begin{aligned}\n" + " \\\\\n".join(f"& {x}" for x in lines) + "\n\\end{aligned}$$"
        )

    def table(self) -> pd.DataFrame:
        """Each gamma, phi, rho and family parameter with its brms parameter name.

        Returns
        -------
        pandas.DataFrame
            Indexed by an ASCII name (``gamma_11``, ``phi_0``, ``rho_01``, ``sigma``; with
            several grouping factors ``phi_0[class]``), with columns ``symbol`` (Unicode),
            ``latex``, ``parameter`` (brms name), ``kind``, ``group`` and ``meaning``.
        """
        rows = table_rows(self)
        frame = pd.DataFrame(
            [r[1:] for r in rows],
            index=pd.Index([r[0] for r in rows]),
            columns=["symbol", "latex", "parameter", "kind", "group", "meaning"],
        )
        return frame


def _check_labels(levels: ModelLevels, labels: Mapping[str, str]) -> dict[str, str]:
    known = set(levels.variables) | set(levels.columns) | {levels.response}
    known |= {b.group for b in levels.blocks if b.group is not None} | set(levels.offsets)
    if levels.trials is not None:
        known.add(levels.trials)
    out = {}
    for key, value in labels.items():
        if key not in known:
            raise ModelError(
                f"labels names '{key}', which is neither a variable of the model nor a data "
                f"column; the model's variables are: {', '.join(sorted(levels.variables))}."
            )
        if not isinstance(value, str) or not value:
            raise ModelError(f"The label of '{key}' must be a non-empty string, not {value!r}.")
        out[key] = value
    return out


def _family(family: str | FamilyLike) -> tuple[str, str]:
    if isinstance(family, str):
        notation = family_notation(family.strip())
        return notation.name, notation.link
    name, link = getattr(family, "name", None), getattr(family, "link", None)
    if not isinstance(name, str) or not isinstance(link, str):
        raise ModelError(
            f"family must be a family name such as 'gaussian' or a family object with name and "
            f"link, not {family!r}."
        )
    return family_notation(name).name, link


def equations(
    formula: Any,
    data: pd.DataFrame | Mapping[str, Any],
    family: str | FamilyLike = "gaussian",
    labels: Mapping[str, str] | None = None,
) -> Equations:
    """Write a flat brms formula in level notation.

    Parameters
    ----------
    formula
        A brms formula string (or ``bf()`` formula) whose only predicted parameter is mu, e.g.
        ``"score ~ age*size + (age | class)"``.
    data
        The data the model is fitted to; each variable's level is read from it.
    family
        A family name (``"gaussian"``, ``"student"``, ``"poisson"``, ``"bernoulli"``,
        ``"binomial"``) or a family object with ``name`` and ``link``.
    labels
        Display names by variable, response or grouping factor, e.g.
        ``{"tblack": "TeacherBlack"}``; names default to the data's column names.

    Returns
    -------
    Equations
        The structure (``.level2``, ``.blocks``) and its renderings (``.latex()``,
        ``.text()``, ``.table()``).

    Raises
    ------
    ModelError
        The family has no notation, the formula predicts another parameter than mu, or a label
        names no variable.
    """
    name, link = _family(family)
    levels = model_levels(formula, data, name)
    return Equations(levels, name, link, _check_labels(levels, labels or {}))


__all__ = ["Equations", "FamilyLike", "equations"]
