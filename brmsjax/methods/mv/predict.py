"""Predictions of a multivariate fit, as brms 2.18's ``resp`` argument gives them.

The prediction inputs of a multivariate fit hold every response's coefficients under brms's
combined dpars (``y1``, ``sigma_y1``). :func:`resp_inputs` takes out one response's as a
univariate model's inputs, so each response is predicted by the univariate code. Without
``resp``, brms stacks the responses last: ``(draws, rows, nresp)``. With residual correlations,
``posterior_predict`` draws the responses jointly (``mu + diag(sigma) Lrescor z``) and
``log_lik`` is the joint density; without them brms sums the responses' log likelihoods.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brmsjax.backend import predict as bp
from brmsjax.backend.families.mv import MvFamily, rescor_lpdf
from brmsjax.formula.design.mv.ir_mv import split_dpar

__all__ = ["check_resp", "mv_compute", "resp_inputs"]


def check_resp(family: MvFamily, resp: str | None) -> tuple[str, ...]:
    """The responses to predict: ``resp`` (checked) or all of them."""
    from brmsjax.methods.prediction_inputs import PredictionError

    if resp is None:
        return family.responses
    if resp not in family.responses:
        raise PredictionError(
            f"resp '{resp}' is not a response of this model; its responses are: "
            f"{', '.join(family.responses)}."
        )
    return (resp,)


def resp_inputs(inputs: bp.PredictInputs, resp: str) -> bp.PredictInputs:
    """One response's part of a multivariate fit's inputs, as a univariate model's."""
    family = inputs.family
    assert isinstance(family, MvFamily)
    responses = family.responses

    def own(flat: str) -> str | None:
        try:
            r, dpar = split_dpar(flat, responses)
        except KeyError:
            return None
        return dpar if r == resp else None

    b = {own(k): v for k, v in inputs.b.items() if own(k) is not None}
    X = {own(k): v for k, v in inputs.X.items() if own(k) is not None}
    offset = {own(k): v for k, v in inputs.offset.items() if own(k) is not None}
    groups = []
    for g in inputs.groups:
        cols = [m for m, d in enumerate(g.dpars) if own(d) is not None]
        if cols:
            idx = np.asarray(cols)
            dpars = tuple(str(own(g.dpars[m])) for m in cols)
            groups.append(bp.GroupDraws(dpars, g.r[:, :, idx], g.J, g.Z[:, idx]))
    fam = family.member(resp)
    have = inputs.scalars
    scalars = {d: have[f"{d}_{resp}"] for d in fam.dpars if f"{d}_{resp}" in have}
    if family.student and "nu" in inputs.scalars:
        scalars["nu"] = inputs.scalars["nu"]
    fixed = {own(k): v for k, v in inputs.fixed_dpars.items() if own(k) is not None}
    if family.student:
        fixed.pop("nu", None)
    y = None if inputs.y is None else inputs.y[:, responses.index(resp)]
    return replace(
        inputs,
        family=fam,
        b={str(k): v for k, v in b.items()},
        X={str(k): v for k, v in X.items()},
        offset={str(k): v for k, v in offset.items()},
        groups=tuple(groups),
        scalars=scalars,
        fixed_dpars={str(k): v for k, v in fixed.items()},
        y=y,
    )


def _rescor_cholesky(rescor: np.ndarray, R: int) -> np.ndarray:
    """``(S, R, R)`` Cholesky factors of the residual correlations (brms's upper triangle,
    column by column)."""
    S = rescor.shape[0]
    C = np.broadcast_to(np.eye(R), (S, R, R)).copy()
    i = 0
    for k in range(R):
        for j in range(k):
            C[:, j, k] = C[:, k, j] = rescor[:, i]
            i += 1
    return np.linalg.cholesky(C)


