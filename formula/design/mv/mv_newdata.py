"""New data for a multivariate fit: each response's encoding, joined as the flat design's.

brms encodes new data per response (``prepare_predictions`` of each univariate part);
:func:`encode_mv_newdata` does so with each response's design and renames the blocks to the
flat design's dpars (``y1``, ``sigma_y1``) and the group-level columns to its IDs, which number
the coefficients across the responses (``(1 | p | g)`` in two responses is one ID).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..ir import Design
from ..newdata import encode_newdata
from ..newdata_ir import EncodedGroup, NewData
from .ir_mv import mv_dpar

__all__ = ["encode_mv_newdata"]


def encode_mv_newdata(
    design: Design,
    data: Any,
    *,
    re_formula: Any = None,
    response: bool = False,
    allow_new_levels: bool = False,
) -> NewData:
    """Encode ``data`` for the flat multivariate ``design`` (``design.mv`` set); arguments as
    :func:`~.newdata.encode_newdata`'s."""
    mv = design.mv
    X: dict[str, np.ndarray] = {}
    offset: dict[str, np.ndarray] = {}
    ys = []
    found: dict[int, list[tuple[int, np.ndarray, np.ndarray, tuple[str, ...]]]] = {}
    n = 0
    for resp, d in zip(mv.responses, mv.designs, strict=True):
        nd = encode_newdata(
            d, data, re_formula=re_formula, response=response, allow_new_levels=allow_new_levels
        )
        n = nd.n
        X.update({mv_dpar(k, resp): v for k, v in nd.X.items()})
        offset.update({mv_dpar(k, resp): v for k, v in nd.offset.items()})
        if nd.y is not None:
            ys.append(np.asarray(nd.y, dtype=float))
        for e in nd.groups:
            own = d.groups[e.id - 1]
            for k, c in enumerate(e.columns):
                key = (own.coefs[c], mv_dpar(own.dpars[c], resp))
                flat = next(
                    g
                    for g in design.groups
                    if g.group == own.group and key in zip(g.coefs, g.dpars, strict=True)
                )
                m = list(zip(flat.coefs, flat.dpars, strict=True)).index(key)
                found.setdefault(flat.id, []).append((m, e.J, e.Z[:, k], e.new_levels))
    groups = []
    for g in design.groups:
        if g.id not in found:
            continue
        cols = sorted(found[g.id], key=lambda item: item[0])
        groups.append(
            EncodedGroup(
                id=g.id,
                group=g.group,
                columns=tuple(m for m, _, _, _ in cols),
                J=cols[0][1],
                Z=np.column_stack([z for _, _, z, _ in cols]),
                new_levels=cols[0][3],
            )
        )
    y = np.column_stack(ys) if response and ys else None
    return replace(NewData(n=n, X=X, offset=offset, groups=tuple(groups)), y=y)
