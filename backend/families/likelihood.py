"""Pointwise log likelihood with brms's censoring and truncation.

brms 2.18 writes, per observation (``make_stancode(y | cens(c, y2) + trunc(lb, ub) ~ x)``)::

    cens ==  0:  family_lpdf(Y | ...)
    cens ==  1:  family_lccdf(Y | ...)                          right censored
    cens == -1:  family_lcdf(Y | ...)                           left censored
    cens ==  2:  log_diff_exp(family_lcdf(rcens | ...), family_lcdf(Y | ...))   (Y, rcens]

and subtracts ``family_lccdf(lb | ...)``, ``family_lcdf(ub | ...)`` or
``log_diff_exp(family_lcdf(ub | ...), family_lcdf(lb | ...))`` for truncation, where discrete
families use ``lb - 1``. Weights are applied by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
from jax import Array

from brmsjax.backend.dists.stan_math import log1m_exp
from brmsjax.backend.families.base import Family
from brmsjax.formula.errors import ModelError

__all__ = ["pointwise_log_lik"]


def _check_cdf(family: Family, addition: Mapping[str, Array]) -> None:
    used = [k for k in ("cens", "lb", "ub") if k in addition]
    if used and not family.has_cdf:
        term = "cens()" if "cens" in used else "trunc()"
        raise ModelError(
            f"The {family.name} family does not support {term} in brmsjax; remove it, or "
            "choose a family such as gaussian, poisson or lognormal."
        )


def pointwise_log_lik(
    family: Family,
    y: Array,
    eta: Array,
    dpars: Mapping[str, Array],
    addition: Mapping[str, Array],
) -> Array:
    """Log likelihood of every observation as brms's Stan code computes it.

    Parameters
    ----------
    family
        The response family.
    y
        Response values ``(N,)`` (1-based codes for ordinal and categorical families).
    eta
        mu's linear predictor, ``(N,)`` or ``(S, N)`` (``(..., N, ncat)`` for categorical).
    dpars
        Other distributional parameters on their natural scale (scalars, ``(N,)``, ``(S, 1)``
        or ``(S, N)``); ordinal families read ``dpars["thres"]``.
    addition
        Addition terms by Stan data name: ``trials``, ``se``, ``denom``, ``cens`` (-1 left,
        0 none, 1 right, 2 interval), ``rcens`` (upper bound of interval censoring), ``lb``,
        ``ub``. ``weights`` is ignored here.

    Returns
    -------
    Array
        Pointwise log likelihood, broadcast over the leading draw dimensions of ``eta``.
    """
    _check_cdf(family, addition)
    y = jnp.asarray(y, dtype=float)
    ll = family.log_lik_eta(y, eta, dpars, addition)
    has_cens = "cens" in addition
    has_trunc = "lb" in addition or "ub" in addition
    if not (has_cens or has_trunc):
        return ll
    # Every CDF the row needs, evaluated in one vmapped call: y, the interval's upper bound,
    # ub and lb (infinite bounds and rows without interval censoring get safe values).
    cens = jnp.asarray(addition.get("cens", jnp.zeros_like(y)))
    upper = jnp.where(cens == 2, jnp.asarray(addition.get("rcens", y), dtype=float), y)
    inf = jnp.full_like(y, jnp.inf)
    lb = jnp.asarray(addition.get("lb", -inf), dtype=float) - (1.0 if family.discrete else 0.0)
    ub = jnp.asarray(addition.get("ub", inf), dtype=float)
    lb_fin, ub_fin = jnp.isfinite(lb), jnp.isfinite(ub)
    points = jnp.stack([y, upper, jnp.where(ub_fin, ub, y), jnp.where(lb_fin, lb, y)])
    lcdf, lccdf = jax.vmap(lambda v: family.log_cdfs(v, eta, dpars, addition))(points)
    if has_cens:
        gap = jnp.where(cens == 2, lcdf[0] - lcdf[1], -1.0)
        interval = lcdf[1] + log1m_exp(gap)
        if "rcens" not in addition:
            interval = jnp.full_like(interval, -jnp.inf)
        ll = jnp.where(
            cens == 0, ll, jnp.where(cens == 1, lccdf[0], jnp.where(cens == -1, lcdf[0], interval))
        )
    if has_trunc:
        # brms: lccdf(lb) with lb only, lcdf(ub) with ub only, log_diff_exp(lcdf(ub), lcdf(lb))
        both = lcdf[2] + log1m_exp(jnp.where(lb_fin & ub_fin, lcdf[3] - lcdf[2], -1.0))
        ll = ll - jnp.where(
            lb_fin & ub_fin, both, jnp.where(lb_fin, lccdf[3], jnp.where(ub_fin, lcdf[2], 0.0))
        )
    return ll
