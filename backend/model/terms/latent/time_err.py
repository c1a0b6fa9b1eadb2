"""Latent time-series residuals: ``ar()``/``ma()``/``arma()`` with ``cov = TRUE`` and
``cosy()`` in families other than gaussian and student (brms 2.18's ``scale_time_err``).

brms has no multivariate density for these families, so it samples standard normal ``zerr``
(one per row, non-centred: ``target += std_normal_lpdf(zerr)`` outside ``lprior``) and a scale
``sderr`` (the sd's default prior), and adds to mu, per series of rows (sorted by ``gr`` then
``time``), the correlated residuals::

    chol_cor = cholesky_cor_<ar1|ma1|arma1|cosy>(<coefficients>, max_nobs_tg);
    err[begin:end] = sderr * chol_cor[1:nobs, 1:nobs] * zerr[begin:end];
    mu += ... + err;

``chol_cor`` is the Cholesky factor of the longest series' correlation matrix ``C``; a
series' leading block is the factor of its own ``C``. brmsjax computes the same product in
``O(N)`` without forming ``C``: with ``L = B V^(1/2)`` (``B`` unit lower triangular, ``V``
diagonal: the one-step predictions of the series and their variances, unique as the
Cholesky factor is), ``L z`` is the forward recursion of the predictions fed with
``sqrt(v) z``:

- ARMA(1, 1) (AR(1), MA(1) with the other coefficient 0): the innovations algorithm of
  :mod:`~brmsjax.backend.model.terms.arcov`, ``u_k = ar u_(k-1) + e_k + c_k e_(k-1)``,
  ``e = sqrt(v) z``;
- compound symmetry ``C = (1 - rho) I + rho 1 1'``: ``u_k = a_k S_k + sqrt(v_k) z_k`` with
  ``S_k`` the sum of the ``k`` earlier rows, ``a_k = rho / (1 + (k - 1) rho)`` and
  ``v_k = (1 - rho)(1 + k rho) / (1 + (k - 1) rho)`` (``v_0 = 1``).

The likelihood is then the family's own, row by row, with mu including ``err``. brms saves
``sderr`` after the ARMA coefficients and before ``cosy``, and ``err[n]`` (series order)
after ``lp__``; ``zerr`` and ``chol_cor`` are not saved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import jax.numpy as jnp
from jax import Array

from brmsjax.formula.design.special.autocor import ARMA_FAMILIES
from brmsjax.formula.errors import ModelError

from ..arcov import _innovation_parts, _linear_scan, _shift, arcov_data

__all__ = ["is_latent_cov", "plan_time_err", "scale_time_err", "time_err"]


def is_latent_cov(design: Any, family: Any) -> bool:
    """Whether the model has a ``cov = TRUE`` time-series term (``ar(cov = TRUE)`` or
    ``cosy()``) fitted with latent residuals (a family other than gaussian and student)."""
    has = design.arcov is not None or design.cosy is not None
    return has and str(getattr(family, "name", family)) not in ARMA_FAMILIES


def plan_time_err(
    design: Any, family: Any, vector: Callable[..., Any], data: dict[str, Any], likelihood: str
) -> tuple[tuple[str, int, int] | None, Any, str]:
    """Plan the latent residuals of a ``cov = TRUE`` time-series term of a family without
    natural residuals: its coefficients (``ar``/``ma`` of size one on ``[-1, 1]``, or
    ``cosy`` on ``[0, 1]``), ``zerr`` (``N``) and ``sderr`` (positive), and the series data.

    Returns
    -------
    tuple
        The plan ``("arma", Kar, Kma)`` or ``("cosy", 0, 0)`` (None without latent residuals),
        the design the multivariate time-series densities are planned from (without the
        term when it is latent), and the likelihood form (``"plain"``: mu takes ``err``).

    Raises
    ------
    ModelError
        For a non-linear formula (brms's message), an ARMA term with ``cov = FALSE`` beside
        it, or another likelihood form asked for.
    """
    if not is_latent_cov(design, family):
        return None, design, likelihood
    if design.nonlinear is not None:
        raise ModelError("Latent residuals are not implemented for non-linear models.")
    if design.arma is not None:
        raise ModelError("Can only model one time-series term.")
    if design.arcov is not None:
        plan = ("arma", design.arcov.p, design.arcov.q)
        for cls, k in (("ar", plan[1]), ("ma", plan[2])):
            if k:
                vector(name=cls, size=k, scalar=False, natural=(-1.0, 1.0))
        series = design.arcov.series
    else:
        plan = ("cosy", 0, 0)
        vector(name="cosy", size=1, scalar=True, natural=(0.0, 1.0))
        series = design.cosy.series
    vector(name="zerr", size=design.N, scalar=False, natural=(None, None))
    vector(name="sderr", size=1, scalar=True, natural=(0.0, None))
    data["latcov"] = arcov_data(series)
    if likelihood not in ("auto", "plain"):
        raise ModelError(f"The {likelihood} likelihood cannot be used with latent residuals.")
    return plan, replace(design, arcov=None, cosy=None), "plain"


def _gather(v: Array, d: Mapping[str, Any]) -> Array:
    """Row values ``(..., N)`` as ``(..., G, M)`` series, zero beyond each series' end."""
    return jnp.where(d["mask"] > 0, jnp.take(v, d["index"], axis=-1), 0.0)


def _rows(v: Array, d: Mapping[str, Any]) -> Array:
    """Series values ``(..., G, M)`` back at their rows ``(..., N)``."""
    return v[..., d["series"], d["pos"]]


def _coef(coefs: Mapping[str, Any], name: str) -> Array:
    """A coefficient's value ``(...)`` (its vector of size one, or a scalar; 0 without)."""
    value = coefs.get(name)
    if value is None:
        return jnp.zeros(())
    value = jnp.asarray(value)
    return value[..., 0] if name in ("ar", "ma") else value


def scale_time_err(coefs: Mapping[str, Any], z: Array, d: Mapping[str, Any]) -> Array:
    """brms's ``chol_cor[1:nobs, 1:nobs] * z`` of each series ``(..., N)``, rows in series
    order; ``coefs`` holds ``ar``/``ma`` (``(..., 1)``) or ``cosy`` (``(...)``), ``d`` the
    series data (:func:`~brmsjax.backend.model.terms.arcov.arcov_data`)."""
    zs = _gather(z, d)  # (..., G, M)
    M = d["mask"].shape[-1]
    if "cosy" in coefs:
        rho = _coef(coefs, "cosy")[..., None, None]
        k = jnp.arange(M, dtype=zs.dtype)
        before = 1.0 + jnp.maximum(k - 1.0, 0.0) * rho
        v = jnp.where(k == 0, 1.0, (1.0 - rho) * (1.0 + k * rho) / before)
        a = jnp.where(k == 0, 0.0, rho / before)
        w = jnp.sqrt(v) * zs
        total = _linear_scan(jnp.broadcast_to(1.0 + a, w.shape), w)  # S_(k+1) = S_k + u_k
        u = a * _shift(total, 1) + w
    else:
        ar, ma = jnp.broadcast_arrays(_coef(coefs, "ar"), _coef(coefs, "ma"))
        v, c = _innovation_parts(ar, ma, M)
        v, c = v[..., None, :], c[..., None, :]
        e = jnp.sqrt(v) * zs
        u = _linear_scan(jnp.broadcast_to(ar[..., None, None], e.shape), e + c * _shift(e, 1))
    return _rows(u, d)


def time_err(params: Mapping[str, Array], d: Mapping[str, Any]) -> Array:
    """The latent residuals ``err = sderr * chol_cor * zerr`` ``(..., N)`` of one draw."""
    coefs = {k: params[k] for k in ("ar", "ma", "cosy") if k in params}
    return jnp.asarray(params["sderr"])[..., None] * scale_time_err(coefs, params["zerr"], d)
