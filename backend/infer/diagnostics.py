"""Convergence diagnostics and sampler warnings, worded as brms 2.18 and rstan word them.

Rank-normalized split R-hat and bulk/tail effective sample sizes are ArviZ's
(``az.rhat(method="rank")``, computed here in NumPy as ArviZ does, and ``az.ess(method="bulk" |
"tail")``), which implement the same
estimators (Vehtari et al. 2021) as the R package posterior that brms calls. Like posterior,
a variable whose draws are non-finite or constant gets NaN (R prints ``NA``) instead of an
estimate.

The warning texts are brms's (``summary.brmsfit``: R-hat above 1.05, divergent transitions)
and rstan's (``throw_sampler_warnings``: maximum tree depth)::

    There were 3 divergent transitions after warmup. Increasing adapt_delta above 0.8 may
    help. See http://mc-stan.org/misc/warnings.html#divergent-transitions-after-warmup
"""

from __future__ import annotations

import sys
from types import ModuleType

import numpy as np

# R-hat above this marks a model as not converged (brms's summary threshold).
RHAT_THRESHOLD = 1.05

RHAT_MESSAGE = (
    "Parts of the model have not converged (some Rhats are > 1.05). "
    "Be careful when analysing the results! We recommend running "
    "more iterations and/or setting stronger priors."
)


class SamplerWarning(UserWarning):
    """A sampling problem worth the user's attention (divergences, tree depth, R-hat)."""


def import_arviz() -> ModuleType:
    """Import ArviZ lazily; its import is slow and prints a FutureWarning in 0.23."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz

    return arviz


def _as_chain_draw_var(x: np.ndarray) -> np.ndarray:
    """Coerce ``(chain, draw)`` or ``(chain, draw, var)`` draws to three dimensions."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"draws must have shape (chain, draw[, var]); got {arr.shape}")
    return arr


def _usable(arr: np.ndarray) -> np.ndarray:
    """Per variable: all draws finite and not constant (posterior's ``should_return_NA``)."""
    finite = np.isfinite(arr).all(axis=(0, 1))
    spread = np.zeros(arr.shape[2])
    if finite.any():
        spread[finite] = np.ptp(arr[:, :, finite], axis=(0, 1))
    return finite & (spread >= sys.float_info.epsilon)


def _apply(arr: np.ndarray, kind: str) -> np.ndarray:
    """Run one ArviZ diagnostic over the usable variables of a ``(chain, draw, var)`` array."""
    out = np.full(arr.shape[2], np.nan)
    ok = _usable(arr)
    if not ok.any():
        return out
    az = import_arviz()
    import xarray as xr  # with ArviZ, on first use (not at ``import brmsjax``)

    ds = xr.Dataset({"x": (("chain", "draw", "var"), arr[:, :, ok])})
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind in ("rank", "split"):
            res = az.rhat(ds, method=kind)
        else:
            res = az.ess(ds, method=kind)
    out[ok] = np.asarray(res["x"].values, dtype=np.float64)
    return out


def rhat(x: np.ndarray) -> np.ndarray:
    """Rank-normalized split R-hat (the maximum of bulk and folded R-hat) per variable.

    Parameters
    ----------
    x
        Draws with shape ``(chain, draw)`` or ``(chain, draw, var)``.

    Returns
    -------
    numpy.ndarray
        One value per variable; NaN for non-finite or constant draws.

    Notes
    -----
    ArviZ's ``rhat(method="rank")`` computed in NumPy, step for step in ArviZ's order so
    that the values are the same to the last bit (tests/sampler/test_diagnostics_numpy.py):
    ``brm()`` checks R-hat for its warning, and importing ArviZ and xarray for it cost a cold
    fit 1.3 CPU s. With fewer than 2 chains or 4 draws ArviZ itself answers (NaN, with its
    warning).
    """
    arr = _as_chain_draw_var(x)
    if arr.shape[0] < 2 or arr.shape[1] < 4:
        return _apply(arr, "rank")  # ArviZ's NaN and its shape warning
    out = np.full(arr.shape[2], np.nan)
    for k in np.flatnonzero(_usable(arr)):
        split = _split_chains(arr[:, :, k])
        folded = np.abs(split - np.median(split))
        out[k] = max(_rhat(_z_scale(split)), _rhat(_z_scale(folded)))
    return out


def _split_chains(a: np.ndarray) -> np.ndarray:
    """``(chain, draw)`` to ``(2 chain, draw // 2)``: first halves, then second halves."""
    half = a.shape[1] // 2
    return np.vstack((a[:, :half], a[:, -half:]))


