"""The design data of multi-membership terms ``(1 + mmc(x1, x2) | mm(g1, g2, weights = ...))``.

brms 2.18 (``R/data-re.R``) gives an ``mm(g1, ..., gG)`` grouping structure the union of the
levels of ``g1`` ... ``gG`` (each variable's levels as ``factor()`` orders them, in turn, the
repeated ones dropped), one level index ``J_k_m`` and weight ``W_k_m`` per membership ``m``
(``1/G`` without ``weights``; ``weights = cbind(w1, ..., wG)`` divided by the row sums with
``scale = TRUE``) and one predictor column ``Z_k_c_m`` per coefficient ``c`` and membership:
the column of an ordinary term repeated, the ``m``-th variable of an ``mmc(x1, ..., xG)`` term.
The linear predictor gets ``sum_m W_m r[J_m, c] Z_c_m``.

:class:`MmGroupBlock` is the design IR of such a block: a :class:`~..ir.GroupBlock` whose ``J``
is ``(N, G)`` and whose ``Z`` is ``(N, G, M)`` with the weights multiplied in, so that the
backend gathers ``r[J]`` and sums over memberships and coefficients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ...errors import DesignError, FormulaTermError
from ...evaluate.values import Factor, Numeric, Value
from ...syntax.ast import Call, Node
from ...syntax.parse import deparse
from ...terms.brmsterms import GroupTerm
from ...terms.multimembership import is_mmc, mmc_arguments
from ..ir import GroupBlock
from .monotonic import group_matrix

__all__ = [
    "MmGroupBlock",
    "is_mm_block",
    "mm_columns",
    "mm_levels",
    "mm_nodes",
    "mm_values",
    "mm_weights",
]


@dataclass(frozen=True)
class MmGroupBlock(GroupBlock):
    """A multi-membership group block.

    Attributes
    ----------
    J
        ``(N, G)`` int32 level index per membership, 0-based into the union of levels.
    Z
        ``(N, G, M)`` float64 predictors times the membership weights (``W[:, m, None] *
        Z_members[:, m]``), what the linear predictor multiplies ``r[J]`` by.
    W
        ``(N, G)`` membership weights (brms's ``W_k_m``).
    Z_members
        ``(N, G, M)`` predictor values per membership without the weights (``Z_k_c_m``).
    """

    W: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    Z_members: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))

    @property
    def n_members(self) -> int:
        """Number of memberships G."""
        return int(self.W.shape[1])


def is_mm_block(block: object) -> bool:
    """Whether a group block is a multi-membership one (``J`` per membership)."""
    return isinstance(block, MmGroupBlock)


def mm_nodes(group: GroupTerm) -> list[Node]:
    """The variables of a multi-membership term to evaluate: the coefficients' variables
    (the arguments of ``mmc()`` in its place), the grouping variables and the weights."""
    if group.mm is None:  # pragma: no cover - callers check
        raise ValueError("not a multi-membership term")
    nodes: list[Node] = []
    for node in group.coefs.variables():
        nodes.extend(mmc_arguments(node) if isinstance(node, Call) and is_mmc(node) else [node])
    return [*nodes, *group.mm.members, *(group.mm.weights or ())]


def mm_levels(factors: Sequence[Factor]) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(N, G)`` codes into the union of the members' levels, and those levels (brms's
    ``unique(unlist(lapply(data[gvars], levels_of_factor)))``)."""
    levels: dict[str, int] = {}
    for f in factors:
        for lv in f.levels:
            levels.setdefault(lv, len(levels))
    cols = []
    for f in factors:
        remap = np.array([levels[lv] for lv in f.levels] + [-1], dtype=np.int64)
        cols.append(remap[f.codes])
    return np.stack(cols, axis=1), tuple(levels)


def mm_weights(group: GroupTerm, values: Mapping[str, Value], n: int) -> np.ndarray:
    """``(N, G)`` membership weights: ``1/G`` each without ``weights``, else the columns of
    ``cbind(...)``, divided by their row sums with ``scale = TRUE``."""
    mm = group.mm
    if mm is None:  # pragma: no cover - callers check
        raise ValueError("not a multi-membership term")
    G = len(mm.members)
    if mm.weights is None:
        return np.full((n, G), 1.0 / G)
    cols = []
    for node in mm.weights:
        value = values[deparse(node)]
        if not isinstance(value, Numeric) or value.values.ndim != 1:
            raise DesignError(
                f"The weights of '{group.group}' must be numeric variables, not '{deparse(node)}'."
            )
        cols.append(np.asarray(value.values, dtype=np.float64))
    W = np.stack(cols, axis=1)
    if mm.scale:
        total = W.sum(axis=1, keepdims=True)
        if np.any(total == 0):
            raise DesignError(
                f"The weights of '{group.group}' sum to zero in some rows; they cannot be "
                "scaled (use scale = FALSE or positive weights)."
            )
        W = W / total
    return W


def mm_values(group: GroupTerm, values: Mapping[str, Value], member: int = 0) -> dict[str, Value]:
    """``values`` with every ``mmc(x1, ..., xG)`` of the term's coefficients read as its
    variable of membership ``member``."""
    out = dict(values)
    for v in group.coefs.variables():
        if isinstance(v, Call) and is_mmc(v):
            out[deparse(v)] = values[deparse(mmc_arguments(v)[member])]
    return out


def mm_columns(
    group: GroupTerm, values: Mapping[str, Value], n: int, source: str
) -> tuple[np.ndarray, list[str]]:
    """``(N, G, M)`` predictor values per membership and R's column names.

    Membership ``m`` evaluates the coefficients with every ``mmc(x1, ..., xG)`` read as
    ``x_m``; ordinary terms give the same column for every membership.
    """
    mm = group.mm
    if mm is None:  # pragma: no cover - callers check
        raise ValueError("not a multi-membership term")
    out: list[np.ndarray] = []
    names: list[str] = []
    for m in range(len(mm.members)):
        z, names, _, nsp = group_matrix(group.coefs, mm_values(group, values, m), n)
        if nsp:
            raise FormulaTermError(
                "mo() terms cannot be used inside a multi-membership term.", source, group.span
            )
        out.append(np.asarray(z, dtype=np.float64))
    return np.stack(out, axis=1), names
