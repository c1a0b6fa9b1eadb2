"""Raw draws to brms 2.18's variable names, in brms's order.

brms orders draws by parameter class (``reorder_pars`` in brms's ``rename_pars.R``): ``b``
(intercepts first: ``b_Intercept`` or the ordinal thresholds ``b_Intercept[1]``,
``b_sigma_Intercept``, then the slopes of mu and of each predicted dpar), ``sd``, ``cor``, the
family's scalar dpars (``sigma``), ``r``, ``lprior`` and ``lp__``; ``as_draws_df`` adds
``.chain``, ``.iteration`` and ``.draw``. Names follow
brms-semantics.md 4.2::

    b_Days  b_sigma_x  sd_Subject__Days  sd_g__sigma_Intercept  cor_Subject__Intercept__Days
    r_Subject[s308,Intercept]  r_g__sigma[a,Intercept]

Correlations are the upper triangle column by column, ``(1,2), (1,3), (2,3), ...``; group-level
effects list every level of the first coefficient, then of the second; whitespace in level labels
becomes ``.``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from brmsjax.backend.infer.nuts import SampleResult
    from brmsjax.backend.model.lower import LoweredModel

__all__ = [
    "META_COLUMNS",
    "FixedNames",
    "GroupNames",
    "ModelNames",
    "coef_name",
    "to_draws",
    "variable_names",
]

META_COLUMNS = (".chain", ".iteration", ".draw")
_SPACE = re.compile(r"[ \t\r\n]")


@dataclass(frozen=True)
class FixedNames:
    """Names of one population-level block: ``columns`` are the ``b`` coefficients in order.

    ``thresholds`` is the number of ordinal thresholds (``b_Intercept[1]``, ...), else 0.
    """

    dpar: str
    intercept: bool
    columns: tuple[str, ...]
    thresholds: int = 0


@dataclass(frozen=True)
class GroupNames:
    """Names of one group-level ID (``cor`` is True only when correlations are estimated)."""

    id: int
    group: str
    levels: tuple[str, ...]
    coefs: tuple[str, ...]
    dpars: tuple[str, ...]
    cor: bool


@dataclass(frozen=True)
class ModelNames:
    """What the results layer needs to name draws as brms does (``LoweredModel.names``).

    Attributes
    ----------
    fixed
        Population-level blocks, mu first.
    groups
        Group-level IDs in ID order.
    aux
        Scalar distributional parameters in the family's order (``("sigma",)``): sampled, fixed
        by a ``constant()`` prior, or fixed in the formula (``bf(y ~ x, nu = 4)``, an ordinal
        family's ``disc = 1``), as brms saves them all.
    """

    fixed: tuple[FixedNames, ...]
    groups: tuple[GroupNames, ...]
    aux: tuple[str, ...]


def coef_name(coef: str, dpar: str) -> str:
    """brms's name of a group-level coefficient: ``Days`` for mu, ``sigma_Intercept``."""
    return f"{dpar}_{coef}" if dpar else coef


def _rnames(g: GroupNames) -> list[str]:
    return [coef_name(c, d) for c, d in zip(g.coefs, g.dpars, strict=True)]


def _columns(names: ModelNames) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """``(brms name, internal sample key, index into one draw)`` in brms's order."""
    for f in names.fixed:
        key = f"b_{f.dpar}_Intercept" if f.dpar else "b_Intercept"
        if f.intercept:
            yield key, key, ()
        for k in range(f.thresholds):
            yield f"{key}[{k + 1}]", key, (k,)
    for f in names.fixed:
        prefix = f"b_{f.dpar}" if f.dpar else "b"
        for i, col in enumerate(f.columns):
            yield f"{prefix}_{col}", prefix, (i,)
    for g in names.groups:
        for m, rn in enumerate(_rnames(g)):
            yield f"sd_{g.group}__{rn}", f"sd_{g.id}", (m,)
    for g in names.groups:
        if g.cor:
            coefs = _rnames(g)
            pairs = [(j, k) for k in range(len(coefs)) for j in range(k)]
            for i, (j, k) in enumerate(pairs):
                yield f"cor_{g.group}__{coefs[j]}__{coefs[k]}", f"cor_{g.id}", (i,)
    for d in names.aux:
        yield d, d, ()
    for g in names.groups:
        levels = [_SPACE.sub(".", lv) for lv in g.levels]
        for m, (coef, dpar) in enumerate(zip(g.coefs, g.dpars, strict=True)):
            base = f"r_{g.group}__{dpar}" if dpar else f"r_{g.group}"
            for lv_i, lv in enumerate(levels):
                yield f"{base}[{lv},{coef}]", f"r_{g.id}", (lv_i, m)
    yield "lprior", "lprior", ()
    yield "lp__", "lp__", ()


def variable_names(names: ModelNames) -> list[str]:
    """All variable names of a model in brms's order (without the ``.chain`` columns)."""
    return [name for name, _, _ in _columns(names)]


def to_draws(result: SampleResult, lowered: LoweredModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """brms's ``as_draws_df`` and the per-draw NUTS statistics of a sampling run.

    Parameters
    ----------
    result
        The raw draws from :func:`brmsjax.backend.infer.nuts.sample`.
    lowered
        The model that was sampled (for the names).

    Returns
    -------
    draws
        One column per variable with brms's names and order, then ``.chain``,
        ``.iteration`` and ``.draw`` (1-based; chains one after another).
    stats
        Rows aligned with ``draws``: Stan's ``accept_stat__``, ``stepsize__``, ``treedepth__``,
        ``n_leapfrog__``, ``divergent__`` (0/1) and ``energy__``.
    """
    chains, n = result.chains, result.draws_per_chain
    columns: dict[str, np.ndarray] = {}
    flats: dict[str, tuple[np.ndarray, tuple[int, ...]]] = {}
    for name, key, index in _columns(lowered.names):
        if key not in flats:  # one float64 copy per site (float32 draws), not one per column
            values = np.asarray(result.samples[key], dtype=np.float64)
            flats[key] = values.reshape(chains * n, -1), values.shape[2:]
        flat, shape = flats[key]
        column = int(np.ravel_multi_index(index, shape)) if index else 0
        columns[name] = flat[:, column]
    columns[".chain"] = np.repeat(np.arange(1, chains + 1), n)
    columns[".iteration"] = np.tile(np.arange(1, n + 1), chains)
    columns[".draw"] = np.arange(1, chains * n + 1)
    draws = pd.DataFrame(columns)
    st = result.stats
    stats = pd.DataFrame(
        {
            "accept_stat__": st["accept_prob"].reshape(-1).astype(np.float64),
            "stepsize__": st["step_size"].reshape(-1).astype(np.float64),
            "treedepth__": st["treedepth"].reshape(-1),
            "n_leapfrog__": st["num_steps"].reshape(-1),
            "divergent__": st["diverging"].reshape(-1).astype(np.int64),
            "energy__": st["energy"].reshape(-1).astype(np.float64),
        }
    )
    return draws, stats
