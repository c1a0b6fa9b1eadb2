"""The fit's core types, shared by the fit and its method functions.

Everything here depends only on numpy, pandas and the error base class, so every module of the
fit layer can import it without importing :mod:`brmsjax.fit` (which binds the method functions
into :class:`~brmsjax.fit.BrmsFit`): the metadata (:class:`FitInfo`, whose groups are the design's
:class:`~brmsjax.formula.design.ir.GroupSpec`), the
errors, the brms name conventions (:data:`META_COLUMNS`, :data:`FIXEF_PATTERN`), the draws
accessor :class:`DrawStore` and :class:`FitLike`, the protocol the method functions take (brms's
S3 methods take a ``brmsfit``; these take anything shaped like one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from brmsjax.formula.design.ir import GroupSpec
from brmsjax.formula.errors import BrmsjaxError
from brmsjax.formula.names import META_COLUMNS

__all__ = [
    "ARVIZ_STAT_NAMES",
    "FIXEF_PATTERN",
    "META_COLUMNS",
    "DrawStore",
    "FitError",
    "FitFileError",
    "FitInfo",
    "FitLike",
    "group_spec",
]

# Population-level coefficient classes (brms's ``fixef_pars()``): b_, bs_, bcs_, bsp_, bmo_, ...
FIXEF_PATTERN = re.compile(r"^b(|s|cs|sp|mo|me|mi|m)_")


#: Stan's sampler statistics (the draws' ``divergent__``, ...) under ArviZ's names.
ARVIZ_STAT_NAMES = {
    "divergent__": "diverging",
    "treedepth__": "tree_depth",
    "accept_stat__": "acceptance_rate",
    "stepsize__": "step_size",
    "n_leapfrog__": "n_steps",
    "energy__": "energy",
}


class FitError(BrmsjaxError, ValueError):
    """A fit lacks what a method needs, or its draws do not match its metadata."""


class FitFileError(BrmsjaxError, OSError):
    """A saved fit cannot be read, or a fit cannot be written."""


def group_spec(
    group: str,
    levels: Sequence[str],
    coefs: Sequence[str],
    dpars: Sequence[str] = (),
    *,
    cor: bool = True,
    id: int = 1,
) -> GroupSpec:
    """A fit's :class:`~brmsjax.formula.design.ir.GroupSpec` from brms's ``sd_`` coefficient names.

    For building a :class:`FitInfo` by hand (``brm()`` takes the specs from the design):
    ``coefs`` carry the dpar prefix as brms shows them (``"sigma_Intercept"``), ``dpars`` default
    to mu's, and ``cor`` is True only where correlations are estimated.
    """
    dpars = tuple(dpars) or ("",) * len(coefs)
    if len(dpars) != len(coefs):
        raise ValueError("group_spec(): dpars must be parallel to coefs")
    bare = tuple(c[len(d) + 1 :] if d else c for c, d in zip(coefs, dpars, strict=True))
    return GroupSpec(id, group, tuple(levels), bare, dpars, cor and len(coefs) > 1)


@dataclass(frozen=True)
class FitInfo:
    """Everything a fit's methods need besides the draws.

    Attributes
    ----------
    formula
        The formula as brms prints it; a distributional formula has one line per parameter
        (``"y ~ x\\nsigma ~ x"``).
    family
        brms family name (``"gaussian"``).
    links
        The ``Links:`` line (``"mu = identity; sigma = identity"``).
    response
        Response variable name (VarCorr's ``residual__`` row).
    data_name
        Name of the data shown in the summary.
    nobs
        Number of observations used.
    chains, iter, warmup, thin
        Sampler settings as brms reports them (``iter`` includes warmup).
    fixed
        Population-level coefficient names per dpar (``""`` for mu), without ``b_``:
        ``{"": ("Intercept", "Days"), "sigma": ("sigma_Intercept",)}``; ordinal thresholds are
        ``Intercept[1]``, ``Intercept[2]``, ...; categorical blocks ``mu2_Intercept``, ...
    groups
        Group-level ID blocks in brms's ID order.
    spec_pars
        Scalar family parameters, the Family Specific Parameters rows (``("sigma",)``): sampled
        ones and those fixed in the formula (``nu = 4``; an ordinal family's ``disc = 1``),
        which brms saves with the draws.
    algorithm
        Sampler as brms prints it (``"sampling(NUTS)"``).
    max_treedepth, adapt_delta
        NUTS settings, quoted by the sampler warnings.
    """

    formula: str
    family: str
    links: str
    response: str
    data_name: str
    nobs: int
    chains: int
    iter: int
    warmup: int
    thin: int = 1
    fixed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    groups: tuple[GroupSpec, ...] = ()
    spec_pars: tuple[str, ...] = ()
    algorithm: str = "sampling(NUTS)"
    max_treedepth: int = 10
    adapt_delta: float = 0.8

    @property
    def group_names(self) -> tuple[str, ...]:
        """Grouping factors in order of first appearance (one summary table each)."""
        return tuple(dict.fromkeys(g.group for g in self.groups))

    def blocks(self, group: str) -> tuple[GroupSpec, ...]:
        """The ID blocks of one grouping factor."""
        return tuple(g for g in self.groups if g.group == group)

    @property
    def total_ndraws(self) -> int:
        """Post-warmup draws as brms 2.18 counts them: ceiling((iter - warmup) / thin * chains)."""
        return int(np.ceil((self.iter - self.warmup) / self.thin * self.chains))


class DrawStore:
    """A fit's draws as arrays by brms's variable names: how the method functions read draws.

    Parameters
    ----------
    frame
        The draws sorted by chain and iteration: the variables, then :data:`META_COLUMNS`.
    nchains
        Number of chains (each with the same number of draws).
    sampler_stats
        Per-draw sampler statistics aligned with ``frame`` (Stan's names), or None.
    """

    def __init__(
        self, frame: pd.DataFrame, nchains: int, sampler_stats: pd.DataFrame | None = None
    ) -> None:
        self.frame = frame
        self.nchains = nchains
        self.sampler_stats = sampler_stats
        self.names: tuple[str, ...] = tuple(str(c) for c in frame.columns if c not in META_COLUMNS)
        self._known = frozenset(self.names)

    @property
    def ndraws(self) -> int:
        """Number of draws over all chains."""
        return len(self.frame)

    def has(self, name: str) -> bool:
        """Whether the draws hold the variable ``name``."""
        return name in self._known

    def matrix(self, names: Sequence[str]) -> np.ndarray:
        """``(draw, var)`` float64 array of the named variables; absent names give NaN."""
        out = np.full((self.ndraws, len(names)), np.nan)
        idx = [i for i, n in enumerate(names) if n in self._known]
        if idx:
            out[:, idx] = self.frame[[names[i] for i in idx]].to_numpy(dtype=np.float64)
        return out

    def array(self, names: Sequence[str]) -> np.ndarray:
        """``(chain, draw, var)`` array of the named variables (absent names give NaN)."""
        return self.matrix(names).reshape(self.nchains, -1, len(names))

    def stat(self, name: str) -> np.ndarray | None:
        """One sampler statistic per draw (``"divergent__"``), or None if the fit lacks it."""
        stats = self.sampler_stats
        if stats is None or name not in stats.columns:
            return None
        return stats[name].to_numpy()


class FitLike(Protocol):
    """What the fit's method functions read: the shape of a :class:`~brmsjax.fit.BrmsFit`.

    The functions in :mod:`brmsjax.methods` take a ``FitLike`` first, as brms's S3 methods take
    a ``brmsfit``; :class:`~brmsjax.fit.BrmsFit` binds them as its methods.
    """

    info: FitInfo
    store: DrawStore
    design: Any
    model: Any
    data: pd.DataFrame | None
    brm_args: dict[str, Any]

    @property
    def nchains(self) -> int:
        """Number of chains."""
        ...

    @property
    def ndraws(self) -> int:
        """Number of post-warmup draws over all chains."""
        ...

    def variables(self) -> list[str]:
        """Variable names in brms's order."""
        ...

    def draws(self) -> pd.DataFrame:
        """A copy of the draws with the ``.chain .iteration .draw`` columns."""
        ...
