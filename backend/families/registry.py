"""Response families: brms-style constructors and :func:`get_family`.

A :class:`Family` is structure: it chooses code at lowering time. Each constructor mirrors
brms 2.18's (``gaussian(link = "identity", link_sigma = "log")``) and checks its links;
parameterizations, default priors of auxiliary parameters and bounds are brms's
(brms-semantics.md sections 2 and 3.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import cast

from brmsjax.backend.families.base import Family
from brmsjax.backend.families.continuous import (
    BetaFamily,
    ExGaussian,
    Exponential,
    GammaFamily,
    Gaussian,
    Lognormal,
    SkewNormal,
    Student,
    VonMises,
    Weibull,
)
from brmsjax.backend.families.discrete import (
    Bernoulli,
    BetaBinomial,
    Binomial,
    Geometric,
    NegBinomial,
    Poisson,
)
from brmsjax.backend.families.inflated import (
    HurdleGamma,
    HurdleLognormal,
    HurdleNegBinomial,
    HurdlePoisson,
    ZeroInflatedBinomial,
    ZeroInflatedNegBinomial,
    ZeroInflatedPoisson,
)
from brmsjax.backend.families.links import INV_LINKS, LINKS
from brmsjax.backend.families.ordinal import Categorical, Cumulative
from brmsjax.backend.families.ordinal_ratio import Acat, Cratio, Sratio
from brmsjax.backend.families.registry_more import (
    asym_laplace,
    dirichlet,
    frechet,
    gen_extreme_value,
    inverse_gaussian,
    logistic_normal,
    multinomial,
    shifted_lognormal,
    wiener,
    zero_inflated_beta,
    zero_inflated_beta_binomial,
    zero_one_inflated_beta,
)
from brmsjax.formula.errors import ModelError

__all__ = [
    "INV_LINKS",
    "LINKS",
    "Beta",
    "Family",
    "Gamma",
    "acat",
    "asym_laplace",
    "bernoulli",
    "beta",
    "beta_binomial",
    "binomial",
    "categorical",
    "cratio",
    "cumulative",
    "dirichlet",
    "exgaussian",
    "exponential",
    "frechet",
    "gamma",
    "gaussian",
    "gen_extreme_value",
    "geometric",
    "get_family",
    "hurdle_gamma",
    "hurdle_lognormal",
    "hurdle_negbinomial",
    "hurdle_poisson",
    "inverse_gaussian",
    "logistic_normal",
    "lognormal",
    "multinomial",
    "negbinomial",
    "poisson",
    "shifted_lognormal",
    "skew_normal",
    "sratio",
    "student",
    "von_mises",
    "weibull",
    "wiener",
    "zero_inflated_beta",
    "zero_inflated_beta_binomial",
    "zero_inflated_binomial",
    "zero_inflated_negbinomial",
    "zero_inflated_poisson",
    "zero_one_inflated_beta",
]

# Allowed links of mu and of the auxiliary parameters (brms 2.18's brmsfamily()).
_REAL = ("identity", "log", "inverse", "softplus")
_PROB = ("logit", "probit", "probit_approx", "cloglog", "cauchit", "identity", "log")
_COUNT = ("log", "identity", "sqrt", "softplus")
_POSITIVE = ("log", "identity", "inverse", "softplus")
_ORDINAL = ("logit", "probit", "probit_approx", "cloglog", "cauchit")
_DPAR_LINKS = {
    "sigma": ("log", "identity", "softplus"),
    "shape": ("log", "identity", "softplus"),
    "phi": ("log", "identity", "softplus"),
    "nu": ("logm1", "identity"),
    "alpha": ("identity",),
    "zi": ("logit", "identity"),
    "hu": ("logit", "identity"),
    "disc": ("log", "identity"),
    "beta": ("log", "identity", "softplus"),
    "kappa": ("log", "identity", "softplus"),
}
_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "sigma": (0.0, None),
    "shape": (0.0, None),
    "phi": (0.0, None),
    "nu": (1.0, None),
    "alpha": (None, None),
    "zi": (0.0, 1.0),
    "hu": (0.0, 1.0),
    "disc": (0.0, None),
    "beta": (0.0, None),
    "kappa": (0.0, None),
}
_PRIORS = {
    "shape": "gamma(0.01, 0.01)",
    "phi": "gamma(0.01, 0.01)",
    "nu": "gamma(2, 0.1)",
    "alpha": "normal(0, 4)",
    "zi": "beta(1, 1)",
    "hu": "beta(1, 1)",
    "beta": "gamma(1, 0.1)",
    "kappa": "gamma(2, 0.01)",
}


def _make(
    cls: type[Family], name: str, link: str, allowed: tuple[str, ...], kind: str, **dpar_links: str
) -> Family:
    if not isinstance(link, str) or link not in allowed:
        raise ModelError(
            f"Link '{link}' is not allowed for family '{name}'; use one of: {', '.join(allowed)}."
        )
    for dpar, dlink in dpar_links.items():
        if dlink not in _DPAR_LINKS[dpar]:
            raise ModelError(
                f"Link '{dlink}' is not allowed for '{dpar}' in family '{name}'; use one of: "
                f"{', '.join(_DPAR_LINKS[dpar])}."
            )
    dpars = tuple(dpar_links)
    return cls(
        name=name,
        link=link,
        dpars=dpars,
        dpar_links=dict(dpar_links),
        dpar_bounds={d: _BOUNDS[d] for d in dpars},
        allowed_links=allowed,
        dpar_priors={d: _PRIORS[d] for d in dpars if d in _PRIORS},
        kind=kind,
        dpar_fixed={"disc": 1.0} if "disc" in dpars else {},
    )


def gaussian(link: str = "identity", link_sigma: str = "log") -> Family:
    """``gaussian()``: normal response (links identity, log, inverse, softplus)."""
    return _make(Gaussian, "gaussian", link, _REAL, "continuous", sigma=link_sigma)


def student(link: str = "identity", link_sigma: str = "log", link_nu: str = "logm1") -> Family:
    """``student()``: Student-t response; nu > 1 with prior ``gamma(2, 0.1)``."""
    return _make(Student, "student", link, _REAL, "continuous", sigma=link_sigma, nu=link_nu)


def skew_normal(
    link: str = "identity", link_sigma: str = "log", link_alpha: str = "identity"
) -> Family:
    """``skew_normal()``: skew normal with mean mu; alpha has prior ``normal(0, 4)``."""
    return _make(
        SkewNormal, "skew_normal", link, _REAL, "continuous", sigma=link_sigma, alpha=link_alpha
    )


def exgaussian(link: str = "identity", link_sigma: str = "log", link_beta: str = "log") -> Family:
    """``exgaussian()``: ex-Gaussian with mean mu; beta has prior ``gamma(1, 0.1)``."""
    return _make(
        ExGaussian, "exgaussian", link, _REAL, "continuous", sigma=link_sigma, beta=link_beta
    )


def von_mises(link: str = "tan_half", link_kappa: str = "log") -> Family:
    """``von_mises()``: circular response in [-pi, pi]; kappa has prior ``gamma(2, 0.01)``."""
    return _make(
        VonMises, "von_mises", link, ("tan_half", "identity"), "continuous", kappa=link_kappa
    )


def bernoulli(link: str = "logit") -> Family:
    """``bernoulli()``: binary response (0/1 or a two-level factor)."""
    return _make(Bernoulli, "bernoulli", link, _PROB, "discrete")


def binomial(link: str = "logit") -> Family:
    """``binomial()``: successes out of ``trials()``."""
    return _make(Binomial, "binomial", link, _PROB, "discrete")


def beta_binomial(link: str = "logit", link_phi: str = "log") -> Family:
    """``beta_binomial()``: over-dispersed binomial with precision phi."""
    return _make(BetaBinomial, "beta_binomial", link, _PROB, "discrete", phi=link_phi)


def poisson(link: str = "log") -> Family:
    """``poisson()``: counts (links log, identity, sqrt, softplus)."""
    return _make(Poisson, "poisson", link, _COUNT, "discrete")


def negbinomial(link: str = "log", link_shape: str = "log") -> Family:
    """``negbinomial()``: negative binomial counts with shape ``gamma(0.01, 0.01)``."""
    return _make(NegBinomial, "negbinomial", link, _COUNT, "discrete", shape=link_shape)


def geometric(link: str = "log") -> Family:
    """``geometric()``: negative binomial with shape 1."""
    return _make(Geometric, "geometric", link, _COUNT, "discrete")


def Gamma(link: str = "log", link_shape: str = "log") -> Family:  # noqa: N802
    """``Gamma()``: positive response with mean mu (brms's default link is log)."""
    return _make(GammaFamily, "gamma", link, _POSITIVE, "continuous", shape=link_shape)


def lognormal(link: str = "identity", link_sigma: str = "log") -> Family:
    """``lognormal()``: mu and sigma on the log scale."""
    return _make(
        Lognormal, "lognormal", link, ("identity", "inverse"), "continuous", sigma=link_sigma
    )


def exponential(link: str = "log") -> Family:
    """``exponential()``: positive response with mean mu."""
    return _make(Exponential, "exponential", link, _POSITIVE, "continuous")


def weibull(link: str = "log", link_shape: str = "log") -> Family:
    """``weibull()``: positive response with mean mu."""
    return _make(Weibull, "weibull", link, _POSITIVE, "continuous", shape=link_shape)


def Beta(link: str = "logit", link_phi: str = "log") -> Family:  # noqa: N802
    """``Beta()``: response in (0, 1) with mean mu and precision phi."""
    return _make(BetaFamily, "beta", link, _PROB, "continuous", phi=link_phi)


THRESHOLDS = ("flexible", "equidistant", "sum")


def _ordinal(cls: type[Cumulative], name: str, link: str, link_disc: str, threshold: str) -> Family:
    family = cast(Cumulative, _make(cls, name, link, _ORDINAL, "ordinal", disc=link_disc))
    if threshold not in THRESHOLDS:
        raise ModelError(
            f"Argument 'threshold' of family '{name}' must be one of: {', '.join(THRESHOLDS)}; "
            f"not {threshold!r}."
        )
    return replace(family, threshold=threshold)


def cumulative(link: str = "logit", link_disc: str = "log", threshold: str = "flexible") -> Family:
    """``cumulative()``: ordinal response; disc is fixed to 1 unless predicted.

    ``threshold``: ``"flexible"``, ``"equidistant"`` or ``"sum"`` (brms's).
    """
    return _ordinal(Cumulative, "cumulative", link, link_disc, threshold)


def sratio(link: str = "logit", link_disc: str = "log", threshold: str = "flexible") -> Family:
    """``sratio()``: stopping-ratio ordinal response; disc is fixed to 1 unless predicted."""
    return _ordinal(Sratio, "sratio", link, link_disc, threshold)


def cratio(link: str = "logit", link_disc: str = "log", threshold: str = "flexible") -> Family:
    """``cratio()``: continuation-ratio ordinal response; disc is 1 unless predicted."""
    return _ordinal(Cratio, "cratio", link, link_disc, threshold)


def acat(link: str = "logit", link_disc: str = "log", threshold: str = "flexible") -> Family:
    """``acat()``: adjacent-category ordinal response; disc is 1 unless predicted."""
    return _ordinal(Acat, "acat", link, link_disc, threshold)


def categorical(link: str = "logit") -> Family:
    """``categorical()``: unordered categories against the first (reference) level."""
    return _make(Categorical, "categorical", link, ("logit",), "categorical")


def zero_inflated_poisson(link: str = "log", link_zi: str = "logit") -> Family:
    """``zero_inflated_poisson()``: zi has prior ``beta(1, 1)``."""
    return _make(ZeroInflatedPoisson, "zero_inflated_poisson", link, _COUNT, "discrete", zi=link_zi)


def zero_inflated_negbinomial(
    link: str = "log", link_shape: str = "log", link_zi: str = "logit"
) -> Family:
    """``zero_inflated_negbinomial()``."""
    return _make(
        ZeroInflatedNegBinomial,
        "zero_inflated_negbinomial",
        link,
        _COUNT,
        "discrete",
        shape=link_shape,
        zi=link_zi,
    )


def zero_inflated_binomial(link: str = "logit", link_zi: str = "logit") -> Family:
    """``zero_inflated_binomial()``: needs ``trials()``."""
    return _make(
        ZeroInflatedBinomial, "zero_inflated_binomial", link, _PROB, "discrete", zi=link_zi
    )


def hurdle_poisson(link: str = "log", link_hu: str = "logit") -> Family:
    """``hurdle_poisson()``: hu has prior ``beta(1, 1)``."""
    return _make(HurdlePoisson, "hurdle_poisson", link, _COUNT, "discrete", hu=link_hu)


def hurdle_negbinomial(
    link: str = "log", link_shape: str = "log", link_hu: str = "logit"
) -> Family:
    """``hurdle_negbinomial()``."""
    return _make(
        HurdleNegBinomial,
        "hurdle_negbinomial",
        link,
        _COUNT,
        "discrete",
        shape=link_shape,
        hu=link_hu,
    )


def hurdle_gamma(link: str = "log", link_shape: str = "log", link_hu: str = "logit") -> Family:
    """``hurdle_gamma()``."""
    return _make(
        HurdleGamma, "hurdle_gamma", link, _POSITIVE, "continuous", shape=link_shape, hu=link_hu
    )


def hurdle_lognormal(
    link: str = "identity", link_sigma: str = "log", link_hu: str = "logit"
) -> Family:
    """``hurdle_lognormal()``."""
    return _make(
        HurdleLognormal,
        "hurdle_lognormal",
        link,
        ("identity", "inverse"),
        "continuous",
        sigma=link_sigma,
        hu=link_hu,
    )


gamma = Gamma
beta = Beta

_FAMILIES: dict[str, Callable[..., Family]] = {
    f.__name__.lower(): f
    for f in (
        gaussian,
        student,
        skew_normal,
        exgaussian,
        von_mises,
        bernoulli,
        binomial,
        beta_binomial,
        poisson,
        negbinomial,
        geometric,
        Gamma,
        lognormal,
        exponential,
        weibull,
        Beta,
        cumulative,
        sratio,
        cratio,
        acat,
        categorical,
        zero_inflated_poisson,
        zero_inflated_negbinomial,
        zero_inflated_binomial,
        hurdle_poisson,
        hurdle_negbinomial,
        hurdle_gamma,
        hurdle_lognormal,
        shifted_lognormal,
        frechet,
        asym_laplace,
        gen_extreme_value,
        multinomial,
        dirichlet,
        logistic_normal,
        zero_inflated_beta,
        zero_inflated_beta_binomial,
        zero_one_inflated_beta,
        wiener,
    )
} | {"inverse.gaussian": inverse_gaussian}


def get_family(family: str | Family) -> Family:
    """Resolve a family given as a name (``"gaussian"``, ``"Gamma"``) or a :class:`Family`.

    Names are brms's (R's spellings ``Gamma`` and ``Beta`` work in any case); the family gets
    its default links.
    """
    if isinstance(family, Family):
        return family
    if not isinstance(family, str):
        raise ModelError(
            f"A family must be a name such as 'gaussian' or a family object, not {family!r}."
        )
    key = family.strip()
    if key.lower() not in _FAMILIES:
        raise ModelError(
            f"Unknown family '{family}'; supported families are: {', '.join(sorted(_FAMILIES))}."
        )
    return _FAMILIES[key.lower()]()
