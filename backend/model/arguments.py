"""Checks of the fitting arguments that several entry points take, with one wording each.

``brm`` (:mod:`brmsjax.api`), the NUTS driver (:func:`brmsjax.backend.infer.nuts.sample`),
the approximations (:mod:`brmsjax.backend.infer.approx`) and :func:`~brmsjax.backend.model.
lower.lower` all take some of ``chains``, ``iter``, ``seed``, ``control`` and ``sample_prior``;
each checks them here, so a bad value gets the same message whichever entry point saw it first.
:func:`check_family` checks a design against the family ``lower`` is given.
The module sits in ``model/`` rather than ``infer/`` because ``lower`` checks ``sample_prior``
and ``model/`` never imports ``infer/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from brmsjax.backend.families.registry import Family
from brmsjax.backend.priors.nonlinear import nlpars
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import ModelError
from brmsjax.formula.terms.family_terms.family_checks import addition_terms, family_summary

__all__ = [
    "CONTROL_DEFAULTS",
    "SAMPLE_PRIOR",
    "check_control",
    "check_family",
    "check_int",
    "check_sample_prior",
]

#: brms's ``control`` settings that brmsjax honours, with brms's defaults.
CONTROL_DEFAULTS: dict[str, Any] = {"adapt_delta": 0.8, "max_treedepth": 10}
#: The values of ``sample_prior``, as brms's.
SAMPLE_PRIOR = ("no", "yes", "only")


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` as an ``int`` when it is a whole number of at least ``minimum``.

    Python and NumPy integers pass; ``bool``, floats (``2.0`` too) and anything else raise a
    :class:`ModelError` naming the argument ``name``.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ModelError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return int(value)


def check_control(control: Mapping[str, Any] | None) -> dict[str, Any]:
    """brms's ``control`` list checked and completed with its defaults.

    Returns
    -------
    dict
        ``{"adapt_delta": float in (0, 1), "max_treedepth": int >= 1}``.

    Raises
    ------
    ModelError
        At the first setting brmsjax does not know, or a value out of range.
    """
    out = dict(CONTROL_DEFAULTS)
    for key, value in (control or {}).items():
        if key not in CONTROL_DEFAULTS:
            raise ModelError(
                f"Unknown control setting '{key}'; brmsjax supports: {', '.join(CONTROL_DEFAULTS)}."
            )
        out[key] = value
    delta = out["adapt_delta"]
    if isinstance(delta, bool) or not isinstance(delta, int | float) or not 0 < delta < 1:
        raise ModelError(f"control['adapt_delta'] must be between 0 and 1, not {delta!r}.")
    out["adapt_delta"] = float(delta)
    out["max_treedepth"] = check_int("control['max_treedepth']", out["max_treedepth"], 1)
    return out


def check_sample_prior(sample_prior: object) -> str:
    """``sample_prior`` when it is one of :data:`SAMPLE_PRIOR`, else a :class:`ModelError`."""
    if not isinstance(sample_prior, str) or sample_prior not in SAMPLE_PRIOR:
        raise ModelError(f"sample_prior must be 'no', 'yes' or 'only', not {sample_prior!r}.")
    return sample_prior


def check_family(design: Design, family: Family) -> None:
    """Refuse a design whose addition data or predicted parameters the family lacks.

    The design of :func:`~brmsjax.formula.design.design.build_design` is checked against its
    family already; a design built for another family (or none) would otherwise lower with
    the terms silently ignored or the parameters sampled without a likelihood.
    """
    summary = family_summary(family.name, family.link)
    for term in addition_terms(design.response.addition):
        if term not in family.ad:
            raise ModelError(f"Argument '{term}' is not supported for family '{summary}'.")
        if term not in family.implemented_additions:
            raise ModelError(
                f"Argument '{term}' of family '{summary}' is not supported yet in brmsjax "
                "(brms allows it); remove it from the formula."
            )
    valid = {"", *family.dpars, *nlpars(design)}
    valid |= set(getattr(family, "responses", ()))  # a multivariate model's mu predictors
    predicted = [b.dpar for b in design.fixed] + [d for g in design.groups for d in g.dpars]
    for dpar in predicted:
        if dpar not in valid and not (family.kind == "categorical" and dpar.startswith("mu")):
            raise ModelError(
                f"The parameter '{dpar}' is not a valid distributional or non-linear "
                "parameter. Did you forget to set 'nl = TRUE'?"
            )
