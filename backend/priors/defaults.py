"""brms 2.18's default priors and the R numerics they depend on.

The data-dependent default is brms's ``def_scale_prior``: ``student_t(3, loc, scale)`` with
``scale = max(2.5, round(mad(link(y)), 1))`` and, for an intercept, ``loc = round(median(link(y)),
1)`` minus the mean offset. ``round`` is R's (>= 4.0.0) ``round(x, digits)`` and ``mad`` R's scaled
median absolute deviation; both are reproduced exactly (``r_round``, ``r_mad``).

The defaults of the other distributional parameters follow brms's ``def_dprior``.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.summaries import MAD_CONSTANT

# Links for which brms scales the default prior to the response (def_scale_prior's tlinks).
SCALE_LINKS = ("identity", "log", "inverse", "sqrt", "1/mu^2")
# Families whose response brms treats on the log scale (has_logscale).
LOGSCALE_FAMILIES = frozenset({"lognormal", "shifted_lognormal", "hurdle_lognormal"})
# Families with categorical dpars (conv_cats_dpars): no data-scaled defaults.
CATEGORICAL_FAMILIES = frozenset(
    {"categorical", "multinomial", "dirichlet", "dirichlet2", "logistic_normal"}
)

_DBL_DIG = 15
_MAX10E = 308
_LOG10_2 = math.log10(2.0)

# def_dprior: defaults of auxiliary parameters estimated as scalars (identity scale) ...
_DPAR_DEFAULTS: dict[str, PriorSpec] = {
    "shape": PriorSpec("gamma", (0.01, 0.01)),
    "nu": PriorSpec("gamma", (2.0, 0.1)),
    "phi": PriorSpec("gamma", (0.01, 0.01)),
    "kappa": PriorSpec("gamma", (2.0, 0.01)),
    "beta": PriorSpec("gamma", (1.0, 0.1)),
    "zi": PriorSpec("beta", (1.0, 1.0)),
    "hu": PriorSpec("beta", (1.0, 1.0)),
    "zoi": PriorSpec("beta", (1.0, 1.0)),
    "coi": PriorSpec("beta", (1.0, 1.0)),
    "bs": PriorSpec("gamma", (1.0, 1.0)),
    "bias": PriorSpec("beta", (1.0, 1.0)),
    "quantile": PriorSpec("beta", (1.0, 1.0)),
    "xi": PriorSpec("normal", (0.0, 2.5)),
    "alpha": PriorSpec("normal", (0.0, 4.0)),
    "disc": PriorSpec("lognormal", (0.0, 1.0)),
    "theta": PriorSpec("logistic", (0.0, 1.0)),
}
# ... and defaults of the intercept of a parameter predicted on a non-identity link scale.
_DPAR_LINK_DEFAULTS: dict[str, PriorSpec] = {
    "shape": PriorSpec("student_t", (3.0, 0.0, 2.5)),
    "nu": PriorSpec("normal", (2.7, 0.8)),
    "phi": PriorSpec("student_t", (3.0, 0.0, 2.5)),
    "kappa": PriorSpec("normal", (5.0, 0.8)),
    "beta": PriorSpec("normal", (1.7, 1.3)),
    "zi": PriorSpec("logistic", (0.0, 1.0)),
    "hu": PriorSpec("logistic", (0.0, 1.0)),
    "zoi": PriorSpec("logistic", (0.0, 1.0)),
    "coi": PriorSpec("logistic", (0.0, 1.0)),
    "bs": PriorSpec("normal", (-0.6, 1.3)),
    "bias": PriorSpec("logistic", (0.0, 1.0)),
    "quantile": PriorSpec("logistic", (0.0, 1.0)),
    "xi": PriorSpec("normal", (0.0, 4.0)),
    "alpha": PriorSpec("normal", (0.0, 4.0)),
    "disc": PriorSpec("normal", (0.0, 1.0)),
}


def _pow_di(x: float, n: int) -> float:
    """R's ``R_pow_di``: ``x ** n`` by repeated squaring, ``1 / x ** -n`` for negative ``n``."""
    result = 1.0
    negative = n < 0
    n = abs(n)
    while n:
        if n & 1:
            result *= x
        n >>= 1
        if n:
            x *= x
    return 1.0 / result if negative else result


