"""Link functions of brms 2.18: forward links, inverse links and ordinal log CDFs.

``LINKS[name](mu)`` maps a parameter to the linear-predictor scale and ``INV_LINKS[name](eta)``
maps it back, exactly as brms's Stan code does (``logm1``'s inverse is Stan's ``expp1``,
``probit_approx``'s is ``Phi_approx``). Ordinal families read a link as a distribution function
``F``; :data:`LOG_CDF` and :data:`LOG_CCDF` give ``log F(x)`` and ``log(1 - F(x))`` in stable
forms.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax import Array
from jax.scipy.special import log_ndtr, ndtr, ndtri

from brmsjax.backend.dists.stan_math import log1m_exp

__all__ = ["INV_LINKS", "LINKS", "LOG_CCDF", "LOG_CDF"]

Fn = Callable[[Array], Array]


def _phi_approx(x: Array) -> Array:
    return jax.nn.sigmoid(0.07056 * x**3 + 1.5976 * x)


def _inv_phi_approx(p: Array) -> Array:
    # Solve 0.07056 x^3 + 1.5976 x = logit(p) (Stan's inv_Phi_approx, Cardano's formula).
    t = jnp.log(p) - jnp.log1p(-p)
    a, c = 0.07056, 1.5976
    q = t / (2.0 * a)
    r = jnp.sqrt(q * q + (c / (3.0 * a)) ** 3)
    return jnp.cbrt(q + r) + jnp.cbrt(q - r)


# Inverse link functions, by brms link name.
INV_LINKS: dict[str, Fn] = {
    "identity": lambda x: x,
    "log": jnp.exp,
    "inverse": lambda x: 1.0 / x,
    "sqrt": lambda x: x * x,
    "softplus": lambda x: jnp.logaddexp(x, 0.0),
    "logit": jax.nn.sigmoid,
    "probit": ndtr,
    "probit_approx": _phi_approx,
    "cloglog": lambda x: -jnp.expm1(-jnp.exp(x)),
    "cauchit": lambda x: 0.5 + jnp.arctan(x) / math.pi,
    "logm1": lambda x: jnp.exp(x) + 1.0,
    "log1p": jnp.expm1,
    "tan_half": lambda x: 2.0 * jnp.arctan(x),
    "1/mu^2": jax.lax.rsqrt,
}

# Forward link functions (parameter scale to linear-predictor scale).
LINKS: dict[str, Fn] = {
    "identity": lambda x: x,
    "log": jnp.log,
    "inverse": lambda x: 1.0 / x,
    "sqrt": jnp.sqrt,
    "softplus": lambda x: x + jnp.log(-jnp.expm1(-x)),
    "logit": lambda x: jnp.log(x) - jnp.log1p(-x),
    "probit": ndtri,
    "probit_approx": _inv_phi_approx,
    "cloglog": lambda x: jnp.log(-jnp.log1p(-x)),
    "cauchit": lambda x: jnp.tan(math.pi * (x - 0.5)),
    "logm1": lambda x: jnp.log(x - 1.0),
    "log1p": jnp.log1p,
    "tan_half": lambda x: jnp.tan(x / 2.0),
    "1/mu^2": lambda x: 1.0 / (x * x),
}


def _cauchit_log_cdf(x: Array) -> Array:
    # F(x) = 1/2 + atan(x)/pi = atan2(1, -x)/pi, accurate for large negative x.
    return jnp.log(jnp.arctan2(1.0, -x)) - math.log(math.pi)


# log F(x) and log(1 - F(x)) of the ordinal links.
LOG_CDF: dict[str, Fn] = {
    "logit": jax.nn.log_sigmoid,
    "probit": log_ndtr,
    "probit_approx": lambda x: jax.nn.log_sigmoid(0.07056 * x**3 + 1.5976 * x),
    "cloglog": lambda x: log1m_exp(-jnp.exp(x)),
    "cauchit": _cauchit_log_cdf,
}

LOG_CCDF: dict[str, Fn] = {
    "logit": lambda x: jax.nn.log_sigmoid(-x),
    "probit": lambda x: log_ndtr(-x),
    "probit_approx": lambda x: jax.nn.log_sigmoid(-(0.07056 * x**3 + 1.5976 * x)),
    "cloglog": lambda x: -jnp.exp(x),
    "cauchit": lambda x: _cauchit_log_cdf(-x),
}
