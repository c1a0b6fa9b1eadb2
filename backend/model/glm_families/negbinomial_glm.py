"""The glm form of ``negbinomial(log)`` with one shape for all rows.

brms's ``neg_binomial_2_log_lpmf(y | eta, phi)`` per row is::

    lgamma(y + phi) - lgamma(phi) - lgamma(y + 1) + phi log(phi) + y eta
        - (y + phi) log(exp(eta) + phi)

With a scalar shape ``phi`` (sampled or fixed, not predicted per row) and weights ``w``, the
sum over rows splits into parts that need no per-row work::

    sum_i w_i lgamma(y_i + phi) = sum_k c_k lgamma(u_k + phi)      (u_k: the distinct y values,
                                                                   c_k: their summed weights)
    sum_i w_i [phi log(phi) - lgamma(phi)] = sum(w) [phi log(phi) - lgamma(phi)]
    sum_i w_i lgamma(y_i + 1)                                      (a constant)
    sum_i w_i y_i eta_i = (X'W y) . b + ...                        (host statistics, as the glm
                                                                   form of poisson takes them)

so per row only ``(w_i y_i + w_i phi) log(exp(eta_i) + phi)`` remains: one ``logaddexp`` and
its sigmoid derivative instead of two ``lgamma`` (and their ``digamma`` in the gradient), a
``log``, an ``exp`` and an ``xlogy``. The counts have few distinct values (lme4's grouseticks:
403 rows, 46 values), padded to a power of two with zero weights so that a refit with new
counts of the same number of rows usually keeps the compiled program's shapes.

The form is the glm likelihood (``likelihood="glm"``) of this family: it shares the glm form's
rules (:func:`~brmsjax.backend.model.forms.glm_blocker`: mu the only predicted parameter, no
addition terms but ``weights``; its statistics sum all rows, so mini-batch and row-sharded
programs keep the plain form) and its statistics (``data["glm"]``, from
:func:`~brmsjax.backend.model.glm_forms.glm_data` of poisson, whose constant is the same
``-sum(w lgamma(y + 1)) + sum(w y offset)``), plus ``u``, ``c`` and ``sw``. ``likelihood="auto"``
chooses it as for the other glm families
(:data:`~brmsjax.backend.model.glm_forms.GLM_MIN_ROWS`). Pointwise log likelihoods (``log_lik``,
``loo``) stay the plain form's. Timings: benchmarks/RESULTS.md, "negbinomial glm form".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.special import gammaln

from brmsjax.backend.model.group_terms import gather_rows

__all__ = [
    "NB_GLM_FAMILIES",
    "nb_glm_data",
    "nb_glm_log_lik",
    "nb_glm_model_log_lik",
]

#: The families (by name) of this form and the link each needs.
NB_GLM_FAMILIES = {"negbinomial": "log"}
#: Fewest slots for the distinct response values (padded to a power of two from here).
_MIN_SLOTS = 8


def _slots(n: int) -> int:
    return max(_MIN_SLOTS, 1 << max(n - 1, 0).bit_length())


def nb_glm_data(y: np.ndarray, weights: np.ndarray | None) -> dict[str, np.ndarray]:
    """The statistics of the shape's terms, in float64.

    Returns
    -------
    dict
        ``u`` (the distinct values of ``y``) and ``c`` (the summed weights of the rows of
        each), zero-padded to a power of two; ``sw`` (``sum(w)``); with weights, ``w`` and
        ``wy`` (``w y``) per row.
    """
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    u, inverse = np.unique(y, return_inverse=True)
    slots = _slots(len(u))
    out = {
        "u": np.zeros(slots),
        "c": np.zeros(slots),
        "sw": np.asarray(w.sum()),
    }
    out["u"][: len(u)] = u
    out["c"][: len(u)] = np.bincount(inverse.ravel(), w, len(u))
    if weights is not None:
        out["w"], out["wy"] = w, w * y
    return out


def nb_glm_log_lik(
    eta: Array, linear: Array, phi: Array, stats: Mapping[str, Any], y: Array
) -> Array:
    """The summed (weighted) log likelihood from ``eta`` per row, the linear part
    ``linear`` (``sum(w y eta)`` plus the constant) and the shape ``phi``."""
    log_phi = jnp.log(phi)
    # logaddexp(eta, log phi) = log(exp(eta) + phi), written out (cheaper than jnp.logaddexp)
    log_total = jnp.maximum(eta, log_phi) + jnp.log1p(jnp.exp(-jnp.abs(eta - log_phi)))
    if "w" in stats:
        per_row = (stats["wy"] + phi * stats["w"]) * log_total
    else:
        per_row = (y + phi) * log_total
    shape = jnp.sum(stats["c"] * gammaln(stats["u"] + phi))
    shape = shape + stats["sw"] * (phi * log_phi - gammaln(phi))
    return linear + shape - jnp.sum(per_row)


def nb_glm_model_log_lik(
    structure: Any, params: Mapping[str, Array], data: Any, r: Mapping[int, Array]
) -> Array:
    """A ``Structure``'s summed (weighted) log likelihood in this form.

    ``params`` are the assembled parameters (plain ``b``, ``shape`` when sampled), ``r`` the
    group effects by ID as ``(n_levels, M)``; the statistics are ``data["glm"]``.
    """
    fp = structure.fixed[0]
    stats = data["glm"]
    linear = stats["const"]
    eta = jnp.zeros_like(data["y"])
    if fp.center:
        eta = eta + params["Intercept"]
        linear = linear + params["Intercept"] * stats["sy"]
    if fp.n_b:
        eta = eta + data["X"][""] @ params["b"]
        linear = linear + stats["Xy"] @ params["b"]
    if fp.offset:
        eta = eta + data["offset"][""]
    for g in structure.groups:
        key = str(g.id)
        eta = eta + jnp.sum(gather_rows(r[g.id], data["J"][key], g.gather) * data["Z"][key], axis=1)
        linear = linear + jnp.sum(stats["Zy"][key] * r[g.id])
    fixed = structure.fixed_dpars
    phi = data["fixed_dpars"]["shape"] if "shape" in fixed else params["shape"]
    return nb_glm_log_lik(eta, linear, jnp.asarray(phi, dtype=eta.dtype), stats, data["y"])