def _z_scale(a: np.ndarray) -> np.ndarray:
    """Normal scores of the average ranks of all values, with Blom's offset 3/8."""
    from scipy.special import ndtri

    flat = a.ravel()
    order = np.argsort(flat, kind="quicksort")
    inv = np.empty(order.size, dtype=np.intp)
    inv[order] = np.arange(order.size, dtype=np.intp)
    ordered = flat[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    dense = first.cumsum()[inv]
    count = np.r_[np.nonzero(first)[0], len(first)]
    ranks = 0.5 * (count[dense] + count[dense - 1] + 1)
    c = 3 / 8
    return ndtri((ranks - c) / (ranks.size - 2 * c + 1)).reshape(a.shape)


def _rhat(a: np.ndarray) -> float:
    """Gelman-Rubin R-hat of ``(chain, draw)`` values."""
    n = a.shape[1]
    between = n * np.var(np.mean(a, axis=1), ddof=1)
    within = np.mean(np.var(a, axis=1, ddof=1))
    return float(np.sqrt((between / within + n - 1) / n))


def rhat_one_chain(x: np.ndarray) -> np.ndarray:
    """posterior's ``rhat`` of one chain ``(1, draw, var)``: its two halves as two chains.

    ArviZ needs two chains; the R package posterior (brms's summary of a variational fit)
    splits a single chain in halves (the middle draw left out when the count is odd) and takes
    the larger of the rank-normalized bulk and folded R-hats (folded around the median of all
    draws). NaN where draws are non-finite
    or constant.
    """
    arr = np.asarray(x, dtype=np.float64)
    half = arr.shape[1] // 2
    out = np.full(arr.shape[2], np.nan)
    for k in range(arr.shape[2]):
        v = arr[0, :, k]
        if half < 2 or not np.all(np.isfinite(v)) or np.ptp(v) < np.finfo(float).eps:
            continue
        folded = np.abs(v - np.median(v))
        bulk = _rhat(_z_scale(np.stack([v[:half], v[-half:]])))
        out[k] = max(bulk, _rhat(_z_scale(np.stack([folded[:half], folded[-half:]]))))
    return out


def rhat_split(x: np.ndarray) -> np.ndarray:
    """Classic split R-hat per variable (rstan's ``Rhat`` column, Gelman et al. 2013): chains
    split in halves, not rank-normalized. NaN for non-finite or constant draws."""
    return _apply(_as_chain_draw_var(x), "split")


def ess_bulk(x: np.ndarray) -> np.ndarray:
    """Bulk effective sample size per variable (NaN for non-finite or constant draws)."""
    return _apply(_as_chain_draw_var(x), "bulk")


def ess_tail(x: np.ndarray) -> np.ndarray:
    """Tail effective sample size (5% and 95% quantiles, the smaller) per variable."""
    return _apply(_as_chain_draw_var(x), "tail")


def r_number(x: float) -> str:
    """Format a number as R's ``paste0`` does (15 significant digits, no trailing zeros)."""
    return format(float(x), ".15g")


def divergence_message(n: int, adapt_delta: float) -> str:
    """brms's warning for ``n`` divergent transitions after warmup."""
    return (
        f"There were {n} divergent transitions after warmup. "
        f"Increasing adapt_delta above {r_number(adapt_delta)} may help. See "
        "http://mc-stan.org/misc/warnings.html#divergent-transitions-after-warmup"
    )


def treedepth_message(n: int, max_treedepth: int) -> str:
    """rstan's warning for ``n`` transitions that hit the maximum tree depth."""
    return (
        f"There were {n} transitions after warmup that exceeded the maximum treedepth. "
        f"Increase max_treedepth above {max_treedepth}. See\n"
        "http://mc-stan.org/misc/warnings.html#maximum-treedepth-exceeded"
    )


def count_divergent(divergent: np.ndarray) -> int:
    """Number of divergent post-warmup transitions (brms sums ``divergent__``)."""
    return int(np.count_nonzero(np.asarray(divergent)))


def count_max_treedepth(treedepth: np.ndarray, max_treedepth: int) -> int:
    """Number of transitions whose tree depth reached ``max_treedepth`` (rstan's rule)."""
    return int(np.count_nonzero(np.asarray(treedepth) >= max_treedepth))


def treedepth_from_steps(n_steps: np.ndarray) -> np.ndarray:
    """Stan's ``treedepth__`` from the number of leapfrog steps of each NUTS transition.

    A tree of depth ``d`` takes between ``2**(d-1)`` and ``2**d - 1`` leapfrog steps (fewer than
    ``2**d - 1`` when the last doubling stops early), so the depth is the bit length of the
    step count. NumPyro reports the step count as ``num_steps``.

    Parameters
    ----------
    n_steps
        Non-negative integer step counts.

    Returns
    -------
    numpy.ndarray
        Integer tree depths, the same shape as ``n_steps``.
    """
    steps = np.asarray(n_steps, dtype=np.int64)
    depth = np.zeros(steps.shape, dtype=np.int64)
    positive = steps > 0
    depth[positive] = np.floor(np.log2(steps[positive])).astype(np.int64) + 1
    return depth


def sampler_warnings(
    rhats: np.ndarray,
    divergent: np.ndarray | None,
    treedepth: np.ndarray | None,
    adapt_delta: float,
    max_treedepth: int,
) -> tuple[str, ...]:
    """The warnings brms and rstan give for a fit, in brms's order.

    Parameters
    ----------
    rhats
        R-hat of the summarised parameters (NaN values are ignored, as in brms).
    divergent
        Per-draw divergence indicators, or None when unknown.
    treedepth
        Per-draw tree depths, or None when unknown.
    adapt_delta, max_treedepth
        The sampler settings the messages quote.

    Returns
    -------
    tuple of str
        The R-hat, divergence and tree-depth messages that apply.
    """
    out: list[str] = []
    r = np.asarray(rhats, dtype=np.float64)
    if np.any(r[np.isfinite(r)] > RHAT_THRESHOLD):
        out.append(RHAT_MESSAGE)
    if divergent is not None:
        n_div = count_divergent(divergent)
        if n_div > 0:
            out.append(divergence_message(n_div, adapt_delta))
    if treedepth is not None:
        n_td = count_max_treedepth(treedepth, max_treedepth)
        if n_td > 0:
            out.append(treedepth_message(n_td, max_treedepth))
    return tuple(out)
