"""brms's reading of a formula for a ``mixture()`` family: one mu per component.

brms applies the main formula to every component's ``mu<k>`` that has no formula of its own
(``bf(y ~ x, mu2 ~ z)``: ``mu1 ~ x``, ``mu2 ~ z``), so the design has no block of ``mu``
itself. The mixing proportions are predicted for all components but one (``theta2 ~ w``),
fixed for all of them (``theta1 = 1, theta2 = 2``, normalized to sum to one, as brms's
``pfix`` shows them), or neither. :func:`mixture_terms` makes these changes and brms's checks
on the :class:`~.brmsterms.BrmsTerms` of a formula; the family is read by its ``dpars`` and
``components`` so that no backend import is needed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...errors import FormulaTermError, ModelError
from ..brmsterms import BrmsTerms, DparTerms

__all__ = ["is_mixture_family", "mixture_terms"]


def is_mixture_family(family: Any) -> bool:
    """Whether ``family`` is a mixture (an object with ``components``)."""
    return bool(getattr(family, "components", None))


def _copy(main: DparTerms, dpar: str) -> DparTerms:
    """The main formula as component ``dpar``'s (``mu2``), its group terms included."""
    return replace(
        main,
        dpar=dpar,
        groups=tuple(replace(g, dpar=dpar) for g in main.groups),
        name_span=None,
    )


def mixture_terms(bt: BrmsTerms, family: Any) -> BrmsTerms:
    """The terms of a mixture model: ``mu<k>`` blocks first, then the other dpars in order.

    Raises
    ------
    FormulaTermError
        For a formula of ``mu`` itself (brms's message).
    ModelError
        When some but not all (or all) mixing proportions are predicted, or some but not all
        are fixed (brms's messages).
    """
    nmix = len(family.components)
    for dp in bt.dpars[1:]:
        if dp.dpar == "mu":
            raise FormulaTermError(
                "The parameter 'mu' is not a valid distributional or non-linear parameter. "
                "Did you forget to set 'nl = TRUE'?",
                dp.source or None,
                dp.name_span,
            )
    main = bt.dpars[0]
    own = {dp.dpar: dp for dp in bt.dpars[1:]}
    mus = [own.get(f"mu{k}") or _copy(main, f"mu{k}") for k in range(1, nmix + 1)]
    rest = [dp for dp in bt.dpars[1:] if not any(dp is m for m in mus)]
    thetas = [f"theta{k}" for k in range(1, nmix + 1)]
    predicted = [t for t in thetas if t in own]
    if predicted and len(predicted) != nmix - 1:
        raise ModelError("Can only predict all but one mixing proportion.")
    fixed = dict(bt.fixed_dpars)
    given = [t for t in thetas if t in fixed]
    if given and not predicted:
        if len(given) != nmix:
            raise ModelError("Can only fix no or all mixing proportions.")
        total = sum(float(fixed[t]) for t in thetas)
        if not total > 0:
            raise ModelError("The fixed mixing proportions must sum to a positive number.")
        fixed.update({t: float(fixed[t]) / total for t in thetas})
    return replace(bt, dpars=(*mus, *rest), fixed_dpars=fixed)
