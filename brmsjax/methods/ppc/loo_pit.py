"""The LOO probability integral transform (bayesplot's ``ppc_loo_pit_*``, loo's ``E_loo``).

``pit_i = sum_s w_is 1{y_rep_si <= y_i}`` with ``w_is`` the PSIS-smoothed leave-one-out
weights of observation ``i`` (normalized ``exp(lw)``), so each value is the LOO predictive CDF at
the observed value. For a discrete response the transform is randomized, as bayesplot does:
``P(y_rep < y_i) + u * P(y_rep = y_i)`` with ``u ~ U(0, 1)``. For a well-calibrated model the
values are close to uniform on [0, 1]; ``loo_pit_overlay`` compares their density with
densities of uniform samples of the same size, ``loo_pit_qq`` their quantiles with uniform ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logsumexp

from brmsjax.core import FitLike
from brmsjax.methods.comparison import psis_smooth, relative_eff
from brmsjax.methods.predictions import log_lik, posterior_predict

__all__ = ["DARK", "LIGHT", "loo_pit", "loo_pit_figure", "observed", "pit_values"]

# bayesplot's blue scheme, as brmsjax.methods.plots draws it
DARK, LIGHT = "#011f4b", "#b3cde0"


def observed(fit: FitLike) -> np.ndarray:
    """The observed response in the data's row order (as the predictions), as floats."""
    resp = fit.design.response
    values = (
        fit.model.program.family.response_values(resp.y, resp.levels)
        if fit.model is not None
        else resp.y
    )
    return np.asarray(values, dtype=np.float64)[np.argsort(fit.design.rows, kind="stable")]


def pit_values(
    y: np.ndarray, yrep: np.ndarray, lw: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """PIT values of ``y`` (N) under draws ``yrep`` (S, N) with log weights ``lw`` (N, S)."""
    w = np.exp(lw - logsumexp(lw, axis=1, keepdims=True))
    below = np.sum(w * (yrep.T <= y[:, None]), axis=1)
    discrete = np.allclose(y, np.round(y)) and np.allclose(yrep, np.round(yrep))
    if not discrete:
        return np.clip(below, 0.0, 1.0)
    at = np.sum(w * (yrep.T == y[:, None]), axis=1)
    return np.clip(below - at + rng.uniform(size=y.size) * at, 0.0, 1.0)


def loo_pit(fit: FitLike, seed: int | None = None) -> np.ndarray:
    """LOO-PIT values of the observed responses (rstantools' ``loo_pit``), one per row.

    Uses every draw: ``posterior_predict`` for ``y_rep`` (seeded by ``seed``) and PSIS weights
    from ``log_lik`` with loo's relative efficiencies, as brms's ``pp_check(type =
    "loo_pit")``.
    """
    y = observed(fit)
    yrep = np.asarray(posterior_predict(fit, seed=seed), dtype=np.float64)
    ll = log_lik(fit)
    lw, _ = psis_smooth(ll, relative_eff(ll, fit.nchains))
    return pit_values(y, yrep, lw, np.random.default_rng(seed))


def _kde01(x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A gaussian density on [0, 1] with reflection at both ends (bw.nrd0's bandwidth)."""
    sd = np.std(x, ddof=1)
    iqr = np.subtract(*np.quantile(x, [0.75, 0.25])) / 1.34
    bw = 0.9 * (min(sd, iqr) if min(sd, iqr) > 0 else sd or 0.1) * x.size ** (-0.2)
    pts = np.concatenate([x, -x, 2 - x])
    z = (grid[:, None] - pts[None, :]) / bw
    return np.exp(-0.5 * z**2).sum(axis=1) / (x.size * bw * np.sqrt(2 * np.pi))


def loo_pit_figure(fit: FitLike, type: str, ndraws: int | None, seed: int | None) -> Any:
    """``loo_pit_overlay`` (the PIT density over ``ndraws`` uniform samples' densities, 100
    by default) or ``loo_pit_qq`` (PIT quantiles against uniform quantiles)."""
    import matplotlib.pyplot as plt

    pit = loo_pit(fit, seed=seed)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if type == "loo_pit_qq":
        theo = (np.arange(1, pit.size + 1) - 0.5) / pit.size
        ax.plot(theo, np.sort(pit), "o", color=DARK, ms=3, label="LOO-PIT")
        ax.plot([0, 1], [0, 1], color=LIGHT, lw=1.5, label="uniform")
        ax.set_xlabel("Uniform")
        ax.set_ylabel("LOO-PIT")
    else:
        rng = np.random.default_rng(seed)
        grid = np.linspace(0, 1, 256)
        for i in range(100 if ndraws is None else ndraws):
            unif = _kde01(rng.uniform(size=pit.size), grid)
            ax.plot(grid, unif, color=LIGHT, lw=0.7, label="y_rep (uniform)" if i == 0 else None)
        ax.plot(grid, _kde01(pit, grid), color=DARK, lw=1.5, label="LOO-PIT")
        ax.set_xlabel("LOO-PIT")
    ax.legend()
    fig.tight_layout()
    return fig
