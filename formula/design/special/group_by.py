"""The design data of group terms with ``gr()`` options: ``by = f`` and ``dist = "student"``.

brms 2.18 (``R/data-re.R``, ``R/stan-re.R``) gives such a term one standard deviation per
coefficient *and* level of ``f`` (``matrix<lower=0>[M_k, Nby_k] sd_k``) and, with ``|``, one
correlation matrix per level of ``f`` (``L_k[Nby_k]``). Each level of ``g`` must lie in exactly
one level of ``f`` ("Some levels of 'g' correspond to multiple levels of 'f'."); brms's
standata gives that level's ``by`` level as ``Jby_k`` (``N_k`` entries) and their number as
``Nby_k``. The draws are named ``sd_g__Intercept:fa`` (coefficient, then ``<by><level>``)
and ``cor_g__Intercept:fa__x:fa``; the effects keep their names (``r_g[level,Intercept]``).

:class:`ByGroupBlock` is the design IR of such a block and :class:`ByGroupSpec` its data-free
spec (what the draws and the fit hold); :func:`by_levels_of` reads the level of ``f`` of each
level of ``g``. The same classes carry ``gr(g, dist = "student")``: the effects are then a
multivariate student-t (brms's scale mixture ``r = sqrt(df_k udf_k) diag(sd) L z`` with
``udf_k ~ inv_chi_square(df_k)`` per level), drawn as ``df_g`` (:func:`group_dist`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ... import names
from ...errors import DesignError
from ...evaluate.values import Factor, Numeric, Value
from ...evaluate.variables import format_r_number, unique_inverse
from ...syntax.ast import Node
from ...syntax.parse import deparse
from ..ir import GroupBlock, GroupSpec

__all__ = [
    "ByGroupBlock",
    "ByGroupSpec",
    "by_info",
    "by_levels_of",
    "by_names",
    "group_dist",
]


@dataclass(frozen=True)
class ByGroupSpec(GroupSpec):
    """A :class:`~..ir.GroupSpec` whose ``sd`` and ``cor`` vary by the levels of ``by``.

    Attributes
    ----------
    by
        The ``by`` expression as brms deparses it (``"Trt"``).
    by_levels
        Its levels in brms's order (``("0", "1")``), without whitespace.
    dist
        The effects' distribution, ``"gaussian"`` or ``"student"``.
    """

    by: str = ""
    by_levels: tuple[str, ...] = ()
    dist: str = "gaussian"


@dataclass(frozen=True)
class ByGroupBlock(GroupBlock):
    """A group block with a ``by`` factor (see the module docstring).

    Attributes
    ----------
    by, by_levels, dist
        As :class:`ByGroupSpec`.
    Jby
        ``(n_levels,)`` int32: the 0-based ``by`` level of each level of the group.
    """

    by: str = ""
    by_levels: tuple[str, ...] = ()
    Jby: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    dist: str = "gaussian"

    @property
    def spec(self) -> GroupSpec:
        """The block without its data (a :class:`ByGroupSpec`)."""
        base = super().spec
        return ByGroupSpec(
            base.id,
            base.group,
            base.levels,
            base.coefs,
            base.dpars,
            base.cor,
            by=self.by,
            by_levels=self.by_levels,
            dist=self.dist,
        )


def by_info(spec: object) -> tuple[str, tuple[str, ...]]:
    """``(by, by_levels)`` of a group spec or block; ``("", ())`` without ``by``."""
    return str(getattr(spec, "by", "")), tuple(getattr(spec, "by_levels", ()))


def group_dist(spec: object) -> str:
    """The distribution of a group spec's or block's effects (``"gaussian"`` by default)."""
    return str(getattr(spec, "dist", "gaussian"))


def by_names(spec: GroupSpec) -> tuple[list[str], list[str]]:
    """brms's names of a block's ``sd`` (coefficients within ``by`` levels, brms's
    ``as.vector(get_rnames())``) and ``cor`` draws (all pairs of one ``by`` level, then the
    next), in the order of the flattened ``sd_k`` (``M x Nby``, column-major) and
    ``cor_k`` (``Nby x NC``, row-major) vectors."""
    by, levels = by_info(spec)
    coefs = spec.names
    sds, cors = [], []
    for lv in levels if by else ("",):
        tag = f":{by}{lv}" if by else ""
        labelled = [f"{c}{tag}" for c in coefs]
        sds += [names.sd_name(spec.group, c) for c in labelled]
        if spec.cor:
            cors += [
                names.cor_name(spec.group, labelled[j], labelled[k])
                for k in range(len(labelled))
                for j in range(k)
            ]
    return sds, cors


def by_factor(value: Value, label: str) -> Factor:
    """The ``by`` variable as brms's ``extract_levels`` reads it: a factor's levels, else the
    sorted distinct values."""
    if isinstance(value, Factor):
        return value
    if not isinstance(value, Numeric) or value.values.ndim != 1:
        raise DesignError(f"The 'by' variable '{label}' of gr() must be one column.")
    order, codes = unique_inverse(value.values)
    return Factor(codes, tuple(format_r_number(x) for x in order))


def by_levels_of(
    by: Node, group: str, factor: Factor, values: Mapping[str, Value]
) -> tuple[tuple[str, ...], np.ndarray]:
    """The ``by`` levels (whitespace removed, as brms's ``rm_wsp``) and the 0-based ``by``
    level of each level of the grouping ``factor`` (brms's ``Jby``).

    Raises brms's error when a level of the group lies in more than one ``by`` level.
    """
    label = deparse(by)
    f = by_factor(values[label], label)
    levels = tuple("".join(lv.split()) for lv in f.levels)
    n = len(factor.levels)
    Jby = np.full(n, -1, dtype=np.int64)
    pairs = np.unique(np.stack([factor.codes, f.codes], axis=1), axis=0)
    pairs = pairs[(pairs[:, 0] >= 0) & (pairs[:, 1] >= 0)]
    if len(np.unique(pairs[:, 0])) < len(pairs):
        raise DesignError(f"Some levels of '{group}' correspond to multiple levels of '{label}'.")
    Jby[pairs[:, 0]] = pairs[:, 1]
    return levels, Jby.astype(np.int32)
