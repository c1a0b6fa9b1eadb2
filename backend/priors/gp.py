"""brms 2.18's priors of Gaussian process terms: ``sdgp`` and the data-tuned ``lscale``.

``sdgp`` defaults to the data-scaled ``student_t(3, 0, scale)`` of ``sd`` (brms's
``def_scale_prior``). ``lscale`` defaults per sub-GP (and per dimension when ``iso = FALSE``)
to the inverse-gamma that puts 1% of its mass below the smallest and 1% above the largest
distance between the (scaled) points: brms's ``def_lscale_prior`` solves
``log P(l < lb) = log 0.01`` and ``log P(l > ub) = log 0.01`` for ``log(shape), log(rate)``
from ``(0, 0)`` with ``nleqslv``, with ``lb = max(min distance, 0.01 * ub)``, and rounds the
solution to 6 digits; where the solver does not converge it uses ``normal(0, 0.5)``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import special

from brmsjax.backend.dists.densities import PriorSpec
from brmsjax.backend.priors.defaults import r_round
from brmsjax.formula.design.gp import GpBlock

__all__ = ["gp_rows_specs", "lscale_prior", "lscale_priors"]

_FALLBACK = PriorSpec("normal", (0.0, 0.5))


def _log_tails(x: np.ndarray, lb: float, ub: float) -> np.ndarray:
    """``log P(l < lb) - log 0.01`` and ``log P(l > ub) - log 0.01`` of ``inv_gamma(exp(x))``."""
    shape, rate = np.exp(x)
    # pinvgamma(q) = pgamma(1/q, shape, rate, lower.tail = FALSE)
    lower = special.gammaincc(shape, rate / lb)
    upper = special.gammainc(shape, rate / ub)
    with np.errstate(divide="ignore"):
        return np.array([np.log(lower), np.log(upper)]) - math.log(0.01)


def lscale_prior(points: np.ndarray) -> PriorSpec:
    """brms's default ``lscale`` prior for the (scaled) points ``(n, D)`` of one length-scale."""
    points = np.asarray(points, dtype=float).reshape(len(points), -1)
    d2 = np.zeros((len(points), len(points)))
    for d in range(points.shape[1]):
        d2 += (points[:, d, None] - points[None, :, d]) ** 2
    ub = math.sqrt(float(d2.max()))
    positive = d2[d2 > 0]
    if not positive.size:
        return _FALLBACK
    lb = max(math.sqrt(float(positive.min())), 0.01 * ub)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        from scipy import optimize  # on first use: scipy.optimize loads slowly

        sol = optimize.root(_log_tails, np.zeros(2), args=(lb, ub), method="lm")
    residual = _log_tails(sol.x, lb, ub)
    if not (sol.success and np.all(np.isfinite(residual)) and np.max(np.abs(residual)) < 1e-6):
        return _FALLBACK
    shape, rate = np.exp(sol.x)
    return PriorSpec("inv_gamma", (r_round(float(shape), 6), r_round(float(rate), 6)))


def lscale_priors(block: GpBlock) -> tuple[PriorSpec, ...]:
    """The default ``lscale`` prior of each length-scale of a GP term, sub-GP by sub-GP (and
    dimension by dimension when not isotropic), as :attr:`GpBlock.sfx2` lists them."""
    out = []
    for sub in block.subs:
        if block.term.iso:
            out.append(lscale_prior(sub.points))
        else:
            out += [lscale_prior(sub.points[:, d]) for d in range(block.D)]
    return tuple(out)


def gp_rows_specs(block: GpBlock) -> list[tuple[str, str, PriorSpec | None]]:
    """``(class, coef, default)`` of the term's coefficient-level prior rows."""
    rows: list[tuple[str, str, PriorSpec | None]] = [("sdgp", s, None) for s in block.sfx1]
    names = [n for sub in block.sfx2 for n in sub]
    rows += [("lscale", n, spec) for n, spec in zip(names, lscale_priors(block), strict=True)]
    return rows
