"""brms's ``bf()``: a formula with its distributional formulas, fixed parameters and options.

:func:`bf` builds a :class:`BrmsFormula` in Python; :func:`from_bf_call` reads a ``bf()`` call
written in a formula text. :func:`~brmsjax.formula.terms.brmsterms.brms_terms` then reads
either into model terms. ``DPAR_NAMES`` are the distributional parameters brms accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import FormulaSyntaxError, FormulaTermError
from ..syntax.ast import Call, Formula, Node, Number, UnaryOp, strip_parens
from .mv_formula import add_formula
from .nlf import LfPart, NlfPart, nlf_text
from .nonlinear import nl_flag
from .options import OPTION_NAMES, FormulaOptions, options_from_kwargs
from .readers.mecor import MecorSpec

__all__ = [
    "DPAR_NAMES",
    "BrmsFormula",
    "bf",
    "from_bf_call",
    "is_category_dpar_name",
    "is_dpar_name",
]

# Distributional parameter names that brms accepts on the left of a dpar formula.
DPAR_NAMES = (
    "mu",
    "sigma",
    "shape",
    "nu",
    "phi",
    "kappa",
    "beta",
    "zi",
    "hu",
    "zoi",
    "coi",
    "disc",
    "alpha",
    "ndt",
    "bs",
    "bias",
    "quantile",
    "xi",
    "theta",
)


def is_dpar_name(name: str) -> bool:
    """Whether ``name`` is a distributional parameter's: one of :data:`DPAR_NAMES`, or one with
    a mixture component's number (``mu2``, ``sigma1``, ``theta3``; brms's ``dpar_class``)."""
    return name.rstrip("0123456789") in DPAR_NAMES


def is_category_dpar_name(name: str) -> bool:
    """Whether ``name`` may be a category's sd (logistic_normal's ``sigmap2``, brms's
    ``sigma<cat>``); the family and the response's categories check it later."""
    return name.startswith("sigma") and len(name) > len("sigma") and not is_dpar_name(name)


def normalize_thetas(fixed: Mapping[str, float]) -> dict[str, float]:
    """Fixed mixing proportions scaled to sum to one where two or more are given, as brms's
    ``bf(y ~ x, theta1 = 1, theta2 = 2)`` stores them (1/3 and 2/3)."""
    out = dict(fixed)
    thetas = [k for k in out if k.startswith("theta") and k[5:].isdigit()]
    total = sum(float(out[k]) for k in thetas)
    if len(thetas) > 1 and total > 0:
        out.update({k: float(out[k]) / total for k in thetas})
    return out


@dataclass(frozen=True)
class BrmsFormula:
    """A brms formula with optional distributional formulas, as made by :func:`bf`.

    Attributes
    ----------
    formulas
        The main formula text, then one text per predicted dpar (``"sigma ~ x"``).
    fixed
        Distributional parameters fixed to constants (``nu = 4``).
    options
        brms's formula options (``center = FALSE``), see :mod:`.options`.
    autocor
        brms's ``autocor`` formula (``"~ ar(time = t, gr = g)"``), or None.
    nl
        Whether the main formula is non-linear (brms's ``nl = TRUE``).
    """

    formulas: tuple[str, ...]
    fixed: Mapping[str, float] = field(default_factory=dict)
    options: FormulaOptions = FormulaOptions()
    autocor: str | None = None
    nl: bool = False
    #: The response's family in a multivariate model (brms's ``bf(y ~ x, family = ...)``).
    family: Any = None
    #: The parameters whose formulas are non-linear (brms's ``+ nlf(sigma ~ ...)``).
    nlf: tuple[str, ...] = ()

    def __add__(self, other: Any) -> Any:
        """``bf(y1 ~ x) + bf(y2 ~ x) + set_rescor(TRUE)``: a multivariate formula;
        ``bf(...) + set_mecor(FALSE)``: the formula with uncorrelated ``me()`` terms."""
        if isinstance(other, MecorSpec):
            return replace(self, options=replace(self.options, mecor=other.mecor))
        if isinstance(other, LfPart | NlfPart):  # + lf(a ~ 1), + nlf(sigma ~ a * x)
            return other.add_to(self)
        return add_formula(self, other)

    def __str__(self) -> str:
        args = [*self.formulas, *(f"{k} = {v:g}" for k, v in self.fixed.items())]
        args += self.options.r_args()
        if self.autocor is not None:
            args.append(f"autocor = {self.autocor}")
        args += ["nl = TRUE"] if self.nl else []
        if self.nlf:  # bf(...) + nlf(sigma ~ ...) + lf(...)
            n = len(self.formulas)
            return nlf_text(self.formulas[1:], [args[0], *args[n:]], self.nlf)
        return f"bf({', '.join(args)})"


