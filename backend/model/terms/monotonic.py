"""The model side of ``mo()`` terms: simplex parameters, their Dirichlet prior and predictor.

brms's monotonic term ``bsp[i] * prod_j mo(simo_j, Xmo_j)`` (``mo(s, x) = D * sum(s[1:x])``)
is linear in the products ``bsp[i] * prod_j D_j simo_j[k_j]`` with the indicators
``Xmo_j >= k_j`` as columns (:meth:`~brmsjax.formula.design.ir.SpBlock.expanded`, the data
``Xsp``). :func:`mo_coefficients` gives those products, for one parameter value (fitting) or a
batch of draws (prediction), so the term is one matrix product either way.

A simplex ``simo_j`` is a NumPyro simplex site (its own bijection and Jacobian; the posterior is
brms's whatever the unconstrained coordinates) with brms's ``dirichlet_lpdf(simo_j | con_simo_j)``
in ``lprior``; the concentration is a prior argument, not code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jax import Array

from brmsjax.backend.model.plans import VectorPlan

__all__ = [
    "dirichlet_lpdf",
    "group_sp",
    "mo_coefficients",
    "plan_simplex",
    "sp_columns",
    "term_predictors",
]


def mo_coefficients(
    bsp: Any,
    simos: Sequence[Any],
    terms: Sequence[Sequence[int]],
    jmo: Sequence[int],
    xp: Any = jnp,
) -> Any:
    """The coefficients of the expanded ``mo()`` columns, ``(..., P)``.

    Parameters
    ----------
    bsp
        ``(..., Ksp)`` coefficients.
    simos
        ``(..., Jmo[j])`` simplexes in ``Xmo`` order.
    terms
        Per term, the indices of its simplexes (:attr:`~brmsjax.formula.design.ir.SpTerm.mo`).
    jmo
        The simplexes' lengths ``D_j``.
    xp
        The array module (``jax.numpy`` when fitting, ``numpy`` for draws).
    """
    parts = []
    for i, mo in enumerate(terms):
        c = bsp[..., i : i + 1]
        for j in mo:
            s = simos[j] * jmo[j]
            c = (c[..., :, None] * s[..., None, :]).reshape(*c.shape[:-1], -1)
        parts.append(c)
    return xp.concatenate(parts, axis=-1)


def dirichlet_lpdf(x: Array, alpha: Array) -> Array:
    """Stan's ``dirichlet_lpdf(x | alpha)`` with its normalizing constant (NumPyro's density)."""
    return dist.Dirichlet(alpha).log_prob(x)


def plan_simplex(
    vectors: list[VectorPlan],
    prior_args: dict[str, dict[str, np.ndarray]],
    priors: Mapping[str, Any],
    name: str,
    size: int,
) -> None:
    """Plan the simplex ``name`` with its Dirichlet concentration (brms's default 1s)."""
    entry = priors.get(name)
    con = np.ones(size) if entry is None else np.array([s.args[0] for s in entry.specs], float)
    prior_args[name] = {"con": con}
    vectors.append(
        VectorPlan(name, size, False, tuple(range(size)), (), None, None, (), simplex=True)
    )


def sp_columns(terms: Sequence[Sequence[int]], jmo: Sequence[int]) -> list[slice]:
    """The columns of each term in the expanded ``mo()`` matrix (``SpBlock.expanded``)."""
    out, start = [], 0
    for mo in terms:
        width = int(np.prod([jmo[j] for j in mo], dtype=int))
        out.append(slice(start, start + width))
        start += width
    return out


def term_predictors(
    Xsp: Any, simos: Sequence[Any], terms: Sequence[Sequence[int]], jmo: Sequence[int]
) -> list[Any]:
    """Each ``mo()`` term's ``(N,)`` predictor without its coefficient:
    ``prod_j mo(simo_j, Xmo_j) (* Csp)``, the column a group-level ``mo()`` effect multiplies."""
    unit = mo_coefficients(jnp.ones(len(terms)), simos, terms, jmo)
    return [Xsp[:, cols] @ unit[cols] for cols in sp_columns(terms, jmo)]


def group_sp(design: Any, g: Any) -> tuple[tuple[int, str, int], ...]:
    """``(column, dpar, term)`` of the ``mo()`` coefficients of the group-level block ``g``."""
    out = []
    for m, flag in enumerate(g.sp):
        if flag:
            block = design.block(g.dpars[m])
            out.append((m, g.dpars[m], block.sp.coefs.index(g.coefs[m])))
    return tuple(out)