def r_round(x: float, digits: float = 0) -> float:
    """R's ``round(x, digits)`` (R >= 4.0.0, ``src/nmath/fround.c``).

    R picks, of the two candidates ``floor(x * 10^d) / 10^d`` and ``ceil(x * 10^d) / 10^d``,
    the one nearer to ``x`` in double arithmetic, and on a tie the one with an even last digit.
    Python's ``round`` rounds the exact binary value instead, so they differ: R gives
    ``round(0.45, 1) == 0.4``, ``round(1.05, 1) == 1.0`` and ``round(5.55, 1) == 5.6`` where
    Python gives 0.5, 1.1 and 5.5.
    """
    x = float(x)
    if math.isnan(x) or math.isnan(digits):
        return x + digits
    if not math.isfinite(x) or digits > _MAX10E + _DBL_DIG or x == 0.0:
        return x
    if digits < -_MAX10E:
        return 0.0
    if digits == 0:
        return math.copysign(float(round(x)), x)
    dig = math.floor(digits + 0.5)
    sign = 1.0
    if x < 0.0:
        sign, x = -1.0, -x
    if _LOG10_2 * (0.5 + (math.frexp(x)[1] - 1)) + dig > _DBL_DIG:
        return sign * x
    if dig <= _MAX10E:
        pow10 = _pow_di(10.0, dig)
        x10 = x * pow10
        i10 = math.floor(x10)
        down, up = i10 / pow10, math.ceil(x10) / pow10
    else:
        p10 = _pow_di(10.0, dig - _MAX10E)
        pow10 = _pow_di(10.0, _MAX10E)
        x10 = (x * pow10) * p10
        i10 = math.floor(x10)
        down, up = i10 / pow10 / p10, math.ceil(x10) / pow10 / p10
    du, dd = up - x, x - down
    take_up = du < dd or (math.fmod(i10, 2.0) == 1 and du == dd)
    return sign * (up if take_up else down)


def r_median(x: ArrayLike) -> float:
    """R's ``median(x)``: NaN if any value is NaN, else the middle value or middle pair's mean."""
    v = np.sort(np.asarray(x, dtype=np.float64).ravel())
    n = v.size
    if n == 0 or np.isnan(v).any():
        return math.nan
    half = (n + 1) // 2
    if n % 2 == 1:
        return float(v[half - 1])
    a, b = float(v[half - 1]), float(v[half])
    mid = (a + b) / 2.0
    return a / 2.0 + b / 2.0 if math.isinf(mid) and math.isfinite(a) and math.isfinite(b) else mid


def r_mad(x: ArrayLike, constant: float = MAD_CONSTANT) -> float:
    """R's ``mad(x)``: ``constant * median(|x - median(x)|)``."""
    v = np.asarray(x, dtype=np.float64).ravel()
    center = r_median(v)
    if math.isnan(center):
        return math.nan
    with np.errstate(invalid="ignore"):
        return constant * r_median(np.abs(v - center))


def r_mean(x: ArrayLike) -> float:
    """The mean of ``x`` correctly rounded to double (R's long-double ``mean`` in practice)."""
    v = np.asarray(x, dtype=np.float64).ravel()
    if v.size == 0 or not np.isfinite(v).all():
        return float(np.mean(v)) if v.size else math.nan
    return float(sum(map(Fraction, v.tolist()), Fraction(0)) / v.size)


def link_transform(y: np.ndarray, link: str) -> np.ndarray:
    """Apply one of :data:`SCALE_LINKS` to response values, as brms's ``link(y, link)``."""
    with np.errstate(all="ignore"):
        if link == "identity":
            return y
        if link == "log":
            return np.log(y)
        if link == "inverse":
            return 1.0 / y
        if link == "sqrt":
            return np.sqrt(y)
        if link == "1/mu^2":
            return 1.0 / (y * y)
    raise ValueError(f"'{link}' is not one of the links {SCALE_LINKS}.")


