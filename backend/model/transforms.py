"""Stan's constraining transforms and prior pieces used by the lowered models.

``lkj_corr_cholesky_lpdf`` and :class:`StanCorrCholeskyTransform` reproduce Stan's LKJ density and
``cholesky_corr_constrain``; :func:`constraint` maps a parameter's bounds to a NumPyro constraint
(Stan's ``<lower=, upper=>``), and :func:`log_mass` is the truncation term brms adds for a bounded
prior (``- student_t_lccdf(0 | ...)``).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.special import gammaln
from numpyro.distributions import constraints
from numpyro.distributions.transforms import ParameterFreeTransform, biject_to

from brmsjax.backend.dists.densities import prior_cdf
from brmsjax.backend.dists.table import DISTRIBUTIONS

__all__ = [
    "Bound",
    "StanCorrCholeskyTransform",
    "constraint",
    "corr_cholesky",
    "lkj_corr_cholesky_constant",
    "lkj_corr_cholesky_kernel",
    "lkj_corr_cholesky_lpdf",
    "log_mass",
]

Bound = float | None


def lkj_corr_cholesky_lpdf(L: Array, eta: Array) -> Array:
    """Stan's ``lkj_corr_cholesky_lpdf(L | eta)`` with its normalizing constant.

    The constant is Stan's ``do_lkj_constant`` (Lewandowski, Kurowicka and Joe 2009, theorem 5)
    in its general form, which equals the ``eta == 1`` special case at ``eta = 1``.
    """
    return lkj_corr_cholesky_constant(L.shape[-1], eta) + lkj_corr_cholesky_kernel(L, eta)


def lkj_corr_cholesky_constant(K: int, eta: Array) -> Array:
    """The normalizing constant of :func:`lkj_corr_cholesky_lpdf` for ``K x K`` factors."""
    km1 = K - 1
    k = np.arange(1, K, dtype=float)
    return km1 * gammaln(eta + 0.5 * km1) - jnp.sum(
        0.5 * k * math.log(math.pi) + gammaln(eta + 0.5 * (km1 - k))
    )


def lkj_corr_cholesky_kernel(L: Array, eta: Array) -> Array:
    """:func:`lkj_corr_cholesky_lpdf` without its constant (a prior value's function only)."""
    km1 = L.shape[-1] - 1
    log_diag = jnp.log(jnp.diagonal(L)[1:])
    power = (km1 - np.arange(km1) - 1) + 2.0 * eta - 2.0
    return jnp.sum(power * log_diag)


class _StanCorrCholesky(constraints._CorrCholesky):
    """Cholesky factors of correlation matrices, unconstrained by Stan's transform."""


corr_cholesky = _StanCorrCholesky()


class StanCorrCholeskyTransform(ParameterFreeTransform):
    """Stan's ``cholesky_corr_constrain``: ``z = tanh(y)``, then row-wise stick breaking.

    Same map and Jacobian as NumPyro's ``CorrCholeskyTransform`` (``y`` fills the strict lower
    triangle row by row), written with static loops so small factors compile to a few fused
    operations.
    """

    domain = constraints.real_vector
    codomain = corr_cholesky

    @staticmethod
    def _dim(n: int) -> int:
        return int(round((1 + math.sqrt(1 + 8 * n)) / 2))

    def __call__(self, x: Array) -> Array:
        z = jnp.tanh(x)
        M = self._dim(x.shape[-1])
        one, zero = jnp.ones_like(z[..., 0]), jnp.zeros_like(z[..., 0])
        rows, k = [[one] + [zero] * (M - 1)], 0
        for i in range(1, M):
            row: list[Array] = []
            ss = zero
            for _ in range(i):
                v = z[..., k] if not row else z[..., k] * jnp.sqrt(1.0 - ss)
                row.append(v)
                ss = ss + v * v
                k += 1
            rows.append(row + [jnp.sqrt(1.0 - ss)] + [zero] * (M - i - 1))
        return jnp.stack([jnp.stack(r, axis=-1) for r in rows], axis=-2)

    def _inverse(self, y: Array) -> Array:
        M = y.shape[-1]
        out = []
        for i in range(1, M):
            ss = jnp.zeros_like(y[..., i, 0])
            for j in range(i):
                out.append(y[..., i, j] / jnp.sqrt(1.0 - ss))
                ss = ss + y[..., i, j] ** 2
        return jnp.arctanh(jnp.stack(out, axis=-1))

    def log_abs_det_jacobian(self, x: Array, y: Array, intermediates: Any = None) -> Array:
        tanh_logdet = -2.0 * jnp.sum(x + jax.nn.softplus(-2.0 * x) - math.log(2.0), axis=-1)
        stick = jnp.zeros_like(tanh_logdet)
        for i in range(2, y.shape[-1]):
            ss = jnp.zeros_like(tanh_logdet)
            for j in range(1, i):
                ss = ss + y[..., i, j - 1] ** 2
                stick = stick + 0.5 * jnp.log1p(-ss)
        return tanh_logdet + stick

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*shape[:-1], self._dim(shape[-1]), self._dim(shape[-1]))

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*shape[:-2], shape[-1] * (shape[-1] - 1) // 2)


@biject_to.register(_StanCorrCholesky)
def _stan_corr_cholesky(constraint: constraints.Constraint) -> StanCorrCholeskyTransform:
    return StanCorrCholeskyTransform()


def constraint(lb: Bound, ub: Bound) -> constraints.Constraint:
    """The NumPyro constraint of a parameter with bounds ``lb`` and ``ub`` (None: unbounded)."""
    if lb is None and ub is None:
        return constraints.real
    if ub is None:
        return constraints.positive if lb == 0 else constraints.greater_than(lb)
    if lb is None:
        return constraints.less_than(ub)
    return constraints.interval(lb, ub)


def log_mass(name: str, args: Array, lb: Bound, ub: Bound) -> Array:
    """Per element ``log(F(ub) - F(lb))`` as :func:`densities.log_prior` truncates, else 0."""
    lo, hi = DISTRIBUTIONS[name].support
    cut_lo = lb is not None and lb > lo
    cut_hi = ub is not None and ub < hi
    if not (cut_lo or cut_hi):
        return jnp.zeros(args.shape[:1], dtype=args.dtype)
    a = jnp.moveaxis(args, -1, 0)
    upper = prior_cdf(name, jnp.asarray(ub, args.dtype), a) if cut_hi else 1.0
    lower = prior_cdf(name, jnp.asarray(lb, args.dtype), a) if cut_lo else 0.0
    return jnp.broadcast_to(jnp.log(jnp.asarray(upper) - jnp.asarray(lower)), args.shape[:1])
