"""Priors of non-linear parameters (``prior(normal(200, 50), nlpar = "phi1")``).

A non-linear parameter is a block of the design like a predicted dpar's, so the prior rows,
their checks and their resolution treat it as one: inside this package a prior's ``nlpar`` is
moved to ``dpar`` (:func:`internal_priors`), and only brms's printed table shows the rows under
``nlpar`` again, in brms's order (:func:`shown_rows`). brms's own check, that a non-linear
parameter needs a proper prior somewhere (brms 2.18 refuses to build the model otherwise), is
:func:`check_nlpar_priors`; brms runs it when it builds the model, not in ``get_prior``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from brmsjax.backend.priors.rows import PriorRow
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import PriorError

if TYPE_CHECKING:
    from brmsjax.backend.priors.user import Prior

__all__ = ["check_nlpar_priors", "internal_priors", "nlpars", "shown_rows"]


def nlpars(design: Design) -> tuple[str, ...]:
    """The design's non-linear parameters (none unless ``nl = TRUE`` or ``nlf()``)."""
    if design.nonlinear is not None:
        return design.nonlinear.nlpars
    return tuple(design.nlf[0].nlpars) if design.nlf else ()


def internal_priors(priors: Sequence[Prior], design: Design) -> list[Prior]:
    """The user's priors with ``nlpar`` moved to ``dpar``, as the rows key them internally.

    Raises
    ------
    PriorError
        For a prior naming a non-linear parameter that a non-linear model lacks.
    """
    own = nlpars(design)
    if not own:
        return list(priors)
    out = []
    for p in priors:
        if p.nlpar:
            if p.nlpar not in own:
                raise PriorError(
                    f"The prior names non-linear parameter '{p.nlpar}', which the model "
                    f"lacks; its non-linear parameters are: {', '.join(own)}."
                )
            out.append(replace(p, dpar=p.nlpar, nlpar=""))
        else:
            out.append(p)
    return out


def shown_rows(rows: Sequence[PriorRow], design: Design) -> list[tuple[PriorRow, PriorRow]]:
    """``(row, shown row)`` pairs: the rows of non-linear parameters shown under ``nlpar``,
    all in brms's order of the shown rows."""
    own = set(nlpars(design))
    pairs = [
        (row, replace(row, dpar="", nlpar=row.dpar) if row.dpar in own else row) for row in rows
    ]
    return sorted(pairs, key=lambda pair: pair[1].sort_key())


def check_nlpar_priors(design: Design, priors: Mapping[str, Any]) -> None:
    """brms's check that every non-linear parameter has a proper prior among its rows.

    brms (``validate_prior_special``) requires some non-flat prior among the rows of each
    non-linear parameter: a prior on its coefficients, or the default of its group-level
    standard deviations where it has group-level terms. ``priors`` are the resolved priors by
    parameter name (``b_<nlpar>``: one prior per coefficient).

    Raises
    ------
    PriorError
        With brms's message, for the first non-linear parameter without one.
    """
    for nlpar in nlpars(design):
        if any(nlpar in g.dpars for g in design.groups):
            continue
        entry = priors.get(f"b_{nlpar}")
        specs = getattr(entry, "specs", ())
        if not any(getattr(s, "dist", "flat") != "flat" for s in specs):
            raise PriorError(
                "Priors on population-level coefficients are required in non-linear models, "
                f"but none were found for parameter '{nlpar}'. See help(set_prior) for more "
                "details."
            )
