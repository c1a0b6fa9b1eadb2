"""``nlf()`` formulas: distributional parameters predicted by non-linear expressions.

``bf(y ~ x) + nlf(sigma ~ a * exp(b * z)) + lf(a + b ~ 1)``: the non-linear parameters are
predictors of the model like any parameter's (``eta["a"]``); each ``nlf()`` parameter's
predictor is its expression at them and its covariates (brms's ``C_sigma_1``), compiled as mu's
of ``nl = TRUE`` is (:func:`~.nonlinear.nonlinear_eta`). The family's link applies on top where
the parameters are taken to their natural scale (brms: ``sigma[n] = exp(...)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from jax import Array

from brmsjax.backend.model.terms.nonlinear import NonlinearPlan, nonlinear_eta
from brmsjax.backend.priors.nonlinear import check_nlpar_priors
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import ModelError

__all__ = ["NlfPlan", "nlf_data", "nlf_eta", "nlf_plans", "plan_nlf"]


@dataclass(frozen=True)
class NlfPlan:
    """The static part of one ``nlf()`` parameter (hashable: part of a program's structure).

    Attributes
    ----------
    dpar
        The parameter (``sigma``).
    plan
        Its expression, the model's non-linear parameters and the expression's covariates,
        the columns of the data's ``C_nlf[dpar]``.
    """

    dpar: str
    plan: NonlinearPlan


def nlf_plans(design: Design) -> tuple[NlfPlan, ...]:
    """The plans of a design's ``nlf()`` parameters (none without them)."""
    return tuple(
        NlfPlan(d.dpar, NonlinearPlan(d.expr, tuple(d.nlpars), tuple(d.covariates)))
        for d in design.nlf
    )


def nlf_data(design: Design) -> dict[str, np.ndarray]:
    """``(N, k)`` covariates of each ``nlf()`` parameter's expression, by parameter."""
    return {d.dpar: np.asarray(d.C, dtype=float) for d in design.nlf}


def plan_nlf(
    design: Design, family: Any, priors: Mapping[str, Any], data: dict[str, Any]
) -> tuple[NlfPlan, ...]:
    """Plan the ``nlf()`` parameters of a model being lowered: brms's check of the
    non-linear parameters' priors, and their covariates into ``data["C_nlf"]``.

    Raises
    ------
    ModelError
        For a mixture family (its components' parameters are not taken from predictors of
        this kind yet).
    PriorError
        With brms's message, for a non-linear parameter without a proper prior.
    """
    if not design.nlf:
        return ()
    if getattr(family, "components", None):
        raise ModelError("nlf() formulas in mixture models are not supported yet in brmsjax.")
    check_nlpar_priors(design, priors)
    data["C_nlf"] = nlf_data(design)
    return nlf_plans(design)


def nlf_eta(
    plans: tuple[NlfPlan, ...], eta: Mapping[str, Array], data: Mapping[str, Any]
) -> dict[str, Array]:
    """The predictors of the ``nlf()`` parameters from the other predictors ``eta`` (the
    non-linear parameters') and the covariates ``data["C_nlf"]``; empty without them."""
    if not plans:
        return {}
    return {p.dpar: nonlinear_eta(p.plan, eta, data["C_nlf"][p.dpar]) for p in plans}
