"""The group-level blocks of a design: grouping factors and brms's ID grouping.

:func:`_group_factor` codes a grouping factor as brms does (a factor as it is, numbers sorted
numerically, an interaction ``g1:g2`` pasted with ``_`` and sorted as strings), vectorized over
distinct values; :func:`_group_blocks` builds one :class:`~.ir.GroupBlock` per grouping factor
and ``|ID|``, in brms's order, with the Z columns of every term that shares it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import DesignError, FormulaTermError
from ..evaluate.variables import Factor, Numeric, Value, format_r_number, unique_inverse
from ..syntax.parse import deparse
from ..terms.brmsterms import BrmsTerms, GroupTerm
from .ir import GroupBlock
from .matrix import brms_rename
from .special.cs_groups import CsGroupBlock, cs_columns
from .special.group_by import ByGroupBlock, by_levels_of
from .special.monotonic import group_matrix
from .special.multimembership import MmGroupBlock, mm_columns, mm_levels, mm_weights


def _group_factor(group: GroupTerm, values: Mapping[str, Value]) -> Factor:
    """The grouping factor of ``group``: a factor as it is, numbers as ``factor()`` codes them
    (levels sorted numerically, printed as R prints them), and an interaction ``g1:g2`` as the
    observed combinations pasted with ``_`` and sorted as strings.

    Vectorized: labels are formatted once per distinct value or combination, never per row.
    """
    parts = [values[deparse(v)] for v in group.group_vars]
    if len(parts) == 1 and isinstance(parts[0], Factor):
        return parts[0]
    for part in parts:
        if isinstance(part, Numeric) and part.values.ndim != 1:
            raise DesignError(f"The grouping factor '{group.group}' must be one column.")
    if len(parts) == 1:
        numeric = parts[0]
        if not isinstance(numeric, Numeric):  # pragma: no cover - factors returned above
            raise DesignError(f"The grouping factor '{group.group}' cannot be read.")
        order, codes = unique_inverse(numeric.values)
        return Factor(codes, tuple(format_r_number(x) for x in order))
    return _pasted_factor(parts)


def _part_codes(part: Value) -> tuple[np.ndarray, list[str]]:
    """Codes of one part of an interaction into its distinct labels (R's ``as.character``)."""
    if isinstance(part, Factor):
        return np.maximum(part.codes, 0), list(part.levels)
    uniq, codes = unique_inverse(part.values)
    return codes, [format_r_number(x) for x in uniq]


def _pasted_factor(parts: Sequence[Value]) -> Factor:
    """The interaction of ``parts`` as brms pastes it: labels joined by ``_``, the observed
    ones sorted by code point (two combinations that paste to one label share a level)."""
    codes, labels = _part_codes(parts[0])
    # combo holds, per distinct observed combination, the code of each part.
    combo = [np.arange(len(labels))]
    part_labels = [labels]
    for part in parts[1:]:
        more, more_labels = _part_codes(part)
        width = max(len(more_labels), 1)
        uniq, codes = unique_inverse(codes.astype(np.int64) * width + more)
        combo = [c[uniq // width] for c in combo] + [uniq % width]
        part_labels.append(more_labels)
    if len(combo[0]) == 0:
        return Factor(codes.astype(np.int64), ())
    pasted = [
        "_".join(pieces)
        for pieces in zip(
            *([lab[i] for i in idx] for lab, idx in zip(part_labels, combo, strict=True)),
            strict=True,
        )
    ]
    levels = tuple(sorted(set(pasted)))
    position = {lv: i for i, lv in enumerate(levels)}
    remap = np.array([position[lb] for lb in pasted], dtype=np.int64)
    return Factor(remap[codes], levels)


def _group_blocks(
    bt: BrmsTerms,
    values: Mapping[str, Value],
    n: int,
    covs: list[str | None] | None = None,
    nthres: int = 0,
) -> tuple[GroupBlock, ...]:
    """The group-level blocks in brms's ID order; ``covs``, when given, receives each block's
    ``gr(g, cov = A)`` name (None without one), the first term's of an ID as brms takes it.
    ``nthres``: the thresholds of an ordinal model, one effect each per coefficient of a
    category-specific term ``(cs(1) | g)`` (:mod:`.special.cs_groups`)."""
    blocks: list[dict[str, Any]] = []
    by_id: dict[str, int] = {}
    seen: set[tuple[str, str, str]] = set()
    for dp in bt.dpars:
        for group in dp.groups:
            mm: dict[str, Any] = {}
            if group.mm is not None:  # multi-membership: J and Z per membership
                z, names = mm_columns(group, values, n, bt.source)
                nsp = 0
                members = [
                    _group_factor(replace(group, group_vars=(m,)), values) for m in group.mm.members
                ]
                codes, levels = mm_levels(members)
                factor = Factor(codes, levels)
                mm = {"W": mm_weights(group, values, n)}
            else:
                z, names, _, nsp = group_matrix(group.coefs, values, n)
                factor = _group_factor(group, values)
            coefs = [brms_rename(c) for c in names]
            cs = [0] * len(coefs)
            if group.cs:  # (cs(1) | g): c[1], ..., c[nthres]
                z, coefs, cs = cs_columns(z, coefs, nthres)
                _check_cs_group(group, bt.source)
            for coef in coefs:  # brms's tidy_ranef: one effect per group, coef and dpar
                if (group.group, coef, dp.dpar) in seen:
                    raise FormulaTermError(
                        "Duplicated group-level effects are not allowed.\nOccured for effect "
                        f"'{coef}' of group '{group.group}'.",
                        dp.source or bt.source,
                        group.span,
                    )
                seen.add((group.group, coef, dp.dpar))
            sp = [False] * (len(coefs) - nsp) + [True] * nsp
            if group.id is not None and group.id in by_id:
                block = blocks[by_id[group.id]]
                if block["group"] != group.group:
                    raise FormulaTermError(
                        f"Group-level terms sharing the id '{group.id}' must use the same "
                        f"grouping factor, not both '{block['group']}' and '{group.group}'.",
                        bt.source,
                        group.span,
                    )
                block["Z"].append(z)
                block["coefs"].extend(coefs)
                block["dpars"].extend([dp.dpar] * len(coefs))
                block["sp"].extend(sp)
                block["cs"].extend(cs)
                block["cor"] = block["cor"] and group.cor
                if block["dist"] != group.dist:
                    raise FormulaTermError(
                        f"Group-level terms sharing the id '{group.id}' must have the same "
                        f"distribution (gr(dist = )), not both '{block['dist']}' and "
                        f"'{group.dist}'.",
                        bt.source,
                        group.span,
                    )
                continue
            if group.id is not None:
                by_id[group.id] = len(blocks)
            blocks.append(
                {
                    "group": group.group,
                    "factor": factor,
                    "Z": [z],
                    "coefs": list(coefs),
                    "dpars": [dp.dpar] * len(coefs),
                    "sp": sp,
                    "cs": cs,
                    "cor": group.cor,
                    "cov": group.cov,
                    "by": group.by,
                    "dist": group.dist,
                    **mm,
                }
            )
    out: list[GroupBlock] = []
    if covs is not None:
        covs.extend(block["cov"] for block in blocks)
    for k, block in enumerate(blocks, 1):
        factor = block["factor"]
        Z = np.concatenate(block["Z"], axis=-1).astype(np.float64, copy=False)
        fields = {
            "id": k,
            "group": block["group"],
            "levels": factor.levels,
            "coefs": tuple(block["coefs"]),
            "dpars": tuple(block["dpars"]),
            "cor": bool(block["cor"]),
            "J": factor.codes.astype(np.int32),
            "sp": tuple(block["sp"]) if any(block["sp"]) else (),
        }
        if "W" in block:
            W = block["W"]
            out.append(MmGroupBlock(**fields, Z=W[:, :, None] * Z, W=W, Z_members=Z))
        elif block["by"] is not None or block["dist"] != "gaussian":  # gr(by = , dist = )
            extra: dict[str, Any] = {"dist": block["dist"]}
            if block["by"] is not None:  # sd and cor per level of f
                levels, Jby = by_levels_of(block["by"], block["group"], factor, values)
                extra.update(by=deparse(block["by"]), by_levels=levels, Jby=Jby)
            out.append(ByGroupBlock(**fields, Z=Z, **extra))
        elif any(block["cs"]):
            out.append(CsGroupBlock(**fields, Z=Z, cs=tuple(block["cs"])))
        else:
            out.append(GroupBlock(**fields, Z=Z))
    return tuple(out)


def _check_cs_group(group: GroupTerm, source: str) -> None:
    """Refuse ``gr()`` options that brms 2.18 cannot combine with a category-specific
    group-level term (``gr(g, by = f)`` fails in its ``tidy_ranef``)."""
    if group.by is not None or group.dist != "gaussian" or group.cov is not None:
        raise FormulaTermError(
            "A category-specific group-level term (cs(1) | g) cannot have the gr() options "
            "by, dist or cov; use (cs(1) | g) with a plain grouping factor.",
            source,
            group.span,
        )
