"""The generalized extreme value distribution as brms 2.18's Stan functions write it.

brms's ``fun_gen_extreme_value.stan`` with ``x = (y - mu) / sigma`` and ``t = 1 + xi x``::

    lpdf:   xi == 0:  -log(sigma) - x - exp(-x)
            else:     -log(sigma) - (1 + 1 / xi) log(t) - t^(-1 / xi)
    lcdf:   xi == 0:  -exp(-x);   else: -t^(-1 / xi)
    lccdf:  log1m_exp(lcdf)

Outside the support (``t <= 0``) Stan's ``log`` and ``pow`` give NaN; here the density is 0
there (``-inf``) and the CDF 0 below a lower bound (``xi > 0``) or 1 above an upper bound
(``xi < 0``), with safe values inside the branches that are not taken so that gradients stay
finite. Every function broadcasts its arguments.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import Array

from brmsjax.backend.dists.stan_math import log1m_exp

__all__ = ["gen_extreme_value_lccdf", "gen_extreme_value_lcdf", "gen_extreme_value_lpdf"]


def _parts(y: Array, mu: Array, sigma: Array, xi: Array) -> tuple[Array, ...]:
    """``x``, ``t``, whether ``t > 0``, and safe ``xi`` and ``t`` for the ``xi != 0`` branch."""
    y, mu, sigma, xi = jnp.broadcast_arrays(*(jnp.asarray(a) for a in (y, mu, sigma, xi)))
    x = (y - mu) / sigma
    gumbel = xi == 0
    xi_s = jnp.where(gumbel, 1.0, xi)
    t = 1.0 + xi_s * x
    inside = t > 0
    return x, sigma, xi, gumbel, xi_s, jnp.where(inside, t, 1.0), inside


def gen_extreme_value_lpdf(y: Array, mu: Array, sigma: Array, xi: Array) -> Array:
    """brms's ``gen_extreme_value_lpdf(y | mu, sigma, xi)``; ``-inf`` outside the support."""
    x, sigma, _, gumbel, xi_s, t, inside = _parts(y, mu, sigma, xi)
    log_t = jnp.log(t)
    general = -jnp.log(sigma) - (1.0 + 1.0 / xi_s) * log_t - jnp.exp(-log_t / xi_s)
    general = jnp.where(inside, general, -jnp.inf)
    x_g = jnp.where(gumbel, x, 0.0)
    return jnp.where(gumbel, -jnp.log(sigma) - x_g - jnp.exp(-x_g), general)


def gen_extreme_value_lcdf(y: Array, mu: Array, sigma: Array, xi: Array) -> Array:
    """brms's ``gen_extreme_value_lcdf``: ``-t^(-1 / xi)`` (``-exp(-x)`` where ``xi == 0``)."""
    x, _, xi, gumbel, xi_s, t, inside = _parts(y, mu, sigma, xi)
    general = -jnp.exp(-jnp.log(t) / xi_s)
    general = jnp.where(inside, general, jnp.where(xi > 0, -jnp.inf, 0.0))
    x_g = jnp.where(gumbel, x, 0.0)
    return jnp.where(gumbel, -jnp.exp(-x_g), general)


def gen_extreme_value_lccdf(y: Array, mu: Array, sigma: Array, xi: Array) -> Array:
    """brms's ``gen_extreme_value_lccdf``: ``log1m_exp(lcdf)``."""
    return log1m_exp(gen_extreme_value_lcdf(y, mu, sigma, xi))