def bf(
    formula: str,
    *dpar_formulas: str,
    autocor: str | None = None,
    nl: bool = False,
    family: Any = None,
    **fixed: Any,
) -> BrmsFormula:
    """Build a brms formula, as brms's ``bf()``.

    Parameters
    ----------
    formula
        The main formula, e.g. ``"y ~ x + (1 | g)"``.
    *dpar_formulas
        Formulas of distributional (``"sigma ~ x"``) or non-linear parameters (``"a ~ 1"``).
    autocor
        brms's autocorrelation formula, e.g. ``"~ ar(time = t, gr = g, p = 1)"``; the same as
        adding the term to the formula.
    nl
        Read the main formula as non-linear (``bf("y ~ a * exp(-b * x)", "a ~ 1", "b ~ 1")``).
    family
        The response's family in a multivariate model (``bf("y2 ~ x", family="poisson")``).
    **fixed
        Distributional parameters fixed to a constant, e.g. ``nu=4``; and brms's options
        ``center``, ``cmc`` (True or False) and ``decomp`` (``"none"`` or ``"QR"``).

    Examples
    --------
    >>> print(bf("y ~ x + (1 | g)", "sigma ~ x", center=False))
    bf(y ~ x + (1 | g), sigma ~ x, center = FALSE)
    """
    for text in (formula, *dpar_formulas):
        if not isinstance(text, str):
            raise TypeError(f"bf() takes formulas as strings, not {type(text).__name__}.")
    options = options_from_kwargs(fixed)
    fixed = {k: v for k, v in fixed.items() if k not in OPTION_NAMES}
    for name, value in fixed.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FormulaTermError(
                f"bf() argument '{name}' must be a number that fixes the parameter, not {value!r}."
            )
    fixed = normalize_thetas(fixed)
    return BrmsFormula((formula, *dpar_formulas), dict(fixed), options, autocor, bool(nl), family)


def _number(node: Node) -> float | None:
    inner = strip_parens(node)
    if isinstance(inner, Number):
        return inner.value
    if isinstance(inner, UnaryOp) and inner.op == "-" and isinstance(inner.operand, Number):
        return -inner.operand.value
    return None


def from_bf_call(
    call: Call, source: str
) -> tuple[list[tuple[Formula, str]], dict[str, float], bool]:
    """Read a ``bf()``/``brmsformula()`` call of a formula text: its formulas (each with the
    source text its spans point into), the distributional parameters it fixes to constants, and
    ``nl``. Options (``center``, ...) and ``autocor`` are read elsewhere."""
    formulas: list[tuple[Formula, str]] = []
    fixed: dict[str, float] = {}
    nl = False
    for arg in call.args:
        if arg.name is None:
            if isinstance(arg.value, Call) and arg.value.func == "nlf":
                raise FormulaTermError(
                    "nlf() is not supported here (in multivariate formulas and update()) "
                    "by brmsjax; write the model's own bf() + nlf() formula.",
                    source,
                    arg.span,
                )
            if not isinstance(arg.value, Formula):
                raise FormulaTermError(
                    f"{call.func}() takes formulas such as sigma ~ x; this argument is not one.",
                    source,
                    arg.span,
                )
            formulas.append((arg.value, source))
            continue
        if arg.name in {"formula", "flist"} and isinstance(arg.value, Formula):
            formulas.append((arg.value, source))
            continue
        if arg.name in OPTION_NAMES:  # read by options_from_call
            continue
        if arg.name == "autocor" and isinstance(arg.value, Formula):
            continue  # read by autocor.model_arma
        if arg.name == "nl":
            nl = nl_flag(arg, call.func, source)
            continue
        value = _number(arg.value)
        if is_dpar_name(arg.name) and value is not None:
            fixed[arg.name] = value
            continue
        raise FormulaTermError(
            f"The {call.func}() argument '{arg.name}' is not supported yet.", source, arg.span
        )
    if not formulas:
        raise FormulaSyntaxError(f"{call.func}() needs a formula such as y ~ x.", source, call.span)
    return formulas, normalize_thetas(fixed), nl
