"""Group-level effects of new levels at prediction time (brms's ``sample_new_levels``).

brms predicts rows of a level the model never saw from the fitted levels' effects
(``"uncertainty"``, ``"old_levels"``) or from the group's fitted covariance (``"gaussian"``);
:func:`new_level_effects` draws them per posterior draw, :func:`cov_cholesky` gives the
per-draw covariance factors ``"gaussian"`` needs. With ``gr(g, by = f)`` a new level takes its
effects from the fitted levels of its own level of ``f``, or from that level's covariance
(brms's ``get_new_rdraws``): ``pools`` and one factor per new level.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brmsjax.formula.errors import ModelError

__all__ = ["SAMPLE_NEW_LEVELS", "cov_cholesky", "new_level_effects"]

SAMPLE_NEW_LEVELS = ("uncertainty", "gaussian", "old_levels")


def new_level_effects(
    r: np.ndarray,
    n_new: int,
    mode: str,
    rng: np.random.Generator,
    *,
    chol: np.ndarray | Sequence[np.ndarray] | None = None,
    pools: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Effects of ``n_new`` new levels of one grouping factor (brms's ``get_new_rdraws``).

    Parameters
    ----------
    r
        ``(S, L, M)`` effects of the fitted levels (all coefficients of the grouping factor).
    n_new
        Number of new levels.
    mode
        ``"uncertainty"``: per new level and draw, the effects of a level drawn at random;
        ``"old_levels"``: per new level, one level drawn at random, for all draws;
        ``"gaussian"``: per new level and draw, a draw from ``N(0, Sigma_s)``.
    rng
        Random generator.
    chol
        ``(S, M, M)`` Cholesky factors of the per-draw covariance (``"gaussian"`` only), or a
        sequence of them, one per new level (``gr(by = )``: the covariance of its ``by`` level).
    pools
        Per new level, the 0-based fitted levels it may take effects from (``gr(by = )``: those
        of its ``by`` level); all levels when None.

    Returns
    -------
    numpy.ndarray
        ``(S, n_new, M)``.
    """
    S, L, M = r.shape
    draws = np.arange(S)
    out = np.empty((S, n_new, M))
    for j in range(n_new):
        pool = np.arange(L) if pools is None else np.asarray(pools[j])
        if mode == "uncertainty":
            out[:, j, :] = r[draws, pool[rng.integers(len(pool), size=S)], :]
        elif mode == "old_levels":
            out[:, j, :] = r[:, int(pool[rng.integers(len(pool))]), :]
        else:
            if chol is None:
                raise ModelError("sample_new_levels='gaussian' needs the Cholesky factors.")
            c = chol if isinstance(chol, np.ndarray) else chol[j]
            z = rng.standard_normal((S, M))
            out[:, j, :] = np.einsum("smk,sk->sm", c, z)
    return out


def cov_cholesky(sd: np.ndarray, cor: np.ndarray) -> np.ndarray:
    """``(S, M, M)`` Cholesky factors of ``diag(sd) C diag(sd)`` from ``(S, M)`` sds and
    ``(S, M, M)`` correlation matrices."""
    cov = cor * sd[:, :, None] * sd[:, None, :]
    return np.linalg.cholesky(cov)
