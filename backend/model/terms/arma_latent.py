"""ARMA terms of families without natural residuals: brms 2.18's latent residuals ``err``.

For families other than gaussian and student (poisson, bernoulli, cumulative, ...) brms 2.18
fits ``ar()`` (``cov = FALSE``; MA terms need ``cov = TRUE`` there) on latent residuals::

    parameters { vector[N] zerr; real<lower=0> sderr; vector<lower=-1,upper=1>[Kar] ar; }
    err = sderr * zerr;
    mu += Intercept + Xc * b + err;
    for (n in 1:N) {
      for (i in 1:J_lag[n]) Err[n + 1, i] = err[n + 1 - i];
      mu[n] += Err[n, 1:Kar] * ar;
    }
    target += std_normal_lpdf(zerr);

``sderr`` takes the sd's default prior (``lprior``); ``zerr``'s standard normal is outside
``lprior``. brms saves ``sderr`` after the ARMA coefficients and ``err[n]`` (rows in series
order) after ``lp__``; ``zerr`` is not saved. Its post-processing (``predictor_ac``) adds the
``err`` draws to mu and leaves the AR part out; new data are refused ("Cannot predict new
latent residuals when using cov = FALSE in autocor terms.").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax.numpy as jnp
from jax import Array

from brmsjax.formula.design.special.autocor import ARMA_FAMILIES
from brmsjax.formula.errors import ModelError

from .autocor import arma_data, arma_mu
from .latent.time_err import time_err

__all__ = ["arma_err", "arma_eta", "is_latent", "plan_arma"]


def is_latent(family: Any) -> bool:
    """Whether brms fits the family's ARMA terms with latent residuals."""
    return str(getattr(family, "name", family)) not in ARMA_FAMILIES


def plan_arma(
    design: Any, family: Any, vector: Callable[..., Any], data: dict[str, Any], likelihood: str
) -> tuple[tuple[int, int], str]:
    """Plan an ARMA term's parameters and data: ``ar``/``ma`` (flat; in ``[-1, 1]`` with latent
    residuals) and, with latent residuals, ``zerr`` and ``sderr``.

    Returns the ``(Kar, Kma)`` orders (``(0, 0)`` without a term) and the likelihood form
    (``"plain"``, the only one that takes the lags).

    Raises
    ------
    ModelError
        For another form asked for, or a mixture family.
    """
    if design.arma is None:
        return (0, 0), likelihood
    arma = (design.arma.p, design.arma.q)
    latent = is_latent(family)
    if latent and hasattr(family, "components"):
        raise ModelError("ARMA terms cannot be used with mixture families in brmsjax.")
    bounds = (-1.0, 1.0) if latent else (None, None)
    for cls, k in (("ar", arma[0]), ("ma", arma[1])):
        if k:
            vector(name=cls, size=k, scalar=False, natural=bounds)
    if latent:
        vector(name="zerr", size=design.N, scalar=False, natural=(None, None))
        vector(name="sderr", size=1, scalar=True, natural=(0.0, None))
    data["arma"] = arma_data(design.arma.J_lag, design.arma.max_lag)
    if likelihood not in ("auto", "plain"):
        raise ModelError(f"The {likelihood} likelihood cannot be used with ARMA terms.")
    return arma, "plain"


def arma_err(
    params: Mapping[str, Array], data: Mapping[str, Any] | None = None
) -> dict[str, Array]:
    """``{"err": sderr * zerr}``, brms's latent residuals (empty without them); with a
    ``cov = TRUE`` term (``data["latcov"]``) the correlated ones of
    :func:`~.latent.time_err.time_err`."""
    if data is not None and "latcov" in data:
        return {"err": time_err(params, data["latcov"])}
    if "zerr" not in params:
        return {}
    return {"err": params["sderr"] * params["zerr"]}


def arma_eta(eta: Array, params: Mapping[str, Array], data: Mapping[str, Any]) -> Array:
    """mu with the ARMA part (rows in series order): brms's predicted residuals for gaussian
    and student, else ``err`` plus the AR part on the lagged ``err`` (``cov = TRUE``: the
    correlated ``err`` alone)."""
    if "latcov" in data:
        return eta + time_err(params, data["latcov"])
    ar = params.get("ar")
    if "zerr" not in params:
        return arma_mu(eta, data["y"], ar=ar, ma=params.get("ma"), lags=data["arma"])
    err = arma_err(params)["err"]
    lags = data["arma"]
    mu = eta + err
    if ar is not None:
        lagged = jnp.take(err, lags["index"], axis=-1) * lags["mask"]
        mu = mu + jnp.sum(lagged[..., : ar.shape[-1]] * ar, axis=-1)
    return mu
