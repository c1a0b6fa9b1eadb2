"""brms's ``gp()`` term: reading the call's arguments as brms 2.18's ``gp()`` does.

``gp(x1, x2, by = f, k = 20, c = 5/4, cov = "exp_quad", iso = TRUE, gr = TRUE, cmc = TRUE,
scale = TRUE)`` is a Gaussian process over the covariates ``x1, x2``. Without ``k`` it is the
exact GP (a latent value per unique covariate point, O(N^3) per gradient); with ``k`` it is the
Hilbert-space approximation with ``k`` basis functions per dimension on ``[-L, L]``, ``L = c *
max(1, range)`` (brms's ``choose_L``). Only ``cov = "exp_quad"`` exists in brms 2.18.

The term's names follow brms's ``tidy_gpef``: the label is ``"gp"`` plus the renamed
covariates pasted together, plus the renamed ``by`` variable (``gp(x1, x2, by = f)`` ->
``gpx1x2f``); a factor ``by`` adds a suffix per level (``gpx1x2fa``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import FormulaTermError
from ..syntax.ast import BinOp, Call, Name, Node, String, strip_parens
from ..syntax.parse import deparse
from ..terms.additions import constant_value
from .matrix import brms_rename

__all__ = ["GpTerm", "gp_term", "numeric_constant"]

_OPTIONS = ("by", "k", "cov", "iso", "gr", "cmc", "scale", "c")


@dataclass(frozen=True)
class GpTerm:
    """One ``gp()`` term as brms's ``gp()`` returns it.

    Attributes
    ----------
    covars
        The covariate expressions (``x1``, ``x2``).
    by
        The ``by`` variable, or None.
    k
        Basis functions per dimension of the approximate GP, None for the exact GP.
    c
        The boundary factors, one per covariate (approximate GP only, else ``()``).
    iso, gr, cmc, scale
        brms's flags (``iso`` is True for one covariate whatever was given).
    label
        brms's label (``gpx1x2`` or ``gpx1f`` with ``by = f``), before any level suffix.
    call
        The ``gp()`` call (for carets).
    """

    covars: tuple[Node, ...]
    by: Node | None
    k: int | None
    c: tuple[float, ...]
    iso: bool
    gr: bool
    cmc: bool
    scale: bool
    label: str
    call: Call


def numeric_constant(node: Node) -> float | None:
    """A number written as a constant or an arithmetic of constants (``5/4``, ``-1``)."""
    inner = strip_parens(node)
    value = constant_value(inner)
    if value is not None:
        return value
    if isinstance(inner, BinOp) and inner.op in {"+", "-", "*", "/", "^"}:
        left, right = numeric_constant(inner.left), numeric_constant(inner.right)
        if left is None or right is None:
            return None
        if inner.op == "+":
            return left + right
        if inner.op == "-":
            return left - right
        if inner.op == "*":
            return left * right
        if inner.op == "^":
            return float(left**right)
        return left / right if right != 0 else math.copysign(math.inf, left)
    return None


def _flag(name: str, node: Node, source: str) -> bool:
    value = constant_value(node)
    if value not in (0.0, 1.0):
        raise FormulaTermError(f"gp({name} = ) must be TRUE or FALSE.", source, node.span)
    return value == 1.0


def _c_values(node: Node, source: str) -> tuple[float, ...]:
    inner = strip_parens(node)
    parts = list(inner.positional) if isinstance(inner, Call) and inner.func == "c" else [inner]
    values = []
    for part in parts:
        value = numeric_constant(part)
        if value is None:
            raise FormulaTermError("gp(c = ) must be a number such as 5/4.", source, part.span)
        values.append(value)
    return tuple(values)


def gp_term(call: Call, source: str) -> GpTerm:
    """Read a ``gp()`` call with brms's defaults and checks (brms's messages where it has them).

    Raises
    ------
    FormulaTermError
        For an unknown argument, no covariate, a covariance other than ``"exp_quad"``, a
        ``k`` below 1, an approximate GP without ``c``, or ``c`` of the wrong length or sign.
    """
    covars = call.positional
    if not covars:
        raise FormulaTermError("gp() needs at least one covariate, as in gp(x).", source, call.span)
    kw = call.keywords
    for arg in call.args:
        if arg.name is not None and arg.name not in _OPTIONS:
            raise FormulaTermError(
                f"gp() has no argument '{arg.name}'; its arguments are the covariates and "
                f"{', '.join(_OPTIONS)}.",
                source,
                arg.span,
            )
    if "cov" in kw:
        cov = strip_parens(kw["cov"])
        if not (isinstance(cov, String) and cov.value == "exp_quad"):
            raise FormulaTermError(
                '\'arg\' should be one of "exp_quad": brms 2.18\'s gp() has only cov = "exp_quad".',
                source,
                kw["cov"].span,
            )
    flags = {
        name: _flag(name, kw[name], source) if name in kw else True
        for name in ("iso", "gr", "cmc", "scale")
    }
    if len(covars) == 1:
        flags["iso"] = True
    k: int | None = None
    c: tuple[float, ...] = ()
    k_node = kw.get("k")
    k_value = None if k_node is None else numeric_constant(k_node)
    if k_node is not None and not (k_value is not None and math.isnan(k_value)):
        if k_value is None:
            raise FormulaTermError("gp(k = ) must be a number.", source, k_node.span)
        k = int(k_value)
        if k < 1:
            raise FormulaTermError("'k' must be positive.", source, k_node.span)
        if "c" not in kw:
            raise FormulaTermError(
                "'c' must be specified for approximate GPs. A good default could be c = 5/4 "
                "but we are still working on providing better recommendations.",
                source,
                call.span,
            )
        c = _c_values(kw["c"], source)
        if len(c) == 1:
            c = c * len(covars)
        if len(c) != len(covars):
            raise FormulaTermError(
                "'c' must be of the same length as the number of covariates.",
                source,
                kw["c"].span,
            )
        if any(v <= 0 for v in c):
            raise FormulaTermError("'c' must be positive.", source, kw["c"].span)
    by = kw.get("by")
    if by is not None:
        inner = strip_parens(by)
        if isinstance(inner, Name) and inner.name in {"NA", "NULL"}:
            by = None
    label = "gp" + brms_rename("".join(deparse(v) for v in covars))
    if by is not None:
        label += brms_rename(deparse(by))
    return GpTerm(
        covars=tuple(covars),
        by=by,
        k=k,
        c=c,
        iso=flags["iso"],
        gr=flags["gr"],
        cmc=flags["cmc"],
        scale=flags["scale"],
        label=label,
        call=call,
    )
