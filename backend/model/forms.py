"""Forms of the likelihood: which one a model gets, and the host statistics of the exact one.

A model's log likelihood can be computed in several forms that give the same number:

``plain``
    brms's own: one linear predictor per row, group effects gathered by level
    (:meth:`~brmsjax.backend.model.program.ModelProgram.pointwise`).
``suffstat``
    Gaussian, identity link, ``sigma`` not predicted, no addition terms but ``weights`` and at
    most one group-level ID (all of it on mu). With ``A = [1, Xc, Z by level]``,
    ``theta = (Intercept, b, r)``, ``e0 = y - offset - A theta0`` at a host reference point
    ``theta0`` (least squares, then per-level ridge fits of the residuals) and
    ``d = theta - theta0``::

        RSS_w(theta) = e0'W e0 - 2 e0'W A d + d'A'W A d
        log_lik = -sum(w) / 2 log(2 pi sigma^2) - RSS_w / (2 sigma^2)

    ``A'W A`` has the arrow structure ``P'W P`` (p x p), per level ``Z_j'W Z_j`` (M x M) and
    ``Z_j'W P_j`` (M x p), so a gradient costs ``O(p^2 + L M (M + p))`` instead of
    ``O(N (p + M))``. The statistics are sums in float64 on the host; expanding around
    ``theta0`` keeps every term of the order of the residual sum of squares, so float32 on a
    device does not lose the result to the cancellation of ``y'y - 2 y'eta + eta'eta``.
    ``theta0`` lies on the float32 grid, so that ``d`` is exact in float32 too.

``glm``
    bernoulli(logit), binomial(logit) and poisson(log) with optional ``weights``, ``trials``
    and offsets and any number of group-level IDs: ``sum w (y eta - n softplus(eta))`` (or
    ``exp(eta)``) with the linear part ``sum w y eta`` from host statistics
    (:mod:`brmsjax.backend.model.glm_forms`).

Group effects in the plain form are gathered by level with one of
(:func:`~brmsjax.backend.model.group_terms.gather_rows`):
``onehot`` (``one_hot(J) @ r``, whose transpose is a matmul instead of a scatter: best when
levels are few, where a scatter's atomic adds contend on a GPU), ``sorted`` (an index gather
told that ``J`` is sorted) or ``index``. Rows are never reordered: pointwise log likelihoods
stay in the data's order.

:func:`choose_likelihood` and :func:`choose_gather` make the choice; :func:`lower
<brmsjax.backend.model.lower.lower>` records it in the ``Structure`` (``likelihood``) and each
``GroupPlan`` (``gather``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from brmsjax.formula.errors import ModelError

__all__ = [
    "GATHERS",
    "LIKELIHOODS",
    "ONEHOT_MAX_LEVELS",
    "SUFF_MIN_ROWS",
    "SUFF_RATIO",
    "choose_forms",
    "choose_gather",
    "LOG_RESPONSE",
    "choose_likelihood",
    "glm_blocker",
    "marginal_blocker",
    "n_stats",
    "population_beta",
    "suffstat_blocker",
    "suffstat_data",
    "suffstat_log_lik",
    "suffstat_model_log_lik",
]

LIKELIHOODS = ("auto", "plain", "suffstat", "marginal", "glm", "hybrid")
GATHERS = ("auto", "onehot", "sorted", "index")
#: The suffstat form is chosen when the rows hold at least SUFF_RATIO times the numbers the
#: statistics hold (``N (p + M + 2) >= SUFF_RATIO * n_stats``) and N is at least
#: SUFF_MIN_ROWS: below that a gradient costs microseconds in any form, and brms's own is kept
#: (timings: benchmarks/RESULTS.md, "The seed's STAR model").
SUFF_RATIO = 2
SUFF_MIN_ROWS = 2000
#: Most levels for which ``onehot`` is chosen, per platform. CPU: an index gather and its
#: scatter are cheap there (see benchmarks/bench_gradient.py), so one-hot is never chosen.
#: GPU: a scatter onto few levels serializes on atomic adds, while one-hot reads an (N, L)
#: matrix (timings: benchmarks/RESULTS.md, "Timings moved from backend docstrings"); 32 is a
#: provisional crossover until bench_gradient.py measures it on a GPU.
ONEHOT_MAX_LEVELS = {"cpu": 0, "gpu": 32, "cuda": 32, "rocm": 32, "tpu": 32}
#: Families of ``y`` that are gaussian on ``log(y)`` with mu's identity link: lognormal's
#: density is ``normal(log y | mu, sigma) / y``, so the suffstat and marginal forms take their
#: statistics of ``log(y)`` and add the constant ``-sum(w log y)`` (``suff["jacobian"]``).
LOG_RESPONSE = frozenset({"lognormal"})
_RIDGE = 1e-8


def suffstat_blocker(
    family: Any,
    fixed: Sequence[Any],
    groups: Sequence[Any],
    addition: Sequence[str],
    prior_only: bool,
) -> str | None:
    """Why the suffstat form cannot compute this model's likelihood, or None when it can.

    ``fixed`` and ``groups`` are the ``FixedPlan`` and ``GroupPlan`` of the structure.
    """
    if family.name not in {"gaussian", *LOG_RESPONSE} or family.link != "identity":
        return f"the family is {family.name}({family.link}), not gaussian(identity)"
    if any(f.sp for f in fixed):
        return "the model has mo() terms"
    if prior_only:
        return "the likelihood is not evaluated (sample_prior = 'only')"
    extra = sorted(set(addition) - {"weights"})
    if extra:
        return f"the response has the addition term(s) {', '.join(extra)}"
    if [f.dpar for f in fixed] != [""] or fixed[0].thresholds:
        return "a distributional parameter other than mu is predicted"
    if any(getattr(g, "mm", False) for g in groups):
        return "the model has a multi-membership term mm()"
    if len(groups) > 1:
        return "the model has more than one group-level ID"
    if groups and any(d != "" for d, _ in groups[0].dpar_cols):
        return "a group-level term predicts a distributional parameter other than mu"
    return None


def marginal_blocker(
    family: Any,
    fixed: Sequence[Any],
    groups: Sequence[Any],
    addition: Sequence[str],
    prior_only: bool,
) -> str | None:
    """Why the marginal form cannot compute this model's likelihood, or None when it can.

    It needs what the suffstat form needs (:func:`suffstat_blocker`)
    and at least one group-level ID; several IDs are integrated out together
    (:func:`~brmsjax.backend.model.crossed.data.crossed_blocker`).
    """
    reason = suffstat_blocker(family, fixed, groups[:1], addition, prior_only)
    if reason is not None:
        return reason
    if not groups:
        return "the model has no group-level term"
    if len(groups) > 1:  # several IDs: brmsjax.backend.model.crossed
        from brmsjax.backend.model.crossed.data import crossed_blocker

        return crossed_blocker(groups)
    if groups[0].lcov:
        return "the group's levels have a known covariance (gr(cov = ))"
    if getattr(groups[0], "nby", 0):
        return "the group's sd and cor vary by a factor (gr(by = ))"
    if getattr(groups[0], "student", False):
        return "the group's effects are student-t (gr(dist = 'student'))"
    return None


def glm_blocker(
    family: Any,
    fixed: Sequence[Any],
    groups: Sequence[Any],
    addition: Sequence[str],
    prior_only: bool,
) -> str | None:
    """Why the glm form (:mod:`brmsjax.backend.model.glm_forms`) cannot compute this model's
    likelihood, or None when it can.

    It needs bernoulli(logit), binomial(logit), poisson(log) or negbinomial(log) with mu the
    only predicted parameter and no addition terms but ``weights`` (``trials`` for binomial).
    ``fixed`` and ``groups`` are the ``FixedPlan`` and ``GroupPlan`` of the structure.
    """
    from brmsjax.backend.model.glm_forms import GLM_FAMILIES  # glm_forms imports this module

    if GLM_FAMILIES.get(family.name) != family.link:
        return (
            f"the family is {family.name}({family.link}), not bernoulli(logit), "
            "binomial(logit), poisson(log) or negbinomial(log)"
        )
    if prior_only:
        return "the likelihood is not evaluated (sample_prior = 'only')"
    if any(f.sp for f in fixed):
        return "the model has mo() terms"
    if any(getattr(g, "mm", False) for g in groups):
        return "the model has a multi-membership term mm()"
    allowed = {"weights", "trials"} if family.name == "binomial" else {"weights"}
    extra = sorted(set(addition) - allowed)
    if extra:
        return f"the response has the addition term(s) {', '.join(extra)}"
    if [f.dpar for f in fixed] != [""] or any(d != "" for g in groups for d, _ in g.dpar_cols):
        return "a distributional parameter other than mu is predicted"
    return None


def n_stats(p: int, n_levels: int, M: int) -> int:
    """How many numbers the suffstat form's statistics hold."""
    return p * p + 2 * p + 2 + n_levels * M * (M + p + 2)


