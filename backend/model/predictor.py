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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import jax.numpy as jnp
from jax import Array

__all__ = ["linear_predictors", "mu_eta"]


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
