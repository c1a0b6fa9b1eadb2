"""Constructors of brms 2.18's further families (shifted_lognormal, inverse.gaussian, frechet,
asym_laplace, wiener, ...), with brms's arguments, default links and allowed links.

:mod:`.registry` lists them in :func:`~.registry.get_family` and re-exports them. This module
sits below it (no import back), so it keeps its own table of the links, bounds and default
priors of these families' dpars (brms 2.18's ``links_dpars``, ``dpar_bounds``, ``def_dprior``;
``ndt``'s upper bound ``min_Y`` is :attr:`Family.data_bounds`), with ``registry._make``'s
checks and messages.
"""

from __future__ import annotations

from brmsjax.backend.families.base import Family
from brmsjax.backend.families.beta_inflated import (
    ZeroInflatedBeta,
    ZeroInflatedBetaBinomial,
    ZeroOneInflatedBeta,
)
from brmsjax.backend.families.compositional.logistic_normal import LogisticNormal
from brmsjax.backend.families.compositional.multinomial import Dirichlet, Multinomial
from brmsjax.backend.families.continuous_more import (
    AsymLaplace,
    Frechet,
    InverseGaussian,
    ShiftedLognormal,
)
from brmsjax.backend.families.diffusion.wiener import Wiener
from brmsjax.backend.families.extreme_value import GenExtremeValue
from brmsjax.formula.errors import ModelError

__all__ = [
    "asym_laplace",
    "dirichlet",
    "frechet",
    "gen_extreme_value",
    "inverse_gaussian",
    "logistic_normal",
    "multinomial",
    "shifted_lognormal",
    "wiener",
    "zero_inflated_beta",
    "zero_inflated_beta_binomial",
    "zero_one_inflated_beta",
]

_REAL = ("identity", "log", "inverse", "softplus")
_POSITIVE = ("log", "identity", "inverse", "softplus")
_POS_LINKS = ("log", "identity", "softplus")
_PROB = ("logit", "probit", "probit_approx", "cloglog", "cauchit", "identity", "log")
_UNIT = ("logit", "identity")
Bounds = tuple[float | None, float | None]
# dpar -> (allowed links, bounds, default prior of the scalar; "" where the priors code
# computes it from the data: sigma's student_t, ndt's uniform(0, min_Y))
_DPARS: dict[str, tuple[tuple[str, ...], Bounds, str]] = {
    "sigma": (_POS_LINKS, (0.0, None), ""),
    "shape": (_POS_LINKS, (0.0, None), "gamma(0.01, 0.01)"),
    "nu": (("logm1", "identity"), (1.0, None), "gamma(2, 0.1)"),
    "ndt": (_POS_LINKS, (0.0, None), ""),
    "quantile": (_UNIT, (0.0, 1.0), "beta(1, 1)"),
    "phi": (_POS_LINKS, (0.0, None), "gamma(0.01, 0.01)"),
    "zi": (_UNIT, (0.0, 1.0), "beta(1, 1)"),
    "zoi": (_UNIT, (0.0, 1.0), "beta(1, 1)"),
    "coi": (_UNIT, (0.0, 1.0), "beta(1, 1)"),
    "xi": (("log1p", "identity"), (None, None), "normal(0, 2.5)"),
    "bs": (_POS_LINKS, (0.0, None), "gamma(1, 1)"),
    "bias": (_UNIT, (0.0, 1.0), "beta(1, 1)"),
}


def _make(
    cls: type[Family],
    name: str,
    link: str,
    allowed: tuple[str, ...],
    kind: str = "continuous",
    **links: str,
) -> Family:
    if not isinstance(link, str) or link not in allowed:
        raise ModelError(
            f"Link '{link}' is not allowed for family '{name}'; use one of: {', '.join(allowed)}."
        )
    for dpar, dlink in links.items():
        if dlink not in _DPARS[dpar][0]:
            raise ModelError(
                f"Link '{dlink}' is not allowed for '{dpar}' in family '{name}'; use one of: "
                f"{', '.join(_DPARS[dpar][0])}."
            )
    return cls(
        name=name,
        link=link,
        dpars=tuple(links),
        dpar_links=dict(links),
        dpar_bounds={d: _DPARS[d][1] for d in links},
        allowed_links=allowed,
        dpar_priors={d: _DPARS[d][2] for d in links if _DPARS[d][2]},
        kind=kind,
    )


def shifted_lognormal(
    link: str = "identity", link_sigma: str = "log", link_ndt: str = "log"
) -> Family:
    """``shifted_lognormal()``: ``y - ndt`` is lognormal; ``0 < ndt < min(y)``, whose prior is
    brms's ``uniform(0, min_Y)``."""
    return _make(
        ShiftedLognormal,
        "shifted_lognormal",
        link,
        ("identity", "inverse"),
        sigma=link_sigma,
        ndt=link_ndt,
    )


