"""Stan's numerically stable math functions that the densities and the link functions share.

They sit below both (``dists`` is the bottom of backend/'s stages), so the links in
:mod:`brmsjax.backend.families.links` and the densities in :mod:`.stan` use one definition.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import Array

__all__ = ["log1m_exp", "log_diff_exp"]


def log1m_exp(x: Array) -> Array:
    """``log(1 - exp(x))`` for ``x <= 0``, accurate on both sides of ``-log(2)``."""
    x = jnp.asarray(x)
    safe = jnp.minimum(x, -1e-300)
    return jnp.where(x > -math.log(2.0), jnp.log(-jnp.expm1(safe)), jnp.log1p(-jnp.exp(safe)))


def log_diff_exp(a: Array, b: Array) -> Array:
    """``log(exp(a) - exp(b))`` for ``a >= b`` (Stan's ``log_diff_exp``)."""
    return a + log1m_exp(b - a)
