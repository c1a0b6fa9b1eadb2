"""The first inverse mass matrix of a gaussian model with one centred smooth, from the data.

For ``y ~ s(x) + ...`` (gaussian, identity link, no group terms) whose smooth is sampled
centred (the site holds ``s``: :func:`~brmsjax.backend.model.terms.smooth_terms.centred_smooth`)
the posterior mode that :mod:`.metric_init` searches for does not exist: the joint density
grows without bound as ``sds -> 0`` with ``s -> 0`` (the neck of the funnel), the search ends
there (``log sds`` about -17 on boston's ``medv ~ s(lstat) + rm``) and the Hessian is not
positive definite, so NUTS adapted from the identity: about 76 leapfrog steps per warmup
iteration against 7 per draw afterwards (the coefficients' posterior sds range from 0.15 to
35).

The mixed model's moment estimates give the scales instead: least squares of ``y`` on
``[1, X, Zs]`` (``X`` centred, as the sampler's) give ``sigma^2`` and the spread of the smooth's
coefficients ``tau^2 = mean(s^2) - mean(V)``; the linear coefficients' covariance is then
``(W'W / sigma^2 + diag(0, .., 0, 1/tau^2, ..))^-1`` (the posterior of the coefficients given
``sigma`` and ``sds = tau``), mapped to the sampler's QR coordinates of ``b``; ``log sigma``
and ``log sds`` get the large-sample variances ``1 / (2 (N - p))`` and ``1 / (2 K)``. Only the
first metric changes (the adaptation replaces it at the end of each window), so the posterior
is untouched; the host work is one small least squares, with no program to compile.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpyro.distributions import constraints

from brmsjax.backend.model.lower import LoweredModel

__all__ = ["smooth_moment_metric"]


def _layout(lowered: LoweredModel) -> dict[str, slice] | None:
    """Each site's slice of the unconstrained vector, if the model is ``Intercept``, ``b``,
    ``sigma``, one centred smooth (``sds_<k>``, ``zs_<k>``) and nothing else."""
    structure = lowered.program.structure
    smooths = structure.smooths
    if (
        len(smooths) != 1
        or len(smooths[0].knots) != 1  # one penalty (t2(), "fs": one sds per part)
        or not smooths[0].centred
        or smooths[0].dpar
        or structure.groups
        or structure.gps
        or structure.likelihood != "plain"
        or structure.addition
        or len(structure.fixed) != 1
        or not structure.fixed[0].center
    ):
        return None
    key = smooths[0].key
    wanted = {"Intercept", "b", "sigma", f"sds_{key}", f"zs_{key}"}
    out: dict[str, slice] = {}
    offset = 0
    for site in lowered.sites:
        out[site.name] = slice(offset, offset + site.size)
        offset += site.size
        if site.name in ("sigma", f"sds_{key}") and site.constraint is not constraints.positive:
            return None
    if set(out) - {"b"} != wanted - {"b"} or not set(out) <= wanted:
        return None
    return out


def smooth_moment_metric(lowered: LoweredModel, dense: bool) -> np.ndarray | None:
    """The first inverse mass matrix (dense ``(dim, dim)`` or its diagonal), or None where
    the model is not a gaussian one with a single centred smooth and nothing else."""
    where = _layout(lowered)
    if where is None:
        return None
    data: Any = lowered.data
    key = lowered.program.structure.smooths[0].key
    y = np.asarray(data["y"], dtype=float)
    n = y.shape[0]
    X = np.asarray(data["X"].get("", np.zeros((n, 0))), dtype=float)
    Zs = np.asarray(data["Zs"][key], dtype=float)
    if data["offset"] or y.ndim != 1:
        return None
    W = np.hstack([np.ones((n, 1)), X, Zs])
    p, k = W.shape[1], Zs.shape[1]
    if n <= p + 1:
        return None
    WtW = W.T @ W
    try:
        coef = np.linalg.solve(WtW, W.T @ y)
        V = np.diag(np.linalg.inv(WtW))
    except np.linalg.LinAlgError:
        return None
    resid = y - W @ coef
    sigma2 = float(resid @ resid) / (n - p)
    s = coef[-k:]
    tau2 = float(np.mean(s * s) - sigma2 * np.mean(V[-k:]))
    if not (sigma2 > 0 and tau2 > 0 and np.isfinite(tau2)):
        return None
    precision = WtW / sigma2
    precision[-k:, -k:] += np.eye(k) / tau2
    cov_lin = np.linalg.inv(precision)
    # the b site holds R* b where the program multiplies by qr_inv
    T = np.eye(p)
    qr_inv = data.get("qr_inv", {}).get("")
    if qr_inv is not None:
        T[1 : 1 + X.shape[1], 1 : 1 + X.shape[1]] = np.linalg.inv(np.asarray(qr_inv))
    cov_lin = T @ cov_lin @ T.T
    dim = max(sl.stop for sl in where.values())
    cov = np.zeros((dim, dim))
    lin = np.r_[
        np.arange(dim)[where["Intercept"]],
        np.arange(dim)[where["b"]] if "b" in where else np.zeros(0, dtype=int),
        np.arange(dim)[where[f"zs_{key}"]],
    ].astype(int)
    if lin.shape[0] != p:
        return None
    cov[np.ix_(lin, lin)] = cov_lin
    cov[where["sigma"], where["sigma"]] = 1.0 / (2.0 * (n - p))
    cov[where[f"sds_{key}"], where[f"sds_{key}"]] = 1.0 / (2.0 * k)
    cov = (cov + cov.T) / 2
    return cov if dense else np.diag(cov).copy()
