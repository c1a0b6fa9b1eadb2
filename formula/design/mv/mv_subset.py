"""``subset()`` and ``index()`` addition terms of multivariate models, and the ``mi(x, idx)``
predictors that read a subsetted response by its index.

brms's mi.Rd example::

    bf(bmi | mi() ~ age * mi(chl, idx)) + bf(chl | mi(se) + subset(sub) + index(id) ~ age)

``chl`` is modelled on the rows where ``sub`` is TRUE only (brms's ``N_chl``, ``Y_chl``,
``X_chl`` hold those rows), and ``bmi``'s ``mi(chl, idx)`` reads ``chl``'s latent value of the
subset row whose ``id`` equals ``idx`` (brms's ``idxl_bmi_chl_1 = match(idx, id)``). The flat
design keeps every response on all ``N`` rows (:mod:`.ir_mv`): :class:`MvSubset` holds the rows
each response uses (the likelihood masks the others) and the matched rows of each ``mi(x, idx)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ...errors import FormulaTermError
from ...syntax.deparse import deparse
from ...terms.readers.mi_predictors import is_mi, mi_index_nodes, mi_variable
from ..ir import Design, FixedBlock
from .ir_mv import mv_dpar

__all__ = ["MiIndex", "MvSubset", "mv_subset", "subset_blocks"]


@dataclass(frozen=True)
class MiIndex:
    """One ``mi(x, idx)`` lookup: the flat dpar reading it, the response ``x``, brms's data
    name (``idxl_bmi_chl_1``) and the matched 0-based positions among ``x``'s subset rows."""

    dpar: str
    target: str
    name: str
    positions: np.ndarray


@dataclass(frozen=True)
class MvSubset:
    """Rows of each response (None: all rows) and the ``mi(x, idx)`` lookups."""

    rows: tuple[np.ndarray | None, ...]
    lookups: tuple[MiIndex, ...]

    def full_rows(self, column: int, positions: np.ndarray) -> np.ndarray:
        """Rows of the flat design of positions among response ``column``'s rows."""
        rows = self.rows[column]
        return np.asarray(positions) if rows is None else rows[np.asarray(positions, dtype=int)]


def subset_rows(design: Design) -> np.ndarray | None:
    """The rows where a response's ``subset()`` is TRUE (None without ``subset()``)."""
    sub = design.response.addition.get("subset")
    return None if sub is None else np.flatnonzero(np.asarray(sub) != 0)


def mv_subset(
    responses: Sequence[str],
    labels: Sequence[str],
    designs: Sequence[Design],
    values: Mapping[str, Any],
    rescor: bool = False,
) -> MvSubset | None:
    """The subsets and ``mi(x, idx)`` lookups of a multivariate model's responses (designs on
    all rows), or None where no response has ``subset()`` and no predictor ``mi(x, idx)``.

    Raises
    ------
    FormulaTermError
        brms's errors: ``subset()`` or ``index()`` with ``rescor``, ``mi(x)`` of a subsetted
        ``x`` without ``idx``, ``mi(x, idx)`` of an
        ``x`` without ``index()``, and an ``idx`` that matches no index of ``x``.
    """
    if rescor and any({"subset", "index"} & set(d.response.addition) for d in designs):
        raise FormulaTermError(
            "Only 'se', 'weights', 'mi' are supported addition arguments when 'rescor' is "
            "estimated."
        )
    rows = tuple(subset_rows(d) for d in designs)
    lookups: list[MiIndex] = []
    for resp, d in zip(responses, designs, strict=True):
        for dp in d.state.terms.dpars:
            seen: dict[str, int] = {}
            for node in dp.fixed.variables():
                if not is_mi(node):
                    continue
                var = deparse(mi_variable(node))
                if var not in labels:
                    continue
                k = list(labels).index(var)
                idx = mi_index_nodes(node)
                if not idx:
                    if rows[k] is not None:
                        raise FormulaTermError(
                            "mi() terms of subsetted variables require the 'idx' argument "
                            "to be specified."
                        )
                    continue
                index = designs[k].response.addition.get("index")
                if index is None:
                    raise FormulaTermError(
                        f"Response '{responses[k]}' needs to have an 'index' addition term to "
                        f"compare with '{deparse(idx[0])}'. See ?mi for examples."
                    )
                if var in seen:
                    continue
                seen[var] = len(seen)
                target = np.asarray(index if rows[k] is None else index[rows[k]], dtype=float)
                wanted = np.asarray(values[deparse(idx[0])].values, dtype=float)
                where = {v: j for j, v in reversed(list(enumerate(target)))}
                if any(v not in where for v in wanted):
                    raise FormulaTermError(
                        f"Some values of '{deparse(idx[0])}' match no value of the index() of "
                        f"response '{responses[k]}'."
                    )
                positions = np.array([where[v] for v in wanted], dtype=np.int64)
                name = f"idxl_{resp}_{responses[k]}_1"
                lookups.append(MiIndex(mv_dpar(dp.dpar, resp), responses[k], name, positions))
    if all(r is None for r in rows) and not lookups:
        return None
    return MvSubset(rows, tuple(lookups))


def subset_blocks(
    subset: MvSubset | None, responses: Sequence[str], designs: Sequence[Design]
) -> tuple[FixedBlock, ...] | None:
    """The flat population-level blocks of the responses with ``subset()``: the rows outside
    the subset hold the subset's column means, so that centring ``X`` over all rows centres
    it by the subset's means as brms does (the likelihood masks those rows). None without
    ``subset()``.

    Raises
    ------
    FormulaTermError
        For group-level, smooth and special terms in a subsetted response (not supported yet).
    """
    if subset is None or all(r is None for r in subset.rows):
        return None
    out = []
    for resp, d, rows in zip(responses, designs, subset.rows, strict=True):
        if rows is not None and (d.groups or d.smooths or _special(d)):
            raise FormulaTermError(
                f"Group-level, smooth and special terms of a response with subset() are not "
                f"supported yet in brmsjax (response '{resp}'); use population-level terms."
            )
        for block in d.fixed:
            if rows is None:
                out.append(replace(block, dpar=mv_dpar(block.dpar, resp)))
                continue
            X = np.asarray(block.X, dtype=float).copy()
            outside = np.ones(len(X), dtype=bool)
            outside[rows] = False
            X[outside] = X[rows].mean(axis=0)
            out.append(replace(block, dpar=mv_dpar(block.dpar, resp), X=X))
    return tuple(out)


def _special(design: Design) -> bool:
    return any(b.sp is not None or b.offset is not None for b in design.fixed)
