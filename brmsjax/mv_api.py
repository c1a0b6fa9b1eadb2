"""The user API's multivariate path: design, family, priors and standata of ``mvbind()`` and
``bf() + bf()`` models (see :mod:`brmsjax.formula.design.mv.ir_mv`).

:func:`brmsjax.api.brm`, :func:`~brmsjax.api.get_prior` and :func:`~brmsjax.api.make_standata`
hand a multivariate formula here; the lowering, sampling and the fit object are shared with
univariate models.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from brmsjax.backend.families.mv import MvFamily, mv_family
from brmsjax.backend.families.registry import Family, get_family
from brmsjax.backend.priors.mv import mv_prior_table, resolve_mv_priors
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.mv.mv_design import build_mv_design
from brmsjax.formula.design.mv.mv_standata import mv_standata
from brmsjax.formula.design.special.missing import observed
from brmsjax.formula.errors import ModelError
from brmsjax.formula.terms.mv import is_multivariate

__all__ = ["is_multivariate", "mv_design_for", "mv_get_prior", "mv_make_standata", "mv_priors"]


def mv_design_for(formula: Any, data: Any, family: str | Family) -> tuple[Design, MvFamily]:
    """The flat design of a multivariate formula and its :class:`MvFamily`, the responses
    checked against their families."""
    fam = get_family(family)
    design = build_mv_design(formula, data, family=fam)
    mv = design.mv
    members = [get_family(f) for f in mv.families]
    for d, f in zip(mv.designs, members, strict=True):
        y = observed(d.response.y, d.missing)  # mi(): the missing responses are parameters
        f.check_response(d.response.name, y, d.response.levels, d.response.addition)
    if design.N < 2:
        raise ModelError(
            f"The model has {design.N} usable row; it needs at least 2 rows without missing values."
        )
    return design, mv_family(mv.responses, members, mv.rescor)


def mv_priors(design: Design, family: MvFamily, prior: Any) -> dict[str, Any]:
    """The resolved priors of the flat design's parameters."""
    return resolve_mv_priors(design, family, prior)


def mv_get_prior(formula: Any, data: Any, family: str | Family, prior: Any) -> pd.DataFrame:
    """brms's ``get_prior()`` of a multivariate model (with its ``resp`` column)."""
    design, fam = mv_design_for(formula, data, family)
    return mv_prior_table(design, fam, prior)


def mv_make_standata(formula: Any, data: Any, family: str | Family) -> dict[str, Any]:
    """brms's ``make_standata()`` of a multivariate model."""
    design, fam = mv_design_for(formula, data, family)
    return mv_standata(design, fam.members)
