"""brms's ``prior_draws()``: the draws of a ``sample_prior = "yes"`` fit's priors.

The fit holds brms's ``prior_*`` variables (:mod:`brmsjax.backend.priors.draws`). Without
``variable`` they are returned under their class names (``b``, ``Intercept``,
``sd_Subject``); with ``variable`` each named parameter gets the draws of the longest class
name it starts with (``b_Days`` takes ``b``, ``b_sigma_x`` takes ``b_sigma``), shuffled so
that two parameters sharing a prior get independent draws, as brms 2.18 does. The overall
intercept of a model with a centred intercept has no prior draws (its prior is on the
centred ``Intercept``): brms warns and leaves it out.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from brmsjax.core import FitLike

__all__ = ["PriorDrawsWarning", "prior_draws", "prior_draws_of"]

_META = (".chain", ".iteration", ".draw")
_INTERCEPT = re.compile(r"^b_(.*_)?Intercept($|\[)")


class PriorDrawsWarning(UserWarning):
    """A parameter's prior cannot be drawn (brms's warning for overall intercepts)."""


def _all(fit: FitLike) -> pd.DataFrame:
    draws = fit.draws()
    cols = [c for c in draws.columns if str(c).startswith("prior_") and c not in _META]
    out = draws[cols].reset_index(drop=True)
    out.columns = [str(c)[len("prior_") :] for c in cols]
    return out


def _centred_intercept(fit: FitLike, variable: str) -> bool:
    """brms's ``ignore_prior``: ``b_Intercept`` (or ``b_<dpar>_Intercept``) of a model whose
    intercept of that parameter is centred has no prior draws."""
    m = _INTERCEPT.match(variable)
    if m is None:
        return False
    dpar = (m.group(1) or "").rstrip("_")
    design = getattr(fit, "design", None)
    block = design.block(dpar) if design is not None else None
    return bool(block is not None and (block.intercept or block.thresholds) and block.center)


def prior_draws_of(
    fit: FitLike, variables: Sequence[str], rng: np.random.Generator
) -> pd.DataFrame:
    """The prior draws of each of ``variables`` that has them (brms's matching rule)."""
    draws = _all(fit)
    out: dict[str, np.ndarray] = {}
    for v in variables:
        hits = [(len(c), c) for c in draws.columns if v.startswith(c)]
        if not hits:
            continue
        if _centred_intercept(fit, v):
            warnings.warn(
                "Sampling from the prior of an overall intercept is not possible by default. "
                "See the documentation of the 'sample_prior' argument in help('brm').",
                PriorDrawsWarning,
                stacklevel=3,
            )
            continue
        col = max(hits)[1]
        out[v] = draws[col].to_numpy()[rng.permutation(len(draws))]
    return pd.DataFrame(out)


def prior_draws(
    fit: FitLike, variable: str | Sequence[str] | None = None, *, seed: int | None = None
) -> pd.DataFrame:
    """brms's ``prior_draws()``: draws from the priors of a ``sample_prior = "yes"`` fit.

    Parameters
    ----------
    variable
        Parameter names (``"b_Days"``, ``"sd_Subject__Intercept"``); None returns every
        prior under its class name (``b``, ``Intercept``, ``sigma``, ``sd_Subject``).
    seed
        Seed of the shuffle that makes parameters sharing a prior independent.

    Returns
    -------
    pandas.DataFrame
        One column per prior (or per named parameter that has one); empty when the fit
        has no prior draws (fit it with ``sample_prior="yes"``).
    """
    if variable is None:
        return _all(fit)
    names = [variable] if isinstance(variable, str) else [str(v) for v in variable]
    return prior_draws_of(fit, names, np.random.default_rng(seed))
