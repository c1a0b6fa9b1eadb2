"""``logistic_normal()``: brms 2.18's logistic-normal family of proportions ``cbind(y1, ...)``.

brms's Stan code (``make_stancode(cbind(p1, p2, p3) ~ x, family = logistic_normal())``)::

    vector multi_logit(vector y, int ref)      // log(y[k]) - log(y[ref]), k != ref
    real logistic_normal_cholesky_cor_lpdf(vector y, vector mu, vector sigma,
                                           matrix Lcor, int ref) {
      vector[D - 1] x = multi_logit(y, ref);
      matrix[D - 1, D - 1] Lcov = diag_pre_multiply(sigma, Lcor);
      return multi_normal_cholesky_lpdf(x | mu, Lcov) - sum(log(y));
    }

with ``mu[n] = [mup2[n], mup3[n]]'`` (identity link), ``sigma = [sigmap2, sigmap3]'`` and
``Llncor`` the Cholesky factor of the correlations ``lncor`` of the latent normals (prior
``lkj(1)``). brms's R side is ``dlogistic_normal`` (the same density) and
``rlogistic_normal`` (a multivariate normal draw mapped back by the softmax with a zero at the
reference category); ``posterior_epred`` is refused by brms ("Cannot compute expected values
of the posterior predictive distribution for family 'logistic_normal'.").

Here ``eta`` is ``(..., N, ncat)`` as for the other categorical-type families (a zero column
first, then ``mu<cat>`` of the non-reference categories in order); ``dpars["sigma"]`` stacks
the categories' sds ``(..., N, ncat - 1)`` and ``dpars["Llncor"]`` is the Cholesky factor
``(..., K, K)`` with ``K = ncat - 1`` (both broadcast against eta's leading dimensions).
:meth:`LogisticNormal.with_categories` names the sds by the categories (brms's ``sigmap2``,
... with the default ``student_t(3, 0, 2.5)``) for ``get_prior`` and fitting; the model
program samples ``Llncor`` and saves ``lncor``
(:mod:`brmsjax.backend.model.family_programs.logistic_normal`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
from jax import Array

from brmsjax.backend.families.compositional.multinomial import Dirichlet
from brmsjax.backend.families.ordinal import Categorical
from brmsjax.formula.design.ir import Design
from brmsjax.formula.design.matrix import make_stan_names
from brmsjax.formula.errors import ModelError

__all__ = [
    "LogisticNormal",
    "family_for_design",
    "logistic_normal_lpdf",
    "multi_logit",
]

#: brms 2.18's default prior of each scalar ``sigma<cat>``.
SIGMA_PRIOR = "student_t(3, 0, 2.5)"


def multi_logit(y: Array, ref: int = 0) -> Array:
    """brms's ``multi_logit``: ``log(y_k) - log(y_ref)`` of the categories ``k != ref``."""
    logy = jnp.log(jnp.asarray(y, dtype=float))
    others = jnp.delete(logy, ref, axis=-1, assume_unique_indices=True)
    return others - logy[..., ref : ref + 1]


def _forward_solve(lower: Array, b: Array) -> Array:
    """``lower^{-1} b`` for lower-triangular ``lower (..., K, K)`` and ``b (..., K)``, by
    forward substitution (K is small; leading dimensions broadcast)."""
    k = b.shape[-1]
    out: list[Array] = []
    for i in range(k):
        acc = b[..., i]
        for j in range(i):
            acc = acc - lower[..., i, j] * out[j]
        out.append(acc / lower[..., i, i])
    return jnp.stack(out, axis=-1)


def logistic_normal_lpdf(y: Array, mu: Array, sigma: Array, lcor: Array, ref: int = 0) -> Array:
    """brms's ``logistic_normal_cholesky_cor_lpdf(y | mu, sigma, Lcor, ref)`` per row.

    Parameters
    ----------
    y
        Proportions ``(..., D)``, rows summing to 1.
    mu, sigma
        Means and sds of the log ratios ``(..., D - 1)``.
    lcor
        Cholesky factor of their correlation matrix ``(..., D - 1, D - 1)``.
    ref
        0-based index of the reference category.
    """
    y = jnp.asarray(y, dtype=float)
    x = multi_logit(y, ref)
    sigma = jnp.asarray(sigma, dtype=float)
    lcor = jnp.asarray(lcor, dtype=float)
    z = (x - jnp.asarray(mu, dtype=float)) / sigma
    w = _forward_solve(lcor, z)
    k = x.shape[-1]
    log_det = jnp.sum(jnp.log(sigma), axis=-1) + jnp.sum(
        jnp.log(jnp.diagonal(lcor, axis1=-2, axis2=-1)), axis=-1
    )
    mvn = -0.5 * jnp.sum(w * w, axis=-1) - log_det - 0.5 * k * math.log(2.0 * math.pi)
    return mvn - jnp.sum(jnp.log(y), axis=-1)