def choose_likelihood(
    requested: str,
    blocker: str | None,
    *,
    n_rows: int,
    p: int,
    n_levels: int = 0,
    M: int = 0,
) -> str:
    """``"plain"`` or ``"suffstat"`` for a model with N rows, p population coefficients of mu
    (the intercept included) and one group-level ID of L levels with M coefficients.

    ``requested`` is ``"auto"``, ``"plain"`` or ``"suffstat"``; asking for ``"suffstat"`` where
    ``blocker`` (:func:`suffstat_blocker`) names a reason raises a ModelError.
    """
    if requested not in LIKELIHOODS:
        raise ModelError(
            f"likelihood must be one of {', '.join(map(repr, LIKELIHOODS))}, not {requested!r}."
        )
    if requested == "suffstat" and blocker is not None:
        raise ModelError(f"The suffstat likelihood cannot be used here: {blocker}.")
    if requested != "auto":
        return requested
    if blocker is not None or n_rows < SUFF_MIN_ROWS:
        return "plain"
    big = n_rows * (p + M + 2) >= SUFF_RATIO * n_stats(p, n_levels, M)
    return "suffstat" if big else "plain"


def choose_gather(requested: str, J: np.ndarray, n_levels: int, platform: str) -> str:
    """How the plain form gathers a group's effects: ``onehot``, ``sorted`` or ``index``."""
    if requested not in GATHERS:
        raise ModelError(
            f"gather must be one of {', '.join(map(repr, GATHERS))}, not {requested!r}."
        )
    # one level per row only: a multi-membership J (N, G) is gathered by index or one-hot
    is_sorted = J.ndim == 1 and bool(J.size < 2 or np.all(np.diff(J) >= 0))
    if requested == "sorted" and not is_sorted:
        raise ModelError("gather = 'sorted' needs the rows sorted by the group's levels.")
    if requested != "auto":
        return requested
    if n_levels <= ONEHOT_MAX_LEVELS.get(platform, 0):
        return "onehot"
    return "sorted" if is_sorted else "index"


