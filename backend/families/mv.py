"""The family of a multivariate model: one family per response, with residual correlations.

brms 2.18 names every parameter of a response with the response as suffix (``sigma_y1``);
the flat multivariate design (:mod:`brmsjax.formula.design.mv.ir_mv`) names the responses' mu
predictors by the response (``y1``). :class:`MvFamily` lists the responses' auxiliary
parameters so named, so that the lowering samples, bounds and links them as any family's, and
evaluates the joint likelihood: brms's ``multi_normal_cholesky`` (``Sigma = diag(sigma) Lrescor
Lrescor' diag(sigma)``) or ``multi_student_t`` (one shared ``nu``; the responses' own ``nu``
are fixed to 1, as brms does) where the residuals correlate, else the sum of the responses'
univariate log likelihoods.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.linalg import solve_triangular
from jax.scipy.special import gammaln

from brmsjax.backend.families.registry import Family, get_family
from brmsjax.formula.design.mv.ir_mv import mv_dpar
from brmsjax.formula.errors import ModelError

__all__ = ["MvFamily", "mv_family"]


@dataclass(frozen=True)
class MvFamily(Family):
    """A multivariate family (``kind == "multivariate"``).

    Attributes
    ----------
    responses
        brms's response names, in formula order.
    members
        The family of each response.
    rescor
        Whether the residuals correlate (site ``L_rescor``, draws ``rescor__y1__y2``).
    """

    responses: tuple[str, ...] = ()
    members: tuple[Family, ...] = ()
    rescor: bool = False

    @property
    def nresp(self) -> int:
        """Number of responses."""
        return len(self.responses)

    @property
    def student(self) -> bool:
        """Whether the residuals follow a multivariate student-t (one shared ``nu``)."""
        return self.rescor and self.members[0].name == "student"

    def member(self, resp: str) -> Family:
        """The family of response ``resp``."""
        return self.members[self.responses.index(resp)]

    def links_line(self, predicted: tuple[str, ...] = (), categories: tuple[str, ...] = ()) -> str:
        """brms's ``Links:`` lines, one per response."""
        lines = []
        for resp, fam in zip(self.responses, self.members, strict=True):
            mine = tuple(d[: -len(resp) - 1] for d in predicted if d.endswith(f"_{resp}"))
            lines.append(fam.links_line(mine))
        return "\n".join(lines)

    def response_values(self, y: Any, levels: tuple[str, ...] | None) -> np.ndarray:
        """The ``(N, nresp)`` response matrix."""
        return np.asarray(y, dtype=float)

    def resp_dpars(self, resp: str, dpars: Mapping[str, Any]) -> dict[str, Any]:
        """The auxiliary parameters of response ``resp`` under their own names (``sigma``)."""
        fam = self.member(resp)
        return {d: dpars[mv_dpar(d, resp)] for d in fam.dpars if mv_dpar(d, resp) in dpars}

    def mv_log_lik(
        self,
        y: Array,
        eta: Mapping[str, Array],
        dpars: Mapping[str, Array],
        L: Array | None,
        keep: Array | None = None,
    ) -> Array:
        """Pointwise joint log likelihood ``(N,)`` of the ``(N, nresp)`` response ``y``.

        ``eta`` holds each response's mu predictor (by response name) and ``dpars`` the
        auxiliary parameters by brms's names (``sigma_y1``, shared ``nu``); ``L`` is the
        Cholesky factor of the residual correlations (None without them); ``keep`` (an
        ``(N, nresp)`` 0/1 mask) drops the rows outside a response's ``subset()``.
        """
        zeros = jnp.zeros(y.shape[:-1], dtype=y.dtype)
        if not self.rescor or L is None:
            total = zeros
            for r, (resp, fam) in enumerate(zip(self.responses, self.members, strict=True)):
                e = eta.get(resp, zeros)
                lp = fam.log_lik_eta(y[..., r], e, self.resp_dpars(resp, dpars), {})
                total = total + (lp if keep is None else lp * keep[:, r])
            return total
        mu = jnp.stack(
            [
                fam.inv_link(eta.get(resp, zeros))
                for resp, fam in zip(self.responses, self.members, strict=True)
            ],
            axis=-1,
        )
        sigma = jnp.stack(
            [jnp.broadcast_to(dpars[f"sigma_{resp}"], zeros.shape) for resp in self.responses],
            axis=-1,
        )
        return rescor_lpdf(y, mu, sigma, L, dpars.get("nu") if self.student else None)


def rescor_lpdf(y: Array, mu: Array, sigma: Array, L: Array, nu: Array | None = None) -> Array:
    """``multi_normal_cholesky_lpdf(y | mu, diag(sigma) L)`` per row, or with ``nu``
    ``multi_student_t_lpdf(y | nu, mu, diag(sigma) L L' diag(sigma))``.

    ``y``, ``mu`` and ``sigma`` are ``(..., R)``; ``L`` is ``(R, R)`` or ``(..., R, R)``
    broadcasting over the leading dimensions; ``nu`` a scalar or ``(...)``. The quadratic form
    is ``|L^-1 diag(sigma)^-1 (y - mu)|^2``, so ``sigma`` may vary by row.
    """
    z = (y - mu) / sigma
    R = y.shape[-1]
    Lb = jnp.broadcast_to(L, (*z.shape, R))
    w = solve_triangular(Lb, z[..., None], lower=True)[..., 0]
    q = jnp.sum(w * w, axis=-1)
    log_det = jnp.sum(jnp.log(sigma), axis=-1) + jnp.sum(
        jnp.log(jnp.diagonal(Lb, axis1=-2, axis2=-1)), axis=-1
    )
    if nu is None:
        return -0.5 * q - log_det - 0.5 * R * math.log(2 * math.pi)
    return (
        gammaln((nu + R) / 2)
        - gammaln(nu / 2)
        - 0.5 * R * jnp.log(nu * math.pi)
        - log_det
        - 0.5 * (nu + R) * jnp.log1p(q / nu)
    )


def mv_family(
    responses: Sequence[str], families: Sequence[str | Family | None], rescor: bool
) -> MvFamily:
    """The :class:`MvFamily` of responses with the given families (None is gaussian)."""
    members = tuple(get_family("gaussian" if f is None else f) for f in families)
    for fam in members:
        if fam.kind not in ("continuous", "discrete"):
            raise ModelError(
                f"The {fam.name} family is not supported yet in multivariate models in brmsjax."
            )
    dpars, links, bounds, priors = [], {}, {}, {}
    for resp, fam in zip(responses, members, strict=True):
        for d in fam.dpars:
            name = mv_dpar(d, resp)
            dpars.append(name)
            if d in fam.dpar_links:
                links[name] = fam.dpar_links[d]
            if d in fam.dpar_bounds:
                bounds[name] = fam.dpar_bounds[d]
            if d in fam.dpar_priors:
                priors[name] = fam.dpar_priors[d]
        links[resp] = fam.link
    if rescor and members[0].name == "student":
        dpars.append("nu")
        bounds["nu"] = members[0].dpar_bounds.get("nu", (1.0, None))
        priors["nu"] = members[0].dpar_priors.get("nu", "gamma(2, 0.1)")
    return MvFamily(
        name=f"MV({', '.join(f.name for f in members)})",
        link=members[0].link,
        dpars=tuple(dpars),
        dpar_links=links,
        dpar_bounds=bounds,
        dpar_priors=priors,
        kind="multivariate",
        responses=tuple(responses),
        members=members,
        rescor=rescor,
    )