def family_for_design(family: Any, design: Design) -> Any:
    """``family`` with a logistic_normal family's ``sigma<cat>`` named by the design's
    categories (other families as they are)."""
    if not isinstance(family, LogisticNormal) or not design.response.levels:
        return family
    out = family.with_categories(tuple(design.response.levels))
    predicted = [b.dpar for b in design.fixed] + [d for g in design.groups for d in g.dpars]
    for dpar in dict.fromkeys(predicted):
        if dpar.startswith("sigma") and dpar not in out.dpars:
            raise ModelError(  # brms's message for a parameter the family lacks
                f"The parameter '{dpar}' is not a valid distributional or non-linear "
                "parameter. Did you forget to set 'nl = TRUE'?"
            )
    return out


@dataclass(frozen=True)
class LogisticNormal(Categorical):
    """``logistic_normal()``: proportions whose log ratios to the reference category are
    multivariate normal with means ``mu<cat>``, sds ``sigma<cat>`` and correlations
    ``lncor``."""

    support: ClassVar[str] = "logistic_normal"
    #: 0-based index of the reference category (brms's ``refcat = NULL``: the first).
    ref: ClassVar[int] = 0

    def _parts(self, eta: Array, dpars: Mapping[str, Array]) -> tuple[Array, Array, Array]:
        eta = jnp.asarray(eta, dtype=float)
        mu = eta[..., 1:]  # the zero column of the reference category dropped
        if "sigma" in dpars:
            sigma = jnp.asarray(dpars["sigma"], dtype=float)
        else:  # the categories' sigma<cat>, each a scalar or (..., N)
            parts = [jnp.asarray(dpars[d], dtype=float) for d in self.dpars]
            shape = jnp.broadcast_shapes(*(p.shape for p in parts))
            sigma = jnp.stack([jnp.broadcast_to(p, shape) for p in parts], axis=-1)
        sigma = jnp.broadcast_to(sigma, mu.shape)
        lcor = jnp.asarray(dpars["Llncor"], dtype=float)
        return mu, sigma, lcor

    def with_categories(self, levels: tuple[str, ...]) -> LogisticNormal:
        """The family of a response with categories ``levels``: one ``sigma<cat>`` per
        non-reference category (brms's ``sigmap2``, ``sigmap3``, ...) in place of ``sigma``."""
        link = self.dpar_links.get("sigma", next(iter(self.dpar_links.values()), "log"))
        names = make_stan_names([f"sigma{lv}" for lv in levels])[1:]
        return replace(
            self,
            dpars=names,
            dpar_links=dict.fromkeys(names, link),
            dpar_bounds=dict.fromkeys(names, (0.0, None)),
            dpar_priors=dict.fromkeys(names, SIGMA_PRIOR),
        )

    def links_line(self, predicted: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> str:
        """brms's ``mup2 = identity; mup3 = identity; sigmap2 = identity; sigmap3 = identity``
        (a ``sigma<cat>``'s link where predicted)."""
        sigmas = "; ".join(
            f"{d} = {self.dpar_links[d] if d in predicted else 'identity'}"
            for d in self.dpars
            if d != "sigma"
        )
        return "; ".join(x for x in (super().links_line(predicted, categories), sigmas) if x)

    def log_lik_eta(
        self, y: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """``logistic_normal_cholesky_cor_lpdf(Y[n] | mu[n], sigma, Llncor, 1)`` per row."""
        mu, sigma, lcor = self._parts(eta, dpars)
        return logistic_normal_lpdf(y, mu, sigma, lcor, self.ref)

    def epred(self, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]) -> Array:
        """Refused as brms refuses it (the mean has no closed form)."""
        raise ModelError(
            "Cannot compute expected values of the posterior predictive distribution for "
            "family 'logistic_normal'."
        )

    def rng(
        self, key: Array, eta: Array, dpars: Mapping[str, Array], addition: Mapping[str, Array]
    ) -> Array:
        """brms's ``rlogistic_normal``: ``x ~ multi_normal(mu, diag(sigma) Lcor Lcor'
        diag(sigma))``, then ``softmax`` of ``x`` with a zero at the reference category;
        ``(..., N, ncat)``."""
        mu, sigma, lcor = self._parts(eta, dpars)
        z = jax.random.normal(key, mu.shape, dtype=mu.dtype)
        x = mu + sigma * jnp.einsum("...ij,...j->...i", lcor, z)
        full = jnp.insert(x, self.ref, 0.0, axis=-1)
        return jax.nn.softmax(full, axis=-1)

    def check_response(
        self, name: str, y: Any, levels: tuple[str, ...] | None, addition: Mapping[str, Any]
    ) -> None:
        """brms's checks: values in (0, 1) whose rows sum to 1 (as for dirichlet)."""
        Dirichlet.check_response(self, name, y, levels, addition)  # type: ignore[arg-type]