def scale_prior(
    y: ArrayLike,
    link: str,
    *,
    center: bool = True,
    offset: ArrayLike | None = None,
    factor_like: bool = False,
    df: float = 3.0,
) -> PriorSpec:
    """brms's data-dependent default ``student_t(df, loc, scale)`` (``def_scale_prior``).

    Parameters
    ----------
    y
        Response values (rows used by the model).
    link
        Link on whose scale the prior lives (the family's link of mu; ``"log"`` for a
        log-scale family such as lognormal, or for a predicted ``sigma``).
    center
        False for an intercept (location from the data), True for scales such as ``sd`` and
        ``sigma`` (location 0).
    offset
        Offset values of the predicted parameter; their mean is subtracted from an intercept's
        location.
    factor_like
        Whether the response is a factor (ordinal, categorical): then ``student_t(3, 0, 2.5)``.
    df
        Degrees of freedom.
    """
    location, scale = 0.0, 2.5
    if link in SCALE_LINKS and not factor_like:
        values = np.asarray(y, dtype=np.float64).ravel()
        values = values[~np.isnan(values)]  # mi(): missing responses are parameters
        if link in {"log", "inverse", "1/mu^2"}:
            values = np.where(values == 0, values + 0.1, values)
        y_link = link_transform(values, link)
        scale_y = r_round(r_mad(y_link), 1)
        if math.isfinite(scale_y):
            scale = max(scale, scale_y)
        if not center:
            location_y = r_round(r_median(y_link), 1)
            if math.isfinite(location_y):
                location = location_y
            if offset is not None and np.size(offset):
                mean_offset = r_mean(offset)
                if math.isfinite(mean_offset):
                    location = location - mean_offset
    return PriorSpec("student_t", (float(df), location, scale))


def family_scale_prior(
    y: ArrayLike,
    link: str,
    *,
    family_name: str,
    factor_like: bool = False,
    center: bool = True,
    offset: ArrayLike | None = None,
) -> PriorSpec:
    """:func:`scale_prior` for a family: log scale for lognormal-type families, and the fixed
    ``student_t(3, 0, 2.5)`` for factor responses and categorical-type families.

    With ``center=True`` (the default) this is brms's default for ``sd`` and a scalar ``sigma``.
    """
    return scale_prior(
        y,
        "log" if family_name in LOGSCALE_FAMILIES else link,
        center=center,
        offset=offset,
        factor_like=factor_like or family_name in CATEGORICAL_FAMILIES,
    )


def dpar_class(dpar: str) -> str:
    """The prior class of a distributional parameter (``sigma2`` -> ``sigma``)."""
    return re.sub(r"\d+$", "", dpar)


def default_dpar_prior(
    dpar: str,
    link: str,
    y: ArrayLike,
    *,
    family_link: str,
    family_name: str = "",
    factor_like: bool = False,
    offset: ArrayLike | None = None,
) -> PriorSpec:
    """Default prior of a distributional parameter (brms's ``def_dprior``).

    For a scalar parameter (``link="identity"``) this is its prior; for a predicted one it is the
    prior of its ``Intercept``. ``mu`` (``dpar=""``) gets the data-scaled intercept prior on
    ``family_link``'s scale; ``sigma`` the data-scaled ``student_t(3, 0, scale)`` on ``link``'s
    scale; others brms's fixed defaults; anything unknown is flat.
    """
    cls = dpar_class(dpar) or "mu"
    if cls in {"mu", "sigma"}:
        return family_scale_prior(
            y,
            family_link if cls == "mu" else link,
            family_name=family_name,
            factor_like=factor_like,
            center=cls == "sigma",
            offset=offset if cls == "mu" else None,
        )
    if link == "identity":
        if cls == "ndt":
            return PriorSpec("uniform", (0.0, float(np.min(np.asarray(y, dtype=np.float64)))))
        return _DPAR_DEFAULTS.get(cls, PriorSpec("flat"))
    return _DPAR_LINK_DEFAULTS.get(cls, PriorSpec("flat"))
