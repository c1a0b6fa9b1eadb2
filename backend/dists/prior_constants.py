"""Prior densities split into a constant and a kernel, for priors whose constant is costly.

A prior's log density ``lpdf(x | args)`` is ``const(args) + kernel(x, args)``. The constant
depends on the prior values only, so :func:`brmsjax.backend.model.prior_values.prepare_prior_args`
computes it once per run (beside the truncation terms) and the log density the sampler
differentiates keeps only the kernel. Why: Student's t (brms's default prior of intercepts,
``sd`` and ``sigma``) has two log-gamma functions in its constant, and XLA expands each into
dozens of operations in every program that evaluates the density (the sampler's, the mode
search's, the draws' ``lprior``); taking them out cut the sampler program's compile time of
sleepstudy's model by about a fifth (benchmarks/RESULTS.md, "Compile and import time").
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax.numpy as jnp
from jax import Array
from jax.scipy.special import gammaln

__all__ = ["SPLIT", "prior_constant", "prior_kernel"]


def _student_t_constant(nu: Array, mu: Array, sigma: Array) -> Array:
    del mu
    return (
        gammaln((nu + 1.0) / 2.0) - gammaln(nu / 2.0) - 0.5 * jnp.log(nu * math.pi) - jnp.log(sigma)
    )


def _student_t_kernel(y: Array, nu: Array, mu: Array, sigma: Array) -> Array:
    z = (y - mu) / sigma
    return -(nu + 1.0) / 2.0 * jnp.log1p(z * z / nu)


#: Distribution name -> (constant of the arguments, kernel of the value and the arguments).
SPLIT: dict[str, tuple[Callable[..., Array], Callable[..., Array]]] = {
    "student_t": (_student_t_constant, _student_t_kernel),
}


def _columns(args: Array) -> Array:
    """Argument vectors as :func:`~brmsjax.backend.dists.densities.log_prior` reads them."""
    return jnp.moveaxis(jnp.asarray(args), -1, 0) if jnp.ndim(args) > 1 else jnp.asarray(args)


def prior_constant(name: str, args: Array, n: int) -> Array:
    """Sum over ``n`` elements of the constant of prior ``name`` with ``args`` (``(n_args,)``
    shared, or ``(n, n_args)`` per element)."""
    const = SPLIT[name][0](*_columns(args))
    return jnp.sum(jnp.broadcast_to(const, (n,)))


def prior_kernel(name: str, x: Array, args: Array) -> Array:
    """Sum over the elements of ``x`` of the kernel of prior ``name`` (no truncation)."""
    return jnp.sum(SPLIT[name][1](x, *_columns(args)))