def _float32_grid(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to float32 values: a reference point that float32 holds exactly, so that
    ``theta - theta0`` is exact in float32 near ``theta0``."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def _level_sum_matrix(J: np.ndarray, n_levels: int, w: np.ndarray) -> Any:
    """The sparse ``(L, N)`` matrix ``S`` with ``S[J[i], i] = w[i]``: ``S @ V`` sums by level."""
    from scipy import sparse

    return sparse.csr_matrix((w, (J, np.arange(len(J)))), shape=(n_levels, len(J)))


def suffstat_data(
    y: np.ndarray,
    P: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    J: np.ndarray | None = None,
    Z: np.ndarray | None = None,
    n_levels: int = 0,
    reference_effects: bool = True,
) -> dict[str, np.ndarray]:
    """The suffstat form's statistics, in float64, around a host reference point.

    Parameters
    ----------
    y
        Response minus offsets ``(N,)``.
    P
        mu's population columns ``(N, p)``: ``[1, Xc]`` with a centred intercept, else ``X``.
    weights
        Row weights ``(N,)`` or None.
    J, Z, n_levels
        The group-level ID's 0-based level index ``(N,)``, covariates ``(N, M)`` and number
        of levels, or None.
    reference_effects
        Expand around per-level ridge fits ``r0`` of the group effects (the suffstat form).
        False expands around ``r = 0`` and leaves out ``r0`` (the marginal form,
        :mod:`brmsjax.backend.model.marginal`): ``Ze`` is then ``Z_j'W (y - P beta0)``.

    Returns
    -------
    dict
        ``n`` (sum of weights), ``ee`` (``e0'W e0``), ``beta0`` (p), ``Pe`` (p), ``PP``
        (p x p) and, with a group, ``r0``, ``Ze`` (L x M), ``ZZ`` (L x M x M), ``ZP``
        (L x M x p).
    """
    y = np.asarray(y, dtype=np.float64)
    P = np.asarray(P, dtype=np.float64).reshape(len(y), -1)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    Pw = P * w[:, None]
    PP = Pw.T @ P
    beta0 = np.zeros(P.shape[1])
    if P.shape[1]:  # normal equations: theta0 need only be near the least-squares fit
        beta0 = _float32_grid(np.linalg.lstsq(PP, Pw.T @ y, rcond=None)[0])
    e0 = y - P @ beta0
    out: dict[str, np.ndarray] = {"n": np.asarray(w.sum()), "beta0": beta0, "PP": PP}
    if J is not None and Z is not None:
        S = _level_sum_matrix(np.asarray(J, dtype=np.intp), n_levels, w)
        Z = np.asarray(Z, dtype=np.float64).reshape(len(y), -1)
        M = Z.shape[1]
        ZZ = np.stack([S @ (Z[:, m : m + 1] * Z) for m in range(M)], axis=1)
        if reference_effects:
            scale = np.trace(ZZ, axis1=1, axis2=2) / max(M, 1)
            ridge = (_RIDGE * scale + 1e-300)[:, None, None] * np.eye(M)
            r0 = np.linalg.solve(ZZ + ridge, (S @ (Z * e0[:, None]))[..., None])[..., 0]
            r0 = _float32_grid(r0)
            e0 = e0 - np.sum(r0[J] * Z, axis=1)
            out["r0"] = r0
        out["Ze"] = np.asarray(S @ (Z * e0[:, None]))
        out["ZZ"] = ZZ
        out["ZP"] = np.stack([S @ (Z[:, m : m + 1] * P) for m in range(M)], axis=1)
    out["ee"] = np.asarray((w * e0) @ e0)
    out["Pe"] = Pw.T @ e0
    return out


def suffstat_log_lik(
    beta: Array, r: Array | None, sigma: Array, suff: Mapping[str, Array]
) -> Array:
    """Gaussian log likelihood (weighted) from :func:`suffstat_data`'s statistics.

    ``beta`` holds ``(Intercept, b)`` in the columns' order of ``P``, ``r`` the group effects
    ``(L, M)`` (None without a group).
    """
    d = beta - suff["beta0"]
    lin = suff["Pe"] @ d
    quad = d @ (suff["PP"] @ d)
    if r is not None:
        dr = r - suff["r0"]
        lin = lin + jnp.sum(suff["Ze"] * dr)
        # Products with (L, M, M) and (L, M, p) as multiply-and-sum: one fused loop on a GPU
        # instead of L tiny matrix products.
        near = jnp.sum(suff["ZZ"] * dr[:, None, :], axis=-1)
        near = near + 2.0 * jnp.sum(suff["ZP"] * d, axis=-1)
        quad = quad + jnp.sum(dr * near)
    rss = suff["ee"] - 2.0 * lin + quad
    var = sigma * sigma
    return -0.5 * suff["n"] * jnp.log(2.0 * math.pi * var) - 0.5 * rss / var


def choose_forms(
    data: dict[str, Any],
    family: Any,
    fixed: Sequence[Any],
    groups: Sequence[Any],
    *,
    prior_only: bool,
    likelihood: str = "auto",
    gather: str = "auto",
    marginalize: bool = True,
) -> tuple[str, tuple[str, ...]]:
    """The likelihood form and each group's gather for a lowered model's plans and data.

    ``"auto"`` picks the marginal form (:mod:`brmsjax.backend.model.marginal`) wherever it applies
    and ``marginalize`` allows it, else :func:`choose_likelihood`'s rule, and the glm form
    (:mod:`brmsjax.backend.model.glm_forms`) over the plain one where it applies, the model has
    at least ``GLM_MIN_ROWS[platform]`` rows and ``marginalize`` allows it (its statistics
    sum all rows, so samplers that take subsets of the rows must not get it). With the
    suffstat or marginal form, its statistics go into ``data["suff"]``; with the glm form,
    into ``data["glm"]``.
    """
    from brmsjax.backend.model.glm_forms import GLM_MIN_ROWS  # glm_forms imports this module

    platform = jax.default_backend()
    gathers = tuple(
        choose_gather(gather, np.asarray(data["J"][str(g.id)]), g.n_levels, platform)
        for g in groups
    )
    addition = tuple(data["addition"])
    blocker = suffstat_blocker(family, fixed, groups, addition, prior_only)
    whole = marginal_blocker(family, fixed, groups, addition, prior_only)
    glm = glm_blocker(family, fixed, groups, addition, prior_only)
    if likelihood == "marginal" and whole is not None:
        raise ModelError(f"The marginal likelihood cannot be used here: {whole}.")
    if likelihood == "glm" and glm is not None:
        raise ModelError(f"The glm likelihood cannot be used here: {glm}.")
    y = np.asarray(data["y"], dtype=np.float64)
    usable = (base := suffstat_blocker(family, fixed, groups[:1], addition, prior_only)) is None
    if family.name in LOG_RESPONSE and usable:  # gaussian on log y, see LOG_RESPONSE
        y = np.log(y)
    P = _population(data, fixed[0]) if usable else np.zeros((len(y), 0))
    g = groups[0] if groups else None
    # several IDs (brmsjax.backend.model.crossed): below SUFF_MIN_ROWS rows the crossed form's
    # dense factor and metric search cost more than they save; the hybrid form takes them
    crossed_pays = len(groups) < 2 or len(y) >= SUFF_MIN_ROWS
    if len(groups) > 1 and crossed_pays:  # and a dense block of at most AUTO_DENSE_MAX
        from brmsjax.backend.model.crossed.data import crossed_auto

        crossed_pays = crossed_auto(groups)
    if likelihood == "hybrid" or (likelihood == "auto" and len(groups) > 1):  # crossed.hybrid
        from brmsjax.backend.model.crossed.hybrid import HYBRID_MIN_ROWS, hybrid_forms

        auto = marginalize and not (whole is None and crossed_pays)  # the crossed form wins
        if hybrid_forms(data, y, P, fixed, groups, (likelihood, auto, base, HYBRID_MIN_ROWS)):
            _log_response_jacobian(family, data)
            return "hybrid", gathers
    if likelihood == "marginal" or (
        likelihood == "auto" and marginalize and whole is None and crossed_pays
    ):
        form = "marginal"
    elif likelihood == "glm":
        form = "glm"
    else:
        form = choose_likelihood(
            likelihood,
            blocker,
            n_rows=len(y),
            p=P.shape[1],
            n_levels=g.n_levels if g else 0,
            M=g.M if g else 0,
        )
        least = GLM_MIN_ROWS.get(platform)
        if (
            likelihood == "auto"
            and marginalize
            and glm is None
            and least is not None
            and len(y) >= least
        ):
            form = "glm"
    if form == "glm":
        from brmsjax.backend.model.glm_forms import model_glm_data

        data["glm"] = model_glm_data(data, family.name, fixed[0], groups)
    if form in ("suffstat", "marginal"):
        if fixed[0].offset:
            y = y - np.asarray(data["offset"][""], dtype=np.float64)
        key = str(g.id) if g else ""
        if form == "marginal" and len(groups) > 1:  # brmsjax.backend.model.crossed
            from brmsjax.backend.model.crossed.data import model_crossed_data

            data["suff"] = model_crossed_data(data, y, P, groups)
            _log_response_jacobian(family, data)
            return form, gathers
        data["suff"] = suffstat_data(
            y,
            P,
            weights=data["addition"].get("weights"),
            J=data["J"][key] if g else None,
            Z=data["Z"][key] if g else None,
            n_levels=g.n_levels if g else 0,
            reference_effects=form == "suffstat",
        )
        _log_response_jacobian(family, data)
        if form == "marginal" and g is not None:  # levels last (see brmsjax.backend.model.marginal)
            suff = data["suff"]
            suff["Ze"] = np.ascontiguousarray(suff["Ze"].T)
            suff["ZZ"] = np.ascontiguousarray(np.moveaxis(suff["ZZ"], 0, -1))
            suff["ZP"] = np.ascontiguousarray(np.moveaxis(suff["ZP"], 0, -1))
    return form, gathers


def _population(data: Mapping[str, Any], fp: Any) -> np.ndarray:
    """mu's population columns: ``[1, Xc]`` with a centred intercept, else ``X``."""
    X = np.asarray(data["X"][fp.dpar], dtype=np.float64)
    return np.column_stack([np.ones(len(X)), X]) if fp.center else X


def population_beta(structure: Any, params: Mapping[str, Array], data: Any) -> tuple[Array, Array]:
    """``(beta, sigma)`` of a gaussian structure: ``(Intercept, b)`` as ``P``'s columns.

    ``params`` are the assembled parameters (plain ``b``).
    """
    fp = structure.fixed[0]
    parts = [jnp.reshape(params["Intercept"], (1,))] if fp.center else []
    if fp.n_b:
        parts.append(params["b"])
    beta = jnp.concatenate(parts) if parts else jnp.zeros_like(data["suff"]["beta0"])
    sigma = params["sigma"] if "sigma" in structure.aux else data["fixed_dpars"]["sigma"]
    return beta, sigma


def suffstat_model_log_lik(
    structure: Any, params: Mapping[str, Array], data: Any, r: Mapping[int, Array]
) -> Array:
    """A ``Structure``'s summed log likelihood in the suffstat form.

    ``params`` are the assembled parameters (plain ``b``), ``r`` the group effects by ID.
    """
    beta, sigma = population_beta(structure, params, data)
    effects = r[structure.groups[0].id] if structure.groups else None
    return suffstat_log_lik(beta, effects, sigma, data["suff"])


def _log_response_jacobian(family: Any, data: dict[str, Any]) -> None:
    """``suff["jacobian"]``: the constant ``-sum(w log y)`` of a family sampled on log y."""
    if family.name in LOG_RESPONSE:
        w = data["addition"].get("weights")
        log_y = np.log(np.asarray(data["y"], dtype=np.float64))
        data["suff"]["jacobian"] = -np.sum(log_y if w is None else np.asarray(w) * log_y)
