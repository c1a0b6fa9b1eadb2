"""Validation of user priors against a model's prior rows.

A user prior must name a row of the model's prior table (see :mod:`prior_rows`); otherwise the
error says what the model has instead, e.g.::

    The prior for class 'b' names coefficient 'agee', which the model lacks; its coefficients
    are: Days.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.families.registry import Family
from brmsjax.backend.priors.parse import prior_display
from brmsjax.backend.priors.rows import (
    PriorRow,
    category_dpars,
    is_categorical,
    predicted_dpars,
    scalar_dpars,
)
from brmsjax.backend.priors.special import SPECIAL
from brmsjax.formula.design.ir import Design
from brmsjax.formula.errors import PriorError

if TYPE_CHECKING:
    from brmsjax.backend.priors.user import Prior

Key = tuple[str, str, str, str, str, str]

LKJ = frozenset({"lkj", "lkj_corr_cholesky"})
_POSITIVE_SUPPORT = frozenset(
    {
        "exponential",
        "gamma",
        "inv_gamma",
        "lognormal",
        "chi_square",
        "inv_chi_square",
        "weibull",
        "frechet",
    }
)


def _support(spec: PriorSpec) -> tuple[float, float]:
    if spec.dist in _POSITIVE_SUPPORT:
        return 0.0, math.inf
    if spec.dist == "beta":
        return 0.0, 1.0
    if spec.dist == "uniform":
        return spec.args[0], spec.args[1]
    return -math.inf, math.inf


def _interval(lo: float, hi: float) -> str:
    return f"[{lo:g}, {hi:g}]"


def check_bounds(spec: PriorSpec, lb: float | None, ub: float | None, where: str) -> PriorSpec:
    """Attach a parameter's bounds to its prior after checking that they fit together.

    Parameters
    ----------
    spec
        The prior (its own bounds are ignored).
    lb, ub
        The parameter's bounds.
    where
        The parameter as messages name it (``"class 'sigma'"``).
    """
    lo = -math.inf if lb is None else lb
    hi = math.inf if ub is None else ub
    if spec.dist in LKJ:
        raise PriorError(
            f"The prior '{spec}' for {where} is an lkj prior, which applies only to class "
            "'cor'; use a prior for a single value such as 'normal(0, 10)'."
        )
    if spec.dist == "constant":
        if not lo <= spec.args[0] <= hi:
            raise PriorError(
                f"The prior '{spec}' for {where} fixes it outside its bounds "
                f"{_interval(lo, hi)}; use a value inside them."
            )
    elif spec.dist != "flat":
        s_lo, s_hi = _support(spec)
        if s_lo >= hi or s_hi <= lo:
            raise PriorError(
                f"The prior '{spec}' for {where} has support {_interval(s_lo, s_hi)}, outside "
                f"the parameter's bounds {_interval(lo, hi)}; choose a prior that covers them."
            )
        if math.isinf(lo) and math.isinf(hi) and (math.isfinite(s_lo) or math.isfinite(s_hi)):
            hint = (
                "set lb/ub on the class-level prior of class 'b' to match, or use"
                if "class 'b'" in where
                else "use"
            )
            raise PriorError(
                f"The prior '{spec}' for {where} has support {_interval(s_lo, s_hi)}, but the "
                f"parameter is unbounded; {hint} a prior on the whole real line."
            )
    return PriorSpec(spec.dist, spec.args, lb, ub)


def _names(values: Sequence[str]) -> str:
    return ", ".join(dict.fromkeys(values)) or "none"


def _lacks(
    p: Prior, cls: str, what: str, value: str, have: Sequence[str], *, extra: str = ""
) -> None:
    dpar = f" and dpar '{p.dpar}'" if p.dpar else ""
    plural = {"coefficient": "coefficients", "group": "groups"}[what]
    raise PriorError(
        f"The prior for class '{cls}'{dpar} names {what} '{value}'{extra}, which the model "
        f"lacks; its {plural} are: {_names(have)}."
    )


def _check_one(p: Prior, cls: str, dpar: str, design: Design) -> None:
    """Raise a specific error for a user prior whose key matches no row."""
    if cls == "b":
        if p.group:
            raise PriorError(f"Priors of class 'b' take no group; drop group='{p.group}'.")
        block = design.block(dpar)
        _lacks(p, cls, "coefficient", p.coef, block.slope_columns if block else ())
    if cls == "sd":
        mine = [g for g in design.groups if dpar in g.dpars]
        groups = [g.group for g in mine]
        if not p.group:
            raise PriorError(
                f"The prior for class 'sd' names coefficient '{p.coef}' but no group; set "
                f"group to one of: {_names(groups)}."
            )
        if p.group not in groups:
            _lacks(p, cls, "group", p.group, groups)
        coefs = [
            c
            for g in mine
            if g.group == p.group
            for c, d in zip(g.coefs, g.dpars, strict=True)
            if d == dpar
        ]
        _lacks(p, cls, "coefficient", p.coef, coefs, extra=f" in group '{p.group}'")
    if cls == "sds" and p.coef and not p.group:
        terms = [sm.term for sm in design.smooths if sm.dpar == dpar]
        _lacks(p, cls, "coefficient", p.coef, terms)
    if cls == "cor":
        if p.coef:
            raise PriorError(
                f"Priors of class 'cor' apply to whole correlation matrices; drop coef='{p.coef}'."
            )
        groups = [g.group for g in design.groups if g.cor and g.M > 1]
        raise PriorError(
            f"The prior for class 'cor' names group '{p.group}', which has no correlated "
            f"group-level effects; groups with correlations: {_names(groups)}."
        )
    mu = design.block(dpar)
    if cls == "Intercept" and p.coef and not p.group and mu is not None and mu.thresholds:
        _lacks(p, cls, "coefficient", p.coef, [str(k) for k in range(1, mu.thresholds + 1)])
    extra = "coef" if p.coef else "group"
    raise PriorError(
        f"Priors of class '{cls}' take no coef or group; drop {extra}='{p.coef or p.group}'."
    )


def _check_class(
    p: Prior, cls: str, dpar: str, *, design: Design, family: Family, rows: Sequence[PriorRow]
) -> None:
    """Raise if the model has no class ``cls`` for ``dpar``."""
    if p.resp:
        raise PriorError(
            f"The prior for class '{cls}' names response '{p.resp}', but the model has one "
            f"response ('{design.response.name}'); leave resp empty."
        )
    if p.nlpar:
        raise PriorError(
            f"The prior for class '{cls}' names non-linear parameter '{p.nlpar}', but the "
            "model has none; leave nlpar empty."
        )
    predicted = predicted_dpars(design)
    if dpar and dpar not in predicted:
        if dpar in design.fixed_dpars:
            raise PriorError(
                f"The prior names dpar '{dpar}', which the formula fixes to "
                f"{design.fixed_dpars[dpar]:g}; it takes no prior."
            )
        if dpar in scalar_dpars(design, family):
            raise PriorError(
                f"The prior names dpar '{dpar}', which has no formula; set its prior with "
                f"class_='{dpar}' and no dpar."
            )
        have = category_dpars(design, family) or ("mu",)
        raise PriorError(
            f"The model has no distributional parameter '{dpar}'; its parameters are: "
            f"{_names([*have, *family.dpars])}."
        )
    classes = [r.class_ for r in rows if r.dpar == dpar]
    if cls in classes:
        return
    if not dpar and cls in predicted:
        raise PriorError(
            f"'{cls}' is predicted by a formula; set its priors with class_='Intercept' or "
            f"class_='b' and dpar='{cls}'."
        )
    if not dpar and cls in design.fixed_dpars:
        raise PriorError(
            f"'{cls}' is fixed to {design.fixed_dpars[cls]:g} by the formula; it takes no prior."
        )
    of = f" for dpar '{dpar}'" if dpar else ""
    raise PriorError(
        f"The model has no parameters of class '{cls}'{of}; its classes are: "
        f"{_names(sorted(classes, key=str.lower))}."
    )


def check_user_priors(
    priors: Sequence[Prior], rows: Sequence[PriorRow], design: Design, family: Family
) -> dict[Key, Prior]:
    """Match user priors to the model's prior rows, keyed by the row key.

    Raises
    ------
    PriorError
        For a prior naming something the model lacks, two priors for the same row, bounds
        outside class-level ``b``, or a ``cor`` prior that is not lkj.
    """
    keys = {r.key for r in rows}
    chosen: dict[Key, Prior] = {}
    for p in priors:
        cls = "cor" if p.class_ == "L" else p.class_
        dpar = "" if p.dpar == "mu" else p.dpar
        key: Key = (cls, p.coef, p.group, p.resp, dpar, p.nlpar)
        if key not in keys:
            _check_class(p, cls, dpar, design=design, family=family, rows=rows)
            _check_one(p, cls, dpar, design)
        if p.lb is not None or p.ub is not None:
            if cls != "b" and cls not in family.dpars:
                raise PriorError(
                    f"Bounds (lb, ub) can only be set on priors of class 'b' or of a family "
                    f"parameter such as 'sigma'; class '{cls}' has fixed bounds."
                )
            if p.coef:
                raise PriorError(
                    "Bounds (lb, ub) apply to a whole class; set them on the class-level "
                    f"prior of class 'b' instead of on coefficient '{p.coef}'."
                )
        if cls in ("cor", "corme", "lncor") and p.spec.dist not in LKJ:
            raise PriorError(
                f"The prior for class '{cls}' is '{p.spec}'; correlation matrices take an lkj "
                "prior such as 'lkj(2)'."
            )
        if cls not in ("cor", "corme", "lncor") and p.spec.dist in LKJ:
            raise PriorError(
                f"The prior for class '{cls}' is '{p.spec}', but lkj priors apply only to "
                "class 'cor'; use a prior for single values such as 'normal(0, 10)'."
            )
        if key in chosen:
            raise PriorError(
                f"Two priors are given for the same parameters ({chosen[key]}, and {p}); keep one."
            )
        chosen[key] = p
    check_special(chosen, categorical=is_categorical(design, family))
    return chosen


def check_special(chosen: Mapping[Key, Prior], categorical: bool) -> None:
    """brms's checks of where a shrinkage prior may stand (``validate_prior_special``).

    Only on the whole class ``b`` of mu (brms also allows a predicted dpar's ``b``, which
    brmsjax does not support yet), without bounds and without priors on single coefficients.

    Raises
    ------
    PriorError
        With brms's message: ``Prior 'horseshoe(1)' is used in an invalid context. ...``.
    """
    for (cls, coef, _group, _resp, dpar, _nlpar), p in chosen.items():
        if p.spec.dist not in SPECIAL:
            continue
        shown = prior_display(p.prior)
        if cls != "b" or coef:
            raise PriorError(
                f"Prior '{shown}' is used in an invalid context. See ?set_prior for details on "
                "how to use special priors."
            )
        if p.lb is not None or p.ub is not None:
            raise PriorError("Cannot add bounds to class 'b' for this prior.")
        if dpar or categorical:
            where = f"dpar '{dpar}'" if dpar else "a categorical model"
            raise PriorError(
                f"The prior '{shown}' on class 'b' of {where} is not supported yet in brmsjax "
                "(brms allows it); brmsjax takes shrinkage priors on the coefficients of mu only."
            )
        mine = [
            q
            for (c2, coef2, _, _, d2, _), q in chosen.items()
            if c2 == "b" and coef2 and d2 == dpar and q.prior.strip()
        ]
        if mine:
            raise PriorError(
                "Defining separate priors for single coefficients is not allowed when using "
                "special priors for the whole set of coefficients (except for the Intercept)."
            )
