"""Linear predictors: the one place that sums a model's terms into ``eta`` per dpar.

Fitting (:meth:`~brmsjax.backend.model.program.ModelProgram.linear_predictors`, one parameter
value, ``(N,)`` rows) and prediction (:mod:`brmsjax.backend.predict`, a chunk of draws,
``(S, N)``) both build brms's

    eta[dpar] = Intercept + X b + offset + sum_k sum_m r_k[J_k, m] Z_k[:, m]

and hand mu's predictor to the likelihood in the same shape (categorical models: a zero column
for the reference category, then ``mu2``, ``mu3``, ...). They differ in how a term is computed
(centred ``X`` with a separate intercept and gathers chosen per group when fitting; uncentred
``X`` and a per-column take over draws when predicting), so each caller computes its terms and
this module adds them, in the order given, and fills in the dpars that have none: the sums,
and with them every number, are the same as when each caller summed on its own.
:func:`structure_group_effects` gives the fitting side's group effects ``r_k``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jax.numpy as jnp
from jax import Array

from brmsjax.backend.model.crossed.hybrid import eliminated_id, hybrid_effects
from brmsjax.backend.model.crossed.loglik import crossed_effects
from brmsjax.backend.model.forms import population_beta
from brmsjax.backend.model.group_terms import effects_sqrt, group_map, student_scale
from brmsjax.backend.model.marginal import conditional_effects
from brmsjax.backend.model.plans import Structure

__all__ = ["linear_predictors", "mu_eta", "structure_group_effects"]


def linear_predictors(
    population: Iterable[tuple[str, Sequence[Array]]],
    groups: Iterable[tuple[str, Array]],
    zeros: Array,
    categories: Sequence[str] = (),
) -> dict[str, Array]:
    """``eta`` per distributional parameter (``""`` is mu) from its terms.

    Parameters
    ----------
    population
        ``(dpar, terms)`` per population-level block: the intercept, ``X b`` and offset that the
        block has, added left to right onto ``zeros``.
    groups
        ``(dpar, part)`` group-level contributions, added in order onto the dpar's predictor
        (onto ``zeros`` for a dpar without a population-level block).
    zeros
        Zeros of the predictor's shape (``(N,)`` or ``(S, N)``).
    categories
        The dpars of a categorical model's non-reference categories (``mu2``, ...): each gets
        a predictor (zeros where it has no term) and mu none; otherwise mu gets zeros when it
        has no term.

    Returns
    -------
    dict
        The predictor of every dpar with a term, plus the defaults above.
    """
    eta: dict[str, Array] = {}
    for dpar, terms in population:
        e = zeros
        for term in terms:
            e = e + term
        eta[dpar] = e
    for dpar, part in groups:
        eta[dpar] = eta[dpar] + part if dpar in eta else zeros + part
    for d in categories or ("",):
        eta.setdefault(d, zeros)
    return eta


def mu_eta(eta: Mapping[str, Array], categories: Sequence[str] = ()) -> Array:
    """mu's linear predictor as the likelihood takes it.

    ``eta[""]``, or for a categorical model ``(..., ncat)``: a zero column for the reference
    category, then the categories' predictors in order.
    """
    if not categories:
        return eta[""]
    first = eta[categories[0]]
    return jnp.stack([jnp.zeros_like(first), *(eta[d] for d in categories)], axis=-1)


def structure_group_effects(
    structure: Structure, params: Mapping[str, Array], data: Any, key: Array | None = None
) -> dict[int, Array]:
    """``r_k`` as ``(n_levels, M)`` matrices, distributed as brms's ``(diag(sd) L z)^T``.

    brms maps ``z ~ N(0, I)`` to ``r = S z`` with ``S = diag(sd) L`` (``diag(sd)`` for
    ``||``). With a varying intercept and covariates that are not centred (the seed's
    ``(age + female + black | class)``), the data pin down each level's effect at the mean
    of the covariates far better than its intercept at zero, and the level's intercept and
    slope are strongly correlated in ``z``. A sheared group samples the same ``z ~ N(0, I)``
    but maps it through the centred coordinates: with ``T`` the shear that moves the
    intercept to the covariate means (``T[0, m] = mean(Z[:, m])``),
    ``r = T^-1 chol(T S S' T') z``. Given ``sd`` and ``L``, ``r ~ N(0, S S')`` either way,
    so the model (prior, likelihood and posterior of every brms parameter) is the same;
    only the sampler's coordinates differ.

    A centred group (``GroupPlan.centred = k``) samples the first ``k`` coordinates of
    ``C z`` (``C = chol(T S S' T')``) instead of ``z``: ``z_1:k = C11^-1 w_1:k``; with
    ``k = M`` the site holds ``T r`` itself (no Cholesky). See :func:`group_map`.

    In the marginal form no ``z`` is sampled: ``r`` is drawn from its exact conditional
    given the other parameters and the data (:mod:`brmsjax.backend.model.marginal`), with the
    random ``key`` that form needs.
    """
    if structure.likelihood == "marginal":
        if key is None:
            raise ValueError("The marginal form draws group effects: pass a random key.")
        g = structure.groups[0]
        beta, sigma = population_beta(structure, params, data)
        if len(structure.groups) > 1:  # several IDs integrated out together
            gs = structure.groups
            As = [effects_sqrt(h, params, data) for h in gs]
            sizes = [(h.n_levels, h.M) for h in gs]
            rs = crossed_effects(beta, As, sigma, data["suff"], sizes, key=key)
            return {h.id: r for h, r in zip(gs, rs, strict=True)}
        r = conditional_effects(beta, effects_sqrt(g, params, data), sigma, data["suff"], key)
        return {g.id: r}
    out, hybrid = {}, structure.likelihood == "hybrid"  # r_b: hybrid_effects below
    for g in structure.groups:
        if hybrid and g.id == eliminated_id(structure.groups):
            continue
        r = group_map(g, params, data)[0]
        if g.lcov:  # gr(g, cov = A): levels correlated as brms's Lcov_k z
            r = r @ jnp.asarray(data["Lcov"][str(g.id)]).T
        if g.student:  # gr(g, dist = "student"): brms's dfm_k per level
            r = r * student_scale(g, params)[None, :]
        out[g.id] = r.T
    if hybrid and key is not None:  # the integrated-out ID's draw from its exact conditional
        beta, sigma = population_beta(structure, params, data)
        b = eliminated_id(structure.groups)
        out[b] = hybrid_effects(structure.groups, params, data, beta, sigma, out, key)
    return out
