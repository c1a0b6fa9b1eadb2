"""brms's checks of a formula against its family: addition terms, dpar formulas, fixed dpars.

brms refuses a formula that asks for something the family does not have, where brmsjax used
to ignore it and fit another model: an addition term outside the family's ``ad`` list
(``k | se(s) ~ x`` with poisson), a formula for a parameter the family lacks
(``bf(k ~ x, sigma ~ x)`` with poisson) and a fixed parameter that is unknown or out of its
bounds (``bf(y ~ x, sigma = -1)``). :func:`check_family_terms` makes those checks in brms's
order with brms's messages; :data:`FAMILY_ADDITIONS` is brms 2.18's ``ad`` list of every
family (R/family-lists.R, ``.family_<name>()``).

The family is read by its attributes (``name``, ``link``, ``dpars``, ``dpar_bounds``,
``kind``, ``implemented_additions``) so that this module needs no backend import; a family
given by name gets the addition check only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ...errors import FormulaTermError, ModelError
from ..brmsterms import BrmsTerms, se_fixes_sigma
from ..nlf import model_nlpars

_CONT = ("weights", "subset", "se", "cens", "trunc", "mi", "index")
_POS = ("weights", "subset", "cens", "trunc", "mi", "index")
_BINOM = ("weights", "subset", "trials", "cens", "trunc", "index")
_COUNT = ("weights", "subset", "cens", "trunc", "rate", "index")
_CENS = ("weights", "subset", "cens", "trunc", "index")
_PLAIN = ("weights", "subset", "index")
_ORD = ("weights", "subset", "thres", "cat", "index")

#: brms 2.18's allowed addition terms (``ad``) of each family, from R/family-lists.R.
FAMILY_ADDITIONS: Mapping[str, tuple[str, ...]] = {
    "gaussian": _CONT,
    "student": _CONT,
    "skew_normal": _CONT,
    "binomial": _BINOM,
    "beta_binomial": _BINOM,
    "bernoulli": _PLAIN,
    "categorical": _PLAIN,
    "multinomial": ("weights", "subset", "trials", "index"),
    "beta": _POS,
    "dirichlet": _PLAIN,
    "dirichlet2": _PLAIN,
    "logistic_normal": _PLAIN,
    "poisson": _COUNT,
    "negbinomial": _COUNT,
    "negbinomial2": _COUNT,
    "geometric": _COUNT,
    "discrete_weibull": _CENS,
    "com_poisson": _CENS,
    "gamma": _POS,
    "weibull": _POS,
    "exponential": _POS,
    "frechet": _POS,
    "inverse.gaussian": _POS,
    "lognormal": _POS,
    "shifted_lognormal": _POS,
    "exgaussian": _POS,
    "wiener": ("weights", "subset", "dec", "index"),
    "gen_extreme_value": _POS,
    "von_mises": _POS,
    "asym_laplace": _POS,
    "zero_inflated_asym_laplace": _CENS,
    "cox": _CENS,
    "cumulative": _ORD,
    "sratio": _ORD,
    "cratio": _ORD,
    "acat": _ORD,
    "hurdle_poisson": _CENS,
    "hurdle_negbinomial": _CENS,
    "hurdle_gamma": _CENS,
    "hurdle_lognormal": _CENS,
    "zero_inflated_poisson": _CENS,
    "zero_inflated_negbinomial": _CENS,
    "zero_inflated_binomial": _BINOM,
    "zero_inflated_beta_binomial": _BINOM,
    "zero_inflated_beta": _CENS,
    "zero_one_inflated_beta": _PLAIN,
}

#: The addition terms brms 2.18 checks against a family's ``ad`` list (its exported
#: ``resp_*`` functions), in the order brms checks them (alphabetical, as R's ``ls()``).
BRMS_ADDITIONS = (
    "cat",
    "cens",
    "dec",
    "index",
    "mi",
    "rate",
    "se",
    "subset",
    "thres",
    "trials",
    "trunc",
    "vint",
    "vreal",
    "weights",
)

# mu's default link of each brms 2.18 family whose default is not log (for a family given by
# name), from R/family-lists.R.
_DEFAULT_LINKS = {
    **dict.fromkeys(
        (
            "gaussian",
            "student",
            "skew_normal",
            "logistic_normal",
            "lognormal",
            "shifted_lognormal",
            "exgaussian",
            "wiener",
            "gen_extreme_value",
            "asym_laplace",
            "zero_inflated_asym_laplace",
            "hurdle_lognormal",
        ),
        "identity",
    ),
    **dict.fromkeys(
        (
            "binomial",
            "beta_binomial",
            "bernoulli",
            "categorical",
            "multinomial",
            "beta",
            "dirichlet",
            "discrete_weibull",
            "cumulative",
            "sratio",
            "cratio",
            "acat",
            "zero_inflated_binomial",
            "zero_inflated_beta_binomial",
            "zero_inflated_beta",
            "zero_one_inflated_beta",
        ),
        "logit",
    ),
    "inverse.gaussian": "1/mu^2",
    "von_mises": "tan_half",
}


def family_summary(name: str, link: str | None = None) -> str:
    """brms's ``summary(family)``: ``"poisson(log)"`` (mu's link; the default link for a name)."""
    link = link or _DEFAULT_LINKS.get(name, "log")
    return f"{name}({link})"


def _family_name(family: Any) -> tuple[str, str | None]:
    if family is None:
        return "gaussian", "identity"
    if isinstance(family, str):
        name = family.strip().lower()
        return name, None
    return str(family.name), getattr(family, "link", None)


#: True while the parts of a multivariate model are built: they may have subset() and index().
_MV_PART: ContextVar[bool] = ContextVar("mv_part", default=False)


@contextmanager
def multivariate_part() -> Iterator[None]:
    """Allow ``subset()`` and ``index()`` (multivariate models only in brmsjax) inside."""
    token = _MV_PART.set(True)
    try:
        yield
    finally:
        _MV_PART.reset(token)


def check_additions(bt: BrmsTerms, family: Any) -> None:
    """Refuse addition terms that the family does not allow (brms's ``terms_ad``).

    A term outside brms 2.18's ``ad`` list of the family raises brms's message; a term that
    brms allows but brmsjax does not implement for the family (``family.implemented_additions``,
    when the family is an object) says so instead of being ignored.

    Raises
    ------
    FormulaTermError
        With the source and a caret under the term.
    """
    name, link = _family_name(family)
    allowed = FAMILY_ADDITIONS.get(name)
    if allowed is None:
        return
    summary = family_summary(name, link)
    given = {a.name: a for a in bt.additions}
    for term in BRMS_ADDITIONS:
        add = given.get(term)
        if add is not None and term not in allowed:
            raise FormulaTermError(
                f"Argument '{term}' is not supported for family '{summary}'.",
                bt.source,
                add.call.span,
            )
    implemented = getattr(family, "implemented_additions", None)
    if implemented is None:
        return
    if _MV_PART.get():  # a part of a multivariate model (formula/design/mv/mv_subset.py)
        implemented = frozenset(implemented) | {"subset", "index"}
    for term in BRMS_ADDITIONS:
        add = given.get(term)
        if add is not None and term not in implemented:
            raise FormulaTermError(
                f"Argument '{term}' of family '{summary}' is not supported yet in brmsjax "
                "(brms allows it); remove it from the formula.",
                bt.source,
                add.call.span,
            )


def _valid_dpars(family: Any) -> tuple[str, ...] | None:
    dpars = getattr(family, "dpars", None)
    if dpars is None or isinstance(family, str):
        return None
    return ("mu", *dpars)


def check_dpars(bt: BrmsTerms, family: Any) -> None:
    """Refuse formulas and fixed values of parameters the family lacks (brms's ``brmsterms``).

    brms reads a formula of a parameter that is not one of the family's as a non-linear
    parameter, and refuses it as unused; fixed values of unknown parameters are refused too,
    and so is predicting or fixing sigma where ``se()`` fixes it to 0.
    """
    valid = _valid_dpars(family)
    if valid is None:
        return
    categorical = getattr(family, "kind", "") == "categorical"
    nlpars = model_nlpars(bt)
    for dp in bt.dpars:
        if dp.dpar in nlpars and dp.dpar in valid:
            raise FormulaTermError(
                f"The non-linear parameter '{dp.dpar}' has the name of a parameter of the "
                "family, for which brms reads its formula; give it another name.",
                dp.source or None,
                dp.name_span,
            )
    for nt in bt.nlf:  # brms reads nlf() of a parameter the family lacks as an unused nlpar
        if nt.dpar not in valid:
            raise FormulaTermError(
                f"The parameter '{nt.dpar}' is not a valid distributional or non-linear "
                "parameter. Did you forget to set 'nl = TRUE'?",
                nt.source,
                nt.name_span,
            )
    for dp in bt.dpars[0 if bt.nonlinear is not None else 1 :]:
        if (
            dp.dpar not in valid
            and dp.dpar not in nlpars
            and not (categorical and dp.dpar.startswith("mu"))
            and not (getattr(family, "name", "") == "logistic_normal" and dp.dpar[:5] == "sigma")
        ):
            raise FormulaTermError(
                f"The parameter '{dp.dpar}' is not a valid distributional or non-linear "
                "parameter. Did you forget to set 'nl = TRUE'?",
                dp.source or None,
                dp.name_span,
            )
    invalid = [d for d in bt.fixed_dpars if d not in valid]
    if invalid:
        raise FormulaTermError("Invalid fixed parameters: " + ", ".join(f"'{d}'" for d in invalid))
    if "sigma" in valid and se_fixes_sigma(bt):
        if "sigma" in bt.fixed_dpars or "sigma" in [d.dpar for d in bt.dpars] + [
            t.dpar for t in bt.nlf
        ]:
            raise FormulaTermError("Cannot predict or fix 'sigma' in this model.")


def check_fixed_values(
    fixed: Mapping[str, float], bounds: Mapping[str, tuple[float | None, float | None]]
) -> None:
    """Refuse fixed parameter values outside the family's bounds (brms's ``check_fdpars``).

    A parameter bounded below (sigma, shape, nu, phi, disc) must be positive and one bounded
    on both sides (zi, hu) between 0 and 1, as brms checks; brmsjax also refuses 0 for the
    former (Stan rejects a zero scale when sampling) and values that are not finite.

    Raises
    ------
    ModelError
        Naming the parameter, in brms's words.
    """
    for dpar, value in fixed.items():
        lb, ub = bounds.get(dpar, (None, None))
        if not math.isfinite(value):
            raise ModelError(f"Parameter '{dpar}' must be a finite number, not {value:g}.")
        if lb is not None and ub is not None and not lb <= value <= ub:
            raise ModelError(f"Parameter '{dpar}' must be between {lb:g} and {ub:g}.")
        if lb is not None and ub is None and not value > 0:
            raise ModelError(f"Parameter '{dpar}' must be positive.")


def check_family_terms(bt: BrmsTerms, family: Any) -> None:
    """All of brms's checks of the formula ``bt`` against ``family``, in brms's order.

    Addition terms first (:func:`check_additions`), then parameter formulas and fixed
    parameters (:func:`check_dpars`), then the fixed values (:func:`check_fixed_values`,
    where the family object has ``dpar_bounds``).
    """
    check_additions(bt, family)
    check_dpars(bt, family)
    bounds = getattr(family, "dpar_bounds", None)
    if bounds is not None and not isinstance(family, str):
        check_fixed_values(bt.fixed_dpars, bounds)


def addition_terms(keys: Iterable[str]) -> tuple[str, ...]:
    """The addition terms behind a design's addition data keys (``denom`` is ``rate()``)."""
    term = {"denom": "rate", "rcens": "cens", "lb": "trunc", "ub": "trunc"}
    return tuple(dict.fromkeys(term.get(k, k) for k in keys))


__all__ = [
    "BRMS_ADDITIONS",
    "FAMILY_ADDITIONS",
    "addition_terms",
    "check_additions",
    "check_dpars",
    "check_family_terms",
    "multivariate_part",
    "check_fixed_values",
    "family_summary",
]
