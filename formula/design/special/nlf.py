"""Design data of ``nlf()`` formulas: distributional parameters predicted non-linearly.

``bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a + b ~ 1)``: the non-linear parameters ``a`` and
``b`` are blocks of ``Design.fixed`` as those of ``nl = TRUE`` are (uncentred, ``X_a``), and
sigma's expression gets its covariates as brms's ``C_sigma_1, ...`` (:class:`NlfDpar`, one per
parameter in ``Design.nlf``). brms writes a parameter's covariates where its formula stands
among the parameters' formulas: after the data of the linear formulas before it, before the
non-linear parameters' data (:func:`with_nlf_standata`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...evaluate.values import Value
from ...terms.brmsterms import BrmsTerms
from ...terms.nlf import model_nlpars
from .nonlinear import covariates_matrix

__all__ = ["NlfDpar", "nlf_covariates", "nlf_design", "with_nlf_standata"]


@dataclass(frozen=True)
class NlfDpar:
    """A distributional parameter predicted by a non-linear expression (``nlf()``).

    Attributes
    ----------
    dpar
        The parameter (``sigma``); its family link applies to the expression's value.
    expr
        The checked expression (a syntax tree of :mod:`brmsjax.formula.syntax.ast`).
    nlpars
        The model's non-linear parameters, each a block of ``Design.fixed``.
    covariates
        The expression's data columns, brms's ``C_<dpar>_1``, ...
    C
        ``(N, len(covariates))`` float64 values of the covariates.
    position
        How many linear formulas of parameters other than mu precede this one.
    """

    dpar: str
    expr: Any
    nlpars: tuple[str, ...]
    covariates: tuple[str, ...]
    C: np.ndarray
    position: int


def nlf_covariates(bt: BrmsTerms, values: Mapping[str, Value], n: int) -> dict[str, np.ndarray]:
    """``(n, k)`` covariates of each ``nlf()`` parameter's expression, by parameter."""
    return {t.dpar: covariates_matrix(bt, values, n, t.terms) for t in bt.nlf}


def nlf_design(bt: BrmsTerms, values: Mapping[str, Value], n: int) -> tuple[NlfDpar, ...]:
    """The :class:`NlfDpar` of each ``nlf()`` formula of the model (none without them)."""
    C = nlf_covariates(bt, values, n)
    return tuple(
        NlfDpar(t.dpar, t.terms.expr, t.terms.nlpars, t.terms.covariates, C[t.dpar], t.position)
        for t in bt.nlf
    )


def with_nlf_standata(out: Mapping[str, Any], design: Any) -> dict[str, Any]:
    """``make_standata``'s fields with each ``nlf()`` parameter's ``C_<dpar>_k`` in brms's place:
    before the data of the ``position``-th linear parameter other than mu (its ``K_<dpar>``),
    else before the first non-linear parameter's ``K_<nlpar>``."""
    nlfs: tuple[NlfDpar, ...] = getattr(design, "nlf", ())
    if not nlfs:
        return dict(out)
    own = set(model_nlpars(design.state.terms))
    linear = [b.dpar for b in design.fixed if b.dpar and b.dpar not in own]
    first_nlpar = next(b.dpar for b in design.fixed if b.dpar in own)
    inserts: dict[str, dict[str, Any]] = {}
    for d in nlfs:
        anchor = f"K_{linear[d.position] if d.position < len(linear) else first_nlpar}"
        fields = inserts.setdefault(anchor, {})
        for k in range(len(d.covariates)):
            fields[f"C_{d.dpar}_{k + 1}"] = d.C[:, k]
    result: dict[str, Any] = {}
    for key, value in out.items():
        result.update(inserts.pop(key, {}))
        result[key] = value
    return result