def wiener(
    link: str = "identity",
    link_bs: str = "log",
    link_ndt: str = "log",
    link_bias: str = "logit",
) -> Family:
    """``wiener()``: response times ``y | dec(d)`` of a drift diffusion model with drift mu,
    boundary separation bs (``gamma(1, 1)``), non-decision time ``0 < ndt < min(y)``
    (``uniform(0, min_Y)``) and initial bias (``beta(1, 1)``)."""
    return _make(
        Wiener,
        "wiener",
        link,
        ("identity", "log", "softplus"),
        bs=link_bs,
        ndt=link_ndt,
        bias=link_bias,
    )


def inverse_gaussian(link: str = "1/mu^2", link_shape: str = "log") -> Family:
    """R's ``inverse.gaussian()``: positive response with mean mu; shape ``gamma(0.01, 0.01)``."""
    return _make(
        InverseGaussian,
        "inverse.gaussian",
        link,
        ("1/mu^2", "inverse", "identity", "log", "softplus"),
        shape=link_shape,
    )


def frechet(link: str = "log", link_nu: str = "logm1") -> Family:
    """``frechet()``: positive response with mean mu; nu > 1 with prior ``gamma(2, 0.1)``."""
    return _make(Frechet, "frechet", link, _POSITIVE, nu=link_nu)


def asym_laplace(
    link: str = "identity", link_sigma: str = "log", link_quantile: str = "logit"
) -> Family:
    """``asym_laplace()``: quantile regression; mu is the ``quantile``-th quantile, whose prior
    is ``beta(1, 1)``."""
    return _make(AsymLaplace, "asym_laplace", link, _REAL, sigma=link_sigma, quantile=link_quantile)


def zero_inflated_beta(
    link: str = "logit", link_phi: str = "log", link_zi: str = "logit"
) -> Family:
    """``zero_inflated_beta()``: response in [0, 1); a zero with probability zi, whose prior is
    ``beta(1, 1)``."""
    return _make(ZeroInflatedBeta, "zero_inflated_beta", link, _PROB, phi=link_phi, zi=link_zi)


def zero_one_inflated_beta(
    link: str = "logit", link_phi: str = "log", link_zoi: str = "logit", link_coi: str = "logit"
) -> Family:
    """``zero_one_inflated_beta()``: response in [0, 1]; 0 or 1 with probability zoi, 1 given
    that with probability coi (both ``beta(1, 1)``)."""
    return _make(
        ZeroOneInflatedBeta,
        "zero_one_inflated_beta",
        link,
        _PROB,
        phi=link_phi,
        zoi=link_zoi,
        coi=link_coi,
    )


def zero_inflated_beta_binomial(
    link: str = "logit", link_phi: str = "log", link_zi: str = "logit"
) -> Family:
    """``zero_inflated_beta_binomial()``: successes out of ``trials()``, a zero with probability
    zi (``beta(1, 1)``), else beta_binomial with precision phi."""
    return _make(
        ZeroInflatedBetaBinomial,
        "zero_inflated_beta_binomial",
        link,
        _PROB,
        "discrete",
        phi=link_phi,
        zi=link_zi,
    )


def gen_extreme_value(
    link: str = "identity", link_sigma: str = "log", link_xi: str = "log1p"
) -> Family:
    """``gen_extreme_value()``: location mu, scale sigma and shape xi; a scalar xi is brms's
    ``tmp_xi`` (prior ``normal(0, 2.5)``) scaled into the bounds the data set
    (:func:`~brmsjax.backend.families.extreme_value.scale_xi`)."""
    return _make(
        GenExtremeValue,
        "gen_extreme_value",
        link,
        ("identity", "log", "inverse", "softplus"),
        sigma=link_sigma,
        xi=link_xi,
    )


def multinomial(link: str = "logit") -> Family:
    """``multinomial()``: counts ``cbind(y1, y2, ...) | trials(n)`` with probabilities
    ``softmax(0, mu<y2>, ...)`` against the first category."""
    return _make(Multinomial, "multinomial", link, ("logit",), "categorical")


def dirichlet(link: str = "logit", link_phi: str = "log") -> Family:
    """``dirichlet()``: proportions ``cbind(y1, y2, ...)`` (rows summing to 1) with mean
    ``softmax(0, mu<y2>, ...)`` and precision phi (``gamma(0.01, 0.01)``)."""
    return _make(Dirichlet, "dirichlet", link, ("logit",), "categorical", phi=link_phi)


def logistic_normal(
    link: str = "identity", link_sigma: str = "log", refcat: str | None = None
) -> Family:
    """``logistic_normal()``: proportions ``cbind(y1, y2, ...)`` whose log ratios to the first
    category are multivariate normal (means ``mu<y2>``, ..., sds ``sigma<y2>``, ..., correlations
    ``lncor``)."""
    if refcat is not None:
        raise ModelError(
            "Argument 'refcat' of family 'logistic_normal' is not supported yet in brmsjax; "
            "order the cbind() columns so that the reference category comes first."
        )
    return _make(LogisticNormal, "logistic_normal", link, ("identity",), "categorical",
                 sigma=link_sigma)  # fmt: skip
