"""The hybrid form: the group-level ID with the most effects integrated out, the others sampled.

In a gaussian identity-link model with several group-level IDs, the crossed marginal form
(:mod:`.loglik`) integrates out every group effect, at ``O(q2^3)`` per gradient for the
``q2`` effects of the IDs besides the largest (lme4's InstEval: 1,142 lecturers and
departments, 0.2 s per gradient). The hybrid form integrates out exactly only the *eliminated*
ID ``b`` (the one with the most effects ``L_k M_k``, :func:`~.data.eliminated_index`) and
samples the other IDs' effects with ``Intercept, b, sd, L, sigma`` as the plain form does
(non-centred or centred per :func:`~brmsjax.backend.model.geometry.centred_coordinates`).
Given the sampled effects, the rows' residuals ``e = y - offset - P beta - sum_k Z_k r_k``
(the sum over the sampled IDs) leave a one-term model in ``b``: per level ``j``, with ``A``
a square root of ``Sigma_b``::

    h_j = A' Z_j'W e                       (M,)  one scatter over the rows
    K_j = I + A' (Z_j'W Z_j) A / sigma^2   (M, M) = F_j F_j'   (Z_j'W Z_j from the host)
    log_lik = -sum(w)/2 log(2 pi sigma^2) - e'W e / (2 sigma^2)
              + sum_j ( -log|K_j| / 2 + |F_j^-1 h_j|^2 / (2 sigma^4) )
    r_j | rest = A F_j^-T (F_j^-1 h_j / sigma^2 + eps_j)

(:mod:`~brmsjax.backend.model.marginal` with the residuals in place of ``y - P beta``.) A
gradient costs ``O(N (p + M))``: one gather of each sampled ID's effects and one scatter
onto the eliminated levels, where the sampled students of the plain form cost thousands of
coordinates and long trajectories. Each saved draw gets ``r_b`` from its exact gaussian
conditional, so the draws are brms's joint posterior.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.backend.model.crossed.data import crossed_blocker, eliminated_index
from brmsjax.backend.model.marginal import (
    UNROLL_MAX,
    _cholesky,
    _dense,
    _forward,
    _level_inputs,
    _rows,
    conditional_effects,
)
from brmsjax.formula.errors import ModelError

__all__ = [
    "HYBRID_MIN_ROWS",
    "eliminated_id",
    "hybrid_blocker",
    "hybrid_data",
    "hybrid_effects",
    "hybrid_forms",
    "hybrid_log_lik",
    "pick_hybrid",
]


#: Fewest rows for ``likelihood = "auto"`` to pick the hybrid form (:func:`pick_hybrid`): none.
#: Below :data:`~brmsjax.backend.model.forms.SUFF_MIN_ROWS` rows the crossed form does not pay
#: (its dense factor and the search of the mode for its metric), and the plain form samples the
#: eliminated ID's funnel. On lme4's Penicillin (144 rows, 24 plates x 6 samples, 4 chains x
#: (1000 + 1000)) the plain form ran 67-78 leapfrog steps per iteration and a least bulk ESS
#: of 551 (``b_Intercept``); the hybrid form (plates integrated out, samples centred) 6.8 and
#: 5,821, at the same gradient cost and compile time (benchmarks/RESULTS.md, "Penicillin").
HYBRID_MIN_ROWS = 0


def eliminated_id(groups: Sequence[Any]) -> int:
    """The id of the ``GroupPlan`` the hybrid form integrates out (the most effects)."""
    return groups[eliminated_index([(g.n_levels, g.M) for g in groups])].id


def hybrid_blocker(groups: Sequence[Any]) -> str | None:
    """Why the hybrid form cannot take these ``GroupPlan``s, or None.

    Two IDs or more whose effects enter mu with one level per row, no known covariance, no
    ``gr(by = )`` and no student-t effects (the sampled IDs' effects are mapped as
    :func:`~brmsjax.backend.model.group_terms.group_map` maps them).
    """
    if len(groups) < 2:
        return "the model has fewer than two group-level IDs"
    reason = crossed_blocker(groups)
    if reason is not None and "effects, more than" not in reason:  # no dense block here
        return reason
    for g in groups:
        if getattr(g, "nby", 0):
            return "a group's sd and cor vary by a factor (gr(by = ))"
        if getattr(g, "student", False):
            return "a group's effects are student-t (gr(dist = 'student'))"
    return None


def pick_hybrid(
    likelihood: str, base: str | None, groups: Sequence[Any], *, rows: int, least: int, auto: bool
) -> bool:
    """Whether a model gets the hybrid form.

    ``base`` is why a gaussian identity-link likelihood with one ID cannot be used
    (:func:`~brmsjax.backend.model.forms.suffstat_blocker` of the first ID), ``rows`` the
    rows and ``least`` the fewest rows for ``"auto"`` to pick it (:data:`HYBRID_MIN_ROWS`);
    ``auto`` says whether ``"auto"`` may (the marginal forms are allowed and the crossed form
    is not picked). ``likelihood = "hybrid"`` where it cannot
    be used raises a ModelError.
    """
    reason = base or hybrid_blocker(groups)
    if likelihood == "hybrid":
        if reason is not None:
            raise ModelError(f"The hybrid likelihood cannot be used here: {reason}.")
        return True
    return likelihood == "auto" and auto and reason is None and rows >= least


def hybrid_data(
    data: Mapping[str, Any], y: np.ndarray, P: np.ndarray, groups: Sequence[Any]
) -> dict[str, np.ndarray]:
    """The hybrid form's data: ``y`` (minus offsets, log y for lognormal) ``(N,)``, ``P``
    ``(N, p)``, ``n`` (sum of the weights) and the eliminated ID's ``ZZ`` ``(M, M, L)``
    (levels last, as :mod:`~brmsjax.backend.model.marginal` stores it)."""
    g = next(h for h in groups if h.id == eliminated_id(groups))
    N = len(y)
    w = data["addition"].get("weights")
    w = np.ones(N) if w is None else np.asarray(w, dtype=np.float64)
    J = np.asarray(data["J"][str(g.id)], dtype=np.int64)
    Z = np.asarray(data["Z"][str(g.id)], dtype=np.float64).reshape(N, g.M)
    ZZ = np.zeros((g.n_levels, g.M, g.M))
    np.add.at(ZZ, J, w[:, None, None] * Z[:, :, None] * Z[:, None, :])
    return {
        "y": np.asarray(y, dtype=np.float64),
        "P": np.asarray(P, dtype=np.float64).reshape(N, -1),
        "n": np.asarray(w.sum()),
        "ZZ": np.ascontiguousarray(np.moveaxis(ZZ, 0, -1)),
    }


def _level_statistics(
    groups: Sequence[Any],
    beta: Array,
    sampled: Mapping[int, Array],
    data: Any,
) -> tuple[Any, dict[str, Array]]:
    """The eliminated ``GroupPlan`` and the one-term statistics of the residuals around
    ``r_b = 0`` (:func:`~brmsjax.backend.model.marginal._level_inputs`' ``suff`` with no
    population columns)."""
    suff = data["suff"]
    e = suff["y"] - suff["P"] @ beta
    gb = next(g for g in groups if g.id not in sampled)
    for g in groups:
        if g.id in sampled:
            key = str(g.id)
            e = e - jnp.sum(sampled[g.id][data["J"][key]] * data["Z"][key], axis=1)
    w = data["addition"].get("weights")
    we = e if w is None else w * e
    key = str(gb.id)
    Ze = jax.ops.segment_sum(
        data["Z"][key] * we[:, None],
        data["J"][key],
        num_segments=gb.n_levels,
        indices_are_sorted=gb.gather == "sorted",
    ).T
    Mb = gb.M
    stats = {
        "beta0": jnp.zeros(0, e.dtype),
        "Pe": jnp.zeros(0, e.dtype),
        "PP": jnp.zeros((0, 0), e.dtype),
        "ZP": jnp.zeros((Mb, 0, gb.n_levels), e.dtype),
        "ee": jnp.sum(we * e),
        "Ze": Ze,
        "ZZ": suff["ZZ"],
    }
    return gb, stats


def _eliminated_block(
    groups: Sequence[Any],
    params: Mapping[str, Array],
    data: Any,
    beta: Array,
    sampled: Mapping[int, Array],
) -> tuple[dict[str, Array], Array]:
    """The eliminated ID's one-term statistics (:func:`_level_statistics`) and the square
    root ``A`` of its effects' covariance, which both :func:`hybrid_log_lik` and
    :func:`hybrid_effects` start from."""
    from brmsjax.backend.model.group_terms import effects_sqrt

    gb, stats = _level_statistics(groups, beta, sampled, data)
    return stats, effects_sqrt(gb, params, data)


def hybrid_log_lik(  # noqa: PLR0917
    groups: Sequence[Any],
    params: Mapping[str, Array],
    data: Any,
    beta: Array,
    sigma: Array,
    sampled: Mapping[int, Array],
) -> Array:
    """The hybrid form's log likelihood (module docstring): ``sampled`` holds the effects
    ``(L_k, M_k)`` of every ID but the eliminated one, ``beta`` ``(Intercept, b)`` as ``P``'s
    columns."""
    stats, A = _eliminated_block(groups, params, data, beta, sampled)
    var = sigma * sigma
    nothing = jnp.zeros(0, stats["ee"].dtype)
    _, K, rhs = _level_inputs(nothing, A, sigma, stats)
    M = A.shape[0]
    if M <= UNROLL_MAX:  # plain autodiff: the residuals (so h_j) depend on the parameters
        F = _cholesky(_rows(K))
        logdet = 2.0 * sum((jnp.sum(jnp.log(F[i][i])) for i in range(M)), jnp.zeros(()))
        quad = jnp.sum(jnp.square(_forward(F, rhs)))
    else:
        C = _dense(K, M)
        logdet = 2.0 * jnp.sum(jnp.log(jnp.diagonal(C, axis1=-2, axis2=-1)))
        sol = jax.scipy.linalg.solve_triangular(C, rhs.T[..., None], lower=True)[..., 0]
        quad = jnp.sum(sol * sol)
    return (
        data["suff"].get("jacobian", 0.0)
        - 0.5 * data["suff"]["n"] * jnp.log(2.0 * math.pi * var)
        - 0.5 * stats["ee"] / var
        - 0.5 * logdet
        + 0.5 * quad / (var * var)
    )


def hybrid_effects(  # noqa: PLR0917
    groups: Sequence[Any],
    params: Mapping[str, Array],
    data: Any,
    beta: Array,
    sigma: Array,
    sampled: Mapping[int, Array],
    key: Array,
) -> Array:
    """A draw of the eliminated ID's effects ``(L_b, M_b)`` from their exact gaussian
    conditional given the sampled effects and the other parameters."""
    stats, A = _eliminated_block(groups, params, data, beta, sampled)
    return conditional_effects(jnp.zeros(0, stats["ee"].dtype), A, sigma, stats, key)


def hybrid_forms(  # noqa: PLR0917
    data: dict[str, Any],
    y: np.ndarray,
    P: np.ndarray,
    fixed: Sequence[Any],
    groups: Sequence[Any],
    request: tuple[str, bool, str | None, int],
) -> bool:
    """Whether a lowered model gets the hybrid form (:func:`pick_hybrid`); if so, its data go
    into ``data["suff"]`` (:func:`hybrid_data`).

    ``y`` is the response (log y for lognormal), ``P`` mu's population columns, ``request``
    ``(likelihood, auto, base, least)`` as :func:`pick_hybrid` takes them.
    """
    likelihood, auto, base, least = request
    if not pick_hybrid(likelihood, base, groups, rows=len(y), least=least, auto=auto):
        return False
    if fixed[0].offset:
        y = y - np.asarray(data["offset"][""], dtype=np.float64)
    data["suff"] = hybrid_data(data, y, P, groups)
    return True
