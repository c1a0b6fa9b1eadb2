"""Prior densities in brms/Stan parameterizations, written in JAX.

A prior is a distribution name plus argument values (:class:`PriorSpec`). The name and bounds are
structure (they choose the code); the argument values are data passed to the compiled program, so a
refit with other prior values reuses it. Log densities include every normalizing constant, as
brms's ``lprior`` does, and bounded priors are truncated exactly as brms writes them::

    lprior += student_t_lpdf(sd_1 | 3, 0, 59.3) - 2 * student_t_lccdf(0 | 3, 0, 59.3);
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
from jax import Array
from jax.scipy import special as jsp

# Number of arguments of every supported distribution, in Stan's order.
DIST_ARITY: dict[str, int] = {
    "flat": 0,
    "normal": 2,
    "std_normal": 0,
    "student_t": 3,
    "cauchy": 2,
    "double_exponential": 2,
    "logistic": 2,
    "exponential": 1,
    "gamma": 2,
    "inv_gamma": 2,
    "lognormal": 2,
    "chi_square": 1,
    "inv_chi_square": 1,
    "weibull": 2,
    "frechet": 2,
    "beta": 2,
    "uniform": 2,
    "lkj": 1,
    "lkj_corr_cholesky": 1,
    "constant": 1,
}


@dataclass(frozen=True, slots=True)
class PriorSpec:
    """A prior distribution with its argument values and optional bounds.

    Parameters
    ----------
    dist
        Stan/brms distribution name (``"normal"``, ``"student_t"``, ...; ``"flat"`` is improper).
    args
        Argument values in Stan's order (``student_t(nu, mu, sigma)``).
    lb, ub
        Bounds of the parameter; a bounded prior is truncated to them.
    """

    dist: str
    args: tuple[float, ...] = ()
    lb: float | None = None
    ub: float | None = None

    def __str__(self) -> str:
        if self.dist == "flat":
            return ""
        return f"{self.dist}({', '.join(_format_number(a) for a in self.args)})"


def _format_number(x: float) -> str:
    """Format a prior argument as R prints it (``3``, ``288.7``, ``0.01``)."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.15g}"


def _t_cdf(z: Array, nu: Array) -> Array:
    tail = 0.5 * jsp.betainc(nu / 2.0, 0.5, nu / (nu + z * z))
    return jnp.where(z < 0, tail, 1.0 - tail)


def _logpdf(dist: str, x: Array, a: Array) -> Array:
    """Elementwise log density of ``dist`` at ``x`` with argument vector ``a``."""
    if dist == "flat":
        return jnp.zeros_like(x)
    if dist == "std_normal":
        return -0.5 * x * x - 0.5 * math.log(2 * math.pi)
    if dist == "normal":
        z = (x - a[0]) / a[1]
        return -0.5 * z * z - jnp.log(a[1]) - 0.5 * math.log(2 * math.pi)
    if dist == "student_t":
        nu, mu, s = a[0], a[1], a[2]
        z = (x - mu) / s
        return (
            jsp.gammaln((nu + 1) / 2)
            - jsp.gammaln(nu / 2)
            - 0.5 * jnp.log(nu * math.pi)
            - jnp.log(s)
            - (nu + 1) / 2 * jnp.log1p(z * z / nu)
        )
    if dist == "cauchy":
        z = (x - a[0]) / a[1]
        return -math.log(math.pi) - jnp.log(a[1]) - jnp.log1p(z * z)
    if dist == "double_exponential":
        return -math.log(2.0) - jnp.log(a[1]) - jnp.abs(x - a[0]) / a[1]
    if dist == "logistic":
        z = (x - a[0]) / a[1]
        return -z - jnp.log(a[1]) - 2 * jnp.log1p(jnp.exp(-z))
    if dist == "exponential":
        return jnp.log(a[0]) - a[0] * x
    if dist == "gamma":
        alpha, beta = a[0], a[1]
        return alpha * jnp.log(beta) - jsp.gammaln(alpha) + (alpha - 1) * jnp.log(x) - beta * x
    if dist == "inv_gamma":
        alpha, beta = a[0], a[1]
        return alpha * jnp.log(beta) - jsp.gammaln(alpha) - (alpha + 1) * jnp.log(x) - beta / x
    if dist == "lognormal":
        z = (jnp.log(x) - a[0]) / a[1]
        return -0.5 * z * z - jnp.log(a[1]) - jnp.log(x) - 0.5 * math.log(2 * math.pi)
    if dist == "chi_square":
        k = a[0] / 2
        return -k * math.log(2.0) - jsp.gammaln(k) + (k - 1) * jnp.log(x) - x / 2
    if dist == "inv_chi_square":
        k = a[0] / 2
        return -k * math.log(2.0) - jsp.gammaln(k) - (k + 1) * jnp.log(x) - 0.5 / x
    if dist == "weibull":
        alpha, sigma = a[0], a[1]
        return (
            jnp.log(alpha)
            - jnp.log(sigma)
            + (alpha - 1) * (jnp.log(x) - jnp.log(sigma))
            - (x / sigma) ** alpha
        )
    if dist == "frechet":
        alpha, sigma = a[0], a[1]
        return (
            jnp.log(alpha)
            - jnp.log(sigma)
            - (1 + alpha) * (jnp.log(x) - jnp.log(sigma))
            - (x / sigma) ** (-alpha)
        )
    if dist == "beta":
        al, be = a[0], a[1]
        return (
            (al - 1) * jnp.log(x)
            + (be - 1) * jnp.log1p(-x)
            - (jsp.gammaln(al) + jsp.gammaln(be) - jsp.gammaln(al + be))
        )
    if dist == "uniform":
        inside = (x >= a[0]) & (x <= a[1])
        return jnp.where(inside, -jnp.log(a[1] - a[0]), -jnp.inf)
    raise ValueError(f"No log density for the prior distribution '{dist}'.")