def _joint_parts(inputs: bp.PredictInputs, key: int, **kwargs: Any) -> tuple[Any, Any, Any]:
    family = inputs.family
    assert isinstance(family, MvFamily)
    kwargs = {k: v for k, v in kwargs.items() if k not in ("dpar", "transform")}
    mus, sigmas = [], []
    for resp in family.responses:
        one = resp_inputs(inputs, resp)
        mus.append(bp.compute(one, "epred", seed=key, **kwargs))
        sigmas.append(bp.compute(one, "epred", dpar="sigma", seed=key, **kwargs))
    L = _rescor_cholesky(np.asarray(inputs.scalars["rescor"])[_draws(kwargs)], family.nresp)
    return np.stack(mus, axis=-1), np.stack(sigmas, axis=-1), L


def _draws(kwargs: dict[str, Any]) -> Any:
    draws = kwargs.get("draws")
    return slice(None) if draws is None else np.asarray(draws)


def fitted_subset(fit: Any, newdata: Any) -> tuple[np.ndarray | None, ...] | None:
    """The rows of each response with ``subset()`` (None: all rows) of the fitted data;
    None for new data or without ``subset()``."""
    mv = fit.design.mv
    if newdata is not None or mv is None or mv.subset is None:
        return None
    return tuple(mv.subset.rows)


def _subset(
    value: np.ndarray, rows: np.ndarray | None, resp: str | None, keep: bool = False
) -> np.ndarray:
    """A response's draws on its ``subset()`` rows: only those (``resp`` given, as brms's
    ``N_<resp>`` columns), else NaN (``keep``: 0, a log likelihood) at the other rows."""
    if rows is None:
        return value
    if resp is not None:
        return value[:, rows]
    out = np.full_like(value, 0.0 if keep else np.nan)
    out[:, rows] = value[:, rows]
    return out


def mv_compute(
    inputs: bp.PredictInputs,
    what: str,
    resp: str | None,
    key: int,
    subset: tuple[np.ndarray | None, ...] | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """A quantity of a multivariate fit: ``(draws, rows)`` for one response, else
    ``(draws, rows, nresp)``; ``log_lik`` is the joint ``(draws, rows)`` (summed over the
    responses without residual correlations, as brms's default ``combine = TRUE``).
    ``subset`` (:func:`fitted_subset`) restricts a response with ``subset()`` to its rows."""
    family = inputs.family
    assert isinstance(family, MvFamily)
    chosen = check_resp(family, resp)
    rows = subset or (None,) * family.nresp
    if what == "log_lik" and resp is None:
        if not family.rescor:
            return sum(  # type: ignore[return-value]
                _subset(
                    bp.compute(resp_inputs(inputs, r), "log_lik", seed=key, **kwargs),
                    rows[family.responses.index(r)],
                    None,
                    keep=True,
                )
                for r in family.responses
            )
        mu, sigma, L = _joint_parts(inputs, key, **kwargs)
        y = np.broadcast_to(np.asarray(inputs.y, dtype=float), mu.shape)
        nu = jnp.asarray(inputs.scalars["nu"][_draws(kwargs), None]) if family.student else None
        with jax.enable_x64(True):
            out = rescor_lpdf(jnp.asarray(y), mu, sigma, jnp.asarray(L)[:, None], nu)
        return np.asarray(out)
    if what == "predict" and family.rescor and resp is None:
        mu, sigma, L = _joint_parts(inputs, key, **kwargs)
        rng = np.random.default_rng(key)
        z = rng.standard_normal(mu.shape)
        e = np.einsum("sij,snj->sni", L, z) * sigma
        if family.student:
            df = np.asarray(inputs.scalars["nu"])[_draws(kwargs), None, None]
            e = e / np.sqrt(rng.chisquare(np.broadcast_to(df, mu.shape[:2] + (1,))) / df)
        return np.asarray(mu + e)
    parts = [
        _subset(
            bp.compute(resp_inputs(inputs, r), what, seed=key, **kwargs),
            rows[family.responses.index(r)],
            resp,
        )
        for r in chosen
    ]
    return parts[0] if resp is not None else np.stack(parts, axis=-1)
