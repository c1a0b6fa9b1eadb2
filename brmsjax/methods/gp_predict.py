"""Gaussian process terms in predictions, as brms 2.18's ``prepare_predictions_gp``.

Each sub-GP becomes a one-column group-level block for :mod:`brmsjax.backend.predict`: its
"effects" are the GP's draws at the points, ``J`` takes each row's point and ``Z`` is its
contrast (1, the factor ``by``'s contrast on the level's rows and 0 elsewhere, or the numeric
``by``). The GP at the points, per draw:

- approximate GP: ``(sqrt(spd(slambda)) * zgp) @ Xgp^T``, with the eigenfunctions of new data
  evaluated on the fitted boundary ``L`` and centre (brms's ``.predictor_gpa``);
- exact GP at the fitting points: ``chol(K + 1e-12 I) @ zgp`` (``.predictor_gp_old``);
- exact GP at new points: a draw from the GP's conditional given its values at the fitting
  points (``.predictor_gp_new``: ``K*' K^-1 f`` and ``K** - K*' K^-1 K* + 1e-8 I``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from brmsjax.backend import predict as bp
from brmsjax.formula.design.gp import GpBlock, SubGp
from brmsjax.formula.names import gp_name

if TYPE_CHECKING:
    from brmsjax.core import FitLike
    from brmsjax.formula.design.newdata import NewData

__all__ = ["gp_group_draws"]


def _spd(slambda: np.ndarray, sdgp: np.ndarray, lscale: np.ndarray) -> np.ndarray:
    """``(S, NB)`` spectral densities (brms's ``spd_cov_exp_quad``) for ``(S,)`` sdgp and
    ``(S, Dls)`` length-scales."""
    D = slambda.shape[1]
    if lscale.shape[1] == 1:
        ell = lscale[:, :1]
        constant = sdgp[:, None] ** 2 * (np.sqrt(2 * np.pi) * ell) ** D
        return constant * np.exp(-0.5 * ell**2 * np.sum(slambda**2, axis=1)[None, :])
    constant = sdgp**2 * np.sqrt(2 * np.pi) ** D * np.prod(lscale, axis=1)
    return constant[:, None] * np.exp(-0.5 * (lscale**2) @ (slambda**2).T)


def _cov(a: np.ndarray, b: np.ndarray, sdgp: float, lscale: np.ndarray) -> np.ndarray:
    """brms's ``cov_exp_quad`` between the points ``a`` and ``b``."""
    d2 = (a[:, None, :] - b[None, :, :]) ** 2
    if len(lscale) == 1:
        return sdgp**2 * np.exp(-np.sum(d2, axis=2) / (2 * lscale[0] ** 2))
    return sdgp**2 * np.exp(-np.sum(d2 / (2 * lscale**2), axis=2))


def _chol(cov: np.ndarray, nug: float) -> np.ndarray:
    """Cholesky factor of ``cov + nug I``, the nugget grown tenfold until it works (brms's
    ``try_nug``)."""
    eye = np.eye(len(cov))
    for _ in range(8):
        try:
            return np.linalg.cholesky(cov + nug * eye)
        except np.linalg.LinAlgError:
            nug *= 10
    return np.linalg.cholesky(cov + nug * eye)


def _exact(
    old: np.ndarray,
    new: np.ndarray | None,
    *,
    sdgp: np.ndarray,
    lscale: np.ndarray,
    z: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """``(S, n)`` exact GP draws at the fitting points (``new`` None) or at new points."""
    out = np.empty((len(sdgp), len(old) if new is None else len(new)))
    for s in range(len(sdgp)):
        L = _chol(_cov(old, old, sdgp[s], lscale[s]), 1e-12)
        f = L @ z[s]
        if new is None:
            out[s] = f
            continue
        cross = _cov(old, new, sdgp[s], lscale[s])
        alpha = np.linalg.solve(L.T, np.linalg.solve(L, f))
        v = np.linalg.solve(L, cross)
        cov = _cov(new, new, sdgp[s], lscale[s]) - v.T @ v
        out[s] = cross.T @ alpha + _chol((cov + cov.T) / 2, 1e-8) @ rng.standard_normal(len(new))
    return out


def _draws(fit: FitLike, names: list[str], rows: np.ndarray) -> np.ndarray:
    return np.asarray(fit.store.matrix(names)[rows], dtype=float)


def _sub_values(
    fit: FitLike,
    fitted: GpBlock,
    sub: SubGp,
    j: int,
    rows: np.ndarray,
    *,
    new: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """``(S, points)`` draws of sub-GP ``j`` at the points of ``sub``."""
    d = fitted.dpar
    sdgp = _draws(fit, [gp_name("sdgp", fitted.sfx1[j], d)], rows)[:, 0]
    lscale = _draws(fit, [gp_name("lscale", n, d) for n in fitted.sfx2[j]], rows)
    size = fitted.latent_sizes[j]
    zname = gp_name("zgp", fitted.sfx1[j], d)
    z = _draws(fit, [f"{zname}[{m}]" for m in range(1, size + 1)], rows)
    base = fitted.subs[j]
    if base.slambda is not None:  # the approximate GP
        return np.asarray((np.sqrt(_spd(base.slambda, sdgp, lscale)) * z) @ sub.X.T)
    return _exact(base.points, sub.points if new else None, sdgp=sdgp, lscale=lscale, z=z, rng=rng)


def gp_group_draws(
    fit: FitLike, nd: NewData, rows: np.ndarray, rng: np.random.Generator
) -> tuple[bp.GroupDraws, ...]:
    """The GP terms of ``nd`` as one-column group-level blocks at the draw rows ``rows``."""
    fitted = {(b.dpar, b.index): b for b in fit.design.gps}
    out = []
    for block in nd.gps:
        base = fitted[(block.dpar, block.index)]
        for j, sub in enumerate(block.subs):
            if sub.I is not None and not len(sub.I):
                continue  # a level of the factor 'by' without rows here
            values = _sub_values(fit, base, sub, j, rows, new=not nd.gps_fitted, rng=rng)
            J = np.arange(values.shape[1]) if sub.J is None else np.asarray(sub.J)
            Z = np.ones(len(J)) if block.Cgp is None else np.asarray(block.Cgp, dtype=float)
            if sub.I is not None and sub.C is not None:
                Jn, Zn = np.zeros(nd.n, dtype=np.int64), np.zeros(nd.n)
                Jn[sub.I], Zn[sub.I] = J, sub.C
                J, Z = Jn, Zn
            out.append(
                bp.GroupDraws(
                    (block.dpar,), np.ascontiguousarray(values[:, :, None]), J, Z[:, None]
                )
            )
    return tuple(out)
