"""Symbols of the level notation in LaTeX and in plain Unicode, and the family lines.

The seed lecture writes a two-level model as ``S_{ik} \\sim \\text{Norm}(\\mu_{ik}, \\sigma)``,
``\\beta_{0k} = \\gamma_{00} + \\gamma_{01} \\text{Size}_k + \\eta_{0k}``, ... This module turns
the pieces of such equations (Greek symbols with subscripts, data variables, distributions,
links and matrices) into LaTeX that both MathJax and matplotlib's mathtext render, or into
Unicode text with subscript characters. :data:`FAMILIES` is the table of likelihood lines: one
:class:`FamilyNotation` per family, so that a new family is one new row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from brmsjax.formula.errors import ModelError

# (LaTeX, Unicode) of each symbol name used in the equations.
GREEK = {
    "beta": (r"\beta", "β"),
    "gamma": (r"\gamma", "γ"),
    "eta": (r"\eta", "η"),
    "phi": (r"\phi", "ϕ"),
    "rho": (r"\rho", "ρ"),
    "mu": (r"\mu", "μ"),
    "sigma": (r"\sigma", "σ"),
    "nu": (r"\nu", "ν"),
    "lambda": (r"\lambda", "λ"),
    "Phi": (r"\Phi", "Φ"),
    "P": ("P", "P"),
    "p": ("p", "p"),
}
# Letters that index the levels of the 1st, 2nd, ... grouping factor (``i`` is the observation).
GROUP_LETTERS = "klmnjhst"
_SUB = str.maketrans("0123456789aehijklmnoprstuvx()", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ₍₎")
_SUP = str.maketrans("0123456789()klmnjhstT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾ᵏˡᵐⁿʲʰˢᵗᵀ")
# Characters escaped inside \text{...}; ^, ~ and \ leave text mode (mathtext has no text form).
_TEXT_ESCAPES = {
    "_": r"\_",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "&": r"\&",
    "{": r"\{",
    "}": r"\}",
    "^": r"}{}^\wedge\text{",
    "~": r"}{\sim}\text{",
    "\\": r"}\backslash\text{",
}


@dataclass(frozen=True)
class FamilyNotation:
    """How a family's likelihood line is written.

    Attributes
    ----------
    name
        brms family name.
    distribution
        Name of the distribution in the likelihood line (``"Norm"``).
    mean
        Symbol of the parameter that the linear predictor models (``"mu"``, ``"p"``).
    args
        Arguments of the distribution in order: ``"mean"``, ``"trials"`` or an auxiliary
        parameter's brms name (``"sigma"``).
    aux
        Auxiliary parameters as ``(brms name, symbol, meaning)``.
    link
        brms's default link of the mean.
    """

    name: str
    distribution: str
    mean: str
    args: tuple[str, ...]
    aux: tuple[tuple[str, str, str], ...] = ()
    link: str = "identity"


_SIGMA = ("sigma", "sigma", "Residual standard deviation")
FAMILIES = {
    "gaussian": FamilyNotation("gaussian", "Norm", "mu", ("mean", "sigma"), (_SIGMA,)),
    "student": FamilyNotation(
        "student",
        "StudentT",
        "mu",
        ("nu", "mean", "sigma"),
        (_SIGMA, ("nu", "nu", "Degrees of freedom of the Student-t distribution")),
    ),
    "poisson": FamilyNotation("poisson", "Poisson", "lambda", ("mean",), link="log"),
    "bernoulli": FamilyNotation("bernoulli", "Bernoulli", "p", ("mean",), link="logit"),
    "binomial": FamilyNotation("binomial", "Binomial", "p", ("trials", "mean"), link="logit"),
}


def family_notation(name: str) -> FamilyNotation:
    """The notation of the family ``name``, or a :class:`ModelError` naming the known ones."""
    if name not in FAMILIES:
        raise ModelError(
            f"equations() has no likelihood line for the family '{name}'; it writes: "
            f"{', '.join(sorted(FAMILIES))}."
        )
    return FAMILIES[name]


def index(*numbers: int) -> str:
    """Subscript digits of a coefficient: ``01``, or ``1,10`` once a number has two digits."""
    parts = [str(n) for n in numbers]
    return ",".join(parts) if any(len(p) > 1 for p in parts) else "".join(parts)


def latex_text(label: str) -> str:
    r"""``label`` as upright text: ``\text{cltype[small]}`` with LaTeX's special characters
    escaped."""
    body = "".join(_TEXT_ESCAPES.get(ch, ch) for ch in label)
    return (r"\text{" + body + "}").replace(r"\text{}", "")


class Style:
    """Writes symbols in LaTeX (``unicode=False``) or plain Unicode (``unicode=True``).

    Parameters
    ----------
    unicode
        Whether to write Unicode text instead of LaTeX.
    """

    def __init__(self, unicode: bool) -> None:
        self.unicode = unicode
        self.sim = " ~ " if unicode else r" \sim "

    def sym(self, name: str, sub: str = "", sup: str = "") -> str:
        """A symbol with subscript and superscript: ``\\gamma_{01}`` or ``γ₀₁``."""
        base = GREEK[name][1 if self.unicode else 0] if name in GREEK else name
        return base + self.sub(sub) + self.sup(sup)

    def sub(self, text: str) -> str:
        """A subscript (empty text gives nothing)."""
        if not text:
            return ""
        if self.unicode:
            return text.translate(_SUB)
        return f"_{text}" if len(text) == 1 else f"_{{{text}}}"

    def sup(self, text: str) -> str:
        """A superscript (empty text gives nothing)."""
        if not text:
            return ""
        if self.unicode:
            return text.translate(_SUP)
        return f"^{text}" if len(text) == 1 else f"^{{{text}}}"

    def var(self, label: str, sub: str) -> str:
        """A data variable: ``\\text{Age}_i`` or ``Ageᵢ``; a one-letter label is italic."""
        if self.unicode:
            return label + self.sub(sub)
        body = (
            label
            if len(label) == 1 and label.isascii() and label.isalpha()
            else (latex_text(label))
        )
        return body + self.sub(sub)

    def op(self, name: str) -> str:
        """An operator name such as a distribution: ``\\text{Norm}`` or ``Norm``."""
        return name if self.unicode else latex_text(name)

    def link(self, link: str, mean: str) -> str:
        """The linear predictor's left-hand side: ``μᵢₖ``, ``\\log(\\lambda_{ik})``."""
        if link == "identity":
            return mean
        if self.unicode:
            return f"{link}({mean})"
        name = r"\log" if link == "log" else r"\operatorname{" + link + "}"
        return f"{name}({mean})"

    def vector(self, items: Sequence[str], bmatrix: bool) -> str:
        """A column vector (LaTeX only): ``bmatrix`` or mathtext-safe ``\\substack``."""
        return self.matrix([[item] for item in items], bmatrix)

    def matrix(self, rows: Sequence[Sequence[str]], bmatrix: bool) -> str:
        """A matrix (LaTeX only), as ``bmatrix`` or as ``\\substack`` columns in brackets."""
        if bmatrix:
            body = r" \\ ".join(" & ".join(row) for row in rows)
            return r"\begin{bmatrix} " + body + r" \end{bmatrix}"
        columns = [
            r"\substack{" + r" \\ ".join(row[j] for row in rows) + "}" for j in range(len(rows[0]))
        ]
        return r"\left[" + r" \quad ".join(columns) + r"\right]"


def text_matrix(lhs: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """``lhs = M`` as lines of Unicode text with bracket characters around the rows of M."""
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    body = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    n = len(rows)
    if n == 1:
        brackets = [("[", "]")]
    else:
        brackets = [("⎡", "⎤")] + [("⎢", "⎥")] * (n - 2) + [("⎣", "⎦")]
    middle = (n - 1) // 2
    prefix = f"{lhs} = "
    return [
        (prefix if i == middle else " " * len(prefix)) + left + line + right
        for i, (line, (left, right)) in enumerate(zip(body, brackets, strict=True))
    ]


__all__ = [
    "FAMILIES",
    "GREEK",
    "GROUP_LETTERS",
    "FamilyNotation",
    "Style",
    "family_notation",
    "index",
    "latex_text",
    "text_matrix",
]
