"""The glm form: bernoulli(logit), binomial(logit) and poisson(log) likelihoods in
exponential-family form, with the linear part from host statistics.

With ``eta_i`` mu's linear predictor, weights ``w_i`` and trials ``n_i`` (1 for bernoulli)::

    bernoulli, binomial:  log_lik = sum_i w_i [y_i eta_i - n_i softplus(eta_i)]
                                    + sum_i w_i log choose(n_i, y_i)
    poisson:              log_lik = sum_i w_i [y_i eta_i - exp(eta_i)] - sum_i w_i lgamma(y_i + 1)

(``y log sigmoid(eta) + (n - y) log sigmoid(-eta) = y eta - n softplus(eta)``.) The linear
part is a sum of host statistics, accumulated once in float64::

    sum_i w_i y_i eta_i = (X'W y) . b + Intercept sum(w y) + sum_k sum_j (Z_kj'W y_kj) . r_kj
                          + sum(w y offset)

so only the nonlinear part ``sum_i w_i n_i f(eta_i)`` (``f`` = softplus or exp) needs each
row's ``eta``; the gradient of the linear part is a constant vector, and the constants
(``log choose``, ``lgamma``) are not evaluated per row in every gradient as the plain form does.
The form needs mu as the only predicted parameter (these families have no other), any number
of group-level IDs, optional ``weights()``, ``trials()`` and offsets, and no other addition
terms (:func:`~brmsjax.backend.model.forms.glm_blocker`). Its statistics are ``data["glm"]``
(:func:`glm_data`): ``const``, ``sy`` (with a centred intercept), ``Xy`` (with slopes) and
``Zy`` (per group ID, ``(L, M)``), and with group terms ``rows``, the per-row arrays of
``eta`` in the first term's level order (:func:`level_order_rows`: the row order of a sum is
free, and in level order the gradient's per-level sums are one cumulative sum,
:func:`level_sum_nonlin`, instead of a scatter-add). They sum all rows, so the form must not
see a subset of the rows (mini-batches): ``likelihood="auto"`` chooses it only where
``marginalize`` allows (:func:`~brmsjax.backend.model.forms.choose_forms`), and the row-sharded
program sums the plain form. Pointwise log likelihoods (brms's ``log_lik``, ``loo``) are the
plain form's.

Most of the gain is the exponential-family form itself (one softplus or exp per row, no
per-row ``log choose`` or ``lgamma``), little of it the host statistics; in float32 the form is
as accurate as the plain one (tests/model/test_glm_forms.py). The softplus's derivative reuses
the value's ``exp`` (:func:`softplus`). On a CPU the form is chosen from the first row on
(:data:`GLM_MIN_ROWS`): one NUTS step of one chain (CPU microseconds on the 2-core machine
under load, value and gradient in parentheses) costs 5.7 (0.3) against 18.2 (2.6) in the
plain form on lme4's cbpp (binomial, 56 rows), 5.4 (1.9) against 5.8 (1.9) on a 300-row
poisson model and 44 (16) against 75 (40) on mlmRev's Contraception (bernoulli, 1,934 rows;
with the level order the value and gradient cost 12.6), with no more compile time; on
accelerators the form is not measured yet and is chosen only on request. Timings:
benchmarks/RESULTS.md, "glm form for bernoulli and poisson" and "The glm form from the first
row on a CPU".

negbinomial(log) with one shape for all rows is computed by
:mod:`brmsjax.backend.model.glm_families.negbinomial_glm` from these statistics (poisson's)
and its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from scipy.special import gammaln

from brmsjax.backend.model.glm_families.negbinomial_glm import (
    nb_glm_data,
    nb_glm_model_log_lik,
)
from brmsjax.backend.model.group_terms import gather_rows

__all__ = [
    "GLM_FAMILIES",
    "GLM_MIN_ROWS",
    "glm_data",
    "glm_log_lik",
    "glm_model_log_lik",
    "level_order_rows",
    "level_sum_nonlin",
    "model_glm_data",
    "softplus",
]

#: The families (by name) of the glm form and the link each needs.
GLM_FAMILIES = {"bernoulli": "logit", "binomial": "logit", "poisson": "log", "negbinomial": "log"}
#: Fewest rows for which ``likelihood="auto"`` chooses the glm form, per platform; None: never
#: (not measured there). CPU: as fast or faster at every size measured, 56 to 100,000 rows,
#: compiling included (module docstring; until issue 20 it was 2,000, from timings before the
#: compile work of issue 20, when a few hundred microseconds of overhead hid the difference).
GLM_MIN_ROWS: dict[str, int | None] = {
    "cpu": 1,
    "gpu": None,
    "cuda": None,
    "rocm": None,
    "tpu": None,
}


def glm_data(
    family: str,
    y: np.ndarray,
    X: np.ndarray | None,
    *,
    center: bool,
    weights: np.ndarray | None = None,
    trials: np.ndarray | None = None,
    offset: np.ndarray | None = None,
    groups: Sequence[tuple[str, np.ndarray, np.ndarray, int]] = (),
) -> dict[str, Any]:
    """The glm form's statistics of a model, in float64.

    Parameters
    ----------
    family
        ``"bernoulli"``, ``"binomial"`` or ``"poisson"``.
    y
        The response ``(N,)``.
    X
        mu's slope columns ``(N, n_b)`` as the linear predictor multiplies ``b`` (centred
        when ``center``), or None without slopes.
    center
        Whether mu has a separate (centred) intercept.
    weights, trials, offset
        Per-row ``weights()``, ``trials()`` (binomial) and offset, or None.
    groups
        ``(id, J, Z, n_levels)`` per group-level ID: 0-based level index ``(N,)`` and
        covariates ``(N, M)``.

    Returns
    -------
    dict
        ``const`` (``sum(w y offset)`` plus the family's constant), ``sy`` (``sum(w y)``,
        with ``center``), ``Xy`` (``X'W y``, with slopes) and ``Zy`` (by group ID, the
        per-level ``Z_j'W y_j`` as ``(L, M)``).
    """
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    wy = w * y
    if family == "poisson":
        const = -np.sum(w * gammaln(y + 1.0))
    elif family == "binomial":
        n = np.ones_like(y) if trials is None else np.asarray(trials, dtype=np.float64)
        const = np.sum(w * (gammaln(n + 1.0) - gammaln(y + 1.0) - gammaln(n - y + 1.0)))
    else:
        const = 0.0
    if offset is not None:
        const = const + wy @ np.asarray(offset, dtype=np.float64)
    out: dict[str, Any] = {"const": np.asarray(const, dtype=np.float64)}
    if center:
        out["sy"] = np.asarray(wy.sum())
    if X is not None and np.size(X):
        out["Xy"] = np.asarray(X, dtype=np.float64).reshape(len(y), -1).T @ wy
    out["Zy"] = {}
    for key, J, Z, n_levels in groups:
        index = np.asarray(J, dtype=np.intp)
        cols = np.asarray(Z, dtype=np.float64).reshape(len(y), -1)
        out["Zy"][key] = np.stack(
            [np.bincount(index, cols[:, m] * wy, n_levels) for m in range(cols.shape[1])], axis=1
        )
    return out


@jax.custom_jvp
def softplus(eta: Array) -> Array:
    """``log(1 + exp(eta))``, stable for any ``eta``, with a derivative that reuses its ``exp``.

    Written out as ``max(eta, 0) + log1p(exp(-|eta|))`` (``jax.nn.softplus``, a
    ``logaddexp``, costs about twice as much). Its derivative ``sigmoid(eta)`` is
    ``1 / (1 + e)`` for ``eta >= 0`` and ``e / (1 + e)`` below, ``e = exp(-|eta|)`` the value's
    own exponential: one division per row where JAX's derivative of the written-out form
    takes two, plus the ``max``'s and ``abs``'s selects. The rule is plain JAX, so
    forward-over-reverse (Hessian-vector products) works too.
    """
    return jnp.maximum(eta, 0.0) + jnp.log1p(jnp.exp(-jnp.abs(eta)))


@softplus.defjvp
def _softplus_jvp(primals: tuple[Array], tangents: tuple[Array]) -> tuple[Array, Array]:
    (eta,), (dot,) = primals, tangents
    e = jnp.exp(-jnp.abs(eta))
    value = jnp.maximum(eta, 0.0) + jnp.log1p(e)
    sigmoid = jnp.where(eta >= 0.0, 1.0, e) / (1.0 + e)
    return value, sigmoid * dot


def glm_log_lik(family: str, eta: Array, linear: Array, scale: Array | None) -> Array:
    """``linear - sum(scale * f(eta))``: the summed log likelihood from its linear part.

    ``f`` is ``exp`` (poisson) or :func:`softplus` (bernoulli, binomial); ``scale`` is
    ``w n`` per row (None: all ones).
    """
    nonlin = jnp.exp(eta) if family == "poisson" else softplus(eta)
    if scale is not None:
        nonlin = nonlin * scale
    return linear - jnp.sum(nonlin)


@partial(jax.custom_jvp, nondiff_argnums=(0,))
def level_sum_nonlin(family: str, base: Array, r: Array, rows: tuple[Array, ...]) -> Array:
    """``sum(scale * f(eta))`` with ``eta = base + sum(r[J] * Z, axis=1)``, rows in level order.

    ``rows`` is ``(J, Z, bounds, scale)``.
    ``J`` is sorted (level ``j``'s rows are ``bounds[j]:bounds[j + 1]``), ``f`` is ``exp``
    (poisson) or :func:`softplus`. The derivative's per-level sums
    ``d/dr[j] = sum over level j's rows of scale f'(eta) Z`` come from one cumulative sum over
    the rows, read at ``bounds``, instead of the gather's transpose, a scatter-add (XLA's is
    serial on a CPU): on Contraception's 1,934 rows the value and gradient of this part cost
    11.9 instead of 16.7 us (benchmarks/RESULTS.md). The JVP is plain JAX in the primal
    values, so Hessian-vector products (forward over reverse) work.
    """
    J, Z, _, scale = rows
    eta = base + jnp.sum(r.at[J].get(indices_are_sorted=True, mode="promise_in_bounds") * Z, 1)
    return jnp.sum(scale * (jnp.exp(eta) if family == "poisson" else softplus(eta)))


@level_sum_nonlin.defjvp
def _level_sum_jvp(family: str, primals: tuple[Array, ...], tangents: tuple[Array, ...]) -> Any:
    base, r, (J, Z, bounds, scale) = primals
    dbase, dr = tangents[:2]
    eta = base + jnp.sum(r.at[J].get(indices_are_sorted=True, mode="promise_in_bounds") * Z, 1)
    if family == "poisson":
        value = slope = jnp.exp(eta)
    else:
        e = jnp.exp(-jnp.abs(eta))
        value = jnp.maximum(eta, 0.0) + jnp.log1p(e)
        slope = jnp.where(eta >= 0.0, 1.0, e) / (1.0 + e)
    s = scale * slope
    cum = jnp.cumsum(s[:, None] * Z, axis=0)
    cum = jnp.concatenate([jnp.zeros_like(cum[:1]), cum])
    per_level = cum[bounds[1:]] - cum[bounds[:-1]]  # (L, M)
    return jnp.sum(scale * value), jnp.sum(s * dbase) + jnp.sum(per_level * dr)


def glm_model_log_lik(
    structure: Any,
    family: str,
    params: Mapping[str, Array],
    data: Any,
    r: Mapping[int, Array],
) -> Array:
    """A ``Structure``'s summed (weighted) log likelihood in the glm form.

    ``params`` are the assembled parameters (plain ``b``), ``r`` the group effects by ID as
    ``(n_levels, M)``; the statistics are ``data["glm"]`` (:func:`glm_data`), with group
    terms also its rows in the first term's level order (``"rows"``,
    :func:`level_order_rows`), whose nonlinear part :func:`level_sum_nonlin` sums.
    """
    if family == "negbinomial":  # brmsjax.backend.model.glm_families.negbinomial_glm
        return nb_glm_model_log_lik(structure, params, data, r)
    fp = structure.fixed[0]
    stats = data["glm"]
    linear = stats["const"]
    rows = stats.get("rows")
    X, J, Z = (rows or data)["X"], (rows or data)["J"], (rows or data)["Z"]
    eta = jnp.zeros_like(data["y"])
    if fp.center:
        eta = eta + params["Intercept"]
        linear = linear + params["Intercept"] * stats["sy"]
    if fp.n_b:
        eta = eta + X[""] @ params["b"]
        linear = linear + stats["Xy"] @ params["b"]
    if fp.offset:
        eta = eta + (rows or data)["offset"][""]
    for i, g in enumerate(structure.groups):
        key = str(g.id)
        linear = linear + jnp.sum(stats["Zy"][key] * r[g.id])
        if rows is not None and i == 0:
            continue  # summed by level_sum_nonlin
        # in level order only the first term's J is sorted
        how = g.gather if rows is None or g.gather == "onehot" else "index"
        eta = eta + jnp.sum(gather_rows(r[g.id], J[key], how) * Z[key], axis=1)
    if rows is not None:
        g0 = structure.groups[0]
        key = str(g0.id)
        level_rows = (J[key], Z[key], rows["bounds"], jnp.asarray(rows["scale"], dtype=eta.dtype))
        return linear - level_sum_nonlin(family, eta, r[g0.id], level_rows)
    addition = data["addition"]
    scale = None
    for name in ("weights", "trials"):
        if name in addition:
            term = jnp.asarray(addition[name], dtype=eta.dtype)
            scale = term if scale is None else scale * term
    return glm_log_lik(family, eta, linear, scale)


def level_order_rows(data: Mapping[str, Any], fp: Any, groups: Sequence[Any]) -> dict[str, Any]:
    """The per-row arrays of the glm form's ``eta`` with the rows in the first group term's
    level order (stable), for :func:`level_sum_nonlin`.

    ``X``, ``offset`` (by ``""`` as in the model's data), ``J`` and ``Z`` (by group ID),
    ``scale`` (``weights() * trials()``, ones without) and ``bounds``, level ``j``'s rows
    being ``bounds[j]:bounds[j + 1]``. The glm form sums over all rows, so their order is
    free; the model's own rows keep theirs (pointwise log likelihoods).
    """
    first = str(groups[0].id)
    J0 = np.asarray(data["J"][first], dtype=np.intp)
    order = np.argsort(J0, kind="stable")
    counts = np.bincount(J0, minlength=groups[0].n_levels)
    addition = data["addition"]
    scale = np.ones(len(J0))
    for name in ("weights", "trials"):
        if name in addition:
            scale = scale * np.asarray(addition[name], dtype=np.float64)
    rows: dict[str, Any] = {
        "J": {str(g.id): np.asarray(data["J"][str(g.id)])[order] for g in groups},
        "Z": {str(g.id): np.asarray(data["Z"][str(g.id)])[order] for g in groups},
        "scale": scale[order],
        "bounds": np.concatenate([[0], np.cumsum(counts)]).astype(np.int32),
    }
    if fp.n_b:
        rows["X"] = {"": np.asarray(data["X"][""])[order]}
    if fp.offset:
        rows["offset"] = {"": np.asarray(data["offset"][""])[order]}
    return rows


def model_glm_data(
    data: Mapping[str, Any], family: str, fp: Any, groups: Sequence[Any]
) -> dict[str, Any]:
    """The glm form's statistics (:func:`glm_data`) of a lowered model's data."""
    addition = data["addition"]
    out = glm_data(
        "poisson" if family == "negbinomial" else family,  # the same constant and linear part
        data["y"],
        data["X"][""] if fp.n_b else None,
        center=fp.center,
        weights=addition.get("weights"),
        trials=addition.get("trials"),
        offset=data["offset"][""] if fp.offset else None,
        groups=[
            (str(g.id), data["J"][str(g.id)], data["Z"][str(g.id)], g.n_levels) for g in groups
        ],
    )
    if family == "negbinomial":  # its own per-row part (glm_families.negbinomial_glm)
        out.update(nb_glm_data(data["y"], addition.get("weights")))
    elif groups:
        out["rows"] = level_order_rows(data, fp, groups)
    return out
