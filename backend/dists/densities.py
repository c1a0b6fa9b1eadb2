"""Prior densities in brms/Stan parameterizations, written in JAX.

A prior is a distribution name plus argument values (:class:`PriorSpec`). The name and bounds are
structure (they choose the code); the argument values are data passed to the compiled program, so a
refit with other prior values reuses it. The densities, CDFs and supports come from the
distribution table (:mod:`brmsjax.backend.dists.table`) that the families use too. Log
densities include every normalizing constant, as brms's ``lprior`` does, and bounded priors are
truncated exactly as brms writes them::

    lprior += student_t_lpdf(sd_1 | 3, 0, 59.3) - 2 * student_t_lccdf(0 | 3, 0, 59.3);
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
from jax import Array

from brmsjax.backend.dists.table import DIST_ARITY, DISTRIBUTIONS

__all__ = ["DIST_ARITY", "PriorSpec", "log_prior", "prior_cdf"]


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
        if self.dist == "dirichlet" and len(self.args) > 1:
            return f"dirichlet(c({', '.join(_format_number(a) for a in self.args)}))"
        return f"{self.dist}({', '.join(_format_number(a) for a in self.args)})"


def _format_number(x: float) -> str:
    """Format a prior argument as R prints it (``3``, ``288.7``, ``0.01``)."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.15g}"


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
    entry = DISTRIBUTIONS.get(dist)
    if entry is None or entry.lpdf is None or not entry.prior:
        raise ValueError(f"No log density for the prior distribution '{dist}'.")
    lp = jnp.sum(entry.lpdf(x, *a))
    lo, hi = entry.support
    cut_lo = lb is not None and lb > lo
    cut_hi = ub is not None and ub < hi
    if not (cut_lo or cut_hi):
        return lp
    upper = prior_cdf(dist, jnp.asarray(ub), a) if cut_hi else 1.0
    lower = prior_cdf(dist, jnp.asarray(lb), a) if cut_lo else 0.0
    mass = jnp.broadcast_to(jnp.asarray(upper) - jnp.asarray(lower), jnp.shape(x))
    return lp - jnp.sum(jnp.log(mass))


def prior_cdf(dist: str, x: Array, a: Array) -> Array:
    """CDF of the prior ``dist`` at ``x`` with argument vector ``a`` (for truncation to bounds)."""
    entry = DISTRIBUTIONS.get(dist)
    if entry is None or entry.cdf is None:
        raise ValueError(f"The prior distribution '{dist}' cannot be truncated to bounds.")
    return entry.cdf(x, *a)