def _cdf(dist: str, x: Array, a: Array) -> Array:
    """CDF of ``dist`` at ``x`` (used for truncation to bounds)."""
    if dist == "normal":
        return jsp.ndtr((x - a[0]) / a[1])
    if dist == "std_normal":
        return jsp.ndtr(x)
    if dist == "student_t":
        return _t_cdf((x - a[1]) / a[2], a[0])
    if dist == "cauchy":
        return 0.5 + jnp.arctan((x - a[0]) / a[1]) / math.pi
    if dist == "double_exponential":
        z = (x - a[0]) / a[1]
        return jnp.where(z < 0, 0.5 * jnp.exp(z), 1 - 0.5 * jnp.exp(-z))
    if dist == "logistic":
        return jsp.expit((x - a[0]) / a[1])
    if dist == "exponential":
        return jnp.where(x <= 0, 0.0, -jnp.expm1(-a[0] * x))
    if dist == "gamma":
        return jnp.where(x <= 0, 0.0, jsp.gammainc(a[0], a[1] * jnp.maximum(x, 1e-300)))
    if dist == "inv_gamma":
        return jnp.where(x <= 0, 0.0, jsp.gammaincc(a[0], a[1] / jnp.maximum(x, 1e-300)))
    if dist == "lognormal":
        return jnp.where(x <= 0, 0.0, jsp.ndtr((jnp.log(jnp.maximum(x, 1e-300)) - a[0]) / a[1]))
    if dist == "chi_square":
        return jnp.where(x <= 0, 0.0, jsp.gammainc(a[0] / 2, jnp.maximum(x, 1e-300) / 2))
    if dist == "inv_chi_square":
        return jnp.where(x <= 0, 0.0, jsp.gammaincc(a[0] / 2, 0.5 / jnp.maximum(x, 1e-300)))
    if dist == "weibull":
        return jnp.where(x <= 0, 0.0, -jnp.expm1(-((jnp.maximum(x, 0.0) / a[1]) ** a[0])))
    if dist == "frechet":
        return jnp.where(x <= 0, 0.0, jnp.exp(-((jnp.maximum(x, 1e-300) / a[1]) ** -a[0])))
    if dist == "beta":
        return jsp.betainc(a[0], a[1], jnp.clip(x, 0.0, 1.0))
    if dist == "uniform":
        return jnp.clip((x - a[0]) / (a[1] - a[0]), 0.0, 1.0)
    raise ValueError(f"The prior distribution '{dist}' cannot be truncated to bounds.")


def _natural_support(dist: str) -> tuple[float, float]:
    if dist in {
        "exponential",
        "gamma",
        "inv_gamma",
        "lognormal",
        "chi_square",
        "inv_chi_square",
        "weibull",
        "frechet",
    }:
        return 0.0, math.inf
    if dist == "beta":
        return 0.0, 1.0
    return -math.inf, math.inf


def log_prior(
    dist: str, x: Array, args: Array, lb: float | None = None, ub: float | None = None
) -> Array:
    """Sum of the log prior density over the elements of ``x``, truncated to ``[lb, ub]``.

    Truncation subtracts ``n * log(F(ub) - F(lb))`` for ``n`` elements, as brms does, but only
    for bounds inside the distribution's natural support (a gamma prior on ``sd`` needs none).

    Parameters
    ----------
    dist
        Distribution name (static).
    x
        Parameter values, any shape.
    args
        Argument values, shape ``(n_args,)`` (shared by all elements) or ``x.shape + (n_args,)``.
    lb, ub
        Bounds of the parameter (static), or None.
    """
    if dist == "flat":
        return jnp.zeros(())
    a = jnp.moveaxis(jnp.asarray(args), -1, 0) if jnp.ndim(args) > 1 else jnp.asarray(args)
    lp = jnp.sum(_logpdf(dist, x, a))
    lo, hi = _natural_support(dist)
    cut_lo = lb is not None and lb > lo
    cut_hi = ub is not None and ub < hi
    if not (cut_lo or cut_hi):
        return lp
    upper = _cdf(dist, jnp.asarray(ub), a) if cut_hi else 1.0
    lower = _cdf(dist, jnp.asarray(lb), a) if cut_lo else 0.0
    mass = jnp.broadcast_to(jnp.asarray(upper) - jnp.asarray(lower), jnp.shape(x))
    return lp - jnp.sum(jnp.log(mass))
